// gome run on a plain MLE-bench folder: no competition.json, no answers, no leaderboard — it still hands in a submission.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { checkSubmissionFormat } from '../../grading/submission-format.ts';

const BENCH = resolve(import.meta.dirname, '../../bench');

describe('e2e plain folder', () => {
  it('e2e - a folder with only description.md and public/ runs ungraded and writes a valid-format submission', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'gome-plainrun-')), 'votes');
    cpSync(join(BENCH, 'house-votes', 'public'), join(dir, 'public'), { recursive: true });
    writeFileSync(join(dir, 'description.md'), '# Votes\nPredict the party of each representative.\n');
    const lines: string[] = [];
    const r = await runCompetition({ competitionDir: dir, runsRoot: join(dir, '..', 'runs'), runId: 'plain', metric: 'auc',
      config: { budgetMs: 30_000, preset: 'quick', limits: { debugMs: 20_000, fullMs: 30_000 } }, progress: (l) => lines.push(l) });
    expect(r.report).toBeNull();
    expect(r.submissionPath).not.toBeNull();
    const check = await checkSubmissionFormat(join(dir, 'public', 'sample_submission.csv'), r.submissionPath!);
    expect(check).toMatchObject({ ok: true, error: null });
    expect(existsSync(join(r.runDir, 'report.json'))).toBe(false);
    expect(lines.join('\n')).toMatch(/ungraded/);
  }, 120_000);
});
