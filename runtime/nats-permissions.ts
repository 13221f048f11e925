// NATS users per host with subject permissions: a user may publish only as its own roles (every message goes on
// gome.<run>.<to role>.<to instance>.<sender role>, so the server checks the sender) and read only its own roles'
// inboxes; journal records and dead letters likewise under its roles. The run's owner (role cli: the coordinating
// host, which records the run's stream) also reads every subject of its runs and uses the JetStream API. Users
// authenticate with nkeys (ed25519): the server config holds public keys only; each host keeps its seed.
import { nkeys } from 'nats';

/** The roles whose actors run on the coordinating host and need the run's whole stream (the recorder, the archive). */
export const OWNER_ROLE = 'cli';

export interface NatsUserSpec {
  /** A name for the config's comment and the seed file. */
  name: string;
  /** The roles its host runs (researcher, developer, …, gpu, brain, coordinator, cli, or a custom role). */
  roles: string[];
}

export interface NatsPermissions { publish: { allow: string[] }; subscribe: { allow: string[] } }

const ROLE = /^[a-z][a-z-]*$/;

/** The subjects a host running `roles` may publish and subscribe to. */
export function rolePermissions(roles: readonly string[]): NatsPermissions {
  for (const r of roles) {
    if (!ROLE.test(r)) throw new Error(`"${r}" is not a role name (lower-case letters and dashes)`);
  }
  const publish = roles.flatMap((r) => [`gome.*.*.*.${r}`, `gome.*._journal.${r}`, `gome.*._dlq.${r}`]);
  const subscribe = roles.map((r) => `gome.*.${r}.*.*`);
  if (roles.includes(OWNER_ROLE)) {
    // the run's owner creates and reads the run's stream and watches every message of its runs
    publish.push('$JS.API.>');
    subscribe.push('gome.>', '_INBOX.>');
  }
  return { publish: { allow: publish }, subscribe: { allow: subscribe } };
}

export interface GeneratedUser extends NatsUserSpec {
  /** The nkey's public key (in the server config) … */
  publicKey: string;
  /** … and its seed (kept by the host only; it authenticates as the user). */
  seed: string;
}

/** A fresh nkey per user. */
export function generateUsers(specs: readonly NatsUserSpec[]): GeneratedUser[] {
  const names = new Set<string>();
  return specs.map((s) => {
    if (names.has(s.name)) throw new Error(`two users are named "${s.name}"; give each host its own user name`);
    names.add(s.name);
    if (!s.roles.length) throw new Error(`user "${s.name}" has no roles; give it the roles its host runs`);
    rolePermissions(s.roles); // checks the names
    const kp = nkeys.createUser();
    return { ...s, publicKey: kp.getPublicKey(), seed: new TextDecoder().decode(kp.getSeed()) };
  });
}

/** The server config's authorization block for the users (public keys and permissions only). */
export function authorizationConfig(users: readonly Pick<GeneratedUser, 'name' | 'roles' | 'publicKey'>[]): string {
  const list = (xs: readonly string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;
  const lines = users.map((u) => {
    const p = rolePermissions(u.roles);
    return `    # ${u.name}: ${u.roles.join(', ')}\n    { nkey: ${JSON.stringify(u.publicKey)}, permissions: { publish: { allow: ${list(p.publish.allow)} }, subscribe: { allow: ${list(p.subscribe.allow)} } } }`;
  });
  return `authorization {\n  users = [\n${lines.join('\n')}\n  ]\n}\n`;
}
