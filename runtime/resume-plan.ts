// How a crashed run continues (gome resume), worked out from its log alone: every machine actor rebuilt by replaying
// it (so resume is a continuation of the recorded run, and a log the code no longer reproduces cannot be resumed),
// the requests services had not answered (a job running at the crash runs again, once), and where each sender's
// envelope ids go on so no id is used twice. Pure: the caller reads the log and starts the hosts.
// Given actors' checkpoints (runtime/checkpoint.ts), those start from them and the log need only hold what follows.
import type { Envelope } from '../protocols/messages.ts';
import { isAnswer, requestSpec } from '../protocols/requests.ts';
import type { ResumePoint } from './actor-host.ts';
import type { Checkpoint } from './checkpoint.ts';
import type { LoggedMessage } from './gomelog.ts';
import { decodeAll, rebuild, type MachineRegistry } from './replay.ts';

export interface ResumePlan {
  /** Where every address that sent anything goes on (machines rebuilt, services with requests to handle again). */
  points: Map<string, ResumePoint>;
  /** The machine actors rebuilt from the log, by address. */
  machines: Set<string>;
  /** The coordinator's run.finished, when the loop had ended before the crash (only the refit and reports were left). */
  finished: Envelope<'run.finished'> | null;
  /** Every envelope of the log, in order (for the run's archive and the GPU node's history). */
  envelopes: Envelope[];
  /** The time of the last recorded message: the run was alive until then. */
  lastTs: number | null;
  /** The stream sequence of the last message the plan was made from (0 for none). */
  lastSeq: number;
}

export function planResume(messages: readonly LoggedMessage[], machines: MachineRegistry, checkpoints: ReadonlyMap<string, Checkpoint> = new Map()): ResumePlan {
  const log = decodeAll(messages);
  const rebuilt = rebuild(log, machines, checkpoints);
  const machineAddrs = new Set(rebuilt.map((a) => a.address));

  const nextSeq = new Map<string, number>();
  for (const cp of checkpoints.values()) nextSeq.set(cp.address, cp.nextSeq);
  let lastTs: number | null = null;
  let finished: Envelope<'run.finished'> | null = null;
  for (const { env } of log) {
    nextSeq.set(env.from, Math.max(nextSeq.get(env.from) ?? 0, env.seq + 1));
    lastTs = Math.max(lastTs ?? -Infinity, env.ts);
    if (env.type === 'run.finished') finished = env as Envelope<'run.finished'>;
  }

  const points = new Map<string, ResumePoint>();
  for (const [address, seq] of nextSeq) points.set(address, { nextSeq: seq });
  for (const a of rebuilt) {
    points.set(a.address, { nextSeq: nextSeq.get(a.address) ?? 0, snapshot: a.snapshot, consumed: a.consumed, through: a.through, pending: a.pending,
      expired: a.expired, deferred: a.deferred, unsent: a.unsent });
  }
  for (const req of unanswered(log.filter((m) => !m.journal).map((m) => m.env), machineAddrs)) {
    const p = points.get(req.to) ?? { nextSeq: 0 };
    points.set(req.to, { ...p, redeliver: [...(p.redeliver ?? []), req] });
  }
  return { points, machines: machineAddrs, finished, envelopes: log.map((m) => m.env), lastTs, lastSeq: messages.reduce((n, m) => Math.max(n, m.seq), 0) };
}

/** Requests to services (not machine actors, which are rebuilt and answer by themselves) with no answer in the log. */
function unanswered(envs: readonly Envelope[], machineAddrs: ReadonlySet<string>): Envelope[] {
  const open: Envelope[] = [];
  for (const env of envs) {
    if (requestSpec(env.type) && !machineAddrs.has(env.to)) { open.push(env); continue; }
    for (let i = 0; i < open.length; i++) {
      // an answer goes back to its requester (several actors may have asked the same service)
      if (env.to === open[i]!.from && isAnswer(open[i]!, env)) { open.splice(i, 1); break; }
    }
  }
  return open;
}
