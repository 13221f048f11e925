// "The harness scores; the job predicts": generated pipelines run with Debian's python3 on harness-style data dirs cut
// from the bundled competitions' public data (train.csv without a held-back slice, folds.csv, holdout.csv), and must
// write out-of-fold and holdout predictions in the sample submission's format that score, with sklearn, to what the
// job claims; rerun on the same data they must write the very same bytes.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../protocols/domain.ts';
import { loadCompetition } from '../../grading/competition.ts';
import { buildTaskInfo } from '../../cli/run/task-info.ts';
import { generateCode } from '../../actors/brain/codegen.ts';
import type { PipelineSpec } from '../../actors/brain/pipeline-spec.ts';
import { PYTHON, smallSpec } from './fixtures.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = resolve(HERE, '../../bench');
const HELPER = join(HERE, 'harness_data.py');
const hasPython = spawnSync(PYTHON, ['-c', 'import sklearn, pandas, xgboost'], { stdio: 'pipe' }).status === 0;
const temps: string[] = [];
const THREADS = '2';

type Mode = 'debug' | 'full';
type Row = Record<string, string>;

interface Harness { root: string; data: string; holdoutLabels: string; label: string; task: TaskInfo }

const COMPETITIONS = ['breast-cancer-diagnosis', 'soybean-disease', 'digits-recognition', 'fair-affairs', 'health-visits', 'spam-detection'];
const harnesses = new Map<string, Harness>();

/** Harness-style data dirs (stratified 5 folds, 15% held back) from the bundled competitions' public folders. */
async function prepareHarnesses(): Promise<void> {
  const args: string[][] = [];
  for (const name of COMPETITIONS) {
    const c = await loadCompetition(join(BENCH, name));
    const task = await buildTaskInfo(c);
    const label = task.targetColumns[0]!;
    const root = mkdtempSync(join(tmpdir(), `gome-contract-${name}-`));
    temps.push(root);
    harnesses.set(name, { root, data: join(root, 'data'), holdoutLabels: join(root, 'holdout_labels.csv'), label, task: { ...task, dataDir: join(root, 'data') } });
    args.push([c.publicDir, root, label, task.taskType, '5', '0.15', '0']);
  }
  execFileSync(PYTHON, [HELPER, 'split-many', JSON.stringify(args)], { stdio: 'pipe' });
}
const harnessFor = (name: string): Harness => harnesses.get(name)!;


interface Run { out: string; stdout: string; csv: (f: string) => Row[]; bytes: (f: string) => Buffer; feedback: Record<string, unknown> }

function run(code: string, dataDir: string, mode: Mode): Run {
  const out = mkdtempSync(join(tmpdir(), 'gome-contract-out-'));
  temps.push(out);
  writeFileSync(join(out, 'pipeline.py'), code);
  const r = spawnSync(PYTHON, [join(out, 'pipeline.py')], {
    env: { PATH: '/usr/bin:/bin', HOME: out, GOME_DATA_DIR: dataDir, GOME_OUTPUT_DIR: out, GOME_MODE: mode, OMP_NUM_THREADS: THREADS },
    encoding: 'utf8', timeout: 110_000, cwd: out,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return {
    out, stdout: r.stdout,
    csv: (f) => parse(readFileSync(join(out, f), 'utf8'), { columns: true }) as Row[],
    bytes: (f) => readFileSync(join(out, f)),
    feedback: JSON.parse(readFileSync(join(out, 'gome_feedback.json'), 'utf8')) as Record<string, unknown>,
  };
}

const readCsv = (path: string): Row[] => parse(readFileSync(path, 'utf8'), { columns: true }) as Row[];
const header = (path: string): string[] => readFileSync(path, 'utf8').split('\n', 1)[0]!.split(',');

interface Scored { score: number; rows: number; missing: number; fold_mean?: number }
/**
 * sklearn's scores of prediction files against labels (rows matched by id; with folds.csv also the per-fold mean),
 * in one interpreter start: [prediction file, labels file, folds.csv or ''].
 */
function scoreAll(h: Harness, files: [string, string, string][]): Scored[] {
  const args = files.map(([pred, labels, folds]) => [pred, labels, h.task.idColumn, h.label, h.task.metric, h.task.positiveClass ?? '', folds]);
  return JSON.parse(execFileSync(PYTHON, [HELPER, 'score-many', JSON.stringify(args)], { encoding: 'utf8' })) as Scored[];
}

const near = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.max(1e-9, Math.abs(b));
const MODES = ['debug', 'full'] as const;

/** Runs the spec in debug and full mode and checks every output against the harness data dir. */
function checkBothModes(h: Harness, spec: PipelineSpec): Record<Mode, { run: Run; oof: Scored; holdout: Scored }> {
  const code = generateCode(spec, h.task);
  const sampleHeader = header(join(h.data, 'sample_submission.csv'));
  const trainIds = readCsv(join(h.data, 'train.csv')).map((r) => r[h.task.idColumn]!);
  const holdoutIds = readCsv(join(h.data, 'holdout.csv')).map((r) => r[h.task.idColumn]!);
  const runs = { debug: run(code, h.data, 'debug'), full: run(code, h.data, 'full') };
  const scored = scoreAll(h, MODES.flatMap((mode) => [
    [join(runs[mode].out, 'oof_predictions.csv'), join(h.data, 'train.csv'), join(h.data, 'folds.csv')],
    [join(runs[mode].out, 'holdout_predictions.csv'), h.holdoutLabels, ''],
  ] as [string, string, string][]));
  const res = {} as Record<Mode, { run: Run; oof: Scored; holdout: Scored }>;
  MODES.forEach((mode, i) => {
    const r = runs[mode];
    const fb = r.feedback;
    for (const f of ['submission.csv', 'oof_predictions.csv', 'holdout_predictions.csv']) expect(header(join(r.out, f)), `${mode} ${f} columns`).toEqual(sampleHeader);
    expect(fb['prediction_files']).toEqual(['submission.csv', 'oof_predictions.csv', 'holdout_predictions.csv']);
    expect(fb['fold_source']).toBe('folds.csv');
    expect(fb['threads']).toBe(Number(THREADS));
    // out-of-fold rows: exactly the train.csv rows the job used, each once
    const oofIds = r.csv('oof_predictions.csv').map((row) => row[h.task.idColumn]!);
    expect(new Set(oofIds).size).toBe(oofIds.length);
    expect(oofIds.length).toBe(fb['n_rows_used']);
    if (mode === 'full') {
      expect(oofIds).toEqual(trainIds);
      expect(fb['folds']).toBe(5); // read from folds.csv, not the spec's 3
      expect((fb['cv_scores'] as number[]).length).toBe(5);
    } else {
      const known = new Set(trainIds);
      expect(oofIds.every((id) => known.has(id))).toBe(true);
      expect(fb['folds'] as number).toBeGreaterThanOrEqual(2);
      expect(fb['folds'] as number).toBeLessThanOrEqual(3);
    }
    // holdout rows: exactly holdout.csv's ids, in its order
    expect(r.csv('holdout_predictions.csv').map((row) => row[h.task.idColumn]!)).toEqual(holdoutIds);
    // the harness's view: sklearn on the files, against labels
    const oof = scored[2 * i]!;
    const holdout = scored[2 * i + 1]!;
    expect(oof.rows).toBe(oofIds.length);
    expect(holdout.rows).toBe(holdoutIds.length);
    expect(holdout.missing).toBe(0);
    const claimed = Number(r.csv('scores.csv').at(-1)![h.task.metric]);
    expect(near(oof.score, fb['oof_score'] as number, 1e-6), `${mode} pooled oof ${oof.score} vs job ${String(fb['oof_score'])}`).toBe(true);
    if (mode === 'full') {
      // the same folds, the same per-fold mean: the job's claim and the harness's number are one measurement
      expect(near(oof.fold_mean!, claimed, 1e-6), `full fold mean ${oof.fold_mean} vs scores.csv ${claimed}`).toBe(true);
    } else {
      // debug merges harness folds: its per-fold mean and the pooled score differ only by the folds' weighting
      expect(near(oof.score, claimed, 0.06), `debug pooled ${oof.score} vs scores.csv ${claimed}`).toBe(true);
    }
    res[mode] = { run: r, oof, holdout };
  });
  return res;
}

describe.skipIf(!hasPython)('job contract', () => {
  beforeAll(prepareHarnesses);
  afterAll(() => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });

  it('job contract - binary auc (breast-cancer-diagnosis, linear + hgb + pair features, hill climbing) predicts out of fold and holdout', () => {
    const h = harnessFor('breast-cancer-diagnosis');
    const r = checkBothModes(h, smallSpec(h.task, ['linear', 'hgb'], (s) => { s.ensemble = 'hill'; s.fe.pairs = 3; }));
    for (const mode of MODES) {
      expect(r[mode].oof.score, `${mode} oof auc`).toBeGreaterThan(0.9);
      expect(r[mode].holdout.score, `${mode} holdout auc`).toBeGreaterThan(0.9);
      for (const row of r[mode].run.csv('oof_predictions.csv')) {
        const p = Number(row['malignant']);
        expect(p >= 0 && p <= 1).toBe(true);
      }
    }
  });

  it('job contract - multiclass logloss with per-class columns (soybean-disease, linear + et, stacking) predicts out of fold and holdout', () => {
    const h = harnessFor('soybean-disease');
    const r = checkBothModes(h, smallSpec(h.task, ['linear', 'et'], (s) => { s.ensemble = 'stack'; s.encoding = 'onehot'; }));
    for (const mode of MODES) {
      expect(r[mode].oof.score).toBeLessThan(0.6);
      expect(r[mode].holdout.score).toBeLessThan(0.6);
      for (const row of r[mode].run.csv('oof_predictions.csv').slice(0, 20)) {
        const sum = Object.entries(row).filter(([k]) => k !== 'id').reduce((a, [, v]) => a + Number(v), 0);
        expect(sum).toBeCloseTo(1, 4);
      }
    }
  });

  it('job contract - multiclass accuracy with a label column (digits-recognition, et + linear, hill climbing) predicts labels out of fold and holdout', () => {
    const h = harnessFor('digits-recognition');
    const r = checkBothModes(h, smallSpec(h.task, ['et', 'linear'], (s) => { s.ensemble = 'hill'; }));
    expect(r.debug.run.feedback['n_rows_used'] as number).toBeLessThan(r.full.run.feedback['n_rows_used'] as number);
    for (const mode of MODES) {
      expect(r[mode].oof.score).toBeGreaterThan(0.85);
      expect(r[mode].holdout.score).toBeGreaterThan(0.85);
      for (const row of r[mode].run.csv('oof_predictions.csv')) expect(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']).toContain(row['label']);
    }
  });

  it('job contract - regression rmse (fair-affairs, hgb + linear, stacking) predicts values out of fold and holdout', () => {
    const h = harnessFor('fair-affairs');
    const r = checkBothModes(h, smallSpec(h.task, ['hgb', 'linear'], (s) => { s.ensemble = 'stack'; }));
    for (const mode of MODES) {
      expect(r[mode].oof.score).toBeGreaterThan(0);
      expect(r[mode].oof.score).toBeLessThan(3.5); // the target's own spread is ~3.3
      expect(r[mode].holdout.score).toBeLessThan(3.5);
    }
  });

  it('job contract - regression rmsle with a log target (health-visits, hgb + linear) predicts non-negative values out of fold and holdout', () => {
    const h = harnessFor('health-visits');
    const r = checkBothModes(h, smallSpec(h.task, ['hgb', 'linear'], (s) => { s.ensemble = 'hill'; s.targetLog = true; }));
    expect(r.debug.run.feedback['n_rows_used'] as number).toBeLessThan(2000);
    for (const mode of MODES) {
      expect(r[mode].oof.score).toBeLessThan(1.0);
      expect(r[mode].holdout.score).toBeLessThan(1.0);
      for (const row of r[mode].run.csv('oof_predictions.csv').slice(0, 200)) expect(Number(row['mdvis'])).toBeGreaterThanOrEqual(0);
    }
  });

  it('job contract - the same code on the same folds writes byte-identical predictions (xgb + hgb + rf, 2 seeds, 2 threads)', () => {
    const h = harnessFor('spam-detection');
    const spec = smallSpec(h.task, ['xgb', 'hgb', 'rf'], (s) => { s.ensemble = 'stack'; s.seeds = 2; s.fe.pairs = 3; s.fe.rowStats = true; });
    spec.models[0]!.params['subsample'] = 0.8; // randomness that only a fixed seed makes repeatable
    spec.models[0]!.params['colsample_bytree'] = 0.8;
    spec.models[1]!.params['max_iter'] = 30;
    const code = generateCode(spec, h.task);
    const a = run(code, h.data, 'full');
    const b = run(code, h.data, 'full');
    for (const f of ['oof_predictions.csv', 'submission.csv', 'holdout_predictions.csv', 'scores.csv']) {
      expect(a.bytes(f).equals(b.bytes(f)), `${f} differs between two runs`).toBe(true);
    }
    expect(a.feedback['threads']).toBe(2);
  });
});
