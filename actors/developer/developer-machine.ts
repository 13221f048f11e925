// Developer actor: asks the brain for a minimal change to the SOTA code, sends it to validation, repairs on errors.
import { assign, emit, setup } from 'xstate';
import type { BrainSpec, Experiment, TaskInfo } from '../../protocols/domain.ts';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';
import { addr } from '../addresses.ts';
import { repairFeedback } from './repair-feedback.ts';
import { measuredField } from '../memory/measured-runs.ts';

export interface DeveloperInput {
  trace: string; maxRepairs: number; task: TaskInfo;
  /** The limit of one full run (the validator's): a change must fit in it as well as in the budget left. Absent in
   * logs recorded before it was sent. */
  fullLimitMs?: number | null;
}

interface Ctx extends DeveloperInput {
  job: Payload<'research.hypothesis'> | null;
  attempt: number;
  /** How the previous attempt failed (failureSignature); the same failure twice is not repaired again. */
  lastFailure: string | null;
  code: string | null;
  /** The brain's spec beside `code` (data, never parsed out of the code). */
  spec: BrainSpec | null;
  startedAt: number;
  result: Payload<'validate.result'> | null;
}

function record(c: Ctx, r: Payload<'validate.result'>, ts: number): Experiment {
  const h = c.job!;
  const status = r.verdict === 'accept' ? 'accepted' : (r.level === 'L3' ? 'rejected' : 'failed');
  const sub = r.full?.submission?.ok ? `${r.full.workdir}/submission.csv` : null;
  return {
    id: h.experiment, trace: c.trace, parent: treeParent(h), iteration: h.iteration, stage: h.stage,
    hypothesis: stripScores(h.chosen), code: c.code ?? '', status, level: r.level, reasons: r.reasons, blame: r.blame,
    score: r.score, cvStd: r.cvStd, trainScore: r.trainScore, attempts: c.attempt,
    wallMs: Math.max(0, ts - c.startedAt), submissionPath: sub, ...(sub && r.full?.submissionId ? { submissionId: r.full.submissionId } : {}), ts, folds: r.folds, holdout: r.holdout, selfReported: r.selfReported,
    feedback: r.full?.feedback ?? null, spec: c.spec, fullRunMs: r.full?.status === 'ok' ? r.full.usage.wallMs : null,
    ...(h.operator ? { operator: h.operator } : {}),
    ...(h.mergedFrom?.length ? { mergedFrom: h.mergedFrom } : {}),
  };
}

/** The experiment's parent in the tree: the buggy node a fix starts from, else the pipeline the change was made to. */
function treeParent(h: Payload<'research.hypothesis'>): string | null {
  return h.debug?.experiment ?? h.parent?.experiment ?? null;
}

/** A tree-search fix continues the buggy node's attempts: its first request is the repair path's second attempt. */
const firstAttempt = (h: Payload<'research.hypothesis'>): number => (h.debug ? 2 : 1);

/** The first code request: a change to the parent's pipeline, or (a tree-search fix) a repair of the buggy node's code. */
function firstRequest(c: Ctx, h: Payload<'research.hypothesis'>): Payload<'brain.develop.request'> {
  return {
    task: c.task, hypothesis: stripScores(h.chosen), baseCode: h.parent?.code ?? null,
    attempt: firstAttempt(h), error: h.debug?.error ?? null, previousCode: h.debug?.code ?? null,
    baseSpec: h.parent?.spec ?? null, previousSpec: h.debug?.spec ?? null,
    remainingMs: h.remainingMs ?? null, baseRunMs: h.parent?.fullRunMs ?? null,
    baseFeedback: h.parent?.feedback ?? null, ...fullLimit(c), ...measuredField(h.measured),
  };
}

/** The full-run limit for a develop request, where the developer was given one (logs recorded before had none). */
function fullLimit(c: Ctx): { fullLimitMs?: number } {
  return typeof c.fullLimitMs === 'number' ? { fullLimitMs: c.fullLimitMs } : {};
}

/** The budget left now: what the iteration started with, less the time spent on it since (recorded timestamps). */
function remainingNow(c: Ctx, ts: number): number | null {
  const r = c.job?.remainingMs ?? null;
  return r === null ? null : Math.max(0, r - Math.max(0, ts - c.startedAt));
}

/** A failure's identity across attempts: level and reasons with numbers, paths and ids blurred. */
export function failureSignature(r: Payload<'validate.result'>): string {
  return `${r.level}|${r.reasons.join('|')}`.replace(/\/[^\s:'"]+/g, '<path>').replace(/\d+(\.\d+)?/g, '#').slice(0, 2000);
}

/** The experiment record of an attempt that never got a verdict: a request on the way failed (not the idea's fault). */
function failedRecord(c: Ctx, e: Envelope, ts: number): Experiment {
  const why = e.type === 'request.failed' ? `${e.payload.request} failed (${e.payload.code}): ${e.payload.reason}` : 'a request failed';
  const h = c.job!;
  return {
    id: h.experiment, trace: c.trace, parent: treeParent(h), iteration: h.iteration, stage: h.stage,
    hypothesis: stripScores(h.chosen), code: c.code ?? '', status: 'failed', level: 'L0', reasons: [why], blame: 'infra',
    score: null, cvStd: null, trainScore: null, attempts: c.attempt, wallMs: Math.max(0, ts - c.startedAt), submissionPath: null, ts,
    folds: [], holdout: null, selfReported: null, feedback: null, spec: c.spec, fullRunMs: null,
    ...(h.operator ? { operator: h.operator } : {}),
  };
}

/** What the validator compares a candidate against: the parent SOTA's harness score and per-fold scores. */
function sotaScores(p: Payload<'research.hypothesis'>['parent']): Payload<'validate.request'>['sota'] {
  return p ? { score: p.score, folds: p.folds } : null;
}

function stripScores(h: Payload<'research.hypothesis'>['chosen']): Experiment['hypothesis'] {
  const { weighted: _w, bias: _b, ...rest } = h;
  return rest;
}

export const developerMachine = setup({
  types: {} as { context: Ctx; events: Envelope; input: DeveloperInput; emitted: SendEvent },
  guards: {
    accepted: ({ event }) => event.type === 'validate.result' && event.payload.verdict === 'accept',
    canRepair: ({ context, event }) => event.type === 'validate.result' && event.payload.repairable && context.attempt <= context.maxRepairs
      && failureSignature(event.payload) !== context.lastFailure,
  },
  actions: {
    gaveUp: emit(({ context, event }) => out(addr.memory, 'experiment.record', failedRecord(context, event, event.ts))),
  },
}).createMachine({
  id: 'developer',
  context: ({ input }) => ({ ...input, job: null, attempt: 0, lastFailure: null, code: null, spec: null, startedAt: 0, result: null }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'research.hypothesis': {
          target: 'coding',
          actions: [
            assign({ job: ({ event }) => event.payload, attempt: ({ event }) => firstAttempt(event.payload), lastFailure: null, code: null, spec: null, startedAt: ({ event }) => event.ts, result: null }),
            emit(({ context, event }) => out(addr.brain, 'brain.develop.request', firstRequest(context, event.payload))),
          ],
        },
      },
    },
    coding: {
      on: {
        'request.failed': { target: 'idle', actions: 'gaveUp' },
        'brain.develop.reply': {
          target: 'validating',
          actions: [
            assign({ code: ({ event }) => event.payload.code, spec: ({ event }) => event.payload.spec ?? null }),
            emit(({ context, event }) => out(addr.validator(context.trace), 'validate.request', {
              experiment: context.job!.experiment, code: event.payload.code, baseCode: context.job!.parent?.code ?? null,
              attempt: context.attempt, sota: sotaScores(context.job!.parent), task: context.task,
              ...(typeof event.payload.plannedMs === 'number' ? { plannedMs: event.payload.plannedMs } : {}),
            })),
          ],
        },
      },
    },
    validating: {
      on: {
        'request.failed': { target: 'idle', actions: 'gaveUp' },
        'validate.result': [
          {
            guard: 'accepted',
            target: 'idle',
            actions: emit(({ context, event }) => out(addr.memory, 'experiment.record', record(context, event.payload, event.ts))),
          },
          {
            guard: 'canRepair',
            target: 'coding',
            actions: [
              assign({ attempt: ({ context }) => context.attempt + 1, result: ({ event }) => event.payload, lastFailure: ({ event }) => failureSignature(event.payload) }),
              emit(({ context, event }) => out(addr.brain, 'brain.develop.request', {
                task: context.task, hypothesis: stripScores(context.job!.chosen), baseCode: context.job!.parent?.code ?? null,
                attempt: context.attempt, error: repairFeedback(event.payload), previousCode: context.code,
                baseSpec: context.job!.parent?.spec ?? null, previousSpec: context.spec,
                remainingMs: remainingNow(context, event.ts), baseRunMs: context.job!.parent?.fullRunMs ?? null,
                baseFeedback: context.job!.parent?.feedback ?? null, ...fullLimit(context), ...measuredField(context.job!.measured),
              })),
            ],
          },
          {
            target: 'idle',
            actions: emit(({ context, event }) => out(addr.memory, 'experiment.record', record(context, event.payload, event.ts))),
          },
        ],
      },
    },
  },
});
