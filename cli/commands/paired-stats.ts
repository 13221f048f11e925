// Paired statistics for comparisons: Student's t distribution (its CDF through the regularised incomplete beta
// function, its quantile by bisection), the mean of paired differences with its two-sided 95% interval, and the
// outcome of one pair of cells (which of two runs on the same competition and seed did better).
import { meanSem } from '../../grading/report.ts';
import { orientedDifference } from '../../protocols/metric-table.ts';
import type { Cell } from './topology-comparison.ts';

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9)
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d; h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d; if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c; if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  return x < (a + 1) / (a + b + 2) ? (front * betaContinuedFraction(a, b, x)) / a : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` (> 0) degrees of freedom (bisection on the CDF; p in (0, 1)). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) throw new RangeError(`tQuantile needs 0 < p < 1 and df > 0, got p ${p}, df ${df}`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0, hi = 1;
  while (tCdf(hi, df) < p) { lo = hi; hi *= 2; if (hi > 1e12) return Infinity; }
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid; else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface MeanCi {
  n: number;
  mean: number | null;
  /** Sample standard deviation (n − 1). */
  sd: number | null;
  /** The 95% confidence interval of the mean: mean ± t(0.975, n − 1) · sd / √n; null with fewer than two values. */
  lo: number | null;
  hi: number | null;
}

export function meanCi(xs: readonly number[]): MeanCi {
  const n = xs.length;
  if (n === 0) return { n, mean: null, sd: null, lo: null, hi: null };
  const { mean, sem } = meanSem(xs);
  if (n < 2) return { n, mean, sd: null, lo: null, hi: null };
  const half = tQuantile(0.975, n - 1) * sem;
  return { n, mean, sd: sem * Math.sqrt(n), lo: mean - half, hi: mean + half };
}

/**
 * Two runs on the same competition and seed: the oriented test-score difference a − b (> 0: a better; null unless
 * both submissions are valid) and who did better (a valid submission beats an invalid one; two invalid ones tie).
 */
export function cellOutcome(a: Cell, b: Cell): { difference: number | null; outcome: 'win' | 'tie' | 'loss' } {
  const lower = a.lowerIsBetter ?? b.lowerIsBetter;
  const va = a.validSubmission && a.testScore !== null, vb = b.validSubmission && b.testScore !== null;
  const d = lower === null ? null : orientedDifference(va ? a.testScore : null, vb ? b.testScore : null, lower);
  if (d !== null) return { difference: d, outcome: Math.abs(d) < 1e-12 ? 'tie' : d > 0 ? 'win' : 'loss' };
  return { difference: null, outcome: va && !vb ? 'win' : !va && vb ? 'loss' : 'tie' };
}

/** Wins, ties and losses of the first side over a list of outcomes. */
export function tally(outcomes: readonly ('win' | 'tie' | 'loss')[]): { wins: number; ties: number; losses: number } {
  return { wins: outcomes.filter((o) => o === 'win').length, ties: outcomes.filter((o) => o === 'tie').length, losses: outcomes.filter((o) => o === 'loss').length };
}
