// Generated pipelines run for real with Debian's python3 (sklearn 1.2, pandas 1.5, xgboost 1.7) on tiny competitions
// built from datasets that ship with sklearn, in debug and full modes, honouring Gome's job contract.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MetricName, TaskInfo } from '../../protocols/domain.ts';
import { offlineBrain } from '../../actors/brain/offline-brain.ts';
import { generateCode } from '../../actors/brain/codegen.ts';
import type { PipelineSpec } from '../../actors/brain/pipeline-spec.ts';
import { MOVE_BY_KIND } from '../../actors/brain/catalogue.ts';
import { PYTHON, makeCompetition, smallSpec, taskFor, type DataKind } from './fixtures.ts';

const hasPython = spawnSync(PYTHON, ['-c', 'import sklearn, pandas, xgboost'], { stdio: 'pipe' }).status === 0;

interface RunResult {
  stdout: string; stderr: string; status: number | null; out: string;
  submission: Record<string, string>[]; scores: Record<string, string>[]; feedback: Record<string, unknown>;
}

function run(code: string, dataDir: string, mode: 'debug' | 'full'): RunResult {
  const out = mkdtempSync(join(tmpdir(), 'gome-brain-out-'));
  temps.push(out);
  const script = join(out, 'pipeline.py');
  writeFileSync(script, code);
  const r = spawnSync(PYTHON, [script], {
    env: { PATH: process.env['PATH'] ?? '/usr/bin', HOME: out, GOME_DATA_DIR: dataDir, GOME_OUTPUT_DIR: out, GOME_MODE: mode },
    encoding: 'utf8', timeout: 110_000, cwd: out,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const csv = (f: string) => parse(readFileSync(join(out, f), 'utf8'), { columns: true }) as Record<string, string>[];
  return {
    stdout: r.stdout, stderr: r.stderr, status: r.status, out,
    submission: csv('submission.csv'), scores: csv('scores.csv'),
    feedback: JSON.parse(readFileSync(join(out, 'gome_feedback.json'), 'utf8')) as Record<string, unknown>,
  };
}

function checkContract(r: RunResult, dataDir: string, task: TaskInfo, spec: PipelineSpec, mode: 'debug' | 'full'): void {
  const sample = parse(readFileSync(join(dataDir, 'sample_submission.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  // submission: same columns, same id order, numeric/label values
  expect(Object.keys(r.submission[0]!)).toEqual(Object.keys(sample[0]!));
  expect(r.submission.map((row) => row['id'])).toEqual(sample.map((row) => row['id']));
  // scores.csv: model rows + ensemble, one metric column, no NaN
  expect(Object.keys(r.scores[0]!)).toEqual(['model', task.metric]);
  expect(r.scores.map((row) => row['model'])).toEqual([...spec.models.map((m) => m.name), 'ensemble']);
  for (const row of r.scores) expect(Number.isFinite(Number(row[task.metric]))).toBe(true);
  // feedback
  const fb = r.feedback;
  for (const k of ['cv_scores', 'train_score', 'val_score', 'n_rows', 'n_features', 'categorical', 'missing_frac', 'estimated_full_seconds']) {
    expect(fb, k).toHaveProperty(k);
  }
  expect(Array.isArray(fb['cv_scores'])).toBe(true);
  expect((fb['cv_scores'] as number[]).length).toBe(mode === 'debug' ? Math.min(spec.folds, 2) : spec.folds);
  expect(fb['val_score']).toBeCloseTo(Number(r.scores.at(-1)![task.metric]), 9);
  expect(typeof fb['train_score']).toBe('number');
  // without folds.csv: the job's own folds, out-of-fold predictions for the rows it used, no holdout predictions
  expect(fb['fold_source']).toBe('job');
  const oof = parse(readFileSync(join(r.out, 'oof_predictions.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
  expect(Object.keys(oof[0]!)).toEqual(Object.keys(sample[0]!));
  expect(oof.length).toBe(fb['n_rows_used']);
  expect(new Set(oof.map((row) => row['id'])).size).toBe(oof.length);
  expect(existsSync(join(r.out, 'holdout_predictions.csv'))).toBe(false);
  const est = /GOME_ESTIMATED_FULL_SECONDS=([0-9.]+)/.exec(r.stdout);
  expect(est).not.toBeNull();
  expect(Number(est![1])).toBeGreaterThan(0);
  expect(fb['estimated_full_seconds']).toBeCloseTo(Number(est![1]), 0);
}


const dirs: Partial<Record<DataKind, string>> = {};
const temps: string[] = [];
const data = (k: DataKind): string => dirs[k]!;

describe.skipIf(!hasPython)('brain python pipelines', () => {
  beforeAll(() => {
    for (const k of ['binary', 'multiclass', 'multiclass_label', 'regression', 'mixed'] as DataKind[]) temps.push(dirs[k] = makeCompetition(k));
  });
  afterAll(() => { for (const d of temps) rmSync(d, { recursive: true, force: true }); });

  it('codegen - binary auc draft (hgb) runs in debug and full modes', () => {
    const task = taskFor('binary', 'auc', data('binary'));
    const reply = offlineBrain.research({ task, stage: 'draft', budgetUsedFrac: 0, sota: null, successes: [], failures: [], siblings: [], tried: [], lastFeedback: null });
    const dev = offlineBrain.develop({ task, hypothesis: reply.hypotheses[0]!, baseCode: null, attempt: 1, error: null, previousCode: null });
    const spec = dev.spec as PipelineSpec;
    expect(spec.models[0]!.family).toBe('hgb');
    const debug = run(dev.code, data('binary'), 'debug');
    checkContract(debug, data('binary'), task, spec, 'debug');
    expect(debug.feedback['mode']).toBe('debug');
    const full = run(dev.code, data('binary'), 'full');
    checkContract(full, data('binary'), task, spec, 'full');
    expect(full.feedback['val_score'] as number).toBeGreaterThan(0.95);
    for (const row of full.submission) {
      const p = Number(row['target']);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThanOrEqual(1);
    }
  });

  it('codegen - multiclass logloss with per-class columns (xgb + knn, hill climbing)', () => {
    const task = taskFor('multiclass', 'logloss', data('multiclass'));
    const spec = smallSpec(task, ['xgb', 'knn'], (s) => { s.ensemble = 'hill'; });
    const r = run(generateCode(spec, task), data('multiclass'), 'debug');
    checkContract(r, data('multiclass'), task, spec, 'debug');
    for (const row of r.submission.slice(0, 20)) {
      const sum = Object.entries(row).filter(([k]) => k !== 'id').reduce((a, [, v]) => a + Number(v), 0);
      expect(sum).toBeCloseTo(1, 4);
    }
    expect(r.feedback['val_score'] as number).toBeLessThan(1.0);
  });

  it('codegen - multiclass accuracy with a label column (rf + et, averaged)', () => {
    const task = taskFor('multiclass_label', 'accuracy', data('multiclass_label'));
    const spec = smallSpec(task, ['rf', 'et'], (s) => { s.ensemble = 'avg'; s.fe.count = true; });
    const r = run(generateCode(spec, task), data('multiclass_label'), 'full');
    checkContract(r, data('multiclass_label'), task, spec, 'full');
    const labels = new Set(r.submission.map((row) => row['target']));
    for (const l of labels) expect(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']).toContain(l);
    expect(r.feedback['val_score'] as number).toBeGreaterThan(0.9);
  });

  it('codegen - regression rmsle with log target and stacking (linear + et + hgb)', () => {
    const task = taskFor('regression', 'rmsle', data('regression'));
    const spec = smallSpec(task, ['linear', 'et', 'hgb'], (s) => {
      s.ensemble = 'stack'; s.targetLog = true; s.fe.log1p = true; s.fe.pairs = 3; s.fe.rowStats = true;
    });
    const r = run(generateCode(spec, task), data('regression'), 'full');
    checkContract(r, data('regression'), task, spec, 'full');
    for (const row of r.submission) expect(Number(row['target'])).toBeGreaterThanOrEqual(0);
    expect(r.feedback['val_score'] as number).toBeLessThan(0.6);
  });

  it('codegen - categorical columns and missing values (linear one-hot + rf, indicators, count encoding)', () => {
    const task = taskFor('mixed', 'logloss', data('mixed'));
    const spec = smallSpec(task, ['linear', 'rf'], (s) => {
      s.ensemble = 'avg'; s.encoding = 'onehot'; s.missingIndicator = true; s.fe.count = true; s.classWeight = 'none';
    });
    const r = run(generateCode(spec, task), data('mixed'), 'debug');
    checkContract(r, data('mixed'), task, spec, 'debug');
    expect(r.feedback['categorical']).toEqual(['size_band', 'texture_band']);
    expect(r.feedback['missing_frac'] as number).toBeGreaterThan(0);
    expect(r.feedback['n_features'] as number).toBeGreaterThan(30);
  });

  it('codegen - fe:target-enc: categoricals target-encoded inside the folds, in debug and full modes', () => {
    const task = taskFor('mixed', 'logloss', data('mixed'));
    const spec = smallSpec(task, ['hgb']);
    const move = MOVE_BY_KIND.get('fe:target-enc')!;
    const ctx = { task, spec, goodFamilies: [] };
    expect(move.applies(ctx)).toBe(true);
    move.apply(spec, ctx);
    expect(spec.targetEncoding).toBe(true);
    expect(move.applies({ ...ctx, spec })).toBe(false);
    const plain = run(generateCode(smallSpec(task, ['hgb']), task), data('mixed'), 'debug');
    for (const mode of ['debug', 'full'] as const) {
      const r = run(generateCode(spec, task), data('mixed'), mode);
      checkContract(r, data('mixed'), task, spec, mode);
      expect(r.feedback['target_encoding']).toBe(true);
      expect(r.feedback['categorical']).toEqual(['size_band', 'texture_band']);
      if (mode === 'debug') expect(r.feedback['n_features']).toBe((plain.feedback['n_features'] as number) + 2); // one column per categorical
    }
  });

  it('codegen - hp:search: a per-fold search of the main model, recorded in gome_feedback.json, in debug and full modes', () => {
    const task = taskFor('binary', 'logloss', data('binary'));
    const spec = smallSpec(task, ['hgb', 'linear'], (s) => { s.ensemble = 'avg'; });
    const move = MOVE_BY_KIND.get('hp:search')!;
    move.apply(spec, { task, spec, goodFamilies: [] });
    expect(spec.search).toEqual({ trials: 20 });
    spec.search = { trials: 5 }; // small for the test
    for (const mode of ['debug', 'full'] as const) {
      const r = run(generateCode(spec, task), data('binary'), mode);
      checkContract(r, data('binary'), task, spec, mode);
      const s = r.feedback['search'] as { model: string; trials: number; folds: { fold: number; params: Record<string, unknown>; trials: number; inner_score: number }[] };
      expect(s.model).toBe('hgb');
      expect(s.trials).toBe(mode === 'debug' ? 3 : 5); // debug mode: a few trials
      expect(s.folds.map((f) => f.fold)).toEqual(mode === 'debug' ? [0, 1] : [0, 1, 2]);
      for (const f of s.folds) {
        expect(f.trials).toBe(s.trials);
        expect(Object.keys(f.params).sort()).toEqual(['l2_regularization', 'learning_rate', 'max_iter', 'max_leaf_nodes', 'min_samples_leaf']);
      }
      const parts = r.feedback['estimate_parts'] as { search: { seconds: number; trial_ratio: number; full_seconds: number }; extrapolated_seconds: number };
      expect(parts.search.seconds).toBeGreaterThan(0);
      expect(parts.search.trial_ratio).toBe(mode === 'debug' ? 5 / 3 : 1);
      expect(parts.search.full_seconds).toBeGreaterThanOrEqual(parts.search.seconds);
      expect(parts.extrapolated_seconds).toBeGreaterThan(parts.search.full_seconds);
      expect(r.feedback['val_score'] as number).toBeLessThan(0.3);
    }
  });

  it('codegen - hp:search with a time allowance: a full run\'s search stops starting trials once a fold\'s allowance is spent, and the debug run\'s estimate counts the allowance', () => {
    const task = taskFor('multiclass', 'logloss', data('multiclass'));
    const spec = smallSpec(task, ['et']);
    spec.search = { trials: 200, seconds: 1 };
    type Fold = { fold: number; trials: number; seconds: number; allowance: number | null; longest_trial: number; trial_starts: number[]; trial_seconds: number[] };
    const full = run(generateCode(spec, task), data('multiclass'), 'full');
    checkContract(full, data('multiclass'), task, spec, 'full');
    const folds = (full.feedback['search'] as { folds: Fold[] }).folds;
    expect(folds).toHaveLength(3);
    for (const f of folds) {
      expect(f.allowance).toBe(1);
      expect(f.trials).toBeGreaterThan(0);
      expect(f.trials).toBeLessThan(200); // the allowance, not the trial count, ended it
      // the last trial started within the allowance: the search ends within it and one trial (plus Optuna's set-up)
      expect(f.seconds).toBeLessThan(1 + f.longest_trial + 0.5);
      // and no trial started that the trials before it (their mean time) said would end past the allowance
      expect(f.trial_starts).toHaveLength(f.trial_seconds.length);
      f.trial_starts.forEach((start, i) => {
        if (i === 0) return;
        const mean = f.trial_seconds.slice(0, i).reduce((a, b) => a + b, 0) / i;
        expect(start + mean, `trial ${i} of fold ${f.fold}`).toBeLessThanOrEqual(1 + 0.01); // rounding of the logged times
      });
    }
    // a debug run's few trials run uncapped; its estimate of each full fold's search is at most the allowance, and time
    // so capped is printed as bounded (the GPU node does not scale it by its correction)
    const debug = run(generateCode(spec, task), data('multiclass'), 'debug');
    checkContract(debug, data('multiclass'), task, spec, 'debug');
    const dfolds = (debug.feedback['search'] as { folds: Fold[] }).folds;
    for (const f of dfolds) { expect(f.trials).toBe(3); expect(f.allowance).toBeNull(); }
    const parts = debug.feedback['estimate_parts'] as { search: { allowance: number; uncapped_full_seconds: number; full_seconds: number; bounded_seconds: number } };
    const s = parts.search;
    expect(s.allowance).toBe(1);
    expect(s.uncapped_full_seconds / 3).toBeGreaterThan(1); // 200 trials do not fit in 1 s a fold (3 full folds) …
    expect(s.full_seconds).toBeCloseTo(3, 6); // … so each fold's search is estimated at its allowance
    expect(s.bounded_seconds).toBeCloseTo(3, 6);
    expect(debug.stdout).toMatch(/^GOME_ESTIMATED_BOUNDED_SECONDS=3\.0$/m);
  });

  it('develop - a brain edit and a repair both produce runnable pipelines', () => {
    const task = taskFor('mixed', 'auc', data('mixed'));
    const base = generateCode(smallSpec(task, ['hgb']), task);
    const hyp = {
      kind: 'fe:ratios', component: 'features' as const, title: 'ratios', rationale: '', problem: null,
      scores: { alignment: 5, impact: 5, novelty: 5, feasibility: 5, risk: 5 }, change: { moves: ['fe:ratios', 'wf:balanced'] },
    };
    const dev = offlineBrain.develop({ task, hypothesis: hyp, baseCode: base, attempt: 1, error: null, previousCode: null });
    const r = run(dev.code, data('mixed'), 'debug');
    expect(r.feedback['n_features'] as number).toBeGreaterThan(30);
    const fixed = offlineBrain.develop({ task, hypothesis: hyp, baseCode: base, attempt: 2, error: 'Traceback...\nMemoryError: Unable to allocate', previousCode: dev.code });
    expect(fixed.code).not.toBe(dev.code);
    const r2 = run(fixed.code, data('mixed'), 'debug');
    expect(existsSync(join(r2.out, 'submission.csv'))).toBe(true);
  });
});
