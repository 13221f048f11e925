// Shared fixtures for the brain tests: task infos, requests and a helper to build tiny real competitions.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MetricName, TaskInfo } from '../../protocols/domain.ts';
import { lowerIsBetter } from '../../protocols/metric-table.ts';
import type { Payload } from '../../protocols/messages.ts';
import { draftSpec, modelSpec, renameModels, type ModelFamily, type PipelineSpec } from '../../actors/brain/pipeline-spec.ts';

export const PYTHON = '/usr/bin/python3';
const HERE = dirname(fileURLToPath(import.meta.url));

export type DataKind = 'binary' | 'multiclass' | 'multiclass_label' | 'regression' | 'mixed';

/** Builds a tiny competition folder (train/test/sample_submission) from a dataset shipped with sklearn. */
export function makeCompetition(kind: DataKind): string {
  const dir = mkdtempSync(join(tmpdir(), `gome-brain-${kind}-`));
  execFileSync(PYTHON, [join(HERE, 'make_data.py'), dir, kind], { stdio: 'pipe' });
  return dir;
}

export function taskFor(kind: DataKind, metric: MetricName, dataDir = '/data/none'): TaskInfo {
  let header: string[] = [];
  try { header = readFileSync(join(dataDir, 'train.csv'), 'utf8').split('\n')[0]!.split(','); } catch { header = ['id', 'f1', 'f2', 'f3', 'target']; }
  const catCols = ['size_band', 'texture_band'];
  const missing: Record<string, number> = { size_band: 0.14, mean_area: 0.2, texture_band: 0.09 };
  return {
    competition: `toy-${kind}`,
    description: `A toy ${kind} competition`,
    metric,
    lowerIsBetter: lowerIsBetter(metric),
    idColumn: 'id',
    targetColumns: ['target'],
    taskType: kind === 'regression' ? 'regression' : kind.startsWith('multiclass') ? 'multiclass' : 'binary',
    dataDir,
    nTrainRows: 400,
    nClasses: kind === 'regression' ? null : kind.startsWith('multiclass') ? 10 : 2,
    columns: header.filter((c) => c !== 'id' && c !== 'target').map((name) => ({
      name,
      dtype: catCols.includes(name) ? 'categorical' as const : 'numeric' as const,
      missingFrac: kind === 'mixed' ? (missing[name] ?? 0) : 0,
    })),
    harness: null, targetStats: { minorityFrac: null, skew: null },
  };
}

export function researchRequest(task: TaskInfo, over: Partial<Payload<'brain.research.request'>> = {}): Payload<'brain.research.request'> {
  return {
    task, stage: 'draft', budgetUsedFrac: 0, sota: null, successes: [], failures: [], siblings: [], tried: [], lastFeedback: null,
    ...over,
  };
}

/** A pipeline spec of the given model families, sized small for tests (3 job folds when there is no folds.csv). */
export function smallSpec(task: TaskInfo, families: ModelFamily[], edit: (s: PipelineSpec) => void = () => {}): PipelineSpec {
  const s = draftSpec(task, families[0]);
  s.models = families.map((f) => {
    const m = modelSpec(f);
    if (f === 'xgb') m.params['n_estimators'] = 60;
    if (f === 'rf' || f === 'et') m.params['n_estimators'] = 40;
    if (f === 'hgb') m.params['max_iter'] = 60;
    return m;
  });
  renameModels(s);
  s.folds = 3; // the job's own fold count: with folds.csv it must be ignored
  edit(s);
  return s;
}
