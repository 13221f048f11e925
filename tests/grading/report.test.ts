// Reports: MLE-bench field names, invalid submissions give null scores and false flags, aggregate mean ± SEM over seeds.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateReports, buildReport, gradeToReport, meanSem, type CompetitionReport } from '../../grading/report.ts';
import { loadCompetition } from '../../grading/competition.ts';
import { csv } from './helpers.ts';
import { binaryAuc } from './fixtures.ts';

const FIELDS = ['competition_id', 'score', 'gold_threshold', 'silver_threshold', 'bronze_threshold', 'median_threshold',
  'any_medal', 'gold_medal', 'silver_medal', 'bronze_medal', 'above_median', 'submission_exists', 'valid_submission',
  'is_lower_better', 'created_at', 'submission_path'];
const T = { n: 5, gold: 0.9, silver: 0.9, bronze: 0.8, median: 0.7, isLowerBetter: false };
const at = new Date('2025-01-02T03:04:05.000Z');

function rep(score: number | null, exists = true): CompetitionReport {
  return buildReport({ competitionId: 'c', submissionPath: '/s.csv', score, submissionExists: exists, thresholds: T, createdAt: at });
}

describe('report', () => {
  it('report - has exactly the MLE-bench field names', () => {
    expect(Object.keys(rep(0.95)).sort()).toEqual([...FIELDS].sort());
    expect(rep(0.95)).toMatchObject({ score: 0.95, gold_medal: true, any_medal: true, valid_submission: true, created_at: '2025-01-02T03:04:05.000Z' });
  });

  it('report - a graded submission is ranked on the leaderboard; an invalid one has score null and all flags false', async () => {
    // leaderboard of 5: gold = pos 1 (0.9), silver = pos 1, bronze = pos 2 (0.8), median 0.7
    const fx = binaryAuc([0.9, 0.8, 0.7, 0.6, 0.5]);
    const comp = await loadCompetition(fx.root);
    const ids = Array.from({ length: 8 }, (_, i) => `p${i + 1}`);
    const perfect = [0.9, 0.1, 0.8, 0.7, 0.2, 0.3, 0.95, 0.05];
    const good = await gradeToReport(fx.submit(csv(['PassengerId', 'Transported'], ids.map((id, i) => [id, perfect[i]!]))), comp, at);
    expect(good.invalid).toBeNull();
    expect(good.report).toMatchObject({ competition_id: 'toy-binary', score: 1, gold_medal: true, silver_medal: false, any_medal: true, above_median: true, is_lower_better: false, gold_threshold: 0.9, bronze_threshold: 0.8, median_threshold: 0.7 });

    const bad = await gradeToReport(fx.submit(csv(['PassengerId', 'Transported'], ids.map((id) => [id, 2])), 'bad.csv'), comp, at);
    expect(bad.invalid?.reason).toBe('range');
    expect(bad.report).toMatchObject({ score: null, submission_exists: true, valid_submission: false, any_medal: false, gold_medal: false, silver_medal: false, bronze_medal: false, above_median: false });

    const none = await gradeToReport(join(fx.root, 'missing.csv'), comp, at);
    expect(none.report).toMatchObject({ score: null, submission_exists: false, valid_submission: false, any_medal: false });
  });

  it('report - meanSem uses the sample standard deviation and is 0 for one seed', () => {
    expect(meanSem([50])).toEqual({ mean: 50, sem: 0, n: 1 });
    // values 0, 50, 100: mean 50, sample sd 50, SEM 50/sqrt(3)
    const m = meanSem([0, 50, 100]);
    expect(m.mean).toBe(50);
    expect(m.sem).toBeCloseTo(50 / Math.sqrt(3), 12);
  });

  it('report - aggregate totals and per-seed percentages are mean ± SEM on a hand-checked example', () => {
    // seed 1: gold + invalid → medal 50%; seed 2: bronze + above-median only → 50%; seed 3: two without medal → 0%.
    const reports = [rep(0.95), rep(null), rep(0.85), rep(0.75), rep(0.6), rep(null, false)];
    const agg = aggregateReports(reports, [1, 1, 2, 2, 3, 3]);
    expect(agg).toMatchObject({
      total_runs: 6, total_runs_with_submissions: 5, total_valid_submissions: 4, total_medals: 2,
      total_gold_medals: 1, total_silver_medals: 0, total_bronze_medals: 1, total_above_median: 3,
    });
    // any_medal per seed: 50, 50, 0 → mean 100/3; sample sd = sqrt(((50/3)^2*2 + (100/3)^2)/2) = 28.8675; SEM = sd/sqrt(3) = 16.6667
    expect(agg.percentages.any_medal.mean).toBeCloseTo(100 / 3, 12);
    expect(agg.percentages.any_medal.sem).toBeCloseTo(50 / 3, 12);
    expect(agg.percentages.any_medal.n).toBe(3);
    // above_median per seed: 50, 100, 0 → mean 50, sd 50, SEM 50/sqrt(3)
    expect(agg.percentages.above_median).toEqual({ mean: 50, sem: 50 / Math.sqrt(3), n: 3 });
    // seed as a function of the report gives the same grouping
    const byFn = aggregateReports(reports, (_r, i) => Math.floor(i / 2));
    expect(byFn.percentages).toEqual(agg.percentages);
    expect(aggregateReports(reports.slice(0, 2), [7, 7]).percentages.gold_medal).toEqual({ mean: 50, sem: 0, n: 1 });
  });
});
