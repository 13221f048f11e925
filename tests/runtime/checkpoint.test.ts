// Checkpoints, pure: an actor rebuilt from its checkpoint and only the log after it is the actor rebuilt from the whole
// log (state, counts, requests, what it owed, where its ids go on), at cut points all through real recorded runs; the
// checkpoint survives its encoding; and bytes that are not a checkpoint are a typed error that says what happens.
import { describe, expect, it } from 'vitest';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MACHINES } from '../../actors/machines.ts';
import { subjects } from '../../protocols/subjects.ts';
import { CHECKPOINT_VERSION, CheckpointUnreadable, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../runtime/checkpoint.ts';
import { readGomelog, type LoggedMessage } from '../../runtime/gomelog.ts';
import { checkHeader } from '../../protocols/codec.ts';
import { planResume, type ResumePlan } from '../../runtime/resume-plan.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const logOf = (name: string) => readGomelog(join(REPO, 'tests', 'fixtures', 'replay', `${name}.gomelog`)).messages
  .filter((m) => !subjects.isDeadLetter(m.subject));

/**
 * The checkpoints a live host could have written after the log's first `cut` messages: one per machine actor that owed
 * nothing then (a host writes one only once everything it sent is stored), through encode and decode.
 */
function checkpointsAt(prefix: readonly LoggedMessage[]): Map<string, Checkpoint> {
  const plan = planResume(prefix, MACHINES);
  const out = new Map<string, Checkpoint>();
  for (const address of plan.machines) {
    const p = plan.points.get(address)!;
    if (p.unsent?.length || !p.through) continue;
    const own = prefix.map((m) => checkHeader(m.body)).filter((e) => e.from === address);
    const start = own.find((e) => e.type === 'actor.start')!;
    const last = own.filter((e) => ['actor.start', 'actor.resume', 'actor.stop'].includes(e.type)).at(-1)!;
    const cp: Checkpoint = {
      v: CHECKPOINT_VERSION, run: start.run, address, trace: start.trace, machine: (start.payload as { machine: string }).machine,
      through: p.through, consumed: p.consumed!, stopped: last.type === 'actor.stop', nextSeq: p.nextSeq,
      value: p.snapshot!.value, context: p.snapshot!.context, book: { pending: p.pending ?? [], expired: p.expired ?? [] }, routes: [],
    };
    out.set(address, decodeCheckpoint(address, encodeCheckpoint(cp)));
  }
  return out;
}

/** What a resumed host gets for each machine actor, comparably. */
function points(plan: ResumePlan): Record<string, unknown> {
  return Object.fromEntries([...plan.machines].sort().map((a) => {
    const p = plan.points.get(a)!;
    return [a, JSON.parse(JSON.stringify({
      value: p.snapshot!.value, context: p.snapshot!.context, consumed: p.consumed, through: p.through, nextSeq: p.nextSeq,
      pending: p.pending?.map((e) => e.id), expired: p.expired?.map((e) => e.env.id), deferred: p.deferred?.map((e) => e.id),
      unsent: p.unsent?.map((u) => [u.out.type, u.out.to, u.cause?.id ?? null]),
    }))];
  }));
}

describe('checkpoints', () => {
  for (const name of ['breast-cancer-1trace', 'house-votes-4traces']) {
    it(`checkpoints - rebuilt from its checkpoint and the log after it, each actor is the one the whole log rebuilds (${name}, cut points through the run)`, () => {
      const log = logOf(name);
      let compared = 0;
      for (const frac of [0.15, 0.4, 0.65, 0.9]) {
        const cut = Math.floor(log.length * frac);
        const cps = checkpointsAt(log.slice(0, cut));
        expect(cps.size).toBeGreaterThan(0);
        // the log as a host taking the actors up reads it: from the earliest checkpoint on when every actor has one
        const everyOne = cps.size === planResume(log.slice(0, cut), MACHINES).machines.size;
        const from = everyOne ? Math.min(...[...cps.values()].map((c) => c.through)) + 1 : 1;
        const tail = log.filter((m) => m.seq >= from);
        if (everyOne) expect(tail.length).toBeLessThan(log.length);
        // more of the run happened after the checkpoints; the log is then cut again (a crash)
        for (const end of [cut + Math.floor((log.length - cut) / 2), log.length]) {
          const whole = planResume(log.slice(0, end), MACHINES);
          const fromCheckpoints = planResume(tail.filter((m) => m.seq <= log[end - 1]!.seq), MACHINES, cps);
          expect(points(fromCheckpoints)).toEqual(points(whole));
          compared++;
        }
      }
      expect(compared).toBe(8);
    });
  }

  it('checkpoints - bytes that are not a checkpoint, or one of another version, are a typed error naming the key and what happens instead', () => {
    expect(() => decodeCheckpoint('run-1.researcher.t0', new Uint8Array([1, 2, 3]))).toThrow(CheckpointUnreadable);
    expect(() => decodeCheckpoint('run-1.researcher.t0', new Uint8Array([1, 2, 3]))).toThrow(/run-1\.researcher\.t0.*rebuilt from the run's whole log/);
    const cp = { v: 99, run: 'r', address: 'memory.0', trace: 'run', machine: 'memory', through: 1, consumed: 1, stopped: false, nextSeq: 1,
      value: 'x', context: {}, book: { pending: [], expired: [] }, routes: [] } satisfies Checkpoint;
    expect(() => decodeCheckpoint('r.memory.0', encodeCheckpoint(cp))).toThrow(/version 99.*reads version 1/);
  });
});
