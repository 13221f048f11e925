// Scoring metrics matching scikit-learn 1.2 numerically (ROC AUC, accuracy, log loss, RMSE, RMSLE, MAE), and the
// implementation of each metric of the metric table keyed by name.
import type { MetricName } from '../protocols/metric-table.ts';
import { MetricError } from './errors.ts';

/** Compensated (Neumaier) sum: accurate to ~1 ulp, so results agree with numpy's pairwise sums. */
export function fsum(xs: Iterable<number>): number {
  let s = 0, c = 0;
  for (const x of xs) {
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  return s + c;
}

function sameLength(metric: string, a: readonly unknown[], b: readonly unknown[]): void {
  if (a.length !== b.length) throw new MetricError(metric, `y_true has ${a.length} values, y_pred ${b.length}`, 'pass aligned arrays of equal length');
  if (a.length === 0) throw new MetricError(metric, 'no values', 'pass at least one row');
}

/** Binary ROC AUC (sklearn roc_auc_score): Mann–Whitney U with average ranks for tied scores. yTrue in {0,1}. */
export function auc(yTrue: readonly number[], yScore: readonly number[]): number {
  sameLength('auc', yTrue, yScore);
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => yScore[a]! - yScore[b]!);
  const ranks = new Array<number>(n);
  for (let i = 0; i < n;) {
    let j = i;
    while (j + 1 < n && yScore[order[j + 1]!] === yScore[order[i]!]) j++;
    const avg = (i + j + 2) / 2; // 1-based average rank of the tie block i..j
    for (let k = i; k <= j; k++) ranks[order[k]!] = avg;
    i = j + 1;
  }
  let nPos = 0, rankSum = 0;
  for (let i = 0; i < n; i++) {
    const y = yTrue[i];
    if (y !== 0 && y !== 1) throw new MetricError('auc', `y_true holds ${y}, expected 0 or 1`, 'encode the positive class as 1 and the negative as 0');
    if (y === 1) { nPos++; rankSum += ranks[i]!; }
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) {
    throw new MetricError('auc', 'only one class is present in y_true, ROC AUC is undefined', 'score on answers holding both classes');
  }
  return (rankSum - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** Fraction of exact matches (sklearn accuracy_score). */
export function accuracy<T>(yTrue: readonly T[], yPred: readonly T[]): number {
  sameLength('accuracy', yTrue, yPred);
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

/**
 * Default clip for log loss: float64 machine epsilon (2.22e-16), what sklearn's log_loss uses since 1.2
 * (eps="auto"; MLE-bench pins scikit-learn>=1.5). Kaggle's own definition used 1e-15 (KAGGLE_LOGLOSS_EPS).
 */
export const LOGLOSS_EPS = Number.EPSILON;
export const KAGGLE_LOGLOSS_EPS = 1e-15;

/**
 * Log loss (sklearn log_loss): probabilities clipped to [eps, 1-eps], then each row
 * renormalised to sum 1. Binary: yTrue in {0,1}, probs = P(class 1) per row. Multiclass: yTrue is the
 * class index per row, probs one row of k class probabilities per sample.
 */
export function logloss(
  yTrue: readonly number[], probs: readonly number[] | readonly (readonly number[])[], eps: number = LOGLOSS_EPS,
): number {
  sameLength('logloss', yTrue, probs);
  const clip = (p: number): number => Math.min(Math.max(p, eps), 1 - eps);
  const losses = new Array<number>(yTrue.length);
  for (let i = 0; i < yTrue.length; i++) {
    const raw = probs[i]!;
    let row: number[];
    if (typeof raw === 'number') {
      const p = clip(raw);
      row = [1 - p, p];
    } else {
      row = raw.map(clip);
    }
    const y = yTrue[i]!;
    if (!Number.isInteger(y) || y < 0 || y >= row.length) {
      throw new MetricError('logloss', `y_true holds ${y} but rows have ${row.length} class probabilities`, 'pass class indices 0..k-1 matching the probability columns');
    }
    const sum = row.reduce((a, b) => a + b, 0);
    losses[i] = -Math.log(row[y]! / sum);
  }
  return fsum(losses) / yTrue.length;
}

function meanOf(metric: string, yTrue: readonly number[], yPred: readonly number[], f: (t: number, p: number) => number): number {
  sameLength(metric, yTrue, yPred);
  return fsum(yTrue.map((t, i) => f(t, yPred[i]!))) / yTrue.length;
}

/** Root mean squared error (sqrt of sklearn mean_squared_error). */
export function rmse(yTrue: readonly number[], yPred: readonly number[]): number {
  return Math.sqrt(meanOf('rmse', yTrue, yPred, (t, p) => (t - p) ** 2));
}

/** Root mean squared log error (sqrt of sklearn mean_squared_log_error); negative values are rejected like sklearn. */
export function rmsle(yTrue: readonly number[], yPred: readonly number[]): number {
  if (yTrue.some((v) => v < 0) || yPred.some((v) => v < 0)) {
    throw new MetricError('rmsle', 'mean squared log error cannot be used when targets contain negative values', 'predict non-negative values (e.g. clip at 0)');
  }
  return Math.sqrt(meanOf('rmsle', yTrue, yPred, (t, p) => (Math.log1p(t) - Math.log1p(p)) ** 2));
}

/** Mean absolute error (sklearn mean_absolute_error). */
export function mae(yTrue: readonly number[], yPred: readonly number[]): number {
  return meanOf('mae', yTrue, yPred, (t, p) => Math.abs(t - p));
}

/**
 * What an implementation scores, which decides how the grader reads the submission:
 * - positive-probability: 0/1 truth against the probability of the positive class, one target column at a time;
 * - class-probabilities: class indices against probability rows (binary: P(positive) per row);
 * - labels: predicted labels against the answers' labels;
 * - values: numeric predictions against numeric answers (nonNegative: predictions must be ≥ 0).
 */
export type MetricImplementation =
  | { readonly input: 'positive-probability'; readonly score: (yTrue: readonly number[], yScore: readonly number[]) => number }
  | { readonly input: 'class-probabilities'; readonly score: (yTrue: readonly number[], probs: readonly number[] | readonly (readonly number[])[]) => number }
  | { readonly input: 'labels'; readonly score: (yTrue: readonly string[], yPred: readonly string[]) => number }
  | { readonly input: 'values'; readonly score: (yTrue: readonly number[], yPred: readonly number[]) => number; readonly nonNegative: boolean };

/**
 * The implementation of every metric of the metric table (protocols/metric-table.json), keyed by name: a metric
 * added to the table without an implementation here fails the type check.
 */
export const METRIC_IMPLEMENTATIONS = {
  auc: { input: 'positive-probability', score: auc },
  accuracy: { input: 'labels', score: accuracy },
  logloss: { input: 'class-probabilities', score: logloss },
  rmse: { input: 'values', score: rmse, nonNegative: false },
  rmsle: { input: 'values', score: rmsle, nonNegative: true },
  mae: { input: 'values', score: mae, nonNegative: false },
} as const satisfies Record<MetricName, MetricImplementation>;
