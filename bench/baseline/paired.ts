// The paired comparison of bench:loop: per competition and seed, Gome's and the baseline's test scores oriented so
// that a difference > 0 (or a ratio > 1) means Gome did better; per competition, the mean paired difference over the
// seeds with its standard error, and whether Gome came out at least as good as the baseline.
import { orientedDifference } from '../../protocols/metric-table.ts';

/** One competition × seed: both test scores (null when that side handed in no valid submission). */
export interface PairedScore {
  competition: string;
  seed: number;
  lowerIsBetter: boolean;
  gome: number | null;
  baseline: number | null;
}

/** orientedDifference(gome, baseline, lowerIsBetter): Gome − baseline oriented, > 0 means Gome better (the metric table's). */
export { orientedDifference };

/** Gome / baseline when higher is better, baseline / Gome when lower is better: > 1 means Gome better (null unless both > 0). */
export function orientedRatio(gome: number | null, baseline: number | null, lowerIsBetter: boolean): number | null {
  if (gome === null || baseline === null || !Number.isFinite(gome) || !Number.isFinite(baseline) || gome <= 0 || baseline <= 0) return null;
  return lowerIsBetter ? baseline / gome : gome / baseline;
}

export interface CompetitionComparison {
  competition: string;
  lowerIsBetter: boolean;
  seeds: number;
  /** Seeds where both submissions were valid: the mean and its standard error are over these. */
  pairs: number;
  /** Mean oriented difference (> 0: Gome better); null without a valid pair. */
  meanDiff: number | null;
  /** Standard error of that mean: sample standard deviation (n − 1) / √n; null with fewer than two pairs. */
  seDiff: number | null;
  /** Seeds where only Gome's submission was valid, and where only the baseline's was. */
  gomeOnlyValid: number;
  baselineOnlyValid: number;
  /**
   * Gome ≥ baseline: the mean paired difference is ≥ 0 and the baseline was not the only valid side more often than
   * Gome was; null when no seed had two valid submissions and neither side was ever the only valid one.
   */
  gomeAtLeastBaseline: boolean | null;
}

export interface PairedSummary {
  competitions: CompetitionComparison[];
  /** Competitions where Gome ≥ baseline, out of `decided` (those whose verdict is not null). */
  gomeAtLeastBaseline: number;
  decided: number;
}

function meanAndSe(xs: readonly number[]): { mean: number | null; se: number | null } {
  const n = xs.length;
  if (n === 0) return { mean: null, se: null };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, se: null };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, se: Math.sqrt(variance / n) };
}

/** Groups the rows by competition (in first-seen order) and compares the two sides seed by seed. */
export function comparePaired(rows: readonly PairedScore[]): PairedSummary {
  const groups = new Map<string, PairedScore[]>();
  for (const r of rows) groups.set(r.competition, [...(groups.get(r.competition) ?? []), r]);
  const competitions = [...groups.entries()].map(([competition, rs]): CompetitionComparison => {
    const lowerIsBetter = rs[0]!.lowerIsBetter;
    const diffs = rs.map((r) => orientedDifference(r.gome, r.baseline, lowerIsBetter)).filter((d): d is number => d !== null);
    const valid = (x: number | null) => x !== null && Number.isFinite(x);
    const gomeOnlyValid = rs.filter((r) => valid(r.gome) && !valid(r.baseline)).length;
    const baselineOnlyValid = rs.filter((r) => !valid(r.gome) && valid(r.baseline)).length;
    const { mean, se } = meanAndSe(diffs);
    const verdict = mean === null
      ? (gomeOnlyValid + baselineOnlyValid > 0 ? gomeOnlyValid >= baselineOnlyValid : null)
      : mean >= 0 && gomeOnlyValid >= baselineOnlyValid;
    return { competition, lowerIsBetter, seeds: rs.length, pairs: diffs.length, meanDiff: mean, seDiff: se, gomeOnlyValid, baselineOnlyValid, gomeAtLeastBaseline: verdict };
  });
  return {
    competitions,
    gomeAtLeastBaseline: competitions.filter((c) => c.gomeAtLeastBaseline === true).length,
    decided: competitions.filter((c) => c.gomeAtLeastBaseline !== null).length,
  };
}
