// NATS users per host on a real nats-server: a host publishes only as its own roles and reads only its own inboxes; a
// worker that tries to answer as the GPU node, or to read another role's inbox, is refused by the server itself; a
// connection without a user's nkey is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NatsConnection } from 'nats';
import { Bus } from '../../runtime/bus.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { NatsUnavailable } from '../../runtime/errors.ts';
import { authorizationConfig, generateUsers, rolePermissions } from '../../runtime/nats-permissions.ts';
import { subjects } from '../../protocols/subjects.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { DurableInbox } from '../../runtime/durable-inbox.ts';
import { Leases } from '../../runtime/leases.ts';
import { readerName, Recorder } from '../../runtime/recorder.ts';

const users = generateUsers([
  { name: 'owner', roles: ['cli', 'coordinator', 'memory'] },
  { name: 'worker-a', roles: ['researcher', 'developer', 'validator'] },
  { name: 'gpu-host', roles: ['gpu'] },
]);
const seed = (name: string) => users.find((u) => u.name === name)!.seed;

let server: EmbeddedNats;
let dir: string;
const buses: Bus[] = [];
const connectAs = async (name: string) => { const b = await Bus.connect({ servers: server.url, nkeySeed: seed(name), name }); buses.push(b); return b; };

/** The first permissions violation the connection reports within `ms`, or null. */
async function violation(nc: NatsConnection, ms = 2000): Promise<string | null> {
  const it = nc.status();
  const timer = new Promise<null>((r) => setTimeout(() => r(null), ms));
  const seen = (async () => {
    for await (const s of it) {
      // nats.js reports the server's -ERR as a status: the code, and what was refused
      const ctx = (s as { permissionContext?: { operation: string; subject: string } }).permissionContext;
      if (s.data === 'PERMISSIONS_VIOLATION' && ctx) return `${ctx.operation} to "${ctx.subject}" refused`;
    }
    return null;
  })();
  return Promise.race([seen, timer]);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gome-nats-auth-'));
  server = await EmbeddedNats.start({ storeDir: dir, config: authorizationConfig(users) });
});
afterAll(async () => {
  for (const b of buses) await b.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('nats permissions', () => {
  it('nats permissions - a role publishes as itself, reads its own inboxes, and the journal and dead letters carry its role', () => {
    const p = rolePermissions(['gpu']);
    expect(p.publish.allow.slice(0, 3)).toEqual(['gome.*.*.*.gpu', 'gome.*._journal.gpu', 'gome.*._dlq.gpu']);
    expect(p.publish.allow).not.toContain('$JS.API.>'); // a served role's JetStream rights are narrow (below)
    expect(p.subscribe.allow).toEqual(expect.arrayContaining(['gome.*.gpu.*.*', 'gome._gpu.attach']));
    expect(p.subscribe.allow).not.toContain('gome.>');
    expect(rolePermissions(['cli']).subscribe.allow).toContain('gome.>'); // the run's owner records the whole run
    expect(() => rolePermissions(['GPU'])).toThrow(/not a role name/);
    expect(authorizationConfig(users)).not.toContain(seed('worker-a')); // the server holds public keys only
  });

  it('nats permissions - the GPU node alone answers jobs: a worker publishing as gpu is refused by the server and nothing is delivered', async () => {
    const worker = await connectAs('worker-a');
    const gpu = await connectAs('gpu-host');
    const got: string[] = [];
    worker.subscribe(subjects.inboxFilter('r1', 'validator.t0'), (_d, subject) => got.push(subject));
    await worker.flush();
    // the GPU node answers a validator: allowed
    gpu.publishRaw(subjects.delivery('r1', 'validator.t0', 'gpu.0'), new Uint8Array([1]));
    await gpu.flush();
    // the worker answers as the GPU node: refused
    const refused = violation(worker.nc);
    worker.publishRaw(subjects.delivery('r1', 'validator.t0', 'gpu.0'), new Uint8Array([2]));
    await worker.flush().catch(() => {});
    expect(await refused).toBe('publish to "gome.r1.validator.t0.gpu" refused');
    // as its own role it may
    worker.publishRaw(subjects.delivery('r1', 'validator.t0', 'developer.t0'), new Uint8Array([3]));
    await worker.flush();
    await new Promise((r) => setTimeout(r, 200));
    expect(got).toEqual(['gome.r1.validator.t0.gpu', 'gome.r1.validator.t0.developer']);
  });

  it('nats permissions - durable inboxes: a host opens its roles\' own and reads back its own sends, never another role\'s inbox or the whole log', async () => {
    const owner = await connectAs('owner');
    await Recorder.ensure(owner.nc, 'r2');
    const cli = new Client(owner, 'r2', 'cli.0', new SystemClock());
    cli.send('gpu.0', 'budget.request', {});
    cli.send('researcher.t0', 'run.stop', { reason: 'test' });
    await owner.flush();
    const gpu = await connectAs('gpu-host');
    const worker = await connectAs('worker-a');
    // each opens its own roles' durable inboxes, and the GPU host reads its own history back
    await DurableInbox.open(gpu.nc, 'r2', 'gpu.0');
    await DurableInbox.open(worker.nc, 'r2', 'researcher.t0');
    const rec = await Recorder.ensure(gpu.nc, 'r2');
    for await (const m of rec.readRaw('gome.r2.*.*.gpu', readerName('gpu'))) void m;
    // a worker may not open a consumer on the GPU node's inbox, pull from the GPU node's, or read the whole log
    await expect(DurableInbox.open(worker.nc, 'r2', 'gpu.0')).rejects.toThrow(/Permissions Violation/);
    const next = violation(worker.nc);
    worker.nc.publish('$JS.API.CONSUMER.MSG.NEXT.GOME_r2.gpu_0', new TextEncoder().encode('{"batch":1}'));
    expect(await next).toBe('publish to "$JS.API.CONSUMER.MSG.NEXT.GOME_r2.gpu_0" refused');
    const all = (async () => { for await (const m of (await Recorder.ensure(worker.nc, 'r2')).readRaw()) void m; })();
    await expect(all).rejects.toThrow(/Permissions Violation/);
    // leases: a worker may hold its own roles' leases, never the GPU node's
    const leases = await Leases.open(worker.nc);
    const mine = await leases.claim('r2.researcher', 'worker-a', {}, () => {});
    expect(mine).not.toBeNull();
    await mine!.release();
    expect(await leases.claim('r2.gpu', 'worker-a', {}, () => {})).toBeNull();
  }, 30_000);

  it('nats permissions - a worker cannot read another role\'s inbox, and a connection without a user\'s key is refused', async () => {
    const worker = await connectAs('worker-a');
    const refused = violation(worker.nc);
    worker.subscribe(subjects.inboxFilter('r1', 'gpu.0'), () => {});
    await worker.flush().catch(() => {});
    expect(await refused).toBe('subscription to "gome.r1.gpu.0.*" refused');
    await expect(Bus.connect({ servers: server.url, name: 'anonymous', timeoutMs: 2000 })).rejects.toBeInstanceOf(NatsUnavailable);
  });
});
