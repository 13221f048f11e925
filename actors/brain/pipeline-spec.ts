// Typed spec of a tabular ML pipeline: what the offline brain edits and what codegen turns into Python.
import { z } from 'zod';
import type { TaskInfo } from '../../protocols/domain.ts';

export const ModelFamily = z.enum(['linear', 'rf', 'et', 'hgb', 'xgb', 'knn', 'cnn']);
export type ModelFamily = z.infer<typeof ModelFamily>;
export const MODEL_FAMILIES: readonly ModelFamily[] = ModelFamily.options;

const ParamValue = z.union([z.number(), z.string(), z.boolean(), z.null()]);
export const ModelSpec = z.object({
  family: ModelFamily,
  /** Unique name within the spec; used as the row label in scores.csv. */
  name: z.string().regex(/^[a-z][a-z0-9_]*$/),
  params: z.record(z.string(), ParamValue),
});
export type ModelSpec = z.infer<typeof ModelSpec>;

export const PipelineSpec = z.object({
  v: z.literal(1),
  models: z.array(ModelSpec).min(1).max(6),
  /** How several models' out-of-fold predictions are combined. */
  ensemble: z.enum(['none', 'avg', 'stack', 'hill']),
  impute: z.enum(['median', 'mean', 'most_frequent']),
  missingIndicator: z.boolean(),
  /** Also impute for models that take NaN natively (hgb, xgb). */
  imputeNative: z.boolean(),
  encoding: z.enum(['onehot', 'ordinal', 'frequency']),
  maxOneHot: z.number().int().min(2).max(1000),
  /** Standard scaling for scale-sensitive models (linear, knn). */
  scale: z.boolean(),
  fe: z.object({
    rowStats: z.boolean(),
    /** Top-k numeric features whose pairwise ratios/products/differences are added (0 = off). */
    pairs: z.number().int().min(0).max(8),
    log1p: z.boolean(),
    count: z.boolean(),
    text: z.enum(['stats', 'tfidf']),
  }),
  classWeight: z.enum(['none', 'balanced']),
  folds: z.number().int().min(2).max(10),
  seeds: z.number().int().min(1).max(5),
  targetLog: z.boolean(),
  maxTrainRows: z.number().int().positive(),
  /** Histogram boosting stops adding rounds when an inner validation split (inside each fold's training rows) stops improving. */
  earlyStop: z.boolean().optional(),
  /** Categorical columns also get a smoothed mean-target encoding, fitted per fold on its fit rows (the fit rows' own
   * values out of an inner K-fold, so a row's label never encodes it). */
  targetEncoding: z.boolean().optional(),
  /** A budgeted Optuna search of the main model's key hyperparameters, per fold, on an inner split of that fold's
   * training rows; the fold's model is then fitted with the chosen parameters. `seconds`: the full run's time
   * allowance for one fold's search (no new trial starts once it is spent), from the planned search time. */
  search: z.object({ trials: z.number().int().min(1).max(200), seconds: z.number().positive().optional() }).optional(),
  seed: z.number().int(),
  /** Human-readable history of the moves and repairs applied (newest last). */
  notes: z.array(z.string()),
});
export type PipelineSpec = z.infer<typeof PipelineSpec>;

export const ESTIMATOR_PARAM: Partial<Record<ModelFamily, string>> = {
  rf: 'n_estimators', et: 'n_estimators', xgb: 'n_estimators', hgb: 'max_iter', cnn: 'epochs',
};

/** Default ("plain, lightly tuned") hyperparameters of each family. */
export function defaultParams(family: ModelFamily): ModelSpec['params'] {
  switch (family) {
    case 'linear': return { C: 1.0, alpha: 1.0 };
    case 'rf': return { n_estimators: 200, max_depth: null, min_samples_leaf: 1, max_features: 'auto' };
    case 'et': return { n_estimators: 200, max_depth: null, min_samples_leaf: 1, max_features: 'auto' };
    // l2 1.0, not sklearn's 0: without it a class of a few rows has near-zero hessians, its leaf values blow up, and
    // multiclass log loss diverges (shuttle: 0.07–0.41 per fold against 0.0005–0.001; soybean 0.29 → 0.17)
    case 'hgb': return { learning_rate: 0.1, max_iter: 100, max_leaf_nodes: 31, min_samples_leaf: 20, l2_regularization: 1.0 };
    case 'xgb': return {
      n_estimators: 300, learning_rate: 0.1, max_depth: 6, subsample: 1.0, colsample_bytree: 1.0,
      min_child_weight: 1, reg_lambda: 1.0,
    };
    case 'knn': return { n_neighbors: 15 };
    // a small convolutional network (image tasks only): channels of the first block, training epochs, peak learning rate
    case 'cnn': return { width: 16, epochs: 10, lr: 0.003, weight_decay: 0.0001 };
  }
}

/** Stronger but still generic settings, used when a family joins an ensemble. */
export function tunedParams(family: ModelFamily): ModelSpec['params'] {
  switch (family) {
    case 'hgb': return { learning_rate: 0.05, max_iter: 300, max_leaf_nodes: 31, min_samples_leaf: 20, l2_regularization: 1.0 };
    case 'xgb': return {
      n_estimators: 500, learning_rate: 0.05, max_depth: 5, subsample: 0.8, colsample_bytree: 0.8,
      min_child_weight: 1, reg_lambda: 1.0,
    };
    case 'rf': return { n_estimators: 300, max_depth: null, min_samples_leaf: 2, max_features: 'auto' };
    case 'et': return { n_estimators: 300, max_depth: null, min_samples_leaf: 2, max_features: 'auto' };
    case 'cnn': return { width: 16, epochs: 20, lr: 0.003, weight_decay: 0.0001 };
    default: return defaultParams(family);
  }
}

export function modelSpec(family: ModelFamily, params?: ModelSpec['params'], name?: string): ModelSpec {
  return { family, name: name ?? family, params: { ...(params ?? defaultParams(family)) } };
}

/** A fresh draft spec: one plain model with sensible preprocessing for the task. */
export function draftSpec(task: TaskInfo, family: ModelFamily = 'hgb'): PipelineSpec {
  const nCat = task.columns.filter((c) => c.dtype === 'categorical').length;
  return {
    v: 1,
    models: [modelSpec(family)],
    ensemble: 'none',
    impute: 'median',
    missingIndicator: false,
    imputeNative: false,
    encoding: family === 'linear' || family === 'knn' ? 'onehot' : 'ordinal',
    maxOneHot: 20,
    scale: true,
    fe: { rowStats: false, pairs: 0, log1p: false, count: false, text: 'stats' },
    classWeight: 'none',
    // the run's fixed folds when the harness gives them (folds.csv wins in the job anyway), else the job's own
    folds: task.harness ? Math.min(10, Math.max(2, task.harness.folds)) : task.nTrainRows > 200_000 ? 3 : 5,
    seeds: 1,
    targetLog: false,
    maxTrainRows: 500_000,
    seed: 42,
    notes: [`draft:${family}${nCat > 0 ? ' (categoricals encoded)' : ''}`],
  };
}

export function cloneSpec(spec: PipelineSpec): PipelineSpec {
  return JSON.parse(JSON.stringify(spec)) as PipelineSpec;
}

/** A spec received as data (a develop request's baseSpec / previousSpec, a SOTA's spec); null if absent or not a valid PipelineSpec. */
export function specFromData(data: unknown): PipelineSpec | null {
  if (data === null || data === undefined) return null;
  const parsed = PipelineSpec.safeParse(data);
  if (!parsed.success) return null;
  const names = new Set(parsed.data.models.map((m) => m.name));
  return names.size === parsed.data.models.length ? parsed.data : null;
}

/** Makes model names unique (xgb, xgb_2, ...) after edits. */
export function renameModels(spec: PipelineSpec): void {
  const seen = new Map<string, number>();
  for (const m of spec.models) {
    const n = (seen.get(m.family) ?? 0) + 1;
    seen.set(m.family, n);
    m.name = n === 1 ? m.family : `${m.family}_${n}`;
  }
}

export function primary(spec: PipelineSpec): ModelSpec {
  return spec.models[0]!;
}
