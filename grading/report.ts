// MLE-bench competition reports (exact field names) and the aggregate over runs, with percentages as mean ± SEM over seeds.
import { access } from 'node:fs/promises';
import { extname } from 'node:path';
import { InvalidSubmission } from './errors.ts';
import { grade, type GradingTarget } from './grader.ts';
import { medalThresholds, rankScore, readLeaderboard, pyRound, type MedalThresholds } from './medals.ts';

export interface CompetitionReport {
  competition_id: string;
  score: number | null;
  gold_threshold: number;
  silver_threshold: number;
  bronze_threshold: number;
  median_threshold: number;
  any_medal: boolean;
  gold_medal: boolean;
  silver_medal: boolean;
  bronze_medal: boolean;
  above_median: boolean;
  submission_exists: boolean;
  valid_submission: boolean;
  is_lower_better: boolean;
  /** ISO-8601 timestamp. */
  created_at: string;
  submission_path: string;
}

export interface ReportInput {
  competitionId: string;
  submissionPath: string;
  /** The graded score, or null when the submission is missing or invalid. */
  score: number | null;
  submissionExists: boolean;
  thresholds: MedalThresholds;
  createdAt?: Date;
}

/** Builds a report from a score and thresholds (MLE-bench grade_csv's CompetitionReport). */
export function buildReport(input: ReportInput): CompetitionReport {
  const t = input.thresholds;
  const score = input.score === null || Number.isNaN(input.score) ? null : pyRound(input.score, 5);
  const flags = rankScore(score, t);
  return {
    competition_id: input.competitionId,
    score,
    gold_threshold: t.gold,
    silver_threshold: t.silver,
    bronze_threshold: t.bronze,
    median_threshold: t.median,
    any_medal: flags.any_medal,
    gold_medal: flags.gold_medal,
    silver_medal: flags.silver_medal,
    bronze_medal: flags.bronze_medal,
    above_median: flags.above_median,
    submission_exists: input.submissionExists,
    valid_submission: score !== null,
    is_lower_better: t.isLowerBetter,
    created_at: (input.createdAt ?? new Date()).toISOString(),
    submission_path: input.submissionPath,
  };
}

/**
 * Grades a submission and ranks it on the competition's leaderboard (MLE-bench grade_csv).
 * An invalid or missing submission yields score null and all flags false; the reason is returned beside the report.
 */
export async function gradeToReport(
  submissionPath: string,
  competition: GradingTarget & { leaderboardPath: string },
  createdAt: Date = new Date(),
): Promise<{ report: CompetitionReport; invalid: InvalidSubmission | null }> {
  const thresholds = medalThresholds(await readLeaderboard(competition.leaderboardPath));
  let exists = false;
  try { await access(submissionPath); exists = extname(submissionPath).toLowerCase() === '.csv'; } catch { exists = false; }
  let score: number | null = null;
  let invalid: InvalidSubmission | null = null;
  if (exists) {
    try {
      score = await grade(submissionPath, competition);
    } catch (e) {
      if (!(e instanceof InvalidSubmission)) throw e;
      invalid = e;
    }
  } else {
    invalid = new InvalidSubmission('missing-file', `no CSV submission at ${submissionPath}`, 'write the predictions CSV to that path');
  }
  const report = buildReport({ competitionId: competition.id, submissionPath, score, submissionExists: exists, thresholds, createdAt });
  return { report, invalid };
}

export interface MeanSem {
  /** Mean over seeds of the per-seed percentage. */
  mean: number;
  /** Standard error of that mean: sample std (n-1) / sqrt(n); 0 with one seed. */
  sem: number;
  /** Number of seeds. */
  n: number;
}

export interface AggregateReport {
  total_runs: number;
  total_runs_with_submissions: number;
  total_valid_submissions: number;
  total_medals: number;
  total_gold_medals: number;
  total_silver_medals: number;
  total_bronze_medals: number;
  total_above_median: number;
  /** Percent of runs per seed, then mean ± SEM over seeds. */
  percentages: {
    submissions: MeanSem;
    valid_submissions: MeanSem;
    any_medal: MeanSem;
    gold_medal: MeanSem;
    silver_medal: MeanSem;
    bronze_medal: MeanSem;
    above_median: MeanSem;
  };
  competition_reports: CompetitionReport[];
}

/** Mean and standard error of the mean (sample standard deviation / sqrt(n); 0 when n = 1). */
export function meanSem(xs: readonly number[]): MeanSem {
  const n = xs.length;
  if (n === 0) return { mean: NaN, sem: NaN, n: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n === 1) return { mean, sem: 0, n };
  const variance = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return { mean, sem: Math.sqrt(variance) / Math.sqrt(n), n };
}

export type SeedOf = readonly (string | number)[] | ((report: CompetitionReport, index: number) => string | number);

/** Totals over all reports (MLE-bench aggregate_reports) plus per-seed percentages as mean ± SEM. */
export function aggregateReports(reports: readonly CompetitionReport[], seedsOf: SeedOf): AggregateReport {
  const seedOf = typeof seedsOf === 'function' ? seedsOf : (_: CompetitionReport, i: number) => {
    const s = seedsOf[i];
    if (s === undefined) throw new RangeError(`seedsOf has ${seedsOf.length} entries for ${reports.length} reports — pass one seed per report`);
    return s;
  };
  const count = (rs: readonly CompetitionReport[], f: (r: CompetitionReport) => boolean): number => rs.filter(f).length;
  const groups = new Map<string, CompetitionReport[]>();
  reports.forEach((r, i) => {
    const key = String(seedOf(r, i));
    const g = groups.get(key) ?? [];
    g.push(r);
    groups.set(key, g);
  });
  const pct = (f: (r: CompetitionReport) => boolean): MeanSem =>
    meanSem([...groups.values()].map((g) => (100 * count(g, f)) / g.length));
  const gold = count(reports, (r) => r.gold_medal);
  const silver = count(reports, (r) => r.silver_medal);
  const bronze = count(reports, (r) => r.bronze_medal);
  return {
    total_runs: reports.length,
    total_runs_with_submissions: count(reports, (r) => r.submission_exists),
    total_valid_submissions: count(reports, (r) => r.valid_submission),
    total_medals: gold + silver + bronze,
    total_gold_medals: gold,
    total_silver_medals: silver,
    total_bronze_medals: bronze,
    total_above_median: count(reports, (r) => r.above_median),
    percentages: {
      submissions: pct((r) => r.submission_exists),
      valid_submissions: pct((r) => r.valid_submission),
      any_medal: pct((r) => r.any_medal),
      gold_medal: pct((r) => r.gold_medal),
      silver_medal: pct((r) => r.silver_medal),
      bronze_medal: pct((r) => r.bronze_medal),
      above_median: pct((r) => r.above_median),
    },
    competition_reports: [...reports],
  };
}

/** The best standing a report reached, for one-line summaries: gold, silver, bronze, above median, or none. */
export function medalLabel(r: Partial<Pick<CompetitionReport, 'gold_medal' | 'silver_medal' | 'bronze_medal' | 'above_median'>> | null): 'gold' | 'silver' | 'bronze' | '>median' | '-' {
  if (!r) return '-';
  return r.gold_medal ? 'gold' : r.silver_medal ? 'silver' : r.bronze_medal ? 'bronze' : r.above_median ? '>median' : '-';
}
