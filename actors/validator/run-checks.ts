// L1/L2 checks on a job outcome (status, the job contract's prediction files as the harness scored them, submission
// format, runtime estimate) and the L3 decision on harness scores. A job's own scores.csv is information only.
import type { Blame, JobOutcome, TaskInfo } from '../../protocols/domain.ts';
import { perfectScore } from '../../protocols/metric-table.ts';
import { acceptBeyondNoise } from './acceptance.ts';
import { formatScore } from '../../protocols/score-format.ts';

export interface RunVerdict { ok: boolean; reasons: string[]; repairable: boolean; blame: Blame }

export function checkRun(job: JobOutcome, task: TaskInfo, needEstimate: boolean): RunVerdict {
  const reasons: string[] = [];
  switch (job.status) {
    case 'ok': break;
    case 'error': return { ok: false, repairable: true, blame: 'code', reasons: [`${job.mode} run failed: ${job.reason ?? `exit code ${job.exitCode}`}`] };
    case 'timeout':
      if (job.budgetCapped) return { ok: false, repairable: false, blame: 'budget', reasons: [`${job.mode} run stopped when the budget ran out (${Math.round(job.usage.wallMs / 1000)} s)`] };
      return { ok: false, repairable: true, blame: 'code', reasons: [`${job.mode} run exceeded its limit (${Math.round(job.usage.wallMs / 1000)} s); make it faster`] };
    case 'refused':
      // too slow for what is left: the change can be reshaped to fit (fewer rounds, seeds, rows or members);
      // an exhausted budget cannot be repaired
      return { ok: false, repairable: job.refusal === 'too-slow', blame: 'budget', reasons: [`${job.mode} run refused: ${job.reason ?? 'admission control'}`] };
    case 'infra': return { ok: false, repairable: false, blame: 'infra', reasons: [`infrastructure failure (not charged): ${job.reason ?? 'unknown'}`] };
  }
  if (!job.harness) reasons.push('the harness did not score the job\'s predictions (oof_predictions.csv, holdout_predictions.csv)');
  else {
    reasons.push(...job.harness.problems);
    if (!job.harness.problems.length && harnessScore(job) === null) reasons.push('the job\'s out-of-fold predictions gave no score');
  }
  if (!job.submission) reasons.push('submission.csv was not checked');
  else if (!job.submission.ok) reasons.push(`submission.csv is invalid: ${job.submission.error}`);
  if (needEstimate && job.estimatedFullMs === null) reasons.push('debug run did not print GOME_ESTIMATED_FULL_SECONDS=<seconds>');
  return { ok: reasons.length === 0, reasons, repairable: true, blame: reasons.length ? 'code' : 'none' };
}

/** The candidate's score as the harness computed it: the mean of its per-fold scores (pooled OOF for a debug run). */
export function harnessScore(job: JobOutcome): number | null {
  const h = job.harness;
  if (!h) return null;
  const v = h.folds.length ? h.folds.reduce((a, b) => a + b, 0) / h.folds.length : h.oof;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** What the job claimed about its own ensemble in scores.csv: shown for information, never used to decide. */
export function selfReportedScore(job: JobOutcome): number | null {
  const v = job.scores?.rows.ensemble;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The spread of the harness's per-fold scores. */
export function cvStd(job: JobOutcome): number | null {
  const cv = job.harness?.folds;
  if (!cv || cv.length < 2) return null;
  const m = cv.reduce((a, b) => a + b, 0) / cv.length;
  return Math.sqrt(cv.reduce((a, b) => a + (b - m) ** 2, 0) / (cv.length - 1));
}

export function isBetter(score: number, than: number | null, lowerIsBetter: boolean): boolean {
  if (than === null) return true;
  return lowerIsBetter ? score < than - 1e-12 : score > than + 1e-12;
}

export interface Decision { accept: boolean; reasons: string[] }

/** A SOTA as the validator compares against it: its harness score and per-fold scores. */
export interface SotaScores { score: number; folds: number[] }

/**
 * L3: a gain over the SOTA beyond noise (paired per-fold, k corrected standard errors, metric direction),
 * leakage suspicion, and the train/validation gap (a warning).
 */
export function decide(args: { score: number; folds: number[]; sota: SotaScores | null; task: TaskInfo; trainScore: number | null; overfitGap: number; acceptK: number }): Decision {
  const { score, sota, task, trainScore } = args;
  const reasons: string[] = [];
  const perfect = perfectScore(task.metric);
  if (Math.abs(score - perfect) < 1e-9) {
    return { accept: false, reasons: [`validation ${task.metric} is exactly perfect (${score}); suspected leakage between train and validation`] };
  }
  if (trainScore !== null) {
    const gap = (task.lowerIsBetter ? score - trainScore : trainScore - score) / Math.max(Math.abs(score), 1e-9);
    if (gap > args.overfitGap) reasons.push(`warning: train/validation gap ${gap.toFixed(3)} (relative) exceeds ${args.overfitGap}; the model overfits`);
  }
  if (sota === null) return { accept: true, reasons: [...reasons, `first valid pipeline: ${task.metric} ${fmt(score)}`] };
  const a = acceptBeyondNoise(args.folds, sota.folds, task.lowerIsBetter, args.acceptK, task.metric);
  const versus = `${task.metric} ${fmt(score)} against SOTA ${fmt(sota.score)} (${task.lowerIsBetter ? 'lower' : 'higher'} is better)`;
  if (!a.accept) return { accept: false, reasons: [...reasons, `${versus} is not a gain beyond noise: ${a.reason}`] };
  reasons.push(`${versus} beats it beyond noise: ${a.reason}`);
  return { accept: true, reasons };
}

const fmt = formatScore;
