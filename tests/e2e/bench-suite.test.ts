// gome bench: the local suite across seeds produces an aggregate MLE-bench report with mean ± SEM over seeds.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localCompetitions, runSuite } from '../../cli/commands/bench-suite.ts';

const REPO = resolve(import.meta.dirname, '../..');

describe('bench suite', () => {
  it('bench suite - lists the bundled competitions', () => {
    const all = localCompetitions(join(REPO, 'bench'));
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all).toContain('letter-recognition');
    expect(all).not.toContain('_lib');
    const test = localCompetitions(join(REPO, 'bench'), 'test');
    const dev = localCompetitions(join(REPO, 'bench'), 'dev');
    expect(test.length).toBeGreaterThanOrEqual(3);
    expect([...test, ...dev].sort()).toEqual(all); // the halves partition the suite
    expect(test).toContain('letter-recognition');
    expect(dev).toContain('breast-cancer-diagnosis');
  });

  it('bench suite - two seeds of one competition give an aggregate with per-seed mean ± SEM', async () => {
    const lines: string[] = [];
    const { dir, aggregate } = await runSuite({
      benchDir: join(REPO, 'bench'), runsRoot: mkdtempSync(join(tmpdir(), 'gome-suite-')), seeds: 2, budgetMs: 35_000,
      only: ['house-votes'], config: { preset: 'quick', limits: { debugMs: 30_000, fullMs: 60_000 } }, say: (l) => lines.push(l),
    });
    expect(aggregate.total_runs).toBe(2);
    expect(aggregate.total_runs_with_submissions).toBe(2);
    expect(aggregate.percentages.valid_submissions).toEqual({ mean: 100, sem: 0, n: 2 });
    expect(aggregate.percentages.any_medal.n).toBe(2);
    expect(aggregate.competition_reports.map((r) => r.competition_id)).toEqual(['house-votes', 'house-votes']);
    expect(existsSync(join(dir, 'aggregate.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'aggregate.json'), 'utf8')).total_runs).toBe(2);
    expect(lines.join('\n')).toMatch(/any medal .*% ± /);
  }, 240_000);
});
