// An actor's durable inbox (a JetStream consumer on the run's stream) against a real nats-server: a message sent while
// no incarnation of the actor runs waits for it; one being handled when its host stops unacked comes back to the next
// incarnation; and one an earlier incarnation answered is acked again without being handled twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../protocols/messages.ts';
import { ActorHost } from '../../runtime/actor-host.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { DurableInbox } from '../../runtime/durable-inbox.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';
import { samples } from '../helpers/envelopes.ts';
import { until } from '../helpers/until.ts';

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); }, 30_000);
afterAll(async () => { await nats?.close(); });

const clock = new SystemClock();

/** A gpu actor incarnation that answers budget requests, optionally holding each one until released. */
async function incarnation(run: string, opts: { hold?: Promise<unknown>; handled?: string[] } = {}) {
  const seen: Envelope[] = [];
  const inbox = await DurableInbox.open(nats.bus.nc, run, 'gpu.0');
  const host = new ActorHost({
    bus: nats.bus, run, trace: 'run', address: 'gpu.0', clock, logger: silentLogger(), durable: inbox,
    ...(opts.handled ? { handled: opts.handled } : {}),
    behavior: { kind: 'service', concurrent: true, handle: async (env) => {
      seen.push(env);
      await opts.hold;
      return [{ to: env.from, type: 'budget.status', payload: samples['budget.status'] }];
    } },
  });
  host.start();
  return { host, seen };
}

describe('durable inbox', () => {
  it('durable inbox - a request sent while the actor is down is handled by its next incarnation, and answered once', async () => {
    const run = 'durable-down';
    await Recorder.ensure(nats.bus.nc, run, { memory: true });
    const first = await incarnation(run);
    await first.host.stop();
    const cli = new Client(nats.bus, run, 'cli.0', clock).start();
    const reply = cli.request('gpu.0', 'budget.request', {}, 20_000);
    await new Promise((r) => setTimeout(r, 300)); // nobody serves the inbox now
    expect(first.seen).toHaveLength(0);
    const second = await incarnation(run);
    expect((await reply).type).toBe('budget.status');
    expect(second.seen).toHaveLength(1);
    await second.host.stop();
    cli.stop();
  }, 30_000);

  it('durable inbox - a request being handled when its host stops comes back to the next incarnation; one already answered does not', async () => {
    const run = 'durable-crash';
    await Recorder.ensure(nats.bus.nc, run, { memory: true });
    const cli = new Client(nats.bus, run, 'cli.0', clock).start();
    const answered = cli.send('gpu.0', 'budget.request', {});
    const pending = cli.send('gpu.0', 'budget.request', {});
    // the first incarnation "answered" the first request in an earlier life, and dies while handling the second
    const first = await incarnation(run, { hold: new Promise(() => {}), handled: [answered.id] });
    await until(() => first.seen.length === 1, 10_000, 'the first incarnation to take the pending request');
    expect(first.seen[0]!.id).toBe(pending.id);
    void first.host.stop(); // never returns from the held request: as a host that died mid-job, it never acks
    const second = await incarnation(run, { handled: [answered.id] });
    await until(() => second.seen.length === 1, 20_000, 'the request to come back after the ack wait');
    expect(second.seen.map((e) => e.id)).toEqual([pending.id]);
    await new Promise((r) => setTimeout(r, 500));
    expect(second.seen).toHaveLength(1); // handled once by this incarnation, and acked
    await second.host.stop();
    cli.stop();
  }, 40_000);

  it('durable inbox - an abandoned incarnation (another took the actor over) sends nothing of what its handler finishes later', async () => {
    const run = 'durable-abandon';
    await Recorder.ensure(nats.bus.nc, run, { memory: true });
    const cli = new Client(nats.bus, run, 'cli.0', clock).start();
    const got: string[] = [];
    cli.onMessage((e) => got.push(e.type));
    let finish!: () => void;
    const first = await incarnation(run, { hold: new Promise<void>((r) => { finish = r; }) });
    cli.send('gpu.0', 'budget.request', {});
    await until(() => first.seen.length === 1, 10_000, 'the first incarnation to take the request');
    await first.host.abandon();
    finish(); // its handler completes after it was abandoned
    await new Promise((r) => setTimeout(r, 500));
    expect(got).toEqual([]);
    cli.stop();
  }, 20_000);
});
