// Validator actor: hierarchical validation, cheapest first — L0 static, L1 debug run, L2 full run, L3 decision.
import { and, assign, emit, setup } from 'xstate';
import type { Blame, JobOutcome, TaskInfo } from '../../protocols/domain.ts';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import { out, type SendEvent } from '../../runtime/machine-io.ts';
import { addr } from '../addresses.ts';
import { staticChecks } from './static-checks.ts';
import { DEFAULT_ACCEPT_K } from '../../protocols/config.ts';
import { checkRun, cvStd, decide, harnessScore, selfReportedScore } from './run-checks.ts';

export interface ValidatorInput {
  trace: string; task: TaskInfo; debugMs: number; fullMs: number; overfitGap: number;
  /** Ask the brain's judge for the final judgement of every change the harness accepts (absent in older logs: no judge). */
  judge?: boolean;
}

/** The scores a validate.result carries for a full run: all computed by the harness, plus the job's claim. */
function scoresOf(full: JobOutcome | null): Pick<Result, 'score' | 'cvStd' | 'trainScore' | 'folds' | 'holdout' | 'selfReported'> {
  return {
    score: full ? harnessScore(full) : null, cvStd: full ? cvStd(full) : null, trainScore: full?.feedback?.train_score ?? null,
    folds: full?.harness?.folds ?? [], holdout: full?.harness?.holdout ?? null, selfReported: full ? selfReportedScore(full) : null,
  };
}

interface Ctx extends ValidatorInput {
  req: Payload<'validate.request'> | null;
  debug: JobOutcome | null;
  /** Who asked (the trace's developer, or a tool); results go back there. */
  requester: string;
  /** A full run the harness accepted, waiting for the judge: the run and the harness's reasons. */
  judging: { full: JobOutcome; reasons: string[] } | null;
}

type Result = Payload<'validate.result'>;

function reject(c: Ctx, level: Result['level'], reasons: string[], repairable: boolean, blame: Blame, full: JobOutcome | null = null): SendEvent {
  return out(c.requester, 'validate.result', {
    experiment: c.req!.experiment, verdict: 'reject', level, reasons, repairable, blame, ...scoresOf(full), debug: c.debug, full,
  });
}

function jobId(c: Ctx, mode: 'debug' | 'full'): string { return `${c.req!.experiment}-a${c.req!.attempt}-${mode}`; }

/**
 * The full run's estimate for admission: the larger of the debug run's (corrected) extrapolation and the brain's plan.
 * The two fail differently — a tiny debug fit extrapolates badly where fixed costs hide how a fit grows (wide tables),
 * a plan badly where its relative costs were never measured — and a run killed at its limit wastes all of its time
 * where a refused one wastes only its debug run.
 */
export function fullRunEstimate(debugMs: number | null, plannedMs: number | null | undefined): { ms: number | null; from: 'debug' | 'plan' } {
  if (typeof plannedMs === 'number' && Number.isFinite(plannedMs) && (debugMs === null || plannedMs > debugMs)) return { ms: plannedMs, from: 'plan' };
  return { ms: debugMs, from: 'debug' };
}

/** A debug run, or the full run estimated from the debug run `debug` and the plan (the raw debug estimate rides along). */
function submit(c: Ctx, mode: 'debug' | 'full', debug: JobOutcome | null): SendEvent {
  // a debug run has neither: it is what makes the first estimate
  const est = fullRunEstimate(debug?.estimatedFullMs ?? null, mode === 'full' ? c.req!.plannedMs : null);
  return out(addr.gpu, 'job.submit', {
    jobId: jobId(c, mode), mode, code: c.req!.code, dataDir: c.task.dataDir, ...(c.task.data ? { data: c.task.data } : {}),
    limitMs: mode === 'debug' ? c.debugMs : c.fullMs, estimatedMs: est.ms,
    ...(est.from === 'plan' ? { estimateFrom: 'plan' as const } : {}),
    ...(debug ? { rawEstimatedMs: debug.rawEstimatedFullMs, after: debug.jobId } : {}),
    ...(debug?.boundedEstimatedFullMs ? { boundedEstimatedMs: debug.boundedEstimatedFullMs } : {}),
    sampleSubmission: `${c.task.dataDir}/sample_submission.csv`,
  });
}

export const validatorMachine = setup({
  types: {} as { context: Ctx; events: Envelope; input: ValidatorInput; emitted: SendEvent },
  guards: {
    staticOk: ({ event }) => event.type === 'validate.request' && staticChecks(event.payload.code, event.payload.baseCode).ok,
    notMyDebug: ({ context, event }) => !isMine(context, event, 'debug'),
    notMyFull: ({ context, event }) => !isMine(context, event, 'full'),
    runOk: ({ context, event }) => event.type === 'job.result' && checkRun(event.payload, context.task, event.payload.mode === 'debug').ok,
    /** A judge model gives the final judgement (ValidatorInput.judge). */
    judged: ({ context }) => !!context.judge,
    /** The harness's L3 decision on this full run is to accept (the judge may then only veto). */
    harnessAccepts: ({ context, event }) => event.type === 'job.result' && harnessDecision(context, event.payload).accept,
  },
  actions: {
    /** The GPU node crashed on the job or missed its deadline: the attempt is rejected, blamed on the infrastructure. */
    jobFailed: emit(({ context, event }) => {
      const why = event.type === 'request.failed' ? `${event.payload.request} failed (${event.payload.code}): ${event.payload.reason}` : 'the job request failed';
      return reject(context, context.debug ? 'L2' : 'L1', [why], false, 'infra');
    }),
  },
}).createMachine({
  id: 'validator',
  context: ({ input }) => ({ ...input, req: null, debug: null, requester: addr.developer(input.trace), judging: null }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'validate.request': [
          {
            guard: 'staticOk',
            target: 'debugRun',
            actions: [
              assign({ req: ({ event }) => event.payload, debug: null, requester: ({ event }) => event.from }),
              emit(({ context }) => submit(context, 'debug', null)),
            ],
          },
          {
            target: 'idle',
            actions: [
              assign({ req: ({ event }) => event.payload, debug: null, requester: ({ event }) => event.from }),
              emit(({ context, event }) => reject(context, 'L0', staticChecks(event.payload.code, event.payload.baseCode).reasons, true, 'code')),
            ],
          },
        ],
      },
    },
    debugRun: {
      on: {
        'request.failed': { target: 'idle', actions: 'jobFailed' },
        'job.result': [
          { guard: 'notMyDebug' },
          {
            guard: 'runOk',
            target: 'fullRun',
            actions: [
              assign({ debug: ({ event }) => event.payload }),
              emit(({ context, event }) => submit(context, 'full', event.payload)),
            ],
          },
          {
            target: 'idle',
            actions: [
              assign({ debug: ({ event }) => event.payload }),
              emit(({ context, event }) => {
                const v = checkRun(event.payload, context.task, true);
                return reject(context, 'L1', v.reasons, v.repairable, v.blame);
              }),
            ],
          },
        ],
      },
    },
    fullRun: {
      on: {
        'request.failed': { target: 'idle', actions: 'jobFailed' },
        'job.result': [
          { guard: 'notMyFull' },
          {
            // the harness accepts and a judge is configured: the judge has the final word (it may only veto)
            guard: and(['runOk', 'judged', 'harnessAccepts']),
            target: 'judging',
            actions: [
              assign({ judging: ({ context, event }) => {
                const full = (event as Envelope<'job.result'>).payload;
                return { full, reasons: harnessDecision(context, full).reasons };
              } }),
              emit(({ context }) => judgeRequest(context)),
            ],
          },
          {
            guard: 'runOk',
            target: 'idle',
            actions: emit(({ context, event }) => {
              const full = event.payload;
              const d = harnessDecision(context, full);
              if (!d.accept) return reject(context, 'L3', d.reasons, false, 'score', full);
              return accept(context, d.reasons, full);
            }),
          },
          {
            target: 'idle',
            actions: emit(({ context, event }) => {
              const v = checkRun(event.payload, context.task, false);
              return reject(context, 'L2', v.reasons, v.repairable, v.blame, event.payload);
            }),
          },
        ],
      },
    },
    judging: {
      on: {
        'brain.judge.reply': {
          target: 'idle',
          actions: [
            emit(({ context, event }) => {
              const j = event.payload;
              const { full, reasons } = context.judging!;
              const notes = j.observations.map((o) => `judge observed: ${o}`);
              if (j.decision === 'accept') return accept(context, [...reasons, `the judge accepts: ${j.reason}`, ...notes], full);
              return reject(context, 'L3', [...reasons, `the judge vetoed it: ${j.reason}`, ...notes], false, 'score', full);
            }),
            assign({ judging: null }),
          ],
        },
        // no judgement (a failed or late reply): the harness's decision stands, and the result says why
        'request.failed': {
          target: 'idle',
          actions: [
            emit(({ context, event }) => accept(context, [...context.judging!.reasons, `the judge gave no judgement (${event.payload.code}: ${event.payload.reason}); the harness's decision stands`], context.judging!.full)),
            assign({ judging: null }),
          ],
        },
      },
    },
  },
});

/** L3 on the harness's scores: the paired gain beyond noise, leakage, the train/validation gap. */
function harnessDecision(c: Ctx, full: JobOutcome): ReturnType<typeof decide> {
  const scores = scoresOf(full);
  return decide({
    score: scores.score!, folds: scores.folds, sota: c.req!.sota, task: c.task, trainScore: scores.trainScore,
    overfitGap: c.overfitGap, acceptK: c.task.harness?.acceptK ?? DEFAULT_ACCEPT_K,
  });
}

function accept(c: Ctx, reasons: string[], full: JobOutcome): SendEvent {
  return out(c.requester, 'validate.result', {
    experiment: c.req!.experiment, verdict: 'accept', level: 'L3', reasons, repairable: false, blame: 'none', ...scoresOf(full), debug: c.debug, full,
  });
}

/** What the judge sees: the change, the harness's figures and reasons (never the held-back score), the code. */
function judgeRequest(c: Ctx): SendEvent {
  const { full, reasons } = c.judging!;
  const s = scoresOf(full);
  return out(addr.brain, 'brain.judge.request', {
    experiment: c.req!.experiment, task: c.task, code: c.req!.code, baseCode: c.req!.baseCode,
    score: s.score!, folds: s.folds, cvStd: s.cvStd, trainScore: s.trainScore, sota: c.req!.sota, harnessReasons: reasons,
  });
}

/** Only the exact job this state waits for counts (a redelivered debug result must not pass for the full run). */
function isMine(c: Ctx, e: Envelope, mode: 'debug' | 'full'): boolean {
  return e.type === 'job.result' && c.req !== null && e.payload.jobId === jobId(c, mode);
}
