// End to end on mlbench Ionosphere (Class bad/good; the wanted "bad" sorts first): the offline brain's generated
// Python submits P(bad), so the test AUC graded against the private answers with positive "bad" is high — with the
// positive class from the description of a plain folder, from competition.json, and through a real short run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { offlineBrain } from '../../actors/brain/offline-brain.ts';
import { loadCompetition, type Competition } from '../../grading/competition.ts';
import { grade } from '../../grading/grader.ts';
import { buildTaskInfo } from '../../cli/run/task-info.ts';
import { runCompetition } from '../../cli/run/run-session.ts';
import { IONOSPHERE_BAD, IONOSPHERE_SILENT, PY, mlbenchFolder } from '../grading/mlbench-binary.ts';

const hasPython = spawnSync(PY, ['-c', 'import sklearn, pandas, xgboost, rdata'], { stdio: 'pipe' }).status === 0;
const load = (dir: string): Promise<Competition> => loadCompetition(dir, { requireGradingFiles: false });

/** The offline brain's first draft for the competition, run in full mode; returns its submission and CV score. */
async function draftAndRun(c: Competition): Promise<{ submission: string; cv: number; code: string }> {
  const task = await buildTaskInfo(c);
  const reply = offlineBrain.research({ task, stage: 'draft', budgetUsedFrac: 0, sota: null, successes: [], failures: [], siblings: [], tried: [], lastFeedback: null });
  const dev = offlineBrain.develop({ task, hypothesis: reply.hypotheses[0]!, baseCode: null, attempt: 1, error: null, previousCode: null });
  const out = mkdtempSync(join(tmpdir(), 'gome-positive-out-'));
  writeFileSync(join(out, 'pipeline.py'), dev.code);
  const r = spawnSync(PY, [join(out, 'pipeline.py')], {
    env: { PATH: '/usr/bin:/bin', HOME: out, GOME_DATA_DIR: c.publicDir, GOME_OUTPUT_DIR: out, GOME_MODE: 'full' },
    encoding: 'utf8', timeout: 110_000, cwd: out,
  });
  if (r.status !== 0) throw new Error(`pipeline failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const fb = JSON.parse(readFileSync(join(out, 'gome_feedback.json'), 'utf8')) as { val_score: number };
  return { submission: join(out, 'submission.csv'), cv: fb.val_score, code: dev.code };
}

let plain = '';
let withJson = '';

describe.skipIf(!hasPython)('e2e positive class', () => {
  beforeAll(() => {
    plain = mlbenchFolder('Ionosphere', IONOSPHERE_BAD, { json: false });
    withJson = mlbenchFolder('Ionosphere', IONOSPHERE_SILENT, { json: true });
  });

  it('e2e - plain folder: the generated pipeline submits P(bad) and scores test AUC > 0.85 against positive "bad"', async () => {
    const c = await load(plain);
    expect(c.positiveClass).toBe('bad');
    const r = await draftAndRun(c);
    expect(r.code).toContain('POSITIVE = "bad"');
    const auc = await grade(r.submission, c);
    expect(r.cv).toBeGreaterThan(0.85);
    expect(auc).toBeGreaterThan(0.85);
  });

  it('e2e - competition.json positiveClass "bad": the same pipeline scores test AUC > 0.85', async () => {
    const c = await load(withJson);
    expect(c.positiveFrom).toMatch(/competition\.json/);
    const r = await draftAndRun(c);
    expect(await grade(r.submission, c)).toBeGreaterThan(0.85);
  });

  it('e2e - a short real run on the plain folder prints the task, stores it, and hands in P(bad)', async () => {
    const lines: string[] = [];
    const r = await runCompetition({ competitionDir: plain, runsRoot: join(plain, '..', 'runs'), runId: 'positive',
      config: { budgetMs: 45_000, preset: 'quick', maxIterations: 2, limits: { debugMs: 20_000, fullMs: 30_000 } }, progress: (l) => lines.push(l) });
    const text = lines.join('\n');
    expect(text).toMatch(/task binary · auc \(higher is better\) · target Class · positive class "bad" \(negative "good"\), from description\.md/);
    const taskAt = lines.findIndex((l) => l.includes('positive class "bad"'));
    const firstJob = lines.findIndex((l) => /debug run|full run/.test(l));
    expect(taskAt).toBeGreaterThanOrEqual(0);
    expect(taskAt).toBeLessThan(firstJob); // printed before the first job
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8')) as { task: Record<string, unknown> };
    expect(meta.task).toMatchObject({ taskType: 'binary', metric: 'auc', positiveClass: 'bad', classes: ['good', 'bad'] });
    expect(r.submissionPath).not.toBeNull();
    expect(await grade(r.submissionPath!, await load(plain))).toBeGreaterThan(0.85);
  }, 150_000);
});
