// MLE-bench medal rules: leaderboard thresholds by team count, direction detection, Python round(score, 5), ranking.
import { readCsv, parseNumber } from './csv.ts';
import { CsvError, LeaderboardError } from './errors.ts';

export interface MedalThresholds {
  n: number;
  gold: number;
  silver: number;
  bronze: number;
  median: number;
  isLowerBetter: boolean;
}

export interface MedalFlags {
  gold_medal: boolean;
  silver_medal: boolean;
  bronze_medal: boolean;
  any_medal: boolean;
  above_median: boolean;
}

/** MLE-bench Grader.is_lower_better: the top (first) score is below the bottom (last) one. */
export function isLowerBetter(scores: readonly number[]): boolean {
  return scores[0]! < scores[scores.length - 1]!;
}

/** 1-based leaderboard positions of the gold, silver and bronze thresholds for n teams (kaggle.com/progression). */
export function medalPositions(n: number): { gold: number; silver: number; bronze: number } {
  const int = Math.trunc; // Python int() of a float truncates; n * 0.1 etc. are computed as in Python
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`number of teams must be a positive integer, got ${n}`);
  if (n < 100) return { gold: Math.max(1, int(n * 0.1)), silver: Math.max(1, int(n * 0.2)), bronze: Math.max(1, int(n * 0.4)) };
  if (n < 250) return { gold: 10, silver: Math.max(1, int(n * 0.2)), bronze: Math.max(1, int(n * 0.4)) };
  if (n < 1000) return { gold: 10 + int(n * 0.002), silver: 50, bronze: 100 };
  return { gold: 10 + int(n * 0.002), silver: Math.max(1, int(n * 0.05)), bronze: Math.max(1, int(n * 0.1)) };
}

/** Median as pandas Series.median (NaN skipped; mean of the two middle values when even). */
export function median(xs: readonly number[]): number {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Thresholds for a leaderboard's scores (best first), exactly as MLE-bench Grader.rank_score. */
export function medalThresholds(scores: readonly number[]): MedalThresholds {
  if (scores.length === 0) throw new LeaderboardError('<scores>', 'the leaderboard has no rows', 'grade against a leaderboard with at least one score');
  const pos = medalPositions(scores.length);
  return {
    n: scores.length,
    gold: scores[pos.gold - 1]!,
    silver: scores[pos.silver - 1]!,
    bronze: scores[pos.bronze - 1]!,
    median: median(scores),
    isLowerBetter: isLowerBetter(scores),
  };
}

/**
 * Python's round(x, ndigits) for floats: the exact binary value is rounded to ndigits decimals
 * (ties to even, which only happen when x is exactly halfway), then read back as the nearest double.
 */
export function pyRound(x: number, ndigits = 5): number {
  if (!Number.isFinite(x) || x === 0) return x;
  if (!Number.isInteger(ndigits) || ndigits < 0) throw new RangeError(`ndigits must be a non-negative integer, got ${ndigits}`);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const negative = hi >>> 31 === 1;
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp: number;
  if (biased === 0) exp = -1074; else { mant |= 1n << 52n; exp = biased - 1075; }
  if (exp >= 0) return x; // an integer: nothing after the decimal point
  const num = mant * 10n ** BigInt(ndigits);
  const den = 1n << BigInt(-exp);
  let q = num / den;
  const twiceRem = (num % den) * 2n;
  if (twiceRem > den || (twiceRem === den && q % 2n === 1n)) q += 1n;
  const r = Number(`${q}e-${ndigits}`);
  return negative ? -r : r;
}

/** Medal flags for a score (rounded to 5 decimals first, as MLE-bench's Grader does); null → all false. Medals are exclusive. */
export function rankScore(score: number | null, t: MedalThresholds): MedalFlags {
  if (score === null || Number.isNaN(score)) {
    return { gold_medal: false, silver_medal: false, bronze_medal: false, any_medal: false, above_median: false };
  }
  const s = pyRound(score, 5);
  const beats = (thr: number): boolean => (t.isLowerBetter ? s <= thr : s >= thr);
  const gold = beats(t.gold);
  const silver = !gold && beats(t.silver);
  const bronze = !gold && !silver && beats(t.bronze);
  const aboveMedian = t.isLowerBetter ? s < t.median : s > t.median;
  return { gold_medal: gold, silver_medal: silver, bronze_medal: bronze, any_medal: gold || silver || bronze, above_median: aboveMedian };
}

/** Reads the `score` column of a leaderboard CSV (best first). */
export async function readLeaderboard(path: string): Promise<number[]> {
  let table;
  try {
    table = await readCsv(path);
  } catch (e) {
    if (e instanceof CsvError) {
      throw new LeaderboardError(path, e.message, 'put the competition\'s leaderboard.csv (a `score` column, best first) beside competition.json; for local competitions run /usr/bin/python3 bench/<name>/prepare.py');
    }
    throw e;
  }
  const j = table.header.indexOf('score');
  if (j < 0) throw new LeaderboardError(path, `no \`score\` column (columns: ${table.header.join(', ')})`, 'write the leaderboard with a `score` column, best first');
  if (table.rows.length === 0) throw new LeaderboardError(path, 'no rows', 'write at least one leaderboard score');
  return table.rows.map((r, i) => {
    const cell = r[j]!.trim();
    const v = cell === '' ? NaN : parseNumber(cell);
    if (v === null) throw new LeaderboardError(path, `row ${i + 1} has a non-numeric score ${JSON.stringify(cell)}`, 'write numeric scores only');
    return v;
  });
}
