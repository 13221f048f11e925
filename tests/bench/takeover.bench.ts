// bench:takeover — what a host taking actors up pays: rebuilding every machine actor from the whole log (as gome resume
// does) against rebuilding it from its checkpoint and only the log after it (as a worker does), measured in the same
// run, median of GOME_TAKEOVER_REPS (default 5), at a cut late in the log (GOME_TAKEOVER_CUT, default 0.95 of it). The
// checkpoints are those a live host could have written at the cut (one per actor that owed nothing). It also prints
// what a checkpoint costs its host: encoded bytes and encoding time, per actor. Logs: the replay fixtures (real runs),
// and GOME_TAKEOVER_LOG=path.gomelog when given (e.g. the long synthetic run bench:replay keeps with GOME_REPLAY_LOG).
// GOME_TAKEOVER_OUT=path.json keeps the figures.
import { writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MACHINES } from '../../actors/machines.ts';
import { checkHeader } from '../../protocols/codec.ts';
import { subjects } from '../../protocols/subjects.ts';
import { median } from '../../grading/medals.ts';
import { CHECKPOINT_VERSION, encodeCheckpoint, type Checkpoint } from '../../runtime/checkpoint.ts';
import { readGomelog, type LoggedMessage } from '../../runtime/gomelog.ts';
import { planResume } from '../../runtime/resume-plan.ts';

const REPO = resolve(import.meta.dirname, '../..');
const REPS = Number(process.env.GOME_TAKEOVER_REPS ?? 5);
const CUT = Number(process.env.GOME_TAKEOVER_CUT ?? 0.95);
const files = [
  ...['breast-cancer-1trace', 'house-votes-4traces'].map((n) => join(REPO, 'tests', 'fixtures', 'replay', `${n}.gomelog`)),
  ...(process.env.GOME_TAKEOVER_LOG ? [resolve(process.env.GOME_TAKEOVER_LOG)] : []),
];

function checkpointsAt(prefix: readonly LoggedMessage[]): Map<string, Checkpoint> {
  const plan = planResume(prefix, MACHINES);
  const starts = new Map(prefix.map((m) => checkHeader(m.body)).filter((e) => e.type === 'actor.start').map((e) => [e.from, e]));
  const out = new Map<string, Checkpoint>();
  for (const address of plan.machines) {
    const p = plan.points.get(address)!;
    const start = starts.get(address)!;
    if (p.unsent?.length || !p.through) continue;
    out.set(address, { v: CHECKPOINT_VERSION, run: start.run, address, trace: start.trace, machine: (start.payload as { machine: string }).machine,
      through: p.through, consumed: p.consumed!, stopped: false, nextSeq: p.nextSeq, value: p.snapshot!.value, context: p.snapshot!.context,
      book: { pending: p.pending ?? [], expired: p.expired ?? [] }, routes: [] });
  }
  return out;
}

function timed(fn: () => void): number {
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) { const t = performance.now(); fn(); times.push(performance.now() - t); }
  return median(times);
}

const results = [];
for (const file of files) {
  const log = readGomelog(file).messages.filter((m) => !subjects.isDeadLetter(m.subject));
  const cut = Math.floor(log.length * CUT);
  const cps = checkpointsAt(log.slice(0, cut));
  const machines = planResume(log.slice(0, cut), MACHINES).machines.size;
  const from = cps.size === machines ? Math.min(...[...cps.values()].map((c) => c.through)) + 1 : 1;
  const tail = log.filter((m) => m.seq >= from);
  const wholeMs = timed(() => planResume(log, MACHINES));
  const fromCheckpointsMs = timed(() => planResume(tail, MACHINES, cps));
  const perActor = [...cps.values()].map((cp) => {
    let bytes = 0;
    const ms = timed(() => { bytes = encodeCheckpoint(cp).length; });
    return { actor: cp.address, bytes, encodeMs: Number(ms.toFixed(2)) };
  });
  const r = {
    log: basename(file), messages: log.length, tailMessages: tail.length, actors: machines, checkpointed: cps.size,
    wholeLogMs: Number(wholeMs.toFixed(1)), fromCheckpointsMs: Number(fromCheckpointsMs.toFixed(1)), speedup: Number((wholeMs / fromCheckpointsMs).toFixed(1)),
    checkpointBytes: { max: Math.max(...perActor.map((a) => a.bytes)), total: perActor.reduce((s, a) => s + a.bytes, 0) },
    encodeMsMax: Math.max(...perActor.map((a) => a.encodeMs)),
  };
  results.push({ ...r, perActor });
  console.log(`${r.log}: ${r.messages} messages, ${r.actors} machine actors (${r.checkpointed} checkpointed at ${Math.round(CUT * 100)}%)`);
  console.log(`  rebuild from the whole log ${r.wholeLogMs} ms; from checkpoints + ${r.tailMessages} messages after them ${r.fromCheckpointsMs} ms: ${r.speedup}x`);
  console.log(`  a checkpoint: up to ${(r.checkpointBytes.max / 1024).toFixed(1)} KiB encoded (all ${(r.checkpointBytes.total / 1024).toFixed(1)} KiB), up to ${r.encodeMsMax} ms to encode`);
}
if (process.env.GOME_TAKEOVER_OUT) writeFileSync(process.env.GOME_TAKEOVER_OUT, JSON.stringify({ reps: REPS, cut: CUT, results }, null, 2));
