// Researcher actor (the gradient): asks memory for context, asks the brain to diagnose and propose, samples one hypothesis.
import { assign, emit, setup } from 'xstate';
import type { Problem, ScoredHypothesis, SotaRef, TaskInfo } from '../../protocols/domain.ts';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';
import { rngSeed, type RngState } from '../../runtime/rng.ts';
import { addr } from '../addresses.ts';
import { sampleTopK, scoreHypotheses, stageFor, type ResearchMode } from './scoring.ts';

export interface ResearcherInput {
  trace: string; seed: number; topK: number; mode: ResearchMode; task: TaskInfo;
  /** The trace's ordinal among the run's traces (forced diversity before any sibling has claimed a hypothesis). */
  ordinal?: number;
}

interface Ctx extends ResearcherInput {
  rng: RngState;
  iteration: number;
  usedFrac: number;
  /** The budget a change may plan with when the iteration was requested (the refit reserve excluded). */
  remainingMs: number | null;
  memory: Payload<'memory.context'> | null;
  pick: { ranked: ScoredHypothesis[]; index: number; u: number; diagnosis: Problem[] } | null;
}

export const researcherMachine = setup({
  types: {} as { context: Ctx; events: Envelope; input: ResearcherInput; emitted: SendEvent },
  actions: {
    /** A request on the way failed (memory or brain crashed, or missed its deadline): the iteration ends, recorded. */
    gaveUp: emit(({ context, event }) => {
      const why = event.type === 'request.failed' ? `${event.payload.request} failed (${event.payload.code}): ${event.payload.reason}` : 'a request failed';
      return out(addr.coordinator, 'iteration.done', {
        experiment: `${context.trace}-e${context.iteration}`, trace: context.trace, status: 'failed', score: null, improved: false,
        sota: context.memory?.sota ?? null, reason: why,
      }, context.trace);
    }),
  },
}).createMachine({
  id: 'researcher',
  context: ({ input }) => ({ ...input, rng: rngSeed(input.seed, `researcher:${input.trace}`), iteration: 0, usedFrac: 0, remainingMs: null, memory: null, pick: null }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'research.request': {
          target: 'gathering',
          actions: [
            assign({
              iteration: ({ event }) => event.payload.iteration,
              usedFrac: ({ event }) => event.payload.budget.usedMs / event.payload.budget.budgetMs,
              // what a change may plan with: the budget left less the final refit's reserve
              remainingMs: ({ event }) => Math.max(0, event.payload.budget.remainingMs - (event.payload.reserveMs ?? 0)),
              memory: null,
            }),
            emit(({ context }) => out(addr.memory, 'memory.context.request', { trace: context.trace })),
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
              const scored = scoreHypotheses(event.payload.hypotheses, context.mode === 'gradient' ? m.bias : {}, context.mode);
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
                experiment: `${context.trace}-e${context.iteration}`,
                iteration: context.iteration,
                stage: stageFor(context.usedFrac, sota !== null),
                parent: sota,
                chosen: p.ranked[p.index]!,
                candidates: p.ranked,
                diagnosis: p.diagnosis,
                draw: { u: p.u, index: p.index },
                remainingMs: context.remainingMs,
              });
            }),
            emit(({ context }) => out(addr.memory, 'memory.claim', {
              trace: context.trace, experiment: `${context.trace}-e${context.iteration}`, kind: context.pick!.ranked[context.pick!.index]!.kind,
            })),
          ],
        },
      },
    },
  },
});
