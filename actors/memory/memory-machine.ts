// Memory actor (momentum): the experiment DAG (experiment-dag.ts), each trace's SOTA by metric, success memory and failures since SOTA.
import { assign, emit, setup } from 'xstate';
import type { Experiment, FailureEntry, SotaRef, SuccessEntry } from '../../protocols/domain.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';
import { addr } from '../addresses.ts';
import { isBetter } from '../validator/run-checks.ts';
import { momentumBias, relativeGain } from './momentum.ts';
import { dagAppend, dagSize, type Dag, type DagNode } from './experiment-dag.ts';

export interface MemoryInput { lowerIsBetter: boolean; enabled: boolean }

interface Ctx extends MemoryInput {
  dag: Dag;
  sota: Record<string, SotaRef & { kind: string }>;
  successes: SuccessEntry[];
  failures: Record<string, FailureEntry[]>;
  tried: Record<string, string[]>;
  lastKind: Record<string, string>;
  last: { id: string; improved: boolean } | null;
}

const MAX_FAILURES = 10;
const MAX_SUCCESSES = 30;

function applyRecord(c: Ctx, e: Experiment): Partial<Ctx> {
  const node: DagNode = { id: e.id, trace: e.trace, parent: e.parent, status: e.status, score: e.score,
    kind: e.hypothesis.kind, component: e.hypothesis.component, title: e.hypothesis.title, ts: e.ts };
  const old = c.sota[e.trace];
  const improved = e.status === 'accepted' && e.score !== null && isBetter(e.score, old?.score ?? null, c.lowerIsBetter);
  const next: Partial<Ctx> = {
    dag: dagAppend(c.dag, node),
    // the distinct kinds a trace has tried, in first-tried order: bounded by the catalogue, not by the run's length
    tried: (c.tried[e.trace] ?? []).includes(e.hypothesis.kind) ? c.tried : { ...c.tried, [e.trace]: [...(c.tried[e.trace] ?? []), e.hypothesis.kind] },
    lastKind: { ...c.lastKind, [e.trace]: e.hypothesis.kind },
    last: { id: e.id, improved },
  };
  if (improved) {
    next.sota = { ...c.sota, [e.trace]: { experiment: e.id, score: e.score!, code: e.code, hypothesis: e.hypothesis.title,
      cvStd: e.cvStd, trainScore: e.trainScore, folds: e.folds, holdout: e.holdout, feedback: e.feedback, spec: e.spec,
      fullRunMs: e.fullRunMs, kind: e.hypothesis.kind } };
    next.failures = { ...c.failures, [e.trace]: [] };
    if (old) {
      const gain = relativeGain(e.score!, old.score, c.lowerIsBetter);
      next.successes = [...c.successes, { kind: e.hypothesis.kind, component: e.hypothesis.component, gain, experiment: e.id, ts: e.ts }].slice(-MAX_SUCCESSES);
    }
  } else if (e.blame === 'code' || e.blame === 'score') { // the budget or our infrastructure is not the idea's fault
    const f: FailureEntry = { kind: e.hypothesis.kind, experiment: e.id, level: e.level, reason: e.reasons.join('; ').slice(0, 2000) };
    next.failures = { ...c.failures, [e.trace]: [...(c.failures[e.trace] ?? []), f].slice(-MAX_FAILURES) };
  }
  return next;
}

/** A stored SOTA as other actors see it (without memory's own bookkeeping). */
function sotaRef(s: SotaRef & { kind: string }): SotaRef {
  const { kind: _k, ...ref } = s;
  return ref;
}

/** The best SOTA across traces, by metric (not the latest accepted). */
export function globalBest(c: Pick<Ctx, 'sota' | 'lowerIsBetter'>): (SotaRef & { kind: string; trace: string }) | null {
  let best: (SotaRef & { kind: string; trace: string }) | null = null;
  for (const [trace, s] of Object.entries(c.sota)) if (!best || isBetter(s.score, best.score, c.lowerIsBetter)) best = { ...s, trace };
  return best;
}

export const memoryMachine = setup({
  types: {} as { context: Ctx; events: Envelope; input: MemoryInput; emitted: SendEvent },
}).createMachine({
  id: 'memory',
  context: ({ input }) => ({ ...input, dag: [], sota: {}, successes: [], failures: {}, tried: {}, lastKind: {}, last: null }),
  initial: 'serving',
  states: {
    serving: {
      on: {
        'experiment.record': {
          actions: [
            assign(({ context, event }) => applyRecord(context, event.payload)),
            emit(({ context, event }) => {
              const e = event.payload;
              const s = context.sota[e.trace];
              return out(addr.coordinator, 'iteration.done', {
                experiment: e.id, trace: e.trace, status: e.status, score: e.score, improved: context.last?.improved ?? false,
                sota: s ? sotaRef(s) : null,
                reason: null,
              }, e.trace);
            }),
          ],
        },
        'memory.claim': { actions: assign({ lastKind: ({ context, event }) => ({ ...context.lastKind, [event.payload.trace]: event.payload.kind }) }) },
        'memory.context.request': {
          actions: emit(({ context, event }) => {
            const trace = event.payload.trace;
            const own = context.sota[trace];
            const failures = context.enabled ? (context.failures[trace] ?? []) : [];
            const successes = context.enabled ? context.successes : [];
            const others = Object.entries(context.sota).filter(([t]) => t !== trace);
            return out(event.from, 'memory.context', {
              sota: own ? sotaRef(own) : null,
              successes,
              failures,
              bias: context.enabled ? momentumBias(successes, failures) : {},
              crossTrace: context.enabled ? others.map(([t, s]) => ({ trace: t, hypothesis: s.kind, score: s.score })) : [],
              tried: context.tried[trace] ?? [],
              siblings: own ? [] : Object.entries(context.lastKind).filter(([t]) => t !== trace).map(([, k]) => k),
              experiments: dagSize(context.dag),
            }, trace);
          }),
        },
      },
    },
  },
});
