// The offline brain's planning with cost: the relative compute of a pipeline spec, a change's estimated full-run
// time (from the base pipeline's measured run: per model where its feedback gives each model's measured seconds,
// else the whole run scaled by the compute ratio), and the reshaping of a change that would not fit in the budget
// (fewer seeds, fewer rounds with early stopping, fewer search trials, a row subsample, fewer ensemble members).
// The relative constants were fitted on the dev half of the bundled suite with `npm run bench:cost` (2026-11-24).
import { ADMISSION_SAFETY } from '../../protocols/config.ts';
import type { MeasuredRun, TaskInfo } from '../../protocols/domain.ts';
import { median } from '../../grading/medals.ts';
import { ESTIMATOR_PARAM, cloneSpec, renameModels, specFromData, type ModelFamily, type ModelSpec, type PipelineSpec } from './pipeline-spec.ts';

/** A change may plan to use at most this share of the budget that is left (the rest is for later changes and the refit). */
export const MAX_SHARE_OF_REMAINING = 0.5;

/** A convolutional network's epoch at width 16 over 1,000 28 x 28 images, in histogram-boosting rounds per class over 1,000
 * rows (2 threads: ~0.9 s against ~9 ms on letter-recognition's 16 features). */
const CNN_EPOCH = 100;

/**
 * Per-family cost of one estimator (tree / boosting round per class), relative to a histogram-boosting round. Dev-half
 * measurements at default parameters (2 threads, sklearn 1.2, xgboost 1.7): an XGBoost round costs 0.1-0.3 of a
 * histogram-boosting one, an extra tree 0.26-0.65, a random-forest tree 0.36-0.72.
 */
const PER_ESTIMATOR: Record<ModelFamily, number> = { hgb: 1, xgb: 0.2, rf: 0.5, et: 0.45, linear: 0, knn: 0, cnn: CNN_EPOCH };
/** Fixed costs (per fit, in the same units): a linear model costs a few boosting rounds; kNN grows with rows squared. */
const FIXED: Record<ModelFamily, number> = { hgb: 5, xgb: 5, rf: 5, et: 5, linear: 3, knn: 40, cnn: 5 };
/** Rows' exponent in a fit's cost (kNN prediction is quadratic-ish). */
const ROW_EXP: Record<ModelFamily, number> = { hgb: 1, xgb: 1, rf: 1.1, et: 1.05, linear: 1, knn: 1.6, cnn: 1 };
/** Work outside the model fits (loading, features, level-2), as a share of one plain 100-round boosting fit. */
const OVERHEAD = 40;
/** Histogram boosting with early stopping stops, on average, well before its cap. */
const EARLY_STOP_SHARE = 0.6;
/** The feature count the relative costs were measured at (letter-recognition's 16 columns, CNN_EPOCH's reference). */
const REFERENCE_WIDTH = 16;
/**
 * How a tabular fit's cost grows with the feature columns: histogram boosting's per-tree cost is mostly split finding
 * and bookkeeping that grow far slower than the columns. Measured (2 threads, sklearn 1.2): a default
 * histogram-boosting fit costs ~72 ms per tree on 8,000 rows of letter-recognition's 16 columns and ~177 ms on 8,000
 * Fashion-MNIST images' 784, i.e. 2.5 times for 49 times the columns: width^0.23, rounded to 0.25.
 */
const WIDTH_EXP = 0.25;

/**
 * How a table's width scales every cost that reads its columns, against REFERENCE_WIDTH. A network reads only its
 * image's pixels (its cost is in its own side²), so it is the one family this leaves alone. One factor for every
 * tabular family and the overhead keeps their ratios, and so every tabular estimate, as fitted; it decides what a
 * tabular model costs against a network (784 pixel columns: 2.6 times a 16-column table).
 */
export function widthFactor(task: TaskInfo): number {
  return (Math.max(1, task.columns.length) / REFERENCE_WIDTH) ** WIDTH_EXP;
}

function num(m: ModelSpec, key: string, dflt: number): number {
  const v = m.params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}

/**
 * A forest tree's cost is a per-tree share plus a share per feature each split considers: it grows as
 * FOREST_FIXED_FEATURES + k for k features per split. Measured with `bench/calibrate/forest_features.py` (2026-12-07,
 * 2 threads, sklearn 1.2, 60 trees on four bundled tables of 9 to 784 columns): on Fashion-MNIST's 784 columns a
 * random forest at max_features 1.0 costs 26 times its default 'sqrt' (28 features), extra trees 14 times; on 9 to 60
 * columns 0.6 to 2.9 times. These constants put all 28 measured settings within 0.66-1.51x (median 1.07x).
 */
const FOREST_FIXED_FEATURES: Partial<Record<ModelFamily, number>> = { rf: 12, et: 10 };
/** A forest tree's cost against its leaf size: (min_samples_leaf / 1)^-0.14 (Fashion-MNIST: 0.8x at 6, 0.65x at 20). */
const FOREST_LEAF_EXP = -0.14;

/** The features a forest's split considers (models.py's _max_features: a share of the columns, 'sqrt', 'log2', or the
 * default: every column for a regressor, the square root for a classifier). */
export function featuresPerSplit(m: ModelSpec, task: TaskInfo): number {
  const p = Math.max(1, task.columns.length);
  const v = m.params['max_features'];
  if (typeof v === 'number' && v > 0 && v <= 1) return Math.max(1, Math.floor(v * p));
  if (v === 'log2') return Math.max(1, Math.floor(Math.log2(p)));
  if (v === 'sqrt' || task.taskType !== 'regression') return Math.max(1, Math.floor(Math.sqrt(p)));
  return p;
}

/**
 * An XGBoost round's cost against the default round (depth 6, every row and column): linear in the depth, and
 * growing with the shares of columns and rows each tree samples. Measured (2026-12-07, 2 threads, xgboost 1.7, 2,720
 * Fashion-MNIST images, 50 rounds): depth 5 costs 0.84 of depth 6 and depth 3 0.45; colsample_bytree 0.8 costs 0.89,
 * subsample 0.8 0.92.
 */
function xgbRoundFactor(m: ModelSpec): number {
  const share = (key: string): number => Math.min(1, Math.max(0.05, num(m, key, 1)));
  return (Math.max(1, num(m, 'max_depth', 6)) / 6) * share('colsample_bytree') ** 0.5 * share('subsample') ** 0.4;
}

/** A forest tree's cost against the same tree at the family's defaults (the setting PER_ESTIMATOR was measured at):
 * its features per split and its leaf size; 1 for every other family. */
function forestFactor(m: ModelSpec, task: TaskInfo): number {
  const fixed = FOREST_FIXED_FEATURES[m.family];
  if (fixed === undefined) return 1;
  const byDefault = featuresPerSplit({ ...m, params: { ...m.params, max_features: null } }, task);
  const features = (fixed + featuresPerSplit(m, task)) / (fixed + byDefault);
  return features * Math.max(1, num(m, 'min_samples_leaf', 1)) ** FOREST_LEAF_EXP;
}

/**
 * The rows one fold's model is fitted on: the labelled rows less the harness's held-back slice, less the fold's own
 * validation rows, capped by the spec's row subsample.
 */
export function fitRows(spec: PipelineSpec, task: TaskInfo): number {
  const labelled = Math.max(0, task.nTrainRows - (task.harness?.holdoutRows ?? 0));
  const k = task.harness?.folds ?? spec.folds;
  return Math.min(spec.maxTrainRows, Math.round((labelled * (k - 1)) / k));
}

/** One model's fit cost (one fold, one seed), relative units per 1,000 rows. */
function modelCost(m: ModelSpec, spec: PipelineSpec, task: TaskInfo): number {
  const key = ESTIMATOR_PARAM[m.family];
  let n = key ? num(m, key, 100) : 0;
  if (spec.earlyStop && m.family === 'hgb') n *= EARLY_STOP_SHARE;
  // boosting fits one tree per class per round beyond binary
  const perClass = (m.family === 'hgb' || m.family === 'xgb') && task.taskType === 'multiclass' ? Math.max(1, task.nClasses ?? 1) : 1;
  // an estimator's size: boosting trees grow with the square root of their depth or leaves; a network's epoch with its
  // width squared (the convolutions) and the image's pixels; a forest tree with its features per split and leaf size
  const size = m.family === 'xgb' ? xgbRoundFactor(m)
    : m.family === 'hgb' ? Math.sqrt(Math.max(2, num(m, 'max_leaf_nodes', 31)) / 31)
    : m.family === 'cnn' ? (Math.max(4, num(m, 'width', 16)) / 16) ** 2 * ((task.image?.side ?? 28) / 28) ** 2
    : forestFactor(m, task);
  const rows = fitRows(spec, task) / 1000;
  const width = m.family === 'cnn' ? 1 : widthFactor(task);
  return (PER_ESTIMATOR[m.family] * n * perClass * size + FIXED[m.family]) * Math.max(0.05, rows) ** ROW_EXP[m.family] * width;
}

/** Share of a fold's training rows each search trial fits on (models.py: 1 - SEARCH_INNER_FRACTION). */
const SEARCH_INNER_SHARE = 0.8;
/** The families models.py's search_space searches (SEARCH_FAMILIES). */
const SEARCHED: readonly ModelFamily[] = ['hgb', 'xgb', 'rf', 'et'];
/**
 * A search trial's expected parameters where they drive cost: for the boosting families the mean of models.py's
 * log-uniform ranges (measured on the dev half: a trial costs 0.7-1.3 of a default fit of the same family on the same
 * rows); for the forests the mean cost over max_features' uniform 0.1-1.0 (cost is linear in the features, so the
 * mean share, 0.55) and over min_samples_leaf's log-uniform 1-20 (leaf^-0.14 averages to 4^-0.14).
 */
const TRIAL_PARAMS: Partial<Record<ModelFamily, ModelSpec['params']>> = {
  hgb: { max_iter: 120, max_leaf_nodes: 31 },
  xgb: { n_estimators: 300, max_depth: 6 },
  rf: { max_features: 0.55, min_samples_leaf: 4 },
  et: { max_features: 0.55, min_samples_leaf: 4 },
};

/** Whether the spec's search runs (a search of a family models.py searches). */
const searches = (spec: PipelineSpec): boolean => !!spec.search && !!spec.models[0] && SEARCHED.includes(spec.models[0].family);

/** A searched main model as the search's trials (and the fold's fit with the chosen parameters) are expected to cost. */
function searched(m: ModelSpec): ModelSpec {
  return { ...m, params: { ...m.params, ...(TRIAL_PARAMS[m.family] ?? {}) } };
}

/** The models as their fits are expected to cost: a searched main model at the search's expected parameters (the
 * chosen ones are not known before the run). */
function pricedModels(spec: PipelineSpec): ModelSpec[] {
  return searches(spec) ? spec.models.map((m, i) => (i === 0 ? searched(m) : m)) : spec.models;
}

/** The budgeted search's cost in one fold (spec "search"): trials × one inner fit of the main model. */
export function searchCost(spec: PipelineSpec, task: TaskInfo): number {
  const main = spec.models[0];
  if (!spec.search || !main || !searches(spec)) return 0;
  return spec.search.trials * modelCost(searched(main), spec, task) * SEARCH_INNER_SHARE ** ROW_EXP[main.family];
}

/** Extra work of the features on top of the fits (a multiplier). */
function featureFactor(spec: PipelineSpec): number {
  return 1 + (spec.fe.pairs > 0 ? 0.15 * spec.fe.pairs : 0) + (spec.fe.text === 'tfidf' ? 0.5 : 0) + (spec.fe.rowStats ? 0.05 : 0)
    + (spec.targetEncoding ? 0.1 : 0);
}

/** Extra work of the level-2 ensemble on top of the fits (a multiplier). */
function level2Factor(spec: PipelineSpec): number {
  return spec.models.length > 1 ? (spec.ensemble === 'stack' ? 1.1 : spec.ensemble === 'hill' ? 1.05 : 1) : 1;
}

const foldsOf = (spec: PipelineSpec, task: TaskInfo): number => task.harness?.folds ?? spec.folds;

/** The relative compute of a whole pipeline: every model × folds × seeds, the search per fold, plus feature and
 * level-2 work. */
export function specCost(spec: PipelineSpec, task: TaskInfo): number {
  const folds = foldsOf(spec, task);
  const rows = Math.max(0.05, Math.min(task.nTrainRows, spec.maxTrainRows) / 1000);
  const models = pricedModels(spec).reduce((a, m) => a + modelCost(m, spec, task), 0);
  const fe = featureFactor(spec);
  return (models * folds * spec.seeds * fe * level2Factor(spec)) + searchUnits(spec, task) + OVERHEAD * rows * widthFactor(task);
}

/** The search's share of specCost: its cost in every fold, with the features' extra work. */
function searchUnits(spec: PipelineSpec, task: TaskInfo): number {
  return searchCost(spec, task) * foldsOf(spec, task) * featureFactor(spec);
}

/** A full run's estimated time (ms), the part of it that is the budgeted search (all folds; 0 without one) and how it
 * was estimated. */
export interface CostEstimate { ms: number; searchMs: number; basis: string }

/** What a measured full run's feedback says about its parts (gome_feedback.json estimate_parts in full mode). */
export interface MeasuredParts {
  /** Measured seconds of each model (all folds and seeds, fitting and predicting), by model name, in ms. */
  models: Record<string, number>;
  /** The budgeted search's measured time, in ms. */
  searchMs: number;
}

/** Another measured full run of this run: a model family the base lacks is priced from it. */
export interface OtherRun { spec: PipelineSpec; parts: MeasuredParts }

/**
 * A measured base pipeline: its spec, its full run's wall time and, when its feedback gives them, its parts; `others`:
 * other measured full runs of this run (the latest of each model family), whose families' measured seconds per unit
 * of compute price the families the base lacks.
 */
export interface MeasuredBase { spec: PipelineSpec; runMs: number; parts?: MeasuredParts | null; others?: readonly OtherRun[] }

/**
 * What a change to `spec` is planned from: the base's measured full run (its time and feedback) and the run's other
 * measured full runs; null when the base has no spec or no measured time.
 */
export function measuredBase(spec: PipelineSpec | null, runMs: number | null | undefined, feedback: unknown,
  runs?: readonly MeasuredRun[]): MeasuredBase | null {
  if (!spec || typeof runMs !== 'number') return null;
  return { spec, runMs, parts: measuredParts(feedback), others: otherRuns(runs) };
}

/** The run's measured full runs as the brain plans from them (messages' MeasuredRun): those with a readable spec and
 * parts. */
export function otherRuns(runs: readonly MeasuredRun[] | undefined): OtherRun[] {
  const out: OtherRun[] = [];
  for (const r of runs ?? []) {
    const spec = specFromData(r.spec);
    const parts = measuredParts(r.feedback);
    if (spec && parts) out.push({ spec, parts });
  }
  return out;
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** The per-model seconds of a full run's feedback; null when it has none (a debug run's, or an older job's). */
export function measuredParts(feedback: unknown): MeasuredParts | null {
  const parts = (feedback as { estimate_parts?: unknown } | null)?.estimate_parts as
    { mode?: unknown; models?: Record<string, Record<string, unknown>>; search?: { seconds?: unknown } } | undefined;
  if (!parts || parts.mode !== 'full' || !parts.models || typeof parts.models !== 'object') return null;
  const models: Record<string, number> = {};
  for (const [name, m] of Object.entries(parts.models)) {
    const s = finite(m?.['fit_seconds']) && finite(m?.['predict_seconds']) ? m['fit_seconds'] + m['predict_seconds'] : m?.['seconds'];
    if (!finite(s)) return null;
    models[name] = s * 1000;
  }
  return { models, searchMs: finite(parts.search?.seconds) ? parts.search.seconds * 1000 : 0 };
}

/**
 * From the base's measured parts: what is not a model or the search (loading, features, ensemble, start-up) as
 * measured; each model from the measured seconds per unit of compute of the base model of its family (else of the
 * base's main model); the search from the main model's. Null when the parts do not match the base spec.
 */
function fromParts(spec: PipelineSpec, task: TaskInfo, base: MeasuredBase, parts: MeasuredParts): CostEstimate | null {
  const baseUnits = (m: ModelSpec): number => modelCost(m, base.spec, task) * foldsOf(base.spec, task) * base.spec.seeds;
  const perUnit = new Map<string, number>();
  for (const m of pricedModels(base.spec)) {
    const ms = parts.models[m.name];
    if (ms === undefined) return null;
    perUnit.set(m.name, ms / Math.max(1e-9, baseUnits(m)));
  }
  const main = base.spec.models[0];
  if (!main) return null;
  const measuredModels = Object.values(parts.models).reduce((a, b) => a + b, 0);
  const other = Math.max(0, base.runMs - measuredModels - parts.searchMs)
    * (featureFactor(spec) / featureFactor(base.spec)) * (level2Factor(spec) / level2Factor(base.spec));
  const mainRate = perUnit.get(main.name)!;
  // a family the base lacks: its measured seconds per unit in the run's other full runs (their median), else the
  // base's main model's
  const familyRate = (family: ModelFamily): number | null => {
    const rates = (base.others ?? []).flatMap((o) => pricedModels(o.spec)
      .filter((m) => m.family === family && o.parts.models[m.name] !== undefined)
      .map((m) => o.parts.models[m.name]! / Math.max(1e-9, modelCost(m, o.spec, task) * foldsOf(o.spec, task) * o.spec.seeds)));
    return rates.length ? median(rates) : null;
  };
  let models = 0;
  const fromRun: string[] = [];
  for (const m of pricedModels(spec)) {
    const ref = base.spec.models.find((b) => b.name === m.name && b.family === m.family) ?? base.spec.models.find((b) => b.family === m.family);
    const measured = ref ? null : familyRate(m.family);
    if (measured !== null) fromRun.push(m.family);
    const rate = ref ? perUnit.get(ref.name)! : measured ?? mainRate;
    models += rate * modelCost(m, spec, task) * foldsOf(spec, task) * spec.seeds;
  }
  const search = searchCost(spec, task) * foldsOf(spec, task) * mainRate;
  const ms = Math.round(other + models + search);
  return { ms, searchMs: Math.round(search), basis: `the SOTA's measured parts: ${(other / 1000).toFixed(1)} s outside the models, `
    + `${(models / 1000).toFixed(1)} s of models${search > 0 ? `, ${(search / 1000).toFixed(1)} s of search` : ''}`
    + `${fromRun.length ? ` (${[...new Set(fromRun)].join(', ')} at the pace measured in this run)` : ''}` };
}

/**
 * A spec's full-run time from a measured base: per part when the base's feedback gives its models' measured seconds,
 * else the base's whole measured time scaled by the compute ratio; null without a measured base.
 */
export function estimateMs(spec: PipelineSpec, task: TaskInfo, base: MeasuredBase | null): CostEstimate | null {
  if (!base || !(base.runMs > 0)) return null;
  const parted = base.parts ? fromParts(spec, task, base, base.parts) : null;
  if (parted) return parted;
  const cost = specCost(spec, task);
  const ratio = cost / specCost(base.spec, task);
  const ms = Math.round(base.runMs * ratio);
  return { ms, searchMs: Math.round(ms * (searchUnits(spec, task) / Math.max(1e-9, cost))), basis: `the SOTA's measured ${(base.runMs / 1000).toFixed(1)} s × compute ratio ${ratio.toFixed(2)}` };
}

/** The least allowance a fold's search gets (s): below it a search is hardly one. */
const MIN_SEARCH_SECONDS = 2;

/**
 * The spec with its search's time allowance per fold (`search.seconds`): the estimate's planned search time per fold.
 * The search starts no trial that its trials' mean time says would end past it, so it keeps to its plan whichever
 * parameters its sampler drifts to, and the debug run's estimate counts it as planned (no slack on top: a plan sized to
 * fit the budget or the job limit would not fit with one).
 * Without a search nothing changes; without an estimate (nothing measured to plan from) the search has no allowance,
 * not one inherited from a base planned for other work.
 */
export function withSearchAllowance(spec: PipelineSpec, task: TaskInfo, est: CostEstimate | null): PipelineSpec {
  if (!spec.search) return spec;
  const out = cloneSpec(spec);
  const { trials } = spec.search;
  out.search = est && est.searchMs > 0
    ? { trials, seconds: Math.max(MIN_SEARCH_SECONDS, Math.round((est.searchMs / foldsOf(spec, task) / 1000) * 10) / 10) }
    : { trials };
  return out;
}

/**
 * How much a change that needs `over` times what it may take loses in the brain's planning (1.5 to 5 points): it would
 * be reshaped (fewer seeds, rounds, trees, rows or members) and may lose what made it worth trying. The gradient takes
 * it off feasibility; a tree-search operator off its expected impact.
 */
export function overrunPenalty(over: number): number {
  return Math.min(5, 1.5 + 1.5 * Math.log2(Math.max(1, over)));
}

/**
 * How long one change's full run may plan to take: its share of the budget left, and no more than a full run's limit
 * allows with admission control's margin (a longer one would be refused whatever the budget left).
 */
export function allowedMs(remainingMs: number | null, fullLimitMs: number | null = null): number | null {
  const byLimit = fullLimitMs === null ? null : fullLimitMs / ADMISSION_SAFETY;
  if (remainingMs === null) return byLimit;
  const byBudget = Math.max(0, remainingMs * MAX_SHARE_OF_REMAINING);
  return byLimit === null ? byBudget : Math.min(byBudget, byLimit);
}

/** A reshaping step; `need` is the share of the current estimate that would fit (below 1). */
interface ReshapeStep { label: string; applies(s: PipelineSpec, task: TaskInfo): boolean; apply(s: PipelineSpec, task: TaskInfo, need: number): void }

const BOOSTING: readonly ModelFamily[] = ['hgb', 'xgb'];
/** The fewest estimators reshaping leaves a model: 30 trees or rounds, 3 epochs of a network. */
const FEWEST_ESTIMATORS = (f: ModelFamily): number => (f === 'cnn' ? 3 : 30);
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
    // cut by what is needed, not by halves: a 10-epoch network with 47% of its estimate to spare keeps 4 epochs, not 3
    label: 'fewer trees / rounds / epochs (boosting at a higher learning rate)',
    applies: (s) => s.models.some((m) => { const k = ESTIMATOR_PARAM[m.family]; return !!k && num(m, k, 100) > FEWEST_ESTIMATORS(m.family); }),
    apply: (s, _t, need) => {
      const keep = Math.min(0.9, Math.max(0.1, need));
      for (const m of s.models) {
        const k = ESTIMATOR_PARAM[m.family];
        if (!k || num(m, k, 100) <= FEWEST_ESTIMATORS(m.family)) continue;
        const before = num(m, k, 100);
        m.params[k] = Math.max(FEWEST_ESTIMATORS(m.family), Math.min(before - 1, Math.floor(before * keep)));
        // fewer rounds at a higher rate: the rate grows as the rounds shrink to the power 0.68 (x1.6 for half as many)
        if (BOOSTING.includes(m.family)) {
          const ratio = (m.params[k] as number) / before;
          m.params['learning_rate'] = Math.min(0.3, Math.round(num(m, 'learning_rate', 0.1) * ratio ** -0.68 * 1e4) / 1e4);
        }
      }
    },
  },
  {
    label: 'fewer search trials',
    applies: (s) => !!s.search && s.search.trials > MIN_TRIALS,
    apply: (s) => { if (s.search) s.search = { ...s.search, trials: Math.max(MIN_TRIALS, Math.floor(s.search.trials / 2)) }; },
  },
  {
    label: 'fit on a row subsample',
    applies: (s, t) => fitRows(s, t) > MIN_ROWS * 1.5,
    apply: (s, t) => { s.maxTrainRows = Math.max(MIN_ROWS, Math.floor(fitRows(s, t) / 2)); },
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
export function reshapeToFit(spec: PipelineSpec, task: TaskInfo, base: MeasuredBase | null, limitMs: number): Reshaped | null {
  const before = estimateMs(spec, task, base);
  if (!before || before.ms <= limitMs) return null;
  const out = cloneSpec(spec);
  const steps: string[] = [];
  let cur = before;
  for (let round = 0; round < 4 && cur.ms > limitMs; round++) {
    for (const step of RESHAPE_STEPS) {
      if (cur.ms <= limitMs) break;
      if (!step.applies(out, task)) continue;
      step.apply(out, task, limitMs / cur.ms);
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
