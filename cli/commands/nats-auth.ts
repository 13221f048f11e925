// gome nats-auth: NATS users for a server several hosts share. Each --user NAME=ROLES gets an nkey; auth.conf holds
// the server's authorization block (public keys and each user's subject permissions, runtime/nats-permissions.ts) and
// NAME.nk each user's seed (mode 600), which only that host keeps.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { authorizationConfig, generateUsers, type NatsUserSpec } from '../../runtime/nats-permissions.ts';
import { GomeError } from '../../runtime/errors.ts';
import { ConfigInvalid } from '../../protocols/index.ts';

export class NatsUserInvalid extends GomeError {
  constructor(given: string, reason: string) {
    super(`--user ${JSON.stringify(given)} ${reason}`, 'write it as NAME=ROLE,ROLE, e.g. --user worker-a=researcher,developer,validator');
  }
}

/** A host's nkey seed file (--nats-key), or a sentence saying it is not there. */
export function readKey(file: string): string {
  if (!existsSync(file)) throw new ConfigInvalid([`--nats-key was ${JSON.stringify(file)}, but there is no such file: give the .nk file gome nats-auth wrote for this host.`]);
  return readFileSync(file, 'utf8');
}

export function parseUserSpec(given: string): NatsUserSpec {
  const m = /^([A-Za-z0-9_-]+)=(.+)$/.exec(given.trim());
  if (!m) throw new NatsUserInvalid(given, 'is not NAME=ROLES (a name of letters, digits, _ and -, then its roles)');
  const roles = m[2]!.split(',').map((r) => r.trim()).filter(Boolean);
  if (!roles.length) throw new NatsUserInvalid(given, 'names no roles');
  return { name: m[1]!, roles };
}

export function writeNatsAuth(userSpecs: readonly string[], outDir: string): { conf: string; keys: string[] } {
  let users;
  try { users = generateUsers(userSpecs.map(parseUserSpec)); } catch (e) {
    if (e instanceof GomeError) throw e;
    throw new NatsUserInvalid(userSpecs.join(' '), `is refused: ${(e as Error).message}`);
  }
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'auth.conf');
  writeFileSync(conf, `# NATS users of a Gome deployment (gome nats-auth); public keys only: each host keeps its own .nk seed\n${authorizationConfig(users)}`);
  const keys = users.map((u) => {
    const f = join(dir, `${u.name}.nk`);
    writeFileSync(f, `${u.seed}\n`, { mode: 0o600 });
    chmodSync(f, 0o600);
    return f;
  });
  return { conf, keys };
}
