// The catalogue of moves the offline brain can propose: each is a small, typed edit of a PipelineSpec.
import type { AxisScores, Component, TaskInfo } from '../../protocols/domain.ts';
import {
  ESTIMATOR_PARAM, MODEL_FAMILIES, draftSpec, modelSpec, primary, renameModels, tunedParams,
  type ModelFamily, type ModelSpec, type PipelineSpec,
} from './pipeline-spec.ts';

export interface MoveContext {
  task: TaskInfo;
  /** The spec the move would edit (the SOTA's, or a fresh draft). */
  spec: PipelineSpec;
  /** Model families that appeared in successful kinds (for ensembles of "the best models so far"). */
  goodFamilies: ModelFamily[];
}

export interface Move {
  kind: string;
  component: Component;
  title: string;
  prior: AxisScores;
  /** Costly moves (more compute): less feasible on large data or after timeouts. */
  heavy: boolean;
  applies(ctx: MoveContext): boolean;
  /** Mutates the spec in place. */
  apply(spec: PipelineSpec, ctx: MoveContext): void;
}

const ax = (alignment: number, impact: number, novelty: number, feasibility: number, risk: number): AxisScores =>
  ({ alignment, impact, novelty, feasibility, risk });

const isReg = (t: TaskInfo): boolean => t.taskType === 'regression';
const hasMissing = (t: TaskInfo): boolean => t.columns.some((c) => c.missingFrac > 0);
const nCat = (t: TaskInfo): number => t.columns.filter((c) => c.dtype === 'categorical').length;
const nText = (t: TaskInfo): number => t.columns.filter((c) => c.dtype === 'text').length;
const nNum = (t: TaskInfo): number => t.columns.filter((c) => c.dtype === 'numeric').length;
const TREES: ModelFamily[] = ['rf', 'et', 'hgb', 'xgb'];
/** Families the budgeted search (hp:search) has a search space for (models.py: SEARCH_FAMILIES). */
const SEARCHABLE: ModelFamily[] = ['hgb', 'xgb', 'rf', 'et'];
const imputes = (s: PipelineSpec): boolean => s.imputeNative || s.models.some((m) => ['linear', 'rf', 'et', 'knn'].includes(m.family));

function p(m: ModelSpec, key: string, dflt: number): number {
  const v = m.params[key];
  return typeof v === 'number' ? v : dflt;
}
/** Whether refitting the model with another seed gives another model. */
function seedDependent(m: ModelSpec, spec: PipelineSpec): boolean {
  if (m.family === 'rf' || m.family === 'et' || m.family === 'cnn') return true;
  if (m.family === 'xgb') return p(m, 'subsample', 1) < 1 || p(m, 'colsample_bytree', 1) < 1;
  if (m.family === 'hgb') return spec.earlyStop === true;
  return false;
}
const round = (x: number, d = 4): number => Math.round(x * 10 ** d) / 10 ** d;

/** The most estimators a move may give a family: 3,000 trees or rounds, 60 epochs of a network. */
const estimatorCap = (f: ModelFamily): number => (f === 'cnn' ? 60 : 3000);

function scaleEstimators(m: ModelSpec, factor: number, cap = 3000): void {
  const key = ESTIMATOR_PARAM[m.family];
  if (!key) return;
  const least = m.family === 'cnn' ? 2 : 20;
  m.params[key] = Math.max(least, Math.min(cap, Math.round(p(m, key, 100) * factor)));
}

const isImage = (t: TaskInfo): boolean => !!t.image;
/** Families that need their own kind of data: a convolutional network needs one image per row. */
const fits = (family: ModelFamily, t: TaskInfo): boolean => family !== 'cnn' || isImage(t);

function draft(family: ModelFamily, title: string, prior: AxisScores): Move {
  return {
    kind: `draft:${family}`, component: 'model', title, prior, heavy: family === 'knn' || family === 'cnn',
    applies: ({ task }) => fits(family, task),
    apply: (spec, ctx) => {
      const d = draftSpec(ctx.task, family);
      if (nText(ctx.task) > 0 && family === 'linear') d.fe.text = 'tfidf';
      Object.assign(spec, d);
    },
  };
}

function switchModel(family: ModelFamily, prior: AxisScores): Move {
  return {
    kind: `model:${family}`, component: 'model', title: `Switch the main model to ${familyName(family)}`, prior,
    heavy: family === 'knn' || family === 'rf' || family === 'cnn',
    applies: ({ spec, task }) => fits(family, task) && !spec.models.some((m) => m.family === family)
      && !(family === 'knn' && (task.nTrainRows > 50_000 || nNum(task) + nCat(task) > 200)),
    apply: (spec) => {
      const m = modelSpec(family, tunedParams(family));
      if (spec.models.length === 1) spec.models[0] = m;
      else spec.models.unshift(m);
      if ((family === 'linear' || family === 'knn') && spec.encoding === 'ordinal') spec.encoding = 'onehot';
      renameModels(spec);
    },
  };
}

export function familyName(f: ModelFamily): string {
  return {
    linear: 'a linear model (logistic/ridge)', rf: 'a random forest', et: 'extra trees',
    hgb: 'histogram gradient boosting', xgb: 'XGBoost', knn: 'k-nearest neighbours', cnn: 'a small convolutional network',
  }[f];
}

/** Diverse strong families to add to an ensemble, the successful ones first. */
function poolFamilies(ctx: MoveContext, size: number): ModelFamily[] {
  const order: ModelFamily[] = [...ctx.goodFamilies.filter((f) => fits(f, ctx.task)), ...(isImage(ctx.task) ? ['cnn' as const] : []),
    'xgb', 'hgb', 'et', 'linear', 'rf'];
  if (ctx.task.nTrainRows > 100_000) order.splice(order.indexOf('rf'), 1);
  const have = new Set(ctx.spec.models.map((m) => m.family));
  const out: ModelFamily[] = [];
  for (const f of order) {
    if (out.length + have.size >= size) break;
    if (!have.has(f) && !out.includes(f)) out.push(f);
  }
  return out;
}

const ENS_RANK: Record<PipelineSpec['ensemble'], number> = { none: 0, avg: 1, hill: 2, stack: 3 };

function ensembleMove(kind: string, title: string, size: number, how: PipelineSpec['ensemble'], prior: AxisScores): Move {
  return {
    kind, component: 'ensemble', title, prior, heavy: true,
    // only upgrades: none < avg < hill <= stack (the stacker falls back to hill climbing when it is worse)
    applies: ({ spec }) => ENS_RANK[spec.ensemble] < ENS_RANK[how] || (spec.ensemble === how && spec.models.length < size),
    apply: (spec, ctx) => {
      for (const f of poolFamilies({ ...ctx, spec }, size)) spec.models.push(modelSpec(f, tunedParams(f)));
      spec.models = spec.models.slice(0, 6);
      spec.ensemble = how;
      renameModels(spec);
    },
  };
}

/** Moves that change the feature columns (encodings, transforms, added columns, imputation): a network reads only the
 * image's pixels, so they change nothing for a spec whose every model is one. */
const FEATURE_COLUMN_KINDS: ReadonlySet<string> = new Set([
  'fe:rowstats', 'fe:ratios', 'fe:log1p', 'fe:count', 'fe:onehot', 'fe:ordinal', 'fe:freq', 'fe:target-enc',
  'fe:missing-ind', 'fe:impute-mean', 'fe:impute-mode', 'fe:text-tfidf',
]);
const readsFeatureColumns = (s: PipelineSpec): boolean => s.models.some((m) => m.family !== 'cnn');

/** A move that only applies where it changes what some model reads. */
function forFeatureReaders(m: Move): Move {
  return FEATURE_COLUMN_KINDS.has(m.kind) ? { ...m, applies: (ctx) => readsFeatureColumns(ctx.spec) && m.applies(ctx) } : m;
}

const CATALOGUE: readonly Move[] = [
  // ── drafts ──
  draft('hgb', 'Draft: histogram gradient boosting baseline (ordinal categoricals, native NaN)', ax(7, 7, 5, 9, 8)),
  draft('xgb', 'Draft: XGBoost baseline', ax(6, 7, 5, 8, 7)),
  draft('rf', 'Draft: random forest baseline (median imputation)', ax(5, 6, 5, 8, 8)),
  draft('linear', 'Draft: linear baseline (one-hot, scaling)', ax(5, 4, 6, 10, 9)),
  draft('et', 'Draft: extra-trees baseline', ax(5, 5, 6, 8, 8)),
  draft('cnn', 'Draft: a small convolutional network on the image (shift augmentation, one-cycle AdamW)', ax(7, 8, 6, 7, 7)),
  // ── model family switches ──
  switchModel('xgb', ax(6, 7, 6, 8, 6)),
  switchModel('hgb', ax(6, 6, 5, 9, 7)),
  switchModel('et', ax(4, 5, 6, 7, 6)),
  switchModel('rf', ax(4, 5, 5, 7, 6)),
  switchModel('linear', ax(3, 3, 5, 10, 5)),
  switchModel('knn', ax(2, 3, 7, 8, 4)),
  switchModel('cnn', ax(7, 8, 6, 7, 6)),
  // ── hyperparameters (of the main model) ──
  {
    kind: 'hp:more-trees', component: 'model', title: 'Double the number of trees / boosting rounds / training epochs', prior: ax(5, 4, 3, 8, 8), heavy: true,
    applies: ({ spec }) => {
      const m = primary(spec);
      const key = ESTIMATOR_PARAM[m.family];
      return !!key && p(m, key, 100) < estimatorCap(m.family);
    },
    apply: (spec) => scaleEstimators(primary(spec), 2, estimatorCap(primary(spec).family)),
  },
  {
    kind: 'hp:lr-down', component: 'model', title: 'Halve the learning rate and double the boosting rounds', prior: ax(6, 6, 4, 7, 8), heavy: true,
    applies: ({ spec }) => ['hgb', 'xgb'].includes(primary(spec).family) && p(primary(spec), 'learning_rate', 0.1) > 0.011,
    apply: (spec) => {
      const m = primary(spec);
      m.params['learning_rate'] = round(Math.max(0.01, p(m, 'learning_rate', 0.1) / 2));
      scaleEstimators(m, 2);
    },
  },
  {
    kind: 'hp:capacity-up', component: 'model', title: 'Increase model capacity (deeper trees / weaker regularisation)', prior: ax(5, 5, 4, 8, 6), heavy: false,
    applies: () => true,
    apply: (spec) => {
      const m = primary(spec);
      switch (m.family) {
        case 'xgb': m.params['max_depth'] = Math.min(12, p(m, 'max_depth', 6) + 2); m.params['min_child_weight'] = Math.max(0.5, p(m, 'min_child_weight', 1) / 2); break;
        case 'hgb': m.params['max_leaf_nodes'] = Math.min(255, p(m, 'max_leaf_nodes', 31) * 2); m.params['min_samples_leaf'] = Math.max(5, Math.round(p(m, 'min_samples_leaf', 20) / 2)); break;
        case 'rf': case 'et':
          m.params['min_samples_leaf'] = Math.max(1, Math.floor(p(m, 'min_samples_leaf', 1) / 2));
          m.params['max_depth'] = null;
          m.params['max_features'] = Math.min(1, round(typeof m.params['max_features'] === 'number' ? (m.params['max_features'] as number) * 1.5 : 0.7, 2));
          break;
        case 'linear': m.params['C'] = round(p(m, 'C', 1) * 4); m.params['alpha'] = round(p(m, 'alpha', 1) / 4, 6); break;
        case 'knn': m.params['n_neighbors'] = Math.max(2, Math.round(p(m, 'n_neighbors', 15) / 2)); break;
        case 'cnn': m.params['width'] = Math.min(64, Math.round(p(m, 'width', 16) * 1.5)); break;
      }
    },
  },
  {
    kind: 'hp:regularize', component: 'model', title: 'Regularise the main model (shallower, larger leaves, L2)', prior: ax(5, 5, 4, 9, 7), heavy: false,
    applies: () => true,
    apply: (spec) => {
      const m = primary(spec);
      switch (m.family) {
        case 'xgb':
          m.params['max_depth'] = Math.max(2, p(m, 'max_depth', 6) - 2);
          m.params['min_child_weight'] = round(p(m, 'min_child_weight', 1) * 3);
          m.params['reg_lambda'] = round(p(m, 'reg_lambda', 1) * 3);
          break;
        case 'hgb':
          m.params['max_leaf_nodes'] = Math.max(7, Math.round(p(m, 'max_leaf_nodes', 31) / 2));
          m.params['min_samples_leaf'] = Math.min(500, p(m, 'min_samples_leaf', 20) * 2);
          m.params['l2_regularization'] = round(Math.max(1, p(m, 'l2_regularization', 0) * 3));
          break;
        case 'rf': case 'et': m.params['min_samples_leaf'] = Math.min(100, Math.max(2, p(m, 'min_samples_leaf', 1) * 2)); break;
        case 'linear': m.params['C'] = round(p(m, 'C', 1) / 4, 6); m.params['alpha'] = round(p(m, 'alpha', 1) * 4); break;
        case 'knn': m.params['n_neighbors'] = Math.min(200, p(m, 'n_neighbors', 15) * 2); break;
        case 'cnn': m.params['weight_decay'] = round(Math.min(0.05, p(m, 'weight_decay', 1e-4) * 10), 6); break;
      }
    },
  },
  {
    kind: 'hp:subsample', component: 'model', title: 'Row/column subsampling for the main model (decorrelates trees)', prior: ax(4, 4, 5, 9, 7), heavy: false,
    applies: ({ spec }) => {
      const m = primary(spec);
      return (m.family === 'xgb' && (p(m, 'subsample', 1) > 0.8 || p(m, 'colsample_bytree', 1) > 0.7))
        || ((m.family === 'rf' || m.family === 'et') && m.params['max_features'] !== 0.5);
    },
    apply: (spec) => {
      const m = primary(spec);
      if (m.family === 'xgb') { m.params['subsample'] = 0.8; m.params['colsample_bytree'] = 0.7; } else m.params['max_features'] = 0.5;
    },
  },
  {
    kind: 'hp:search', component: 'model', title: 'Budgeted Optuna search of the main model\'s key hyperparameters, nested in each fold', prior: ax(6, 6, 6, 6, 7), heavy: true,
    applies: ({ spec }) => !spec.search && SEARCHABLE.includes(primary(spec).family),
    apply: (spec, { task }) => { spec.search = { trials: task.nTrainRows > 50_000 ? 10 : 20 }; },
  },
  // ── features and preprocessing ──
  {
    kind: 'fe:rowstats', component: 'features', title: 'Add row statistics (mean/std/min/max/NaN count) over numeric columns', prior: ax(4, 4, 6, 9, 6), heavy: false,
    applies: ({ spec, task }) => !spec.fe.rowStats && nNum(task) >= 3,
    apply: (spec) => { spec.fe.rowStats = true; },
  },
  {
    kind: 'fe:ratios', component: 'features', title: 'Add pairwise ratios/products/differences of the top-4 numeric features', prior: ax(5, 5, 7, 7, 5), heavy: false,
    applies: ({ spec, task }) => spec.fe.pairs === 0 && nNum(task) >= 2,
    apply: (spec) => { spec.fe.pairs = 4; },
  },
  {
    kind: 'fe:log1p', component: 'features', title: 'log1p-transform skewed non-negative numeric features', prior: ax(4, 3, 5, 10, 7), heavy: false,
    applies: ({ spec, task }) => !spec.fe.log1p && nNum(task) >= 1,
    apply: (spec) => { spec.fe.log1p = true; },
  },
  {
    kind: 'fe:count', component: 'features', title: 'Add count encoding of categorical (or low-cardinality) columns', prior: ax(4, 4, 6, 9, 6), heavy: false,
    applies: ({ spec }) => !spec.fe.count,
    apply: (spec) => { spec.fe.count = true; },
  },
  {
    kind: 'fe:onehot', component: 'features', title: 'One-hot encode low-cardinality categoricals (frequency for the rest)', prior: ax(5, 4, 4, 8, 6), heavy: false,
    applies: ({ spec, task }) => spec.encoding !== 'onehot' && nCat(task) > 0,
    apply: (spec) => { spec.encoding = 'onehot'; },
  },
  {
    kind: 'fe:ordinal', component: 'features', title: 'Ordinal-encode categoricals', prior: ax(3, 3, 4, 10, 7), heavy: false,
    applies: ({ spec, task }) => spec.encoding !== 'ordinal' && nCat(task) > 0,
    apply: (spec) => { spec.encoding = 'ordinal'; },
  },
  {
    kind: 'fe:freq', component: 'features', title: 'Frequency-encode categoricals (target-free)', prior: ax(4, 4, 5, 9, 6), heavy: false,
    applies: ({ spec, task }) => spec.encoding !== 'frequency' && nCat(task) > 0,
    apply: (spec) => { spec.encoding = 'frequency'; },
  },
  {
    kind: 'fe:target-enc', component: 'features', title: 'Add in-fold smoothed target encoding of categoricals (fit rows encoded out of fold)', prior: ax(5, 5, 6, 8, 6), heavy: false,
    applies: ({ spec, task }) => !spec.targetEncoding && nCat(task) > 0,
    apply: (spec) => { spec.targetEncoding = true; },
  },
  {
    kind: 'fe:missing-ind', component: 'data', title: 'Add missing-value indicator columns to the imputation', prior: ax(4, 3, 5, 10, 7), heavy: false,
    applies: ({ spec, task }) => !spec.missingIndicator && hasMissing(task),
    apply: (spec) => { spec.missingIndicator = true; spec.imputeNative = true; },
  },
  {
    kind: 'fe:impute-mean', component: 'data', title: 'Impute missing numeric values with the mean instead of the median', prior: ax(3, 2, 4, 10, 6), heavy: false,
    applies: ({ spec, task }) => spec.impute !== 'mean' && hasMissing(task) && imputes(spec),
    apply: (spec) => { spec.impute = 'mean'; },
  },
  {
    kind: 'fe:impute-mode', component: 'data', title: 'Impute missing values with the most frequent value', prior: ax(2, 2, 4, 10, 5), heavy: false,
    applies: ({ spec, task }) => spec.impute !== 'most_frequent' && hasMissing(task) && imputes(spec),
    apply: (spec) => { spec.impute = 'most_frequent'; },
  },
  {
    kind: 'fe:text-tfidf', component: 'features', title: 'TF-IDF + truncated SVD components for text columns', prior: ax(6, 6, 7, 6, 5), heavy: true,
    applies: ({ spec, task }) => spec.fe.text !== 'tfidf' && nText(task) > 0,
    apply: (spec) => { spec.fe.text = 'tfidf'; },
  },
  {
    kind: 'fe:target-log', component: 'features', title: 'Train on log1p(target) and invert with expm1', prior: ax(6, 6, 5, 10, 7), heavy: false,
    applies: ({ spec, task }) => isReg(task) && !spec.targetLog,
    apply: (spec) => { spec.targetLog = true; },
  },
  // ── workflow ──
  {
    kind: 'wf:folds-up', component: 'workflow', title: 'More CV folds (more training data per fold, steadier estimate)', prior: ax(4, 3, 3, 7, 8), heavy: true,
    // the harness's folds.csv fixes the folds of every job: the spec's fold count then changes nothing
    applies: ({ spec, task }) => !task.harness && spec.folds < (task.nTrainRows > 50_000 ? 5 : 10),
    apply: (spec) => { spec.folds = spec.folds < 5 ? 5 : 10; },
  },
  {
    kind: 'wf:seeds', component: 'workflow', title: 'Seed averaging (3 seeds per fold)', prior: ax(5, 4, 4, 6, 8), heavy: true,
    // only where a model's fit depends on its seed: forests; xgboost with row/column subsampling; histogram boosting
    // with early stopping (its validation split); otherwise three seeds fit the same model three times
    applies: ({ spec }) => spec.seeds < 3 && spec.models.some((m) => seedDependent(m, spec)),
    apply: (spec) => { spec.seeds = 3; },
  },
  {
    kind: 'wf:balanced', component: 'workflow', title: 'Balanced class weights', prior: ax(4, 4, 5, 10, 5), heavy: false,
    applies: ({ spec, task }) => !isReg(task) && spec.classWeight !== 'balanced' && task.metric !== 'logloss',
    apply: (spec) => { spec.classWeight = 'balanced'; },
  },
  {
    kind: 'data:more-rows', component: 'data', title: 'Train on more of the training rows (raise the row cap)', prior: ax(5, 6, 4, 5, 7), heavy: true,
    applies: ({ spec, task }) => task.nTrainRows > spec.maxTrainRows,
    apply: (spec) => { spec.maxTrainRows = spec.maxTrainRows * 4; },
  },
  // ── ensembles of the best models so far ──
  ensembleMove('ens:avg3', 'Average the main model with two diverse strong models', 3, 'avg', ax(6, 6, 7, 6, 7)),
  ensembleMove('ens:hill', 'Hill-climbing weighted ensemble over a pool of 4 diverse models', 4, 'hill', ax(6, 7, 7, 5, 7)),
  ensembleMove('ens:stack', 'Stacking: logistic/ridge meta-model over 4 models\' out-of-fold predictions', 4, 'stack', ax(6, 7, 8, 5, 6)),
];

export const MOVES: readonly Move[] = CATALOGUE.map(forFeatureReaders);

export const MOVE_BY_KIND: ReadonlyMap<string, Move> = new Map(MOVES.map((m) => [m.kind, m]));
export const DRAFT_KINDS = MOVES.filter((m) => m.kind.startsWith('draft:')).map((m) => m.kind);

export function isDraftKind(kind: string): boolean {
  return kind.startsWith('draft:');
}

/** The single kinds a (possibly combined, "a+b") kind is made of. */
export function splitKind(kind: string): string[] {
  return kind.split('+').map((k) => k.trim()).filter(Boolean);
}

/** Families named by model/draft kinds, e.g. "model:xgb" → xgb. */
export function familyOfKind(kind: string): ModelFamily | null {
  const m = /^(?:model|draft):([a-z]+)$/.exec(kind);
  const f = m?.[1] as ModelFamily | undefined;
  return f && MODEL_FAMILIES.includes(f) ? f : null;
}

export function kindPrefix(kind: string): string {
  return kind.split(':')[0] ?? kind;
}
