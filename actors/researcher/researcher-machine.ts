// Researcher actor. The gradient: asks memory for context, asks the brain to diagnose and propose, samples one
// hypothesis for the trace's best pipeline. Tree search (policy tree-greedy or tree-mcts): asks memory for the trace's
// experiment tree, selects a node and an operator (tree-policy.ts), and takes the brain's own proposal for it.
import { assign, emit, setup } from 'xstate';
import type { Problem, ScoredHypothesis, SotaRef, TaskInfo, TreeOperator } from '../../protocols/domain.ts';
import { isTreePolicy, type SearchPolicy } from '../../protocols/topology.ts';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';
import { rngSeed, type RngState } from '../../runtime/rng.ts';
import { addr } from '../addresses.ts';
import { sampleTopK, scoreHypotheses, stageFor, type ResearchMode } from './scoring.ts';
import { treeChoice, type TreeChoice } from './tree-policy.ts';
import { measuredField } from '../memory/measured-runs.ts';

export interface ResearcherInput {
  trace: string; seed: number; topK: number; mode: ResearchMode; task: TaskInfo;
  /** The trace's ordinal among the run's traces (forced diversity before any sibling has claimed a hypothesis). */
  ordinal?: number;
  /** How the next change is chosen: the gradient (the default) or a tree search. */
  policy?: SearchPolicy;
  /**
   * Put before every experiment id so ids are unique beyond the run (the run draws it at random and records it in this
   * input, so replay and resume make the same ids): "k3f9a2qx-t0-e3". Absent: "t0-e3", unique within the run.
   */
  idPrefix?: string;
}

interface Ctx extends ResearcherInput {
  rng: RngState;
  iteration: number;
  usedFrac: number;
  /** The budget a change may plan with when the iteration was requested (the refit reserve excluded). */
  remainingMs: number | null;
  memory: Payload<'memory.context'> | null;
  pick: { ranked: ScoredHypothesis[]; index: number; u: number; diagnosis: Problem[] } | null;
  /** Tree search: the node and operator selected for this iteration. */
  choice: TreeChoice | null;
  /** This iteration merges the other traces' best pipelines into this trace's best (the coordinator's merge window). */
  merging: boolean;
}

/** What every iteration starts from: its number, the budget used, and what a change may plan with: its share of the
 * budget left less the final refit's reserve (the traces in flight share the GPU node's time from now on). */
function iterationStart(e: Envelope<'research.request'>): Pick<Ctx, 'iteration' | 'usedFrac' | 'remainingMs' | 'memory'> {
  const b = e.payload.budget;
  const left = Math.max(0, b.remainingMs - (e.payload.reserveMs ?? 0));
  return { iteration: e.payload.iteration, usedFrac: b.usedMs / b.budgetMs, remainingMs: left / (e.payload.sharers ?? 1), memory: null };
}

/** The experiment id of an iteration: the run's id prefix, the trace and the iteration (trace ids are unique in the run). */
const experimentId = (c: Pick<Ctx, 'trace' | 'iteration' | 'idPrefix'>): string => `${c.idPrefix ?? ''}${c.trace}-e${c.iteration}`;

/** Tree search: the brain's proposals for the operator, ranked by the brain alone (no axis weighting, no momentum). */
function operatorRanking(hs: Payload<'brain.research.reply'>['hypotheses']): ScoredHypothesis[] {
  return hs.map((h, i) => ({ ...h, weighted: Math.round((hs.length - i) * 1e4) / 1e4, bias: 0 }));
}

/** A draw among the top k of the brain's own proposals, in the brain's order. */
function operatorPick(reply: Payload<'brain.research.reply'>, k: number, rng: RngState, diagnosis: Problem[]): Pick<Ctx, 'rng' | 'pick'> {
  const p = sampleTopK(operatorRanking(reply.hypotheses), k, rng);
  return { rng: p.rng, pick: { ranked: p.ranked, index: p.index, u: p.u, diagnosis } };
}

/** The hypothesis a fix of a buggy node carries: the node's own, marked as a fix. */
function debugHypothesis(node: NonNullable<Payload<'memory.context'>['node']>, why: string): ScoredHypothesis {
  return { ...node.hypothesis, title: `Fix ${node.experiment}: ${node.hypothesis.title}`,
    rationale: `${why}. It failed: ${node.reasons.join('; ').slice(0, 600)}`, weighted: 1, bias: 0 };
}

export const researcherMachine = setup({
  types: {} as { context: Ctx; events: Envelope; input: ResearcherInput; emitted: SendEvent },
  actions: {
    /** A request on the way failed (memory or brain crashed, or missed its deadline): the iteration ends, recorded. */
    gaveUp: emit(({ context, event }) => {
      const why = event.type === 'request.failed' ? `${event.payload.request} failed (${event.payload.code}): ${event.payload.reason}` : 'a request failed';
      return out(addr.coordinator, 'iteration.done', {
        experiment: experimentId(context), trace: context.trace, status: 'failed', score: null, improved: false,
        sota: context.memory?.sota ?? null, reason: why,
      }, context.trace);
    }),
  },
}).createMachine({
  id: 'researcher',
  context: ({ input }) => ({ ...input, rng: rngSeed(input.seed, `researcher:${input.trace}`), iteration: 0, usedFrac: 0, remainingMs: null, memory: null, pick: null, choice: null, merging: false }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'research.request': [{
          guard: ({ context }) => !!context.policy && isTreePolicy(context.policy),
          target: 'surveying',
          actions: [
            assign(({ event }) => ({ ...iterationStart(event as Envelope<'research.request'>), choice: null })),
            emit(({ context }) => out(addr.memory, 'memory.tree.request', { trace: context.trace })),
          ],
        }, {
          target: 'gathering',
          actions: [
            assign(({ event }) => ({ ...iterationStart(event as Envelope<'research.request'>), merging: (event as Envelope<'research.request'>).payload.merge === true })),
            emit(({ context }) => out(addr.memory, 'memory.context.request', { trace: context.trace, ...(context.merging ? { merge: true } : {}) })),
          ],
        }],
      },
    },
    // ── tree search ──
    surveying: {
      on: {
        'request.failed': { target: 'idle', actions: 'gaveUp' },
        'memory.tree': [{
          guard: ({ context, event }) => treeChoice(event.payload.nodes, context.policy as never, context.task.lowerIsBetter, context.rng).choice.operator === 'draft',
          target: 'proposing',
          actions: [
            assign(({ context, event }) => {
              const d = treeChoice(event.payload.nodes, context.policy as never, context.task.lowerIsBetter, context.rng);
              return { rng: d.rng, choice: d.choice };
            }),
            emit(({ context, event }) => out(addr.brain, 'brain.research.request', {
              task: context.task, stage: 'draft', budgetUsedFrac: context.usedFrac, sota: null, successes: [], failures: [], siblings: [],
              tried: [...new Set(event.payload.nodes.filter((n) => n.parent === null).map((n) => n.kind))],
              lastFeedback: null, remainingMs: context.remainingMs, operator: 'draft',
            })),
          ],
        }, {
          target: 'locating',
          actions: [
            assign(({ context, event }) => {
              const d = treeChoice(event.payload.nodes, context.policy as never, context.task.lowerIsBetter, context.rng);
              return { rng: d.rng, choice: d.choice };
            }),
            emit(({ context }) => out(addr.memory, 'memory.context.request', {
              trace: context.trace, node: context.choice!.node!, operator: context.choice!.operator as TreeOperator,
            })),
          ],
        }],
      },
    },
    locating: {
      on: {
        'request.failed': { target: 'idle', actions: 'gaveUp' },
        'memory.context': [{
          // a fix needs no proposal: the buggy node's own hypothesis, repaired from its code and error
          guard: ({ context, event }) => context.choice!.operator === 'debug' && !!event.payload.node,
          target: 'idle',
          actions: [
            assign({ memory: ({ event }) => event.payload }),
            emit(({ context, event }) => {
              const node = event.payload.node!;
              const chosen = debugHypothesis(node, context.choice!.why);
              return out(addr.developer(context.trace), 'research.hypothesis', {
                experiment: experimentId(context), iteration: context.iteration,
                stage: stageFor(context.usedFrac, event.payload.sota !== null), parent: event.payload.sota,
                chosen, candidates: [chosen], diagnosis: [], draw: { u: 0, index: 0 }, remainingMs: context.remainingMs,
                ...measuredField(event.payload.measured),
                operator: 'debug', debug: { experiment: node.experiment, code: node.code, spec: node.spec, error: node.reasons.join('\n') },
              });
            }),
          ],
        }, {
          target: 'proposing',
          actions: [
            assign({ memory: ({ event }) => event.payload }),
            emit(({ context, event }) => out(addr.brain, 'brain.research.request', {
              task: context.task, stage: stageFor(context.usedFrac, event.payload.sota !== null), budgetUsedFrac: context.usedFrac,
              sota: event.payload.sota, successes: [], failures: [], siblings: [], tried: event.payload.tried,
              lastFeedback: null, remainingMs: context.remainingMs, ...measuredField(event.payload.measured),
              operator: event.payload.sota ? 'improve' : 'draft',
            })),
          ],
        }],
      },
    },
    proposing: {
      on: {
        'request.failed': { target: 'idle', actions: 'gaveUp' },
        'brain.research.reply': {
          target: 'idle',
          actions: [
            assign(({ context, event }) => {
              // a draw among the brain's own proposals for the operator, in the brain's order (never the gradient's weighting)
              return operatorPick(event.payload, context.topK, context.rng, []);
            }),
            emit(({ context }) => {
              const p = context.pick!;
              const parent: SotaRef | null = context.choice!.operator === 'draft' ? null : context.memory?.sota ?? null;
              const chosen = p.ranked[p.index]!;
              return out(addr.developer(context.trace), 'research.hypothesis', {
                experiment: experimentId(context), iteration: context.iteration,
                stage: stageFor(context.usedFrac, parent !== null), parent,
                chosen: { ...chosen, rationale: `${context.choice!.why}. ${chosen.rationale}` },
                candidates: p.ranked, diagnosis: [], draw: { u: p.u, index: p.index }, remainingMs: context.remainingMs,
                ...(parent ? measuredField(context.memory?.measured) : {}),
                operator: parent ? 'improve' : 'draft',
              });
            }),
          ],
        },
      },
    },
    gathering: {
      on: {
        'request.failed': { target: 'idle', actions: 'gaveUp' },
        'memory.context': {
          target: 'thinking',
          actions: [
            assign({ memory: ({ event }) => event.payload }),
            emit(({ context, event }) => {
              const m = event.payload;
              const failures = m.failures;
              return out(addr.brain, 'brain.research.request', {
                task: context.task,
                stage: stageFor(context.usedFrac, m.sota !== null),
                budgetUsedFrac: context.usedFrac,
                sota: m.sota,
                successes: m.successes,
                failures,
                siblings: m.siblings,
                tried: m.tried,
                lastFeedback: failures.length ? failures[failures.length - 1]!.reason : null,
                remainingMs: context.remainingMs,
                ...measuredField(m.measured),
                // the other traces' best pipelines: to merge from (a merge), else what they found, for the reasoning
                ...(m.crossTrace.length ? { crossTrace: m.crossTrace } : {}),
                ...(context.merging && m.mergeFrom?.length ? { operator: 'merge' as const, mergeFrom: m.mergeFrom } : {}),
              });
            }),
          ],
        },
      },
    },
    thinking: {
      on: {
        'request.failed': { target: 'idle', actions: 'gaveUp' },
        'brain.research.reply': {
          target: 'idle',
          actions: [
            assign(({ context, event }) => {
              const m = context.memory!;
              if (context.merging && m.mergeFrom?.length) {
                // a merge takes the brain's own first proposal for it (the merge is the multi-trace step, not a draw)
                return operatorPick(event.payload, 1, context.rng, event.payload.diagnosis);
              }
              const scored = scoreHypotheses(event.payload.hypotheses, m.bias, context.mode); // bias is {} without success memory
              const pick = sampleTopK(scored, context.mode === 'greedy' ? scored.length : context.topK, context.rng);
              // Traces start together, before any sibling has claimed a hypothesis: spread them over the ranking.
              const ordinal = context.ordinal ?? 0;
              const spread = m.sota === null && m.siblings.length === 0 && ordinal > 0;
              const index = spread ? ordinal % pick.ranked.length : pick.index;
              return { rng: pick.rng, pick: { ranked: pick.ranked, index, u: pick.u, diagnosis: event.payload.diagnosis } };
            }),
            emit(({ context }) => {
              const p = context.pick!;
              const sota: SotaRef | null = context.memory!.sota;
              return out(addr.developer(context.trace), 'research.hypothesis', {
                experiment: experimentId(context),
                iteration: context.iteration,
                stage: stageFor(context.usedFrac, sota !== null),
                parent: sota,
                chosen: p.ranked[p.index]!,
                candidates: p.ranked,
                diagnosis: p.diagnosis,
                draw: { u: p.u, index: p.index },
                remainingMs: context.remainingMs,
                ...measuredField(context.memory!.measured),
                ...(context.merging && context.memory!.mergeFrom?.length
                  ? { operator: 'merge' as const, mergedFrom: context.memory!.mergeFrom.map((x) => x.experiment) } : {}),
              });
            }),
            emit(({ context }) => out(addr.memory, 'memory.claim', {
              trace: context.trace, experiment: experimentId(context), kind: context.pick!.ranked[context.pick!.index]!.kind,
            })),
          ],
        },
      },
    },
  },
});
