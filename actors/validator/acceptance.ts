// Acceptance beyond noise: a candidate replaces the SOTA only when its paired per-fold gain on the run's fixed folds
// exceeds k standard errors. The standard error is the Nadeau–Bengio corrected one for k-fold cross-validation
// (training sets overlap, so fold differences are correlated and the naive sd/√n understates the noise):
//   se = sd(d) · √(1/n + n_test/n_train),  with n_test/n_train = 1/(n − 1) for n folds.
// Losses (lower is better, every fold score positive) are compared on the log scale, i.e. by the ratio of the two
// losses per fold: a loss that spans orders of magnitude across folds (a diverged model: log loss 29 on one fold, 1 on
// another) would otherwise make the absolute differences' spread swamp a candidate that is better on every fold.
// Pure: no I/O; the validator machine calls it in its L3 decision.

export interface PairedGain {
  /** Mean per-fold gain in the metric's better direction (positive = the candidate is better). */
  mean: number;
  /** Corrected standard error of that mean. */
  se: number;
  /** mean / se (Infinity when every fold gains by the same amount). */
  z: number;
  folds: number;
}

export function pairedGain(candidate: readonly number[], sota: readonly number[], lowerIsBetter: boolean): PairedGain | null {
  const n = candidate.length;
  if (n < 2 || sota.length !== n) return null;
  const d = candidate.map((c, i) => (lowerIsBetter ? sota[i]! - c : c - sota[i]!));
  const mean = d.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const se = sd * Math.sqrt(1 / n + 1 / (n - 1));
  const z = se > 0 ? mean / se : mean > 0 ? Infinity : mean < 0 ? -Infinity : 0;
  return { mean, se, z, folds: n };
}

export interface Acceptance { accept: boolean; reason: string; gain: PairedGain | null }

/** The rule: accept only when the paired gain exceeds k corrected standard errors (and is a gain at all). */
export function acceptBeyondNoise(candidate: readonly number[], sota: readonly number[], lowerIsBetter: boolean, k: number, metric: string): Acceptance {
  const logScale = lowerIsBetter && candidate.length > 0 && [...candidate, ...sota].every((x) => x > 0);
  const g = logScale ? pairedGain(candidate.map(Math.log), sota.map(Math.log), true) : pairedGain(candidate, sota, lowerIsBetter);
  if (!g) return { accept: false, reason: `cannot compare with the SOTA: ${candidate.length} candidate folds against ${sota.length} SOTA folds`, gain: null };
  const size = logScale ? `log ratio ${fmt(g.mean)} (${metric} ${fmt((1 - Math.exp(-g.mean)) * 100)}% lower)` : `${fmt(g.mean)} ${metric}`;
  const how = `paired over ${g.folds} folds: gain ${size}, ${Number.isFinite(g.z) ? `${g.z.toFixed(2)} SE` : 'the same on every fold'}; needs more than ${k} SE`;
  return { accept: g.mean > 0 && g.z > k, reason: how, gain: g };
}

function fmt(x: number): string { return Number(x.toPrecision(3)).toString(); }
