// Run coordinator: starts iterations on idle traces while budget remains, tracks the best, and ends the run (with the
// LLM final selector, after the brain chose among the traces' best pipelines).
import { assign, emit, enqueueActions, setup } from 'xstate';
import { ADMISSION_SAFETY } from '../../protocols/config.ts';
import type { Budget, SotaRef, TaskInfo } from '../../protocols/domain.ts';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';
import { addr } from '../addresses.ts';
import { isBetter } from '../validator/run-checks.ts';
import { puctOrder } from './trace-scheduler.ts';

export interface CoordinatorInput {
  traces: string[];
  maxIterations: number | null;
  /** An iteration is only started when at least this share of the budget remains. */
  minRemainingFrac: number;
  /**
   * With a final refit planned: the multiple of the best pipeline's measured full run kept in reserve for it (no new
   * iteration starts inside the reserve); null without a final refit.
   */
  refitFactor?: number | null;
  /** At most this many traces have an iteration under way at once, started in turn (round-robin); absent: all. */
  concurrency?: number;
  /** Under a concurrency limit, which idle trace starts next: by PUCT over the traces' results (trace-scheduler.ts); absent: in turn. */
  scheduler?: { kind: 'puct'; c: number };
  /**
   * The merge window, a share of the budget (absent or 0: no merge): once the budget left before the reserve is inside
   * it (mergeWindowMs: widened to the time the merge needs) and two or more traces have a best pipeline, the next trace
   * to start (the best one's own when idle) is asked, once, to merge the other traces' best pipelines into the best one.
   * The merge is the run's last stage: while it is under way no other trace starts an iteration, so that its jobs wait
   * only for those already in flight (traces sharing one GPU node would otherwise spend the window it was sized for).
   */
  mergeWindow?: number;
  /**
   * The final selector: llm asks the brain (brain.select.request) to choose among the traces' best pipelines once the
   * loop is over, with their harness figures and code and never their held-back scores; absent: the best validated.
   */
  selector?: 'llm';
}

type Best = NonNullable<Payload<'run.finished'>['best']>;
type Selection = NonNullable<Payload<'run.finished'>['selection']>;

interface Ctx extends CoordinatorInput {
  task: TaskInfo | null;
  requester: string;
  busy: string[];
  nextIteration: Record<string, number>;
  /** The trace started last (round-robin under a concurrency limit starts the next idle one after it). */
  lastStarted: string | null;
  iterations: number;
  best: Best | null;
  /** Traces with a best pipeline of their own (the merge needs two). */
  sotaTraces: string[];
  /** The trace asked to merge, once asked (it happens once); while its iteration is under way no other trace starts one. */
  mergeTrace: string | null;
  /** The best pipeline's measured full-run time (the final refit's cost basis). */
  bestRunMs: number | null;
  /** Each trace's best pipeline (the LLM selector chooses among them). */
  traceBests: Record<string, SotaRef>;
  /** How the final pipeline was chosen (set when the loop ends). */
  selection: Selection | null;
  stopping: string | null;
  /** Set when the run cannot go on (the GPU node stopped answering budget requests). */
  error: string | null;
  budget: Budget | null;
}

/**
 * What no new iteration may touch: a small share of the budget, or the final refit's reserve when larger: the one the
 * GPU node reports holding (none for a refit that could not fit in the budget left), else the one planned.
 */
export function reserveMs(c: Pick<Ctx, 'budget' | 'minRemainingFrac' | 'refitFactor' | 'bestRunMs'>): number {
  const floor = c.budget ? c.minRemainingFrac * c.budget.budgetMs : 0;
  return Math.max(floor, c.budget?.refitHeldMs ?? refitReserveMs(c));
}

/** The final refit's reserve alone (0 without a final refit or before a pipeline was measured). */
export function refitReserveMs(c: Pick<Ctx, 'refitFactor' | 'bestRunMs'>): number {
  return c.refitFactor && c.bestRunMs !== null ? Math.round(c.refitFactor * c.bestRunMs) : 0;
}

/** A budget request, telling the GPU node how much to keep back for the final refit once there is a reserve. */
function budgetRequest(c: Ctx): SendEvent {
  const reserve = refitReserveMs(c);
  return out(addr.gpu, 'budget.request', reserve > 0 ? { refitReserveMs: reserve } : {});
}

/** Out of budget: inside the reserve, or the GPU node says no scored job could start any more (closed). */
function outOfBudget(c: Ctx): boolean {
  return c.budget !== null && (c.budget.remainingMs <= reserveMs(c) || !!c.budget.closed);
}

/** However long the traces' pipelines run, the merge window never opens earlier than this share of the budget. */
export const MERGE_WINDOW_MAX_FRAC = 0.5;

/**
 * The merge window in ms of the budget left before the reserve: the topology's share of the budget or, when longer,
 * the time the merge needs — its ensemble refits every trace's best pipeline, so their measured full runs summed, with
 * admission's margin — but never more than MERGE_WINDOW_MAX_FRAC of the budget. Counting it before the reserve and
 * widening it to the merge's cost keeps a merge possible on short budgets: a window of 20% of 3 minutes (36 s) ends
 * inside a 1.25 × 30 s refit reserve, where no iteration may start.
 */
export function mergeWindowMs(c: Pick<Ctx, 'mergeWindow' | 'budget' | 'sotaTraces' | 'traceBests'>): number {
  if (!c.mergeWindow || !c.budget) return 0;
  const share = c.mergeWindow * c.budget.budgetMs;
  const need = ADMISSION_SAFETY * c.sotaTraces.reduce((a, t) => a + (c.traceBests[t]?.fullRunMs ?? 0), 0);
  return Math.max(share, Math.min(need, MERGE_WINDOW_MAX_FRAC * c.budget.budgetMs));
}

/** The merge is due: a merge window, inside it, not merged yet, and two or more traces with a best pipeline. */
export function mergeDue(c: Pick<Ctx, 'mergeWindow' | 'mergeTrace' | 'budget' | 'best' | 'sotaTraces' | 'traceBests' | 'minRemainingFrac' | 'refitFactor' | 'bestRunMs'>): boolean {
  return !!c.mergeWindow && c.mergeTrace === null && c.budget !== null && c.best !== null && c.sotaTraces.length >= 2
    && c.budget.remainingMs - reserveMs(c) <= mergeWindowMs(c);
}

/** The merge's iteration is under way: the other traces start none until it has ended. */
export function mergeUnderWay(c: Pick<Ctx, 'mergeTrace' | 'busy'>): boolean {
  return c.mergeTrace !== null && c.busy.includes(c.mergeTrace);
}

/** The traces' best pipelines, best first (the best validated one leads; ties keep trace order). */
function selectionCandidates(c: Pick<Ctx, 'traceBests' | 'traces' | 'task'>): Array<{ trace: string; sota: SotaRef }> {
  const lower = c.task?.lowerIsBetter ?? false;
  return c.traces.filter((t) => c.traceBests[t]).map((t) => ({ trace: t, sota: c.traceBests[t]! }))
    .sort((a, b) => (isBetter(a.sota.score, b.sota.score, lower) ? -1 : isBetter(b.sota.score, a.sota.score, lower) ? 1 : 0));
}

/** The LLM selector has a choice to make: asked for, and two or more traces with a best pipeline. */
export function selectionDue(c: Pick<Ctx, 'selector' | 'traceBests' | 'traces' | 'task' | 'error'>): boolean {
  return c.selector === 'llm' && !c.error && selectionCandidates(c).length >= 2;
}

/** The best validated pipeline stands as the final choice, for `reason` (an LLM selector that could not or did not choose). */
function keepBestValidated(c: Pick<Ctx, 'best'>, reason: string): { selection: Selection } {
  return { selection: { by: 'best-validated', reason, bestValidated: c.best?.experiment ?? null } };
}

function finishedReason(c: Ctx): Payload<'run.finished'>['reason'] | null {
  if (c.error) return 'error';
  if (c.stopping) return 'stopped';
  if (c.maxIterations !== null && c.iterations >= c.maxIterations) return 'iterations';
  if (outOfBudget(c)) return 'budget';
  return null;
}

/** No iteration under way, and none may start: the run ends (after the LLM selector's choice, when one is due). */
function loopOver(c: Ctx): boolean {
  return c.busy.length === 0 && finishedReason(c) !== null;
}

export const coordinatorMachine = setup({
  types: {} as { context: Ctx; events: Envelope; input: CoordinatorInput; emitted: SendEvent },
  guards: {
    shouldFinish: ({ context }) => loopOver(context),
    shouldSelect: ({ context }) => loopOver(context) && selectionDue(context),
  },
  actions: {
    finish: emit(({ context }) => out(context.requester, 'run.finished', {
      reason: finishedReason(context) ?? 'stopped', best: context.best, iterations: context.iterations,
      // only an LLM selector's run says how (the best validated pipeline is what a run without one hands in)
      ...(context.selection ? { selection: context.selection } : {}),
    })),
    askSelector: emit(({ context }) => out(addr.brain, 'brain.select.request', {
      task: context.task!,
      candidates: selectionCandidates(context).map((c) => ({
        experiment: c.sota.experiment, trace: c.trace, hypothesis: c.sota.hypothesis, score: c.sota.score, folds: c.sota.folds,
        cvStd: c.sota.cvStd, trainScore: c.sota.trainScore, code: c.sota.code,
      })),
    })),
    dispatch: enqueueActions(({ context, enqueue }) => {
      if (finishedReason(context) !== null) return;
      if (mergeUnderWay(context)) return;
      let idle = context.traces.filter((t) => !context.busy.includes(t));
      const started: string[] = [];
      let remainingSlots = context.maxIterations === null ? Infinity : context.maxIterations - context.iterations - context.busy.length;
      if (context.concurrency !== undefined) {
        remainingSlots = Math.min(remainingSlots, context.concurrency - context.busy.length);
        if (context.scheduler?.kind === 'puct') {
          // PUCT: the idle traces by Q + c·P·sqrt(N)/(1 + n), over their best scores and the iterations each was given
          const best = Object.fromEntries(Object.entries(context.traceBests).map(([t, s]) => [t, s.score]));
          idle = puctOrder(idle, context.traces, { started: context.nextIteration, best, lowerIsBetter: context.task?.lowerIsBetter ?? false }, context.scheduler.c);
        } else {
          // round-robin: the idle traces in turn, starting after the one started last
          const at = context.lastStarted === null ? 0 : context.traces.indexOf(context.lastStarted) + 1;
          idle = [...context.traces.slice(at), ...context.traces.slice(0, at)].filter((t) => idle.includes(t));
        }
      }
      // inside the merge window, the first idle trace (the best pipeline's own when it is idle) merges the other traces'
      // best pipelines into the best one, once
      const mergeBy = mergeDue(context) && idle.length ? (idle.includes(context.best!.trace) ? context.best!.trace : idle[0]!) : null;
      if (mergeBy) idle = [mergeBy]; // the merge starts alone, and the other traces wait for it
      // the traces in flight once these start share the GPU node's time left: each change plans with its share
      const sharers = context.busy.length + Math.min(idle.length, Math.max(0, remainingSlots));
      for (const t of idle) {
        if (remainingSlots <= 0) break;
        remainingSlots--;
        started.push(t);
        enqueue.emit(out(addr.researcher(t), 'research.request', {
          iteration: context.nextIteration[t] ?? 0, budget: context.budget!,
          ...(context.refitFactor ? { reserveMs: Math.round(reserveMs(context)) } : {}),
          ...(t === mergeBy ? { merge: true } : {}),
          ...(sharers > 1 ? { sharers } : {}),
        }, t));
      }
      if (mergeBy && started.includes(mergeBy)) enqueue.assign({ mergeTrace: mergeBy });
      if (started.length) {
        enqueue.assign({
          busy: [...context.busy, ...started],
          ...(context.concurrency !== undefined ? { lastStarted: started[started.length - 1]! } : {}),
          nextIteration: { ...context.nextIteration, ...Object.fromEntries(started.map((t) => [t, (context.nextIteration[t] ?? 0) + 1])) },
        });
      }
    }),
  },
}).createMachine({
  id: 'coordinator',
  context: ({ input }) => ({
    ...input, task: null, requester: addr.cli, busy: [], nextIteration: {}, lastStarted: null, iterations: 0, best: null, sotaTraces: [], mergeTrace: null,
    bestRunMs: null, traceBests: {}, selection: null, stopping: null, error: null, budget: null,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'run.start': {
          target: 'running',
          actions: [
            assign({ task: ({ event }) => event.payload.task, requester: ({ event }) => event.from }),
            emit(() => out(addr.gpu, 'budget.request', {})),
          ],
        },
      },
    },
    running: {
      on: {
        'budget.status': { actions: [assign({ budget: ({ event }) => event.payload }), 'dispatch'] },
        'iteration.done': {
          guard: ({ context, event }) => context.busy.includes(event.payload.trace), // a duplicate or stray report is not an iteration
          actions: [
            assign(({ context, event }) => {
              const p = event.payload;
              let best = context.best;
              let bestRunMs = context.bestRunMs;
              if (p.sota && (!best || isBetter(p.sota.score, best.score, context.task!.lowerIsBetter))) {
                best = { experiment: p.sota.experiment, trace: p.trace, score: p.sota.score, submissionPath: null };
                bestRunMs = p.sota.fullRunMs ?? null;
              }
              const sotaTraces = p.sota && !context.sotaTraces.includes(p.trace) ? [...context.sotaTraces, p.trace] : context.sotaTraces;
              const traceBests = p.sota ? { ...context.traceBests, [p.trace]: p.sota } : context.traceBests;
              return { busy: context.busy.filter((t) => t !== p.trace), iterations: context.iterations + 1, best, bestRunMs, sotaTraces, traceBests };
            }),
            emit(({ context }) => budgetRequest(context)),
          ],
        },
        'run.stop': { actions: assign({ stopping: ({ event }) => event.payload.reason }) },
        'request.failed': [
          {
            // a trace's iteration got no answer before its deadline: the trace is free again
            guard: ({ context, event }) => event.payload.request === 'research.request' && context.busy.includes(event.trace),
            actions: [
              assign(({ context, event }) => ({ busy: context.busy.filter((t) => t !== event.trace), iterations: context.iterations + 1 })),
              emit(({ context }) => budgetRequest(context)),
            ],
          },
          {
            guard: ({ event }) => event.payload.request === 'budget.request',
            actions: assign({ error: ({ event }) => `the GPU node did not answer a budget request (${event.payload.code}): ${event.payload.reason}` }),
          },
        ],
      },
      always: [
        { guard: 'shouldSelect', target: 'selecting', actions: 'askSelector' },
        {
          guard: 'shouldFinish', target: 'done',
          actions: [
            assign(({ context }) => (context.selector === 'llm' ? keepBestValidated(context, 'fewer than two traces have a best pipeline: there was nothing to choose among') : {})),
            'finish',
          ],
        },
      ],
    },
    // the loop is over: the brain chooses among the traces' best pipelines (the held-back slice then confirms the choice)
    selecting: {
      on: {
        'brain.select.reply': {
          target: 'done',
          actions: [
            assign(({ context, event }) => {
              const chosen = selectionCandidates(context).find((c) => c.sota.experiment === event.payload.experiment);
              if (!chosen) return keepBestValidated(context, `the selector named ${event.payload.experiment}, which is none of the candidates; the best validated pipeline stands`);
              return {
                best: { experiment: chosen.sota.experiment, trace: chosen.trace, score: chosen.sota.score, submissionPath: null },
                bestRunMs: chosen.sota.fullRunMs ?? null,
                selection: { by: 'llm' as const, reason: event.payload.reason, bestValidated: context.best?.experiment ?? null },
              };
            }),
            'finish',
          ],
        },
        'request.failed': {
          guard: ({ event }) => event.payload.request === 'brain.select.request',
          target: 'done',
          actions: [
            assign(({ context, event }) => keepBestValidated(context, `the selector gave no answer (${event.payload.code}: ${event.payload.reason}); the best validated pipeline stands`)),
            'finish',
          ],
        },
      },
    },
    done: { type: 'final' },
  },
});
