// The final refit on real data: after the loop, the confirmed pipeline runs once more on every labelled row (the
// held-back slice included) through the GPU node, and its predictions become the submission; it is skipped, with
// the reason, when it is switched off or does not fit in the time left.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { refitPlan } from '../../cli/run/final-refit.ts';
import { tempDir } from '../grading/helpers.ts';

const COMP = join(resolve(import.meta.dirname, '../..'), 'bench', 'breast-cancer-diagnosis');
const quick = { preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } };
const rows = (p: string) => readFileSync(p, 'utf8').trim().split('\n').length - 1;

describe('final refit', () => {
  it('refit - it starts whenever what is left holds its pipeline\'s measured full run, under the whole of what is left', () => {
    // planned at 1.25 × 31.2 s = 39 s; with 38.2 s left it starts (before, it was skipped for the 0.8 s short of its plan)
    expect(refitPlan({ fullRunMs: 31_200, wallMs: 40_000 }, 38_200.7)).toEqual({ start: true, limitMs: 38_200, estimateMs: 31_200 });
    const skipped = refitPlan({ fullRunMs: 31_200, wallMs: 40_000 }, 30_000);
    expect(skipped).toMatchObject({ start: false, reason: expect.stringMatching(/full run took 31 s, and the refit on every labelled row is planned at about 39 s; 30 s are left\); the submission is the fold models' average/) });
    // no measured full run: the whole experiment's time stands in for it
    expect(refitPlan({ fullRunMs: null, wallMs: 20_000 }, 25_000)).toMatchObject({ start: true, estimateMs: 20_000 });
    expect(refitPlan({ fullRunMs: 1_000, wallMs: 2_000 }, 0)).toMatchObject({ start: false });
  });

  let firstPrefix = '';
  it('refit - the confirmed pipeline is refitted on every labelled row and its predictions are submitted', async () => {
    const r = await runCompetition({ competitionDir: COMP, runsRoot: tempDir('gome-refit-'), runId: 'refit', progress: null,
      config: { ...quick, budgetMs: 90_000, maxIterations: 1 } });
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
    // experiment ids are unique beyond the run: a random tag before each (the other run below draws another)
    expect(meta.experimentIdPrefix).toMatch(/^[0-9a-z]{8}-$/);
    firstPrefix = meta.experimentIdPrefix;
    const first = `${meta.experimentIdPrefix}t0-e0`;
    expect(meta.finalRefit).toMatchObject({ used: true, status: 'ok', experiment: first });
    const refitted = readFileSync(join(r.runDir, 'submissions', 'final-refit.csv'), 'utf8');
    expect(readFileSync(r.submissionPath!, 'utf8')).toBe(refitted);
    expect(refitted).not.toBe(readFileSync(join(r.runDir, 'submissions', `${first}.csv`), 'utf8')); // more rows, another model
    expect(r.report?.valid_submission).toBe(true);
    // it saw every labelled row: train.csv of the refit's data dir holds the held-back slice too
    const split = JSON.parse(readFileSync(join(r.runDir, 'harness', 'split.json'), 'utf8'));
    expect(rows(join(r.runDir, 'harness', 'full', 'train.csv'))).toBe(split.trainRows + split.holdoutRows);
    expect(rows(join(r.runDir, 'data', 'train.csv'))).toBe(split.trainRows);
    // it went to the GPU node as a recorded message, not scored (no selection happens after it)
    const submit = readFileSync(join(r.runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).body)
      .find((b) => b.type === 'job.submit' && b.payload.jobId === 'final-refit');
    expect(submit.payload).toMatchObject({ score: false, mode: 'full' });
    expect(submit.payload.dataDir).toBe(join(r.runDir, 'harness', 'full'));
  }, 180_000);

  it('refit - switched off, the fold models\' submission stands and the run says why', async () => {
    const r = await runCompetition({ competitionDir: COMP, runsRoot: tempDir('gome-refit-'), runId: 'norefit', progress: null,
      config: { ...quick, budgetMs: 90_000, maxIterations: 1, finalRefit: false } });
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
    expect(meta.finalRefit).toBeNull();
    expect(meta.experimentIdPrefix).toMatch(/^[0-9a-z]{8}-$/);
    expect(meta.experimentIdPrefix).not.toBe(firstPrefix);
    expect(readFileSync(r.submissionPath!, 'utf8')).toBe(readFileSync(join(r.runDir, 'submissions', `${meta.experimentIdPrefix}t0-e0.csv`), 'utf8'));
  }, 180_000);
});
