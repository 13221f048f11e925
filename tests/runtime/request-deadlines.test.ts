// Every request between actors ends: on a real nats-server, a service that crashes on a request answers
// request.failed, a request past its deadline is failed by the requester's own host (recorded on the bus),
// and a reply that arrives after the deadline never reaches the machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import { Limits } from '../../protocols/config.ts';
import { decode } from '../../protocols/codec.ts';
import { subjects } from '../../protocols/subjects.ts';
import { ActorHost, type HostEvent } from '../../runtime/actor-host.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { silentLogger } from '../../runtime/logger.ts';
import type { Outgoing } from '../../runtime/envelope-factory.ts';
import { researcherMachine } from '../../actors/researcher/researcher-machine.ts';
import { addr } from '../../actors/addresses.ts';
import { samples, task, budget } from '../helpers/envelopes.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { bodyOf, type LoggedMessage } from '../../runtime/gomelog.ts';
import { replay, ReplayDivergence } from '../../runtime/replay.ts';
import { MACHINES } from '../../actors/machines.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';

let nats: NatsFixture;
const clock = new SystemClock();
beforeAll(async () => { nats = await startNats(); });
afterAll(async () => { await nats.close(); });

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('condition not met in time'); await new Promise((r) => setTimeout(r, 10)); }
}

const fastLimits = { limits: Limits.parse({ brainMs: 300, replyMs: 300 }), budgetMs: 60_000 };

describe('request deadlines', () => {
  it('requests - a service that crashes twice on one request answers request.failed instead of leaving the requester waiting', async () => {
    const run = 'rq-crash';
    let calls = 0;
    const svc = new ActorHost({
      bus: nats.bus, run, trace: 'run', address: addr.brain, clock, logger: silentLogger(), supervision: { backoffMs: 5 },
      behavior: { kind: 'service', handle: async () => { calls++; throw new Error('model endpoint exploded'); } },
    }).start();
    const c = new Client(nats.bus, run, 'researcher.t0', clock).start();
    await nats.bus.flush();
    const reply = await c.request(addr.brain, 'brain.research.request', samples['brain.research.request'], 5000) as Envelope;
    expect(calls).toBe(2); // first try + one retry, then it gives up on this message
    expect(reply.type).toBe('request.failed');
    const p = reply.payload as Payload<'request.failed'>;
    expect(p).toMatchObject({ request: 'brain.research.request', to: addr.brain, code: 'crash' });
    expect(p.reason).toMatch(/model endpoint exploded/);
    c.stop(); await svc.stop();
  });

  it('requests - a request past its deadline fails through the bus, the machine moves on, and the late reply is dropped', async () => {
    const run = 'rq-deadline';
    const recorder = await Recorder.ensure(nats.bus.nc, run);
    const events: HostEvent[] = [];
    let release: (() => void) | null = null;
    let brainCalls = 0;
    const memory = new ActorHost({
      bus: nats.bus, run, trace: 'run', address: addr.memory, clock, logger: silentLogger(),
      behavior: { kind: 'service', handle: async (env) => [{ to: env.from, type: 'memory.context', payload: { ...samples['memory.context'], sota: null, siblings: [] } } as Outgoing] },
    }).start();
    const brain = new ActorHost({
      bus: nats.bus, run, trace: 'run', address: addr.brain, clock, logger: silentLogger(),
      behavior: {
        kind: 'service', concurrent: true,
        handle: async (env) => {
          brainCalls++;
          if (brainCalls === 1) await new Promise<void>((r) => { release = r; }); // the first request hangs past its deadline
          return [{ to: env.from, type: 'brain.research.reply', payload: samples['brain.research.reply'] } as Outgoing];
        },
      },
    }).start();
    const researcher = new ActorHost({
      bus: nats.bus, run, trace: 't0', address: addr.researcher('t0'), clock, logger: silentLogger(), deadlines: fastLimits,
      inspect: (e) => events.push(e),
      behavior: { kind: 'machine', machine: researcherMachine, input: { trace: 't0', seed: 1, topK: 3, mode: 'gradient', task } },
    }).start();
    const coordinator = new Client(nats.bus, run, addr.coordinator, clock).start();
    const developer = new Client(nats.bus, run, addr.developer('t0'), clock).start();
    const toCoordinator: Envelope[] = []; const toDeveloper: Envelope[] = [];
    coordinator.onMessage((e) => toCoordinator.push(e));
    developer.onMessage((e) => toDeveloper.push(e));
    const onBus: Envelope[] = []; // the deadline notice travels the bus (and so the recorded log) like any message
    nats.bus.subscribe(subjects.inboxFilter(run, addr.researcher('t0')), (d) => onBus.push(decode(d)));
    await nats.bus.flush();

    const t0 = Date.now();
    coordinator.send(addr.researcher('t0'), 'research.request', { iteration: 0, budget });
    await until(() => toCoordinator.length === 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    const done = toCoordinator[0] as Envelope<'iteration.done'>;
    expect(done.type).toBe('iteration.done');
    expect(done.payload.status).toBe('failed');
    expect(done.payload.reason).toMatch(/brain\.research\.request failed \(deadline\)/);
    expect(events.some((e) => e.kind === 'deadline' && e.request.type === 'brain.research.request')).toBe(true);
    expect(researcher.state?.value).toBe('idle');
    const notice = onBus.find((e) => e.type === 'request.failed') as Envelope<'request.failed'> | undefined;
    expect(notice?.from).toBe(addr.researcher('t0'));
    expect(notice?.payload.code).toBe('deadline');

    // the second iteration asks again; the first (late) reply arrives meanwhile and must not be taken for the answer
    coordinator.send(addr.researcher('t0'), 'research.request', { iteration: 1, budget });
    await until(() => brainCalls === 2);
    release!();
    await until(() => toDeveloper.length === 1);
    await until(() => events.some((e) => e.kind === 'late'));
    await new Promise((r) => setTimeout(r, 200));
    expect(toDeveloper.length).toBe(1); // one hypothesis for iteration 1, none from the stale reply
    expect((toDeveloper[0] as Envelope<'research.hypothesis'>).payload.iteration).toBe(1);
    for (const c of [coordinator, developer]) c.stop();
    for (const h of [researcher, brain, memory]) await h.stop();

    // replay: the late reply is in the log, and the replayed researcher is kept from it as its host kept it
    await nats.bus.flush();
    const logged: LoggedMessage[] = [];
    for await (const m of recorder.readRaw()) logged.push({ seq: m.seq, subject: m.subject, body: bodyOf(m.data) });
    const late = logged.filter((m) => (m.body as Envelope).type === 'brain.research.reply' && (m.body as Envelope).causation === notice!.payload.requestId);
    expect(late).toHaveLength(1);
    const r = replay(logged, MACHINES);
    const replayed = r.actors.find((a) => a.address === addr.researcher('t0'))!;
    const toResearcher = logged.filter((m) => (m.body as Envelope).to === addr.researcher('t0') && !subjects.isJournal(m.subject));
    expect(replayed.consumed).toBe(toResearcher.length - 1); // everything but the late reply
    expect(replayed.compared).toBeGreaterThanOrEqual(5);
    // fed the late reply as if it were on time, the researcher would decide differently: replay must not do that
    const asIfOnTime = logged.filter((m) => !((m.body as Envelope).type === 'request.failed' && (m.body as Envelope).from === addr.researcher('t0')));
    expect(() => replay(asIfOnTime, MACHINES)).toThrow(ReplayDivergence);
  });
});
