// Every bundled competition loads, its sample submission grades, and its leaderboard gives MLE-bench thresholds.
import { describe, expect, it } from 'vitest';
import { join, resolve } from 'node:path';
import { localCompetitions } from '../../cli/commands/bench-suite.ts';
import { loadCompetition } from '../../runtime/grading/competition.ts';
import { grade } from '../../runtime/grading/grader.ts';
import { medalThresholds, readLeaderboard } from '../../runtime/grading/medals.ts';
import { LOWER_IS_BETTER } from '../../protocols/domain.ts';

const BENCH = resolve(import.meta.dirname, '../../bench');

describe('bundled competitions', () => {
  it.each(localCompetitions(BENCH))('bundled - %s loads, grades its sample submission and ranks on its leaderboard', async (name) => {
    const c = await loadCompetition(join(BENCH, name));
    const score = await grade(c.sampleSubmissionPath, c);
    expect(Number.isFinite(score)).toBe(true);
    const t = medalThresholds(await readLeaderboard(c.leaderboardPath));
    expect(t.isLowerBetter).toBe(LOWER_IS_BETTER[c.metric]);
    expect(t.n).toBeGreaterThanOrEqual(40);
    // the constant sample submission is a floor, never a medal
    const better = (a: number, b: number) => (t.isLowerBetter ? a < b : a > b);
    expect(better(t.bronze, score)).toBe(true);
  });
});
