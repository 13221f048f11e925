// Checkpoints against a real nats-server: the KV store (a checkpoint larger than a NATS message goes in parts and reads
// back whole; parts of another write make it unreadable, never mixed), and an actor on a durable inbox that writes
// them: stopped and taken up again from its checkpoint and the log after it, it handles what was sent while it was
// down, once each, and a replay of the whole log agrees with what it did.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../protocols/messages.ts';
import { ActorHost, type ResumePoint } from '../../runtime/actor-host.ts';
import { Bus } from '../../runtime/bus.ts';
import { CHECKPOINT_VERSION, CheckpointUnreadable, type Checkpoint } from '../../runtime/checkpoint.ts';
import { CHECKPOINT_BUCKET, checkpointKey, CheckpointStore } from '../../runtime/checkpoint-store.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { DurableInbox } from '../../runtime/durable-inbox.ts';
import { bodyOf, type LoggedMessage } from '../../runtime/gomelog.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { replay } from '../../runtime/replay.ts';
import { planResume } from '../../runtime/resume-plan.ts';
import { echoMachine } from '../helpers/echo-machine.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';
import { until } from '../helpers/until.ts';

let nats: NatsFixture;
let stored: Bus;
beforeAll(async () => {
  nats = await startNats();
  stored = await Bus.connect({ servers: nats.server.url, stored: true });
}, 30_000);
afterAll(async () => { await stored?.close(); await nats?.close(); });

const clock = new SystemClock();
const ECHO = 'memory.0';
const machines = { echo: echoMachine };

async function logOf(run: string, fromSeq = 1): Promise<LoggedMessage[]> {
  const out: LoggedMessage[] = [];
  for await (const m of (await Recorder.ensure(nats.bus.nc, run)).readRaw(undefined, undefined, fromSeq)) out.push({ seq: m.seq, subject: m.subject, body: bodyOf(m.data) });
  return out;
}

async function echoHost(run: string, store: CheckpointStore, resume?: ResumePoint): Promise<ActorHost> {
  const host = new ActorHost({ bus: stored, run, trace: 'run', address: ECHO, clock, logger: silentLogger(), durable: await DurableInbox.open(stored.nc, run, ECHO),
    checkpoints: store.sink(), behavior: { kind: 'machine', machine: echoMachine }, ...(resume ? { resume } : {}) });
  return host.start();
}

describe('checkpoint store', () => {
  it('checkpoint store - one larger than a NATS message goes in parts and reads back whole; a part of another write makes it unreadable, not mixed', async () => {
    const store = await CheckpointStore.open(nats.bus.nc);
    const cp: Checkpoint = { v: CHECKPOINT_VERSION, run: 'parts', address: 'memory.0', trace: 'run', machine: 'memory', through: 7, consumed: 5, stopped: false,
      nextSeq: 9, value: 'idle', context: { blob: randomBytes(Math.ceil(nats.bus.nc.info!.max_payload * 1.2)).toString('base64') }, book: { pending: [], expired: [] }, routes: [] };
    await store.write(cp);
    expect(await store.read('parts', 'memory.0')).toEqual(cp);
    const kv = await nats.bus.nc.jetstream().views.kv(CHECKPOINT_BUCKET);
    expect((await kv.get(`${checkpointKey('parts', 'memory.0')}.p1`))?.value.length).toBeGreaterThan(0); // it did go in parts
    await kv.put(`${checkpointKey('parts', 'memory.0')}.p1`, randomBytes(1000)); // a newer write under way
    await expect(store.read('parts', 'memory.0')).rejects.toThrow(CheckpointUnreadable);
    await store.remove('parts', ['memory.0']);
    expect(await store.read('parts', 'memory.0')).toBeNull();
  }, 30_000);

  it('checkpoint store - an actor stopped and taken up from its checkpoint and the log after it handles what came while it was down, once each; replay agrees', async () => {
    const run = 'cp-take-up';
    await Recorder.ensure(nats.bus.nc, run);
    const store = await CheckpointStore.open(nats.bus.nc);
    const cli = new Client(stored, run, 'cli.0', clock).start();
    const replies: Envelope[] = [];
    cli.onMessage((e) => replies.push(e));
    const first = await echoHost(run, store);
    for (const r of ['a', 'b', 'c']) cli.send(ECHO, 'run.stop', { reason: r });
    await until(() => replies.length === 3, 10_000, 'three echoes');
    await first.stop(); // its actor.stop, then its checkpoint
    for (const r of ['d', 'e']) cli.send(ECHO, 'run.stop', { reason: r }); // while nobody hosts it
    await stored.flush();

    const cp = (await store.read(run, ECHO))!;
    expect(cp).toMatchObject({ consumed: 3, stopped: true, nextSeq: 5 }); // actor.start, three echoes, actor.stop
    expect((cp.context as { seen: string[] }).seen).toEqual(['a', 'b', 'c']);
    const all = await logOf(run);
    const echoes = all.filter((m) => m.subject.startsWith(`gome.${run}.memory.`));
    expect(cp.through).toBe(echoes[2]!.seq);

    // taken up as a worker does: the checkpoint and only the log after it
    const tail = await logOf(run, cp.through + 1);
    expect(tail.length).toBeLessThan(all.length);
    const plan = planResume(tail, machines, new Map([[ECHO, cp]]));
    const point = plan.points.get(ECHO)!;
    expect(point.deferred?.map((e) => (e.payload as { reason: string }).reason)).toEqual(['d', 'e']);
    // one more arrives after the log was read and before the actor is resumed: its resumed life consumes it after its
    // actor.resume record, and so does replay (the record names how far the state went)
    cli.send(ECHO, 'run.stop', { reason: 'f' });
    await stored.flush();
    const second = await echoHost(run, store, point);
    await until(() => replies.length === 6, 20_000, 'the three messages sent while it was down to be echoed');
    await new Promise((r) => setTimeout(r, 500));
    expect(replies.map((e) => (e.payload as { reason: string }).reason)).toEqual(['echo:a', 'echo:b', 'echo:c', 'echo:d', 'echo:e', 'echo:f']);
    expect((second.state!.context as { seen: string[] }).seen).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    await second.stop();
    await stored.flush();
    expect((await store.read(run, ECHO))).toMatchObject({ consumed: 6, stopped: true });

    // the whole log replays: the messages that came while it was down are consumed at its resume, as they were
    const report = replay(await logOf(run), machines);
    expect(report.actors.find((a) => a.address === ECHO)).toMatchObject({ consumed: 6, compared: 6 });
    cli.stop();
  }, 40_000);

  it('checkpoint store - an actor whose host died is taken up from its checkpoint and the log; what came after the log was read is handled after its resume, and replay agrees', async () => {
    const run = 'cp-crash';
    await Recorder.ensure(nats.bus.nc, run);
    const store = await CheckpointStore.open(nats.bus.nc);
    const cli = new Client(stored, run, 'cli.0', clock).start();
    const replies: string[] = [];
    cli.onMessage((e) => replies.push((e.payload as { reason: string }).reason));
    const first = await echoHost(run, store);
    for (const r of ['a', 'b', 'c']) cli.send(ECHO, 'run.stop', { reason: r });
    await until(() => replies.length === 3, 10_000, 'three echoes');
    await first.abandon(); // its host dies: no actor.stop, no last checkpoint
    for (const r of ['d', 'e']) cli.send(ECHO, 'run.stop', { reason: r });
    await stored.flush();
    const cp = (await store.read(run, ECHO))!;
    expect(cp.stopped).toBe(false);
    const plan = planResume(await logOf(run, cp.through + 1), machines, new Map([[ECHO, cp]]));
    const point = plan.points.get(ECHO)!;
    expect(point.consumed).toBe(5); // d and e are in the log: the rebuilt state holds them, their echoes are owed
    expect(point.unsent).toHaveLength(2);
    cli.send(ECHO, 'run.stop', { reason: 'f' }); // after the log was read, before the actor is resumed
    await stored.flush();
    const second = await echoHost(run, store, point);
    await until(() => replies.length === 6, 20_000, 'the owed echoes and the one sent after the log was read');
    await new Promise((r) => setTimeout(r, 500));
    expect(replies).toEqual(['echo:a', 'echo:b', 'echo:c', 'echo:d', 'echo:e', 'echo:f']);
    await second.stop();
    await stored.flush();
    const report = replay(await logOf(run), machines);
    expect(report.actors.find((a) => a.address === ECHO)).toMatchObject({ consumed: 6, compared: 6 });
    cli.stop();
  }, 40_000);

  it('checkpoint store - a host whose sends are not stored (a plain bus) writes no checkpoint: it could not claim them', async () => {
    const run = 'cp-plain';
    await Recorder.ensure(nats.bus.nc, run);
    const store = await CheckpointStore.open(nats.bus.nc);
    const host = new ActorHost({ bus: nats.bus, run, trace: 'run', address: ECHO, clock, logger: silentLogger(), durable: await DurableInbox.open(nats.bus.nc, run, ECHO),
      checkpoints: store.sink(), behavior: { kind: 'machine', machine: echoMachine } }).start();
    const cli = new Client(nats.bus, run, 'cli.0', clock).start();
    let echoed = 0;
    cli.onMessage(() => { echoed++; });
    cli.send(ECHO, 'run.stop', { reason: 'x' });
    await until(() => echoed === 1, 10_000, 'the echo');
    await host.stop();
    expect(await store.read(run, ECHO)).toBeNull();
    cli.stop();
  }, 20_000);
});
