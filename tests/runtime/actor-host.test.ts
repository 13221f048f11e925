// Actor host on a real nats-server: dead letters, mailbox order, request/reply timeouts, supervision.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encodeRaw } from '../../protocols/codec.ts';
import { subjects } from '../../protocols/subjects.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { ActorHost, type HostEvent } from '../../runtime/actor-host.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { decodeDeadLetter, type DeadLetter } from '../../runtime/dead-letters.ts';
import { RequestTimeout } from '../../runtime/errors.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { EnvelopeFactory } from '../../runtime/envelope-factory.ts';
import { echoMachine } from '../helpers/echo-machine.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';

let nats: NatsFixture;
const clock = new SystemClock();
beforeAll(async () => { nats = await startNats(); });
afterAll(async () => { await nats.close(); });

function host(run: string, address: string, extra: Partial<ConstructorParameters<typeof ActorHost>[0]> = {}): ActorHost {
  return new ActorHost({
    bus: nats.bus, run, trace: 't0', address, clock, logger: silentLogger(),
    behavior: { kind: 'machine', machine: echoMachine }, ...extra,
  }).start();
}

function collectDeadLetters(run: string): DeadLetter[] {
  const got: DeadLetter[] = [];
  nats.bus.subscribe(subjects.deadLetters(run), (d) => got.push(decodeDeadLetter(d)));
  return got;
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('condition not met in time'); await new Promise((r) => setTimeout(r, 10)); }
}

describe('actor host', () => {
  it('dead letters - bad version, unknown type, invalid payload, garbage, a misrouted and an impersonating envelope each land in the DLQ with a typed code', async () => {
    const run = 'dlq1';
    const dl = collectDeadLetters(run);
    const h = host(run, 'echo.0');
    const f = new EnvelopeFactory(run, 'cli.0', 't0', clock);
    const good = f.make({ to: 'echo.0', type: 'run.stop', payload: { reason: 'x' } });
    const inbox = subjects.delivery(run, 'echo.0', 'cli.0');
    await nats.bus.flush();
    nats.bus.publishRaw(inbox, encodeRaw({ ...good, v: 7 }));
    nats.bus.publishRaw(inbox, encodeRaw({ ...good, type: 'nope.never' }));
    nats.bus.publishRaw(inbox, encodeRaw({ ...good, payload: { reason: 1 } }));
    nats.bus.publishRaw(inbox, new Uint8Array([0xc1, 0xc1, 0xc1]));
    nats.bus.publishRaw(inbox, encodeRaw({ ...good, to: 'other.0' }));
    // published as the GPU node while the envelope says cli.0: the subject's sender role and the envelope disagree
    nats.bus.publishRaw(subjects.delivery(run, 'echo.0', 'gpu.0'), encodeRaw(good));
    await until(() => dl.length === 6);
    expect(dl.map((d) => d.code)).toEqual(['UNKNOWN_VERSION', 'UNKNOWN_TYPE', 'INVALID_PAYLOAD', 'UNDECODABLE', 'MISROUTED', 'IMPERSONATION']);
    for (const d of dl) { expect(d.actor).toBe('echo.0'); expect(d.raw.length).toBeGreaterThan(0); expect(d.reason).toMatch(/fix:|arrived|published as role/); }
    expect((h.state?.context as { seen: string[] }).seen).toEqual([]);
    await h.stop();
  });

  it('mailbox - per-sender order is preserved under concurrent sends from many clients', async () => {
    const run = 'order1';
    const h = host(run, 'echo.0');
    const clients = Array.from({ length: 8 }, (_, i) => new Client(nats.bus, run, `cli.c${i}`, clock).start());
    await nats.bus.flush();
    const N = 250;
    await Promise.all(clients.map(async (c, ci) => {
      for (let i = 0; i < N; i++) { c.send('echo.0', 'run.stop', { reason: `${ci}:${i}` }); if (i % 50 === 0) await new Promise((r) => setImmediate(r)); }
    }));
    await until(() => ((h.state?.context as { seen: string[] }).seen.length === 8 * N), 10_000);
    const seen = (h.state?.context as { seen: string[] }).seen;
    for (let ci = 0; ci < 8; ci++) {
      const mine = seen.filter((s) => s.startsWith(`${ci}:`)).map((s) => Number(s.split(':')[1]));
      expect(mine).toEqual(Array.from({ length: N }, (_, i) => i));
    }
    for (const c of clients) c.stop();
    await h.stop();
  });

  it('mailbox - an async service handles one message at a time', async () => {
    const run = 'serial1';
    let active = 0; let maxActive = 0; let handled = 0;
    const h = host(run, 'svc.0', { behavior: { kind: 'service', handle: async () => {
      active++; maxActive = Math.max(maxActive, active);
      await new Promise((r) => setTimeout(r, 2));
      active--; handled++;
      return [];
    } } });
    const c = new Client(nats.bus, run, 'cli.0', clock).start();
    await nats.bus.flush();
    for (let i = 0; i < 50; i++) c.send('svc.0', 'run.stop', { reason: String(i) });
    await until(() => handled === 50);
    expect(maxActive).toBe(1);
    await h.stop(); c.stop();
  });

  it('request/reply - a reply resolves the request; silence raises RequestTimeout', async () => {
    const run = 'rr1';
    const h = host(run, 'echo.0');
    const c = new Client(nats.bus, run, 'cli.0', clock).start();
    await nats.bus.flush();
    const reply = await c.request('echo.0', 'run.stop', { reason: 'hi' }, 2000);
    expect(reply.type).toBe('run.stop');
    expect((reply as Envelope<'run.stop'>).payload.reason).toBe('echo:hi');
    const t0 = Date.now();
    await expect(c.request('nobody.0', 'run.stop', { reason: 'hi' }, 300)).rejects.toBeInstanceOf(RequestTimeout);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    await expect(c.request('nobody.0', 'run.stop', { reason: 'hi' }, 100)).rejects.toThrow(/nobody\.0.*fix:/);
    c.stop(); await h.stop();
  });

  it('supervision - a machine that throws is restarted from its last good state and queued messages are not lost', async () => {
    const run = 'sup1';
    const events: HostEvent[] = [];
    const dl = collectDeadLetters(run);
    const h = host(run, 'echo.0', { inspect: (e) => events.push(e), supervision: { backoffMs: 20 } });
    const c = new Client(nats.bus, run, 'cli.0', clock).start();
    await nats.bus.flush();
    for (const r of ['a', 'b', 'boom', 'c', 'd', 'e']) c.send('echo.0', 'run.stop', { reason: r });
    await until(() => ((h.state?.context as { seen: string[] }).seen.length === 5));
    expect((h.state?.context as { seen: string[] }).seen).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(events.filter((e) => e.kind === 'restart').length).toBe(2); // first try + one retry
    await until(() => dl.length === 1);
    expect(dl[0]!.code).toBe('ACTOR_CRASH');
    expect(JSON.parse(new TextDecoder().decode(dl[0]!.raw)).payload.reason).toBe('boom');
    c.stop(); await h.stop();
  });

  it('supervision - after maxRestarts the actor escalates and stops', async () => {
    const run = 'sup2';
    const escalations: Error[] = [];
    const h = host(run, 'echo.0', { supervision: { backoffMs: 1, maxRestarts: 2, retriesPerMessage: 0 }, onEscalate: (e) => escalations.push(e) });
    const c = new Client(nats.bus, run, 'cli.0', clock).start();
    await nats.bus.flush();
    const journal: Envelope[] = [];
    nats.bus.subscribe(subjects.journals(run), (d) => journal.push(decode(d)));
    await nats.bus.flush();
    for (const r of ['boom', 'boom', 'boom', 'late']) c.send('echo.0', 'run.stop', { reason: r });
    await until(() => escalations.length === 1);
    expect(escalations[0]!.message).toMatch(/crashed 3 times/);
    // the escalation (decided on the clock's restart window) is recorded at once, so a log cut by a crash right after
    // it still says the machine took no more messages
    await until(() => journal.some((e) => e.type === 'actor.stop'));
    expect(journal.find((e) => e.type === 'actor.stop')).toMatchObject({ from: 'echo.0', payload: { consumed: 3 } });
    c.stop(); await h.stop();
    await nats.bus.flush();
    expect(journal.filter((e) => e.type === 'actor.stop')).toHaveLength(1);
  });

  it('journal - a machine actor records its machine and input at start, and at stop how many messages its machine was given', async () => {
    const run = 'journal1';
    const journal: Envelope[] = [];
    nats.bus.subscribe(subjects.journals(run), (d) => journal.push(decode(d)));
    await nats.bus.flush();
    const h = new ActorHost({ bus: nats.bus, run, trace: 't0', address: 'echo.0', clock, logger: silentLogger(),
      behavior: { kind: 'machine', machine: echoMachine, input: { note: 'start input' } } }).start();
    const c = new Client(nats.bus, run, 'cli.0', clock).start();
    for (const r of ['a', 'b', 'c']) c.send('echo.0', 'run.stop', { reason: r });
    await until(() => ((h.state?.context as { seen: string[] }).seen.length === 3));
    await h.stop();
    await nats.bus.flush();
    await until(() => journal.length === 2);
    expect(journal[0]).toMatchObject({ type: 'actor.start', from: 'echo.0', to: 'echo.0', payload: { machine: 'echo', input: { note: 'start input' } } });
    expect(journal[1]).toMatchObject({ type: 'actor.stop', from: 'echo.0', payload: { consumed: 3 } });
    await h.stop(); // stopping twice records nothing more
    await nats.bus.flush();
    await new Promise((r) => setTimeout(r, 50));
    expect(journal).toHaveLength(2);
    c.stop();
  });
});
