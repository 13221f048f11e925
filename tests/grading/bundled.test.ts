// Every bundled competition loads, its sample submission grades, and its leaderboard gives MLE-bench thresholds;
// the suite is split into a dev half and a test half, and the test half only holds competitions with >= 1,000 test rows.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { localCompetitions } from '../../cli/commands/bench-suite.ts';
import { loadCompetition } from '../../grading/competition.ts';
import { parseCsvText } from '../../grading/csv.ts';
import { grade } from '../../grading/grader.ts';
import { medalThresholds, readLeaderboard } from '../../grading/medals.ts';
import { lowerIsBetter } from '../../protocols/metric-table.ts';

const BENCH = resolve(import.meta.dirname, '../../bench');
const NAMES = localCompetitions(BENCH);

interface RawSpec { suite?: unknown; smoke?: unknown; sources?: unknown; testRows?: unknown; trainRows?: unknown }
const raw = (name: string): RawSpec => JSON.parse(readFileSync(join(BENCH, name, 'competition.json'), 'utf8')) as RawSpec;
/** Data rows of a CSV (records after the header; a quoted text field may span lines, as in tweet-source). */
const csvRows = (path: string): number => parseCsvText(readFileSync(path, 'utf8'), path).rows.length;

describe('bundled competitions', () => {
  it.each(NAMES)('bundled - %s loads, grades its sample submission and ranks on its leaderboard', async (name) => {
    const c = await loadCompetition(join(BENCH, name));
    const score = await grade(c.sampleSubmissionPath, c);
    expect(Number.isFinite(score)).toBe(true);
    const t = medalThresholds(await readLeaderboard(c.leaderboardPath));
    expect(t.isLowerBetter).toBe(lowerIsBetter(c.metric));
    expect(t.n).toBeGreaterThanOrEqual(40);
    // the constant sample submission is a floor, never a medal
    const better = (a: number, b: number) => (t.isLowerBetter ? a < b : a > b);
    expect(better(t.bronze, score)).toBe(true);
  });

  it.each(NAMES)('bundled - %s records the source files it was cut from (the sandbox masks them)', (name) => {
    const { sources } = raw(name);
    expect(Array.isArray(sources)).toBe(true);
    const list = sources as unknown[];
    expect(list.length).toBeGreaterThan(0);
    for (const s of list) {
      expect(typeof s).toBe('string');
      expect(isAbsolute(s as string)).toBe(true);
      expect(existsSync(s as string), `${name}: source ${String(s)} is missing`).toBe(true);
    }
  });

  it.each(NAMES)('bundled - %s belongs to the dev or the test half; the test half has >= 1,000 test rows', (name) => {
    const spec = raw(name);
    expect(['dev', 'test']).toContain(spec.suite);
    const testRows = csvRows(join(BENCH, name, 'private', 'test.csv'));
    expect(spec.testRows).toBe(testRows);
    expect(spec.trainRows).toBe(csvRows(join(BENCH, name, 'public', 'train.csv')));
    if (spec.smoke !== undefined) {
      expect(spec.smoke).toBe(true);
      expect(spec.suite, `${name}: smoke tests belong to the dev half`).toBe('dev');
    }
    if (spec.suite === 'test') expect(testRows, `${name}: a test-half competition needs >= 1,000 test rows`).toBeGreaterThanOrEqual(1000);
  });

  it('bundled - the suite has a test half of at least three competitions and at most two smoke tests', () => {
    const specs = NAMES.map(raw);
    expect(specs.filter((s) => s.suite === 'test').length).toBeGreaterThanOrEqual(3);
    expect(specs.filter((s) => s.suite === 'dev').length).toBeGreaterThanOrEqual(3);
    expect(specs.filter((s) => s.smoke === true).length).toBeLessThanOrEqual(2);
  });
});
