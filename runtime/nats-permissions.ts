// NATS users per host with subject permissions: a user may publish only as its own roles (every message goes on
// gome.<run>.<to role>.<to instance>.<sender role>, so the server checks the sender) and read only its own roles'
// inboxes; journal records and dead letters likewise under its roles. The run's owner (role cli: the coordinating
// host, which records the run's stream) also reads every subject of its runs and uses the JetStream API. Users
// authenticate with nkeys (ed25519): the server config holds public keys only; each host keeps its seed.
import { nkeys } from 'nats';
import { ARTIFACT_BUCKET } from './artifact-store.ts';
import { durableName } from './durable-inbox.ts';
import { LEASE_BUCKET } from './leases.ts';
import { CHECKPOINT_BUCKET } from './checkpoint-store.ts';
import { readerName } from './recorder.ts';
import { MAX_TRACES } from '../protocols/topology.ts';

/** The roles whose actors run on the coordinating host and need the run's whole stream (the recorder, the archive). */
export const OWNER_ROLE = 'cli';

export interface NatsUserSpec {
  /** A name for the config's comment and the seed file. */
  name: string;
  /** The roles its host runs (researcher, developer, …, gpu, brain, coordinator, cli, or a custom role). */
  roles: string[];
}

export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  /** May answer requests it received (a GPU node or worker taking a run), on their reply subjects only. */
  allow_responses?: boolean;
}

/** The roles a host can serve for runs coordinated elsewhere, and the request subjects each takes runs on. */
const SERVED_ROLES: Readonly<Record<string, string[]>> = {
  gpu: ['gome._gpu.attach', 'gome._gpu.detach'],
  ...Object.fromEntries(['researcher', 'developer', 'validator', 'memory'].map((r) => [r, [`gome._workers.*.attach.${r}`, 'gome._workers.detach']])),
};

/** A bucket's stream (the artifact store's, the leases'): its API, its data subjects `data` and its acks. */
function bucketSubjects(s: string, data: string): string[] {
  return [
    `$JS.API.STREAM.INFO.${s}`, '$JS.API.STREAM.NAMES', `$JS.API.STREAM.CREATE.${s}`, `$JS.API.STREAM.PURGE.${s}`, `$JS.API.STREAM.MSG.GET.${s}`,
    `$JS.API.DIRECT.GET.${s}`, `$JS.API.DIRECT.GET.${s}.>`, `$JS.API.CONSUMER.CREATE.${s}`, `$JS.API.CONSUMER.CREATE.${s}.>`,
    `$JS.API.CONSUMER.INFO.${s}.>`, `$JS.API.CONSUMER.MSG.NEXT.${s}.>`, `$JS.API.CONSUMER.DELETE.${s}.>`,
    data, `$JS.ACK.${s}.>`,
  ];
}

/** The durable consumers a served role's actors read from (runtime/durable-inbox.ts durableName), and its log reader. */
function consumerNames(role: string): string[] {
  const instances = role === 'gpu' || role === 'memory' ? ['0'] : Array.from({ length: MAX_TRACES }, (_, i) => `t${i}`);
  return [...instances.map((i) => durableName(`${role}.${i}`)), readerName(role)];
}

/**
 * What a host serving `role` for runs on other hosts may do on the runs' streams: create consumers only with filters
 * on its role's inboxes (its durable inboxes) or on what its role sent and journaled (reading its own history back),
 * and pull from, ack and delete only the consumers its role's actors use, named exactly (NATS wildcards match whole
 * tokens only): never another role's messages.
 */
function servedRoleSubjects(role: string): string[] {
  const names = consumerNames(role);
  return [
    '$JS.API.INFO', '$JS.API.STREAM.INFO.*', '$JS.API.STREAM.NAMES',
    `$JS.API.CONSUMER.CREATE.*.*.gome.*.${role}.*.*`, `$JS.API.CONSUMER.CREATE.*.*.gome.*.*.*.${role}`,
    `$JS.API.CONSUMER.CREATE.*.*.gome.*._journal.${role}`,
    ...names.flatMap((n) => [`$JS.API.CONSUMER.INFO.*.${n}`, `$JS.API.CONSUMER.MSG.NEXT.*.${n}`, `$JS.API.CONSUMER.DELETE.*.${n}`, `$JS.ACK.*.${n}.>`]),
  ];
}

const ROLE = /^[a-z][a-z-]*$/;

/** The subjects a host running `roles` may publish and subscribe to. */
export function rolePermissions(roles: readonly string[]): NatsPermissions {
  for (const r of roles) {
    if (!ROLE.test(r)) throw new Error(`"${r}" is not a role name (lower-case letters and dashes)`);
  }
  const publish = roles.flatMap((r) => [`gome.*.*.*.${r}`, `gome.*._journal.${r}`, `gome.*._dlq.${r}`]);
  const subscribe = roles.map((r) => `gome.*.${r}.*.*`);
  if (roles.includes(OWNER_ROLE)) {
    // the run's owner creates and reads the run's stream, watches every message of its runs, puts the run's data in
    // the object store and asks GPU nodes and workers to take its runs
    publish.push('$JS.API.>', '$O.>', '$JS.ACK.>', 'gome._gpu.>', 'gome._workers.>');
    subscribe.push('gome.>', '_INBOX.>');
    return { publish: { allow: [...new Set(publish)] }, subscribe: { allow: [...new Set(subscribe)] } };
  }
  const served = roles.filter((r) => SERVED_ROLES[r]);
  if (!served.length) return { publish: { allow: publish }, subscribe: { allow: subscribe } };
  // a host serving runs coordinated elsewhere: their requests, durable inboxes of its roles, and the artifact store
  for (const r of served) { subscribe.push(...SERVED_ROLES[r]!); publish.push(...servedRoleSubjects(r)); }
  publish.push(...bucketSubjects(`OBJ_${ARTIFACT_BUCKET}`, `$O.${ARTIFACT_BUCKET}.>`));
  // leases (runtime/leases.ts): read every key, write only its roles' (<run>.<role>)
  publish.push(...bucketSubjects(`KV_${LEASE_BUCKET}`, `$KV.${LEASE_BUCKET}.*.${served[0]}`), ...served.slice(1).map((r) => `$KV.${LEASE_BUCKET}.*.${r}`));
  // checkpoints (runtime/checkpoint-store.ts): write only its roles' actors' (<run>.<role>.<instance>[.p<i>])
  publish.push(...bucketSubjects(`KV_${CHECKPOINT_BUCKET}`, `$KV.${CHECKPOINT_BUCKET}.*.${served[0]}.>`), ...served.slice(1).map((r) => `$KV.${CHECKPOINT_BUCKET}.*.${r}.>`));
  subscribe.push('_INBOX.>');
  return { publish: { allow: [...new Set(publish)] }, subscribe: { allow: [...new Set(subscribe)] }, allow_responses: true };
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
    return `    # ${u.name}: ${u.roles.join(', ')}\n    { nkey: ${JSON.stringify(u.publicKey)}, permissions: { publish: { allow: ${list(p.publish.allow)} }, subscribe: { allow: ${list(p.subscribe.allow)} }${p.allow_responses ? ', allow_responses: true' : ''} } }`;
  });
  return `authorization {\n  users = [\n${lines.join('\n')}\n  ]\n}\n`;
}
