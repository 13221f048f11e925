// L1/L2 checks on a job outcome (status, scores-file schema, submission format, runtime estimate) and the L3 decision.
import type { Blame, JobOutcome, TaskInfo } from '../../protocols/domain.ts';

export interface RunVerdict { ok: boolean; reasons: string[]; repairable: boolean; blame: Blame }

export function checkRun(job: JobOutcome, task: TaskInfo, needEstimate: boolean): RunVerdict {
  const reasons: string[] = [];
  switch (job.status) {
    case 'ok': break;
    case 'error': return { ok: false, repairable: true, blame: 'code', reasons: [`${job.mode} run failed: ${job.reason ?? `exit code ${job.exitCode}`}`] };
    case 'timeout':
      if (job.budgetCapped) return { ok: false, repairable: false, blame: 'budget', reasons: [`${job.mode} run stopped when the budget ran out (${Math.round(job.usage.wallMs / 1000)} s)`] };
      return { ok: false, repairable: true, blame: 'code', reasons: [`${job.mode} run exceeded its limit (${Math.round(job.usage.wallMs / 1000)} s); make it faster`] };
    case 'refused': return { ok: false, repairable: false, blame: 'budget', reasons: [`${job.mode} run refused: ${job.reason ?? 'admission control'}`] };
    case 'infra': return { ok: false, repairable: false, blame: 'infra', reasons: [`infrastructure failure (not charged): ${job.reason ?? 'unknown'}`] };
  }
  if (!job.scores) reasons.push('scores.csv is missing or unreadable');
  else {
    const rows = job.scores.rows;
    if (!('ensemble' in rows)) reasons.push('scores.csv has no "ensemble" row');
    const nan = Object.entries(rows).filter(([, v]) => v === null || !Number.isFinite(v)).map(([k]) => k);
    if (nan.length) reasons.push(`scores.csv has NaN for ${nan.join(', ')}`);
    if (job.scores.metric.toLowerCase() !== task.metric) reasons.push(`scores.csv metric column is "${job.scores.metric}", expected "${task.metric}"`);
  }
  if (!job.submission) reasons.push('submission.csv was not checked');
  else if (!job.submission.ok) reasons.push(`submission.csv is invalid: ${job.submission.error}`);
  if (needEstimate && job.estimatedFullMs === null) reasons.push('debug run did not print GOME_ESTIMATED_FULL_SECONDS=<seconds>');
  return { ok: reasons.length === 0, reasons, repairable: true, blame: reasons.length ? 'code' : 'none' };
}

export function ensembleScore(job: JobOutcome): number | null {
  const v = job.scores?.rows.ensemble;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function cvStd(job: JobOutcome): number | null {
  const cv = job.feedback?.cv_scores;
  if (!cv || cv.length < 2) return null;
  const m = cv.reduce((a, b) => a + b, 0) / cv.length;
  return Math.sqrt(cv.reduce((a, b) => a + (b - m) ** 2, 0) / (cv.length - 1));
}

export function isBetter(score: number, than: number | null, lowerIsBetter: boolean): boolean {
  if (than === null) return true;
  return lowerIsBetter ? score < than - 1e-12 : score > than + 1e-12;
}

const PERFECT: Record<string, number> = { auc: 1, accuracy: 1, logloss: 0, rmse: 0, rmsle: 0, mae: 0 };

export interface Decision { accept: boolean; reasons: string[] }

/** L3: improvement over SOTA (metric direction), leakage suspicion, and the train/validation gap. */
export function decide(args: { score: number; sota: number | null; task: TaskInfo; trainScore: number | null; overfitGap: number }): Decision {
  const { score, sota, task, trainScore } = args;
  const reasons: string[] = [];
  const perfect = PERFECT[task.metric];
  if (perfect !== undefined && Math.abs(score - perfect) < 1e-9) {
    return { accept: false, reasons: [`validation ${task.metric} is exactly perfect (${score}); suspected leakage between train and validation`] };
  }
  if (trainScore !== null) {
    const gap = (task.lowerIsBetter ? score - trainScore : trainScore - score) / Math.max(Math.abs(score), 1e-9);
    if (gap > args.overfitGap) reasons.push(`warning: train/validation gap ${gap.toFixed(3)} (relative) exceeds ${args.overfitGap}; the model overfits`);
  }
  if (!isBetter(score, sota, task.lowerIsBetter)) {
    return { accept: false, reasons: [...reasons, `${task.metric} ${fmt(score)} does not beat SOTA ${fmt(sota!)} (${task.lowerIsBetter ? 'lower' : 'higher'} is better)`] };
  }
  reasons.push(sota === null ? `first valid pipeline: ${task.metric} ${fmt(score)}` : `${task.metric} ${fmt(score)} beats SOTA ${fmt(sota)}`);
  return { accept: true, reasons };
}

function fmt(x: number): string { return Number(x.toPrecision(6)).toString(); }
