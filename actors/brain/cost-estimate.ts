// The offline brain's planning with cost: the relative compute of a pipeline spec, a change's estimated full-run
// time (the base pipeline's measured run scaled by the compute ratio), and the reshaping of a change that would
// not fit in the budget (fewer seeds, fewer rounds with early stopping, fewer search trials, a row subsample, fewer
// ensemble members).
import type { TaskInfo } from '../../protocols/domain.ts';
import { ESTIMATOR_PARAM, cloneSpec, renameModels, type ModelFamily, type ModelSpec, type PipelineSpec } from './pipeline-spec.ts';

/** A change may plan to use at most this share of the budget that is left (the rest is for later changes and the refit). */
export const MAX_SHARE_OF_REMAINING = 0.5;

/** Per-family cost of one estimator (tree / round) on one row, relative to a histogram-boosting round. */
const PER_ESTIMATOR: Record<ModelFamily, number> = { hgb: 1, xgb: 1.3, rf: 2.5, et: 1.8, linear: 0, knn: 0 };
/** Fixed costs (per fit, in the same units): a linear model ~ 30 boosting rounds; kNN grows with rows squared. */
const FIXED: Record<ModelFamily, number> = { hgb: 5, xgb: 5, rf: 5, et: 5, linear: 30, knn: 40 };
/** Rows' exponent in a fit's cost (kNN prediction is quadratic-ish). */
const ROW_EXP: Record<ModelFamily, number> = { hgb: 1, xgb: 1, rf: 1.1, et: 1.05, linear: 1, knn: 1.6 };
/** Work outside the model fits (loading, features, level-2), as a share of one plain 100-round boosting fit. */
const OVERHEAD = 40;
/** Histogram boosting with early stopping stops, on average, well before its cap. */
const EARLY_STOP_SHARE = 0.6;

function num(m: ModelSpec, key: string, dflt: number): number {
  const v = m.params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

/** One model's fit cost (one fold, one seed), relative units per 1,000 rows. */
function modelCost(m: ModelSpec, spec: PipelineSpec, task: TaskInfo): number {
  const key = ESTIMATOR_PARAM[m.family];
  let n = key ? num(m, key, 100) : 0;
  if (spec.earlyStop && m.family === 'hgb') n *= EARLY_STOP_SHARE;
  // boosting fits one tree per class per round beyond binary
  const perClass = (m.family === 'hgb' || m.family === 'xgb') && task.taskType === 'multiclass' ? Math.max(1, task.nClasses ?? 1) : 1;
  const depth = m.family === 'xgb' ? Math.max(1, num(m, 'max_depth', 6)) / 6 : m.family === 'hgb' ? Math.max(2, num(m, 'max_leaf_nodes', 31)) / 31 : 1;
  const rows = Math.min(task.nTrainRows, spec.maxTrainRows) / 1000;
  return (PER_ESTIMATOR[m.family] * n * perClass * Math.sqrt(depth) + FIXED[m.family]) * Math.max(0.05, rows) ** ROW_EXP[m.family];
}

/** Share of a fold's training rows each search trial fits on (models.py: 1 - SEARCH_INNER_FRACTION). */
const SEARCH_INNER_SHARE = 0.8;
/** A search trial's expected parameters where they drive cost (the mean of models.py's log-uniform ranges). */
const TRIAL_PARAMS: Partial<Record<ModelFamily, ModelSpec['params']>> = {
  hgb: { max_iter: 220, max_leaf_nodes: 43 },
  xgb: { n_estimators: 220, max_depth: 6 },
};

/** The budgeted search's cost in one fold (spec "search"): trials × one inner fit of the main model. */
export function searchCost(spec: PipelineSpec, task: TaskInfo): number {
  const main = spec.models[0];
  if (!spec.search || !main || !['hgb', 'xgb', 'rf', 'et'].includes(main.family)) return 0;
  const trial = { ...main, params: { ...main.params, ...(TRIAL_PARAMS[main.family] ?? {}) } };
  return spec.search.trials * modelCost(trial, spec, task) * SEARCH_INNER_SHARE ** ROW_EXP[main.family];
}

/** The relative compute of a whole pipeline: every model × folds × seeds, the search per fold, plus feature and
 * level-2 work. */
export function specCost(spec: PipelineSpec, task: TaskInfo): number {
  const folds = task.harness?.folds ?? spec.folds;
  const rows = Math.max(0.05, Math.min(task.nTrainRows, spec.maxTrainRows) / 1000);
  const models = spec.models.reduce((a, m) => a + modelCost(m, spec, task), 0);
  const fe = 1 + (spec.fe.pairs > 0 ? 0.15 * spec.fe.pairs : 0) + (spec.fe.text === 'tfidf' ? 0.5 : 0) + (spec.fe.rowStats ? 0.05 : 0)
    + (spec.targetEncoding ? 0.1 : 0);
  const level2 = spec.models.length > 1 ? (spec.ensemble === 'stack' ? 1.1 : spec.ensemble === 'hill' ? 1.05 : 1) : 1;
  return (models * folds * spec.seeds * fe * level2) + searchCost(spec, task) * folds * fe + OVERHEAD * rows;
}

export interface CostEstimate { ms: number; basis: string }

/** A spec's full-run time: the base pipeline's measured time scaled by the compute ratio; null without a measured base. */
export function estimateMs(spec: PipelineSpec, task: TaskInfo, base: { spec: PipelineSpec; runMs: number } | null): CostEstimate | null {
  if (!base || !(base.runMs > 0)) return null;
  const ratio = specCost(spec, task) / specCost(base.spec, task);
  return { ms: Math.round(base.runMs * ratio), basis: `the SOTA's measured ${(base.runMs / 1000).toFixed(1)} s × compute ratio ${ratio.toFixed(2)}` };
}

/** How much of the remaining budget one change may plan to take. */
export function allowedMs(remainingMs: number | null): number | null {
  return remainingMs === null ? null : Math.max(0, remainingMs * MAX_SHARE_OF_REMAINING);
}

interface ReshapeStep { label: string; applies(s: PipelineSpec, task: TaskInfo): boolean; apply(s: PipelineSpec, task: TaskInfo): void }

const BOOSTING: readonly ModelFamily[] = ['hgb', 'xgb'];
const MIN_ROWS = 2_000;
/** The fewest trials reshaping leaves a search (fewer is hardly a search). */
const MIN_TRIALS = 4;

/** Cheapest-to-lose first: seeds, then rounds (with early stopping), then search trials, then rows, then the costliest
 * member. */
const RESHAPE_STEPS: ReshapeStep[] = [
  {
    label: 'one seed instead of several',
    applies: (s) => s.seeds > 1,
    apply: (s) => { s.seeds = 1; },
  },
  {
    label: 'early stopping on the boosting rounds',
    applies: (s) => !s.earlyStop && s.models.some((m) => m.family === 'hgb'),
    apply: (s) => { s.earlyStop = true; },
  },
  {
    label: 'half the trees / rounds at a higher learning rate',
    applies: (s) => s.models.some((m) => { const k = ESTIMATOR_PARAM[m.family]; return !!k && num(m, k, 100) > 60; }),
    apply: (s) => {
      for (const m of s.models) {
        const k = ESTIMATOR_PARAM[m.family];
        if (!k || num(m, k, 100) <= 60) continue;
        m.params[k] = Math.max(30, Math.round(num(m, k, 100) / 2));
        if (BOOSTING.includes(m.family)) m.params['learning_rate'] = Math.min(0.3, Math.round(num(m, 'learning_rate', 0.1) * 1.6 * 1e4) / 1e4);
      }
    },
  },
  {
    label: 'fewer search trials',
    applies: (s) => !!s.search && s.search.trials > MIN_TRIALS,
    apply: (s) => { if (s.search) s.search = { trials: Math.max(MIN_TRIALS, Math.floor(s.search.trials / 2)) }; },
  },
  {
    label: 'fit on a row subsample',
    applies: (s, t) => Math.min(t.nTrainRows, s.maxTrainRows) > MIN_ROWS * 1.5,
    apply: (s, t) => { s.maxTrainRows = Math.max(MIN_ROWS, Math.floor(Math.min(t.nTrainRows, s.maxTrainRows) / 2)); },
  },
  {
    label: 'drop the costliest ensemble member',
    applies: (s) => s.models.length > 1,
    apply: (s, t) => {
      const costs = s.models.map((m) => modelCost(m, s, t));
      const worst = costs.indexOf(Math.max(...costs));
      s.models.splice(worst, 1);
      if (s.models.length === 1) s.ensemble = 'none';
      renameModels(s);
    },
  },
];

export interface Reshaped { spec: PipelineSpec; steps: string[]; before: CostEstimate; after: CostEstimate }

/**
 * Shrinks a spec until its estimate fits in `limitMs`, step by step (each step is kept only while the estimate is
 * still too high). Returns null when the spec already fits or nothing is measured to estimate from.
 */
export function reshapeToFit(spec: PipelineSpec, task: TaskInfo, base: { spec: PipelineSpec; runMs: number } | null, limitMs: number): Reshaped | null {
  const before = estimateMs(spec, task, base);
  if (!before || before.ms <= limitMs) return null;
  const out = cloneSpec(spec);
  const steps: string[] = [];
  let cur = before;
  for (let round = 0; round < 4 && cur.ms > limitMs; round++) {
    for (const step of RESHAPE_STEPS) {
      if (cur.ms <= limitMs) break;
      if (!step.applies(out, task)) continue;
      step.apply(out, task);
      steps.push(step.label);
      cur = estimateMs(out, task, base)!;
    }
  }
  return steps.length ? { spec: out, steps, before, after: cur } : null;
}

/** Parses an admission refusal ("estimated runtime X s … exceeds the remaining budget Y s") into its two figures. */
export function parseTooSlow(error: string): { estimatedMs: number; availableMs: number } | null {
  const m = /estimated runtime ([\d.]+) s .*?exceeds the (?:remaining budget|job limit) ([\d.]+) s/.exec(error);
  if (!m) return null;
  return { estimatedMs: Number(m[1]) * 1000, availableMs: Number(m[2]) * 1000 };
}
