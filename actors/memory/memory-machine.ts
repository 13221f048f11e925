// Memory actor (momentum): the experiment DAG (experiment-dag.ts), each trace's SOTA by metric, success memory and failures since SOTA.
import { assign, emit, setup } from 'xstate';
import type { Experiment, FailureEntry, SotaRef, SuccessEntry, TreeNode } from '../../protocols/domain.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';
import { addr } from '../addresses.ts';
import { isBetter } from '../validator/run-checks.ts';
import { momentumBias, relativeGain } from './momentum.ts';
import { dagAppend, dagFind, dagNodes, dagSize, type Dag, type DagNode } from './experiment-dag.ts';
import { measuredRuns } from './measured-runs.ts';

export interface MemoryInput {
  lowerIsBetter: boolean; enabled: boolean;
  /** Forced diversity (the default): a trace without a SOTA is told its siblings' latest hypotheses. */
  diversity?: boolean;
}

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
    kind: e.hypothesis.kind, component: e.hypothesis.component, title: e.hypothesis.title, ts: e.ts,
    ...(e.mergedFrom?.length ? { mergedFrom: e.mergedFrom } : {}), record: e };
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

/** An experiment as a base for a change (a SotaRef); only a node the harness scored can be one. */
function refOf(e: Experiment): SotaRef | null {
  if (e.score === null) return null;
  return { experiment: e.id, score: e.score, code: e.code, hypothesis: e.hypothesis.title, cvStd: e.cvStd, trainScore: e.trainScore,
    folds: e.folds, holdout: e.holdout, feedback: e.feedback, spec: e.spec, fullRunMs: e.fullRunMs };
}

/** A trace's experiment tree for node selection (tree-policy.ts): each node with its fix depth. */
export function traceTree(c: Pick<Ctx, 'dag'>, trace: string): TreeNode[] {
  const depth = new Map<string, number>();
  const out: TreeNode[] = [];
  for (const n of dagNodes(c.dag)) {
    if (n.trace !== trace) continue;
    const operator = n.record.operator ?? null;
    const d = operator === 'debug' && n.parent !== null ? (depth.get(n.parent) ?? 0) + 1 : 0;
    depth.set(n.id, d);
    out.push({ id: n.id, parent: n.parent, status: n.status, score: n.score, blame: n.record.blame, kind: n.kind, operator, debugDepth: d });
  }
  return out;
}

/** The kinds of a node's children: what an improvement of it has already tried. */
function childKinds(c: Pick<Ctx, 'dag'>, id: string | null, trace: string): string[] {
  return [...new Set(dagNodes(c.dag).filter((n) => n.trace === trace && n.parent === id).map((n) => n.kind))];
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

/** The latest measured full run of each model family, from every trace. */
const measured = (c: Pick<Ctx, 'dag'>) => measuredRuns(dagNodes(c.dag).map((n) => n.record));

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
        'memory.tree.request': {
          actions: emit(({ context, event }) => out(event.from, 'memory.tree', { nodes: traceTree(context, event.payload.trace) }, event.payload.trace)),
        },
        'memory.context.request': [{
          // tree search: the context of one node (improve: the node itself; debug: the buggy node and its parent)
          guard: ({ event }) => event.payload.node !== undefined,
          actions: emit(({ context, event }) => {
            const { trace, node: id, operator } = event.payload;
            const e = dagFind(context.dag, id!)?.record;
            const debug = operator === 'debug';
            const base = e && debug ? (e.parent ? dagFind(context.dag, e.parent)?.record : undefined) : e;
            return out(event.from, 'memory.context', {
              sota: base ? refOf(base) : null,
              successes: [], failures: [], bias: {}, crossTrace: [],
              tried: childKinds(context, debug ? (e?.parent ?? null) : id!, trace),
              siblings: [],
              experiments: dagSize(context.dag),
              measured: measured(context),
              node: e ? { experiment: e.id, code: e.code, spec: e.spec ?? null, hypothesis: e.hypothesis, reasons: e.reasons } : null,
            }, trace);
          }),
        }, {
          actions: emit(({ context, event }) => {
            const trace = event.payload.trace;
            // a merge works on the best pipeline of all traces, whichever trace makes it
            const best = event.payload.merge ? globalBest(context) : null;
            const own = best ? context.sota[best.trace] : context.sota[trace];
            const failures = context.enabled ? (context.failures[trace] ?? []) : [];
            const successes = context.enabled ? context.successes : [];
            const others = Object.entries(context.sota).filter(([t]) => t !== (best?.trace ?? trace));
            return out(event.from, 'memory.context', {
              sota: own ? sotaRef(own) : null,
              successes,
              failures,
              bias: context.enabled ? momentumBias(successes, failures) : {},
              crossTrace: context.enabled ? others.map(([t, s]) => ({ trace: t, hypothesis: s.kind, score: s.score })) : [],
              // a merge: the other traces' best pipelines, best first (shared memory, so also without success memory)
              ...(event.payload.merge ? { mergeFrom: others.map(([t, s]) => ({ ...sotaRef(s), trace: t, kind: s.kind }))
                .sort((a, b) => (isBetter(a.score, b.score, context.lowerIsBetter) ? -1 : isBetter(b.score, a.score, context.lowerIsBetter) ? 1 : a.trace.localeCompare(b.trace))) } : {}),
              tried: context.tried[trace] ?? [],
              siblings: own || context.diversity === false ? [] : Object.entries(context.lastKind).filter(([t]) => t !== trace).map(([, k]) => k),
              experiments: dagSize(context.dag),
              // measured costs are facts of the machine and data, not success memory: every topology gets them
              measured: measured(context),
            }, trace);
          }),
        }],
      },
    },
  },
});
