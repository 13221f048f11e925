// The final refit: after every selection is done, the confirmed pipeline (the best by the harness's cross-validated
// score, confirmed on the held-back slice) runs once more on every labelled row, the slice included, and its test
// predictions become the submission. It goes to the GPU node as a message like any job, and only when it fits in
// the time left; otherwise the fold models' submission stands, and the run says why.
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Experiment, JobOutcome } from '../../protocols/domain.ts';
import { REFIT_TIME_FACTOR } from '../../protocols/config.ts';
import type { Client } from '../../runtime/client.ts';
import { addr } from '../../actors/addresses.ts';

export const FINAL_REFIT_JOB = 'final-refit';

export interface RefitResult {
  /** The refit's submission replaced the fold models' one. */
  used: boolean;
  reason: string;
  experiment: string | null;
  status: JobOutcome['status'] | null;
  wallMs: number | null;
  /** The archived refit submission (submissions/final-refit.csv) when used. */
  submissionPath: string | null;
}


/** Copies a job's submission to `dst` (from its workspace, or from the object store when the node is remote); false when it has none. */
export type SubmissionCollector = (job: JobOutcome, dst: string) => Promise<boolean>;

/** The job's workspace is on this host. */
export const localSubmission: SubmissionCollector = async (job, dst) => {
  const src = join(job.workdir, 'submission.csv');
  if (!existsSync(src)) return false;
  copyFileSync(src, dst);
  return true;
};

/**
 * Whether the final refit starts, and under what limit. It plans at REFIT_TIME_FACTOR × the pipeline's measured full
 * run (the reserve the coordinator keeps for it), but it starts whenever what is left holds the measured full run
 * itself: at the end of the run nothing else can use the time, and a refit that overruns is stopped at the budget's end
 * with the fold models' submission standing. (Requiring the whole plan skipped refits that the budget's last ticks,
 * between the search's end and the refit's start, left a few hundred ms short of it.) Its admission estimate is that
 * measured run, the least it can take.
 */
export function refitPlan(best: Pick<Experiment, 'fullRunMs' | 'wallMs'>, remainingMs: number):
  { start: true; limitMs: number; estimateMs: number } | { start: false; reason: string } {
  // the validated full run's own time when it was measured, else the whole experiment's (debug run and waits included)
  const measuredMs = Math.round(best.fullRunMs ?? best.wallMs);
  const plannedMs = Math.round(measuredMs * REFIT_TIME_FACTOR);
  const limitMs = Math.floor(remainingMs);
  if (limitMs <= 0 || measuredMs > limitMs) {
    return { start: false, reason: `no time left for the final refit (its pipeline's full run took ${(measuredMs / 1000).toFixed(0)} s, and the refit on every labelled row is planned at about ${(plannedMs / 1000).toFixed(0)} s; ${(Math.max(0, limitMs) / 1000).toFixed(0)} s are left); the submission is the fold models' average` };
  }
  return { start: true, limitMs, estimateMs: measuredMs };
}

export async function finalRefit(o: {
  cli: Client; best: Experiment | null; fullDataDir: string; fullData?: string; runDir: string; remainingMs: number; collect?: SubmissionCollector;
}): Promise<RefitResult> {
  const none = (reason: string, extra: Partial<RefitResult> = {}): RefitResult =>
    ({ used: false, reason, experiment: o.best?.id ?? null, status: null, wallMs: null, submissionPath: null, ...extra });
  if (!o.best) return none('no pipeline was accepted');
  const plan = refitPlan(o.best, o.remainingMs);
  if (!plan.start) return none(plan.reason);
  const { limitMs, estimateMs } = plan;
  const reply = await o.cli.request(addr.gpu, 'job.submit', {
    jobId: FINAL_REFIT_JOB, mode: 'full', code: o.best.code, dataDir: o.fullDataDir, ...(o.fullData ? { data: o.fullData } : {}), limitMs, estimatedMs: estimateMs,
    sampleSubmission: join(o.fullDataDir, 'sample_submission.csv'), score: false,
  }, limitMs + 10_000).catch((e: unknown) => e as Error);
  if (reply instanceof Error) return none(`the final refit got no answer: ${reply.message}`);
  if (reply.type !== 'job.result') return none(`the final refit failed: ${reply.type === 'request.failed' ? reply.payload.reason : reply.type}`);
  const job = reply.payload;
  const done = { status: job.status, wallMs: job.usage.wallMs };
  if (job.status !== 'ok' || !job.submission?.ok) return none(`the final refit did not produce a valid submission (${job.status}: ${job.reason ?? job.submission?.error ?? 'no submission'}); the fold models' submission stands`, done);
  const dst = join(o.runDir, 'submissions', `${FINAL_REFIT_JOB}.csv`);
  const got = await (o.collect ?? localSubmission)(job, dst).catch((e: Error) => e);
  if (got !== true) return none(`the final refit's submission.csv could not be collected${got instanceof Error ? `: ${got.message}` : ' (it is missing)'}`, done);
  return { used: true, reason: `refit of ${o.best.id} on every labelled row (the held-back slice included) in ${(job.usage.wallMs / 1000).toFixed(1)} s`, experiment: o.best.id, ...done, submissionPath: dst };
}
