// The resume plan, worked out from a real recorded run cut short as a crash leaves it (no actor.stop records, the
// log ending mid-flight): every machine rebuilt by replay with its consumption count, what a machine owed at the cut
// (its outputs for inputs it had been given), the service requests nobody answered (a job running at the crash), and
// ids that go on after the log's. A log cut this way replays without a divergence.
import { subjects } from '../../protocols/subjects.ts';
import { describe, expect, it } from 'vitest';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validate } from '../../protocols/codec.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { MACHINES } from '../../actors/machines.ts';
import { readGomelog, type LoggedMessage } from '../../runtime/gomelog.ts';
import { replay } from '../../runtime/replay.ts';
import { planResume } from '../../runtime/resume-plan.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const { messages } = readGomelog(join(REPO, 'tests', 'fixtures', 'replay', 'breast-cancer-1trace.gomelog'));
const envOf = (m: LoggedMessage) => validate(m.body) as Envelope;
const live = messages.filter((m) => !subjects.isDeadLetter(m.subject));

/** The log as a kill -9 leaves it: everything before `seq` (exclusive), and no actor.stop records. */
function crashedBefore(seq: number): LoggedMessage[] {
  return live.filter((m) => m.seq < seq && envOf(m).type !== 'actor.stop');
}

const firstSeq = (pred: (e: Envelope) => boolean, after = 0): number => live.find((m) => m.seq > after && pred(envOf(m)))!.seq;

describe('resume plan', () => {
  it('resume plan - a job running at the crash is handed back to the GPU node, once, and every machine is rebuilt', () => {
    const submit = firstSeq((e) => e.type === 'job.submit' && e.payload.mode === 'full');
    const log = crashedBefore(submit + 1); // the full run was submitted, its result never came
    const plan = planResume(log, MACHINES);
    const job = envOf(live.find((m) => m.seq === submit)!) as Envelope<'job.submit'>;
    expect(plan.points.get('gpu.0')?.redeliver?.map((e) => e.id)).toEqual([job.id]);
    expect([...plan.machines].sort()).toEqual(['coordinator.0', 'developer.t0', 'memory.0', 'researcher.t0', 'validator.t0']);
    // the validator waits for the job's result: its request is pending again, under its recorded id
    expect(plan.points.get('validator.t0')?.pending?.map((e) => e.id)).toContain(job.id);
    // each machine consumed every message the log addressed to it
    for (const address of plan.machines) {
      const addressed = log.filter((m) => !subjects.isJournal(m.subject) && envOf(m).to === address).length;
      expect(plan.points.get(address)?.consumed, address).toBe(addressed);
    }
    // ids go on after the log's: a resumed sender never reuses one
    for (const [address, p] of plan.points) {
      const seqs = log.map(envOf).filter((e) => e.from === address).map((e) => e.seq);
      expect(p.nextSeq, address).toBe(Math.max(...seqs) + 1);
    }
    expect(plan.finished).toBeNull();
  });

  it('resume plan - a finished job is not run again: only requests without an answer are handed back', () => {
    const result = firstSeq((e) => e.type === 'job.result' && e.payload.mode === 'full');
    const plan = planResume(crashedBefore(result + 1), MACHINES);
    expect(plan.points.get('gpu.0')?.redeliver ?? []).toEqual([]);
  });

  it('resume plan - what a machine owed at the crash is rebuilt: the researcher\'s brain request for a context it had consumed', () => {
    // the crash fell between memory's context reaching the researcher and the researcher's request to the brain
    const ask = firstSeq((e) => e.type === 'brain.research.request');
    const log = crashedBefore(ask);
    const plan = planResume(log, MACHINES);
    const owed = plan.points.get('researcher.t0')?.unsent ?? [];
    expect(owed.map((u) => u.out.type)).toEqual(['brain.research.request']);
    expect(owed[0]!.out.payload).toEqual(envOf(live.find((m) => m.seq === ask)!).payload);
    // replaying the cut log is no divergence: the owed message is reported, not compared with nothing
    const r = replay(log, MACHINES);
    expect(r.actors.find((a) => a.address === 'researcher.t0')?.unsent).toBe(1);
  });

  it('resume plan - a log whose loop had ended leaves only the refit and the reports', () => {
    const finished = firstSeq((e) => e.type === 'run.finished');
    const plan = planResume(crashedBefore(finished + 1), MACHINES);
    expect(plan.finished?.payload.reason).toBeTruthy();
  });

  it('resume plan - a graceful stop is respected: replay of the whole fixture owes nothing', () => {
    const r = replay(messages, MACHINES);
    expect(r.actors.every((a) => a.unsent === 0)).toBe(true);
  });
});
