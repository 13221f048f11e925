// Turns a PipelineSpec (plus the task) into a complete Python 3 script honouring Gome's job contract.
// Targets Debian's python3-sklearn 1.2.1, pandas 1.5.3 and xgboost 1.7.4; nothing else is imported.
import type { TaskInfo } from '../../protocols/domain.ts';
import { ESTIMATOR_PARAM, SPEC_PREFIX, type ModelSpec, type PipelineSpec } from './pipeline-spec.ts';

/** Python literal for a JSON-like scalar. */
function py(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return 'None';
    return Number.isInteger(v) ? String(v) : String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return 'None';
}

function num(p: ModelSpec['params'], key: string, dflt: number): number {
  const v = p[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}
function intOrNone(p: ModelSpec['params'], key: string): string {
  const v = p[key];
  return typeof v === 'number' && Number.isFinite(v) ? String(Math.max(1, Math.round(v))) : 'None';
}
function fl(x: number): string {
  const s = String(x);
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function maxFeatures(p: ModelSpec['params'], regression: boolean): string {
  const v = p['max_features'];
  if (typeof v === 'number' && v > 0 && v <= 1) return fl(v);
  if (v === 'sqrt' || v === 'log2') return py(v);
  return regression ? '1.0' : '"sqrt"';
}

/** Python expression constructing the estimator for one model; `seed` and `est()` are in scope. */
function estimatorExpr(m: ModelSpec, spec: PipelineSpec, regression: boolean): string {
  const p = m.params;
  const cw = !regression && spec.classWeight === 'balanced' ? '"balanced"' : 'None';
  switch (m.family) {
    case 'linear':
      return regression
        ? `Ridge(alpha=${fl(num(p, 'alpha', 1.0))}, random_state=seed)`
        : `LogisticRegression(C=${fl(num(p, 'C', 1.0))}, max_iter=2000, class_weight=${cw}, random_state=seed)`;
    case 'rf':
    case 'et': {
      const cls = `${m.family === 'rf' ? 'RandomForest' : 'ExtraTrees'}${regression ? 'Regressor' : 'Classifier'}`;
      return `${cls}(n_estimators=est(${Math.round(num(p, 'n_estimators', 200))}), max_depth=${intOrNone(p, 'max_depth')}, `
        + `min_samples_leaf=${Math.max(1, Math.round(num(p, 'min_samples_leaf', 1)))}, max_features=${maxFeatures(p, regression)}, `
        + `${regression ? '' : `class_weight=${cw}, `}n_jobs=N_JOBS, random_state=seed)`;
    }
    case 'hgb': {
      const cls = regression ? 'HistGradientBoostingRegressor' : 'HistGradientBoostingClassifier';
      return `${cls}(learning_rate=${fl(num(p, 'learning_rate', 0.1))}, max_iter=est(${Math.round(num(p, 'max_iter', 100))}), `
        + `max_leaf_nodes=${Math.max(2, Math.round(num(p, 'max_leaf_nodes', 31)))}, min_samples_leaf=${Math.max(1, Math.round(num(p, 'min_samples_leaf', 20)))}, `
        + `l2_regularization=${fl(num(p, 'l2_regularization', 0))}, early_stopping=False, `
        + `${regression ? '' : `class_weight=${cw}, `}random_state=seed)`;
    }
    case 'xgb': {
      const common = `n_estimators=est(${Math.round(num(p, 'n_estimators', 300))}), learning_rate=${fl(num(p, 'learning_rate', 0.1))}, `
        + `max_depth=${Math.max(1, Math.round(num(p, 'max_depth', 6)))}, subsample=${fl(num(p, 'subsample', 1))}, `
        + `colsample_bytree=${fl(num(p, 'colsample_bytree', 1))}, min_child_weight=${fl(num(p, 'min_child_weight', 1))}, `
        + `reg_lambda=${fl(num(p, 'reg_lambda', 1))}, tree_method="hist", n_jobs=N_JOBS, random_state=seed, verbosity=0`;
      return regression
        ? `XGBRegressor(${common})`
        : `XGBClassifier(${common}, use_label_encoder=False, eval_metric="logloss")`;
    }
    case 'knn': {
      const k = Math.max(1, Math.round(num(p, 'n_neighbors', 15)));
      return regression
        ? `KNeighborsRegressor(n_neighbors=min(${k}, MAX_K), weights="distance", n_jobs=N_JOBS)`
        : `KNeighborsClassifier(n_neighbors=min(${k}, MAX_K), weights="distance", n_jobs=N_JOBS)`;
    }
  }
}

function needsImpute(m: ModelSpec, spec: PipelineSpec): boolean {
  return m.family === 'linear' || m.family === 'rf' || m.family === 'et' || m.family === 'knn' || spec.imputeNative;
}
function needsScale(m: ModelSpec, spec: PipelineSpec): boolean {
  return (m.family === 'linear' || m.family === 'knn') && spec.scale;
}

/** Rough per-family exponent of cost in the number of rows, used for the debug → full extrapolation. */
function rowExponent(m: ModelSpec): number {
  return m.family === 'knn' ? 2 : m.family === 'linear' ? 1.1 : 1.15;
}

function modelBuilders(spec: PipelineSpec, regression: boolean): string {
  const out: string[] = [];
  for (const m of spec.models) {
    const steps: string[] = [];
    if (needsImpute(m, spec)) steps.push(`SimpleImputer(strategy=${py(spec.impute)}, add_indicator=${py(spec.missingIndicator)})`);
    if (needsScale(m, spec)) steps.push('StandardScaler()');
    const est = estimatorExpr(m, spec, regression);
    const body = steps.length > 0 ? `make_pipeline(${[...steps, est].join(', ')})` : est;
    out.push(`def build_${m.name}(seed):`);
    out.push(`    return ${body}`);
    out.push('');
  }
  const estParam = (m: ModelSpec): string => {
    const key = ESTIMATOR_PARAM[m.family];
    return key ? String(Math.round(num(m.params, key, 100))) : 'None';
  };
  out.push('MODELS = [');
  for (const m of spec.models) {
    out.push(`    (${py(m.name)}, ${py(m.family)}, build_${m.name}, ${estParam(m)}, ${rowExponent(m)}),`);
  }
  out.push(']');
  return out.join('\n');
}

function modelImports(spec: PipelineSpec, regression: boolean): string {
  const fam = new Set(spec.models.map((m) => m.family));
  const lines: string[] = [];
  if (fam.has('linear') || spec.ensemble === 'stack') lines.push('from sklearn.linear_model import LogisticRegression, Ridge');
  const ens: string[] = [];
  if (fam.has('rf')) ens.push(regression ? 'RandomForestRegressor' : 'RandomForestClassifier');
  if (fam.has('et')) ens.push(regression ? 'ExtraTreesRegressor' : 'ExtraTreesClassifier');
  if (ens.length) lines.push(`from sklearn.ensemble import ${ens.join(', ')}`);
  if (fam.has('hgb')) {
    lines.push(`from sklearn.ensemble import ${regression ? 'HistGradientBoostingRegressor' : 'HistGradientBoostingClassifier'}`);
  }
  if (fam.has('xgb')) lines.push(`from xgboost import ${regression ? 'XGBRegressor' : 'XGBClassifier'}`);
  if (fam.has('knn')) lines.push(`from sklearn.neighbors import ${regression ? 'KNeighborsRegressor' : 'KNeighborsClassifier'}`);
  return lines.join('\n');
}

function featureSection(spec: PipelineSpec): string {
  const L: string[] = [];
  L.push('# ── features: target-free encodings, fitted on the train + test + holdout features ──');
  L.push('frames = [train[feature_cols], test[feature_cols]] + ([holdout[feature_cols]] if HAS_HOLDOUT else [])');
  L.push('X_all = pd.concat(frames, axis=0, ignore_index=True)');
  L.push('n_tr, n_te = len(train), len(test)');
  L.push('n_ho = len(holdout) if HAS_HOLDOUT else 0');
  L.push('num_cols = [c for c in feature_cols if pd.api.types.is_numeric_dtype(X_all[c])]');
  L.push('obj_cols = [c for c in feature_cols if c not in num_cols]');
  L.push('def _is_text(c):');
  L.push('    s = X_all[c].dropna().astype(str)');
  L.push('    if len(s) == 0:');
  L.push('        return False');
  L.push('    return c in TEXT_HINT or (s.str.len().mean() > 40 and s.nunique() > 0.3 * len(s))');
  L.push('text_cols = [c for c in obj_cols if _is_text(c)]');
  L.push('cat_cols = [c for c in obj_cols if c not in text_cols]');
  L.push('missing_frac = float(train[feature_cols].isna().mean().mean()) if feature_cols else 0.0');
  L.push('parts = []');
  L.push('num = X_all[num_cols].astype(float) if num_cols else pd.DataFrame(index=X_all.index)');
  if (spec.fe.log1p) {
    L.push('# log1p of skewed non-negative numeric columns');
    L.push('for c in num_cols:');
    L.push('    col = num[c]');
    L.push('    if col.notna().sum() > 10 and col.min() >= 0 and col.skew() > 1.0:');
    L.push('        num[c] = np.log1p(col)');
  }
  L.push('parts.append(num)');
  if (spec.fe.rowStats) {
    L.push('# row statistics over the numeric columns');
    L.push('if num_cols:');
    L.push('    parts.append(pd.DataFrame({"row_mean": num.mean(axis=1), "row_std": num.std(axis=1), "row_min": num.min(axis=1),');
    L.push('                               "row_max": num.max(axis=1), "row_nan": X_all[feature_cols].isna().sum(axis=1).astype(float)}))');
  }
  L.push('# categorical encoding');
  L.push('for c in cat_cols:');
  L.push('    s = X_all[c].astype(str).where(X_all[c].notna(), np.nan)');
  if (spec.encoding === 'onehot') {
    L.push(`    if s.nunique() <= ${spec.maxOneHot}:`);
    L.push('        d = pd.get_dummies(s, prefix=str(c), dtype=float)');
    L.push('        parts.append(d)');
    L.push('    else:');
    L.push('        parts.append(s.map(s.value_counts(normalize=True)).astype(float).rename(str(c) + "_freq"))');
  } else if (spec.encoding === 'ordinal') {
    L.push('    codes = pd.Series(pd.factorize(s, sort=True)[0], index=s.index).astype(float)');
    L.push('    parts.append(codes.where(codes >= 0, np.nan).rename(str(c) + "_ord"))');
  } else {
    L.push('    parts.append(s.map(s.value_counts(normalize=True)).astype(float).rename(str(c) + "_freq"))');
  }
  if (spec.fe.count) {
    L.push('# count encoding (categoricals, or low-cardinality numerics when there are none)');
    L.push('count_src = cat_cols if cat_cols else [c for c in num_cols if 2 <= X_all[c].nunique() <= 200]');
    L.push('for c in count_src:');
    L.push('    s = X_all[c].astype(str)');
    L.push('    parts.append(s.map(s.value_counts()).astype(float).rename(str(c) + "_count"))');
  }
  L.push('# text columns');
  L.push('for c in text_cols:');
  L.push('    s = X_all[c].fillna("").astype(str)');
  L.push('    parts.append(pd.DataFrame({str(c) + "_len": s.str.len().astype(float), str(c) + "_words": s.str.split().str.len().astype(float)}))');
  if (spec.fe.text === 'tfidf') {
    L.push('    from sklearn.feature_extraction.text import TfidfVectorizer');
    L.push('    from sklearn.decomposition import TruncatedSVD');
    L.push('    try:');
    L.push('        tf = TfidfVectorizer(max_features=20000, ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(s)');
    L.push('        k = int(max(1, min(48, tf.shape[1] - 1)))');
    L.push('        sv = TruncatedSVD(n_components=k, random_state=SEED).fit_transform(tf)');
    L.push('        parts.append(pd.DataFrame(sv, columns=[str(c) + "_svd" + str(i) for i in range(k)]))');
    L.push('    except ValueError as e:');
    L.push('        print("tfidf skipped for", c, e)');
  }
  L.push('X = pd.concat([p.reset_index(drop=True) for p in parts], axis=1) if parts else pd.DataFrame(index=range(len(X_all)))');
  L.push('X.columns = [str(c) + ("" if i == 0 else "__" + str(i)) for c, i in zip(X.columns, pd.Series(X.columns.astype(str)).groupby(X.columns.astype(str)).cumcount())]');
  L.push('X = X.replace([np.inf, -np.inf], np.nan)');
  L.push('const = [c for c in X.columns if X[c].nunique(dropna=False) <= 1]');
  L.push('X = X.drop(columns=const)');
  L.push('if X.shape[1] == 0:');
  L.push('    X = pd.DataFrame({"bias": np.zeros(len(X_all))})');
  L.push('X = X.astype(np.float32)');
  L.push('feature_names = list(X.columns)');
  L.push('X_tr = X.iloc[:n_tr].values');
  L.push('X_te = X.iloc[n_tr:n_tr + n_te].values');
  L.push('X_ho = X.iloc[n_tr + n_te:].values');
  L.push('del X, X_all, parts');
  L.push('');
  L.push('# ── target-based features: fitted inside the folds ──');
  if (spec.fe.pairs > 0) {
    L.push(`# Pairwise ratios / products / differences of the top-${spec.fe.pairs} numeric features by F-score against the target.`);
    L.push('# The ranking is a fit on labels, so it is nested: the models of fold k get the pairs ranked on fold k\'s training');
    L.push('# rows only (never on the rows they are scored on); each fold model predicts test and holdout rows with its own');
    L.push('# pairs, and those predictions are averaged over the fold models as usual.');
    L.push(`PAIR_TOP = ${spec.fe.pairs}`);
    L.push('pair_src = num');
    L.push('');
    L.push('');
    L.push('def target_features(fit_idx):');
    L.push('    """Extra columns for every row (train, then test, then holdout) from steps fitted on the train rows fit_idx."""');
    L.push('    if len(num_cols) < 2:');
    L.push('        return None, []');
    L.push('    from sklearn.feature_selection import f_classif, f_regression');
    L.push('    base = pair_src.iloc[fit_idx]');
    L.push('    base = base.fillna(base.median()).fillna(0.0)');
    L.push('    f = (f_regression if IS_REG else f_classif)(base.values, y[fit_idx])[0]');
    L.push('    f = np.nan_to_num(f, nan=0.0)');
    L.push('    top = [num_cols[i] for i in np.argsort(-f, kind="stable")[:PAIR_TOP]]');
    L.push('    new = {}');
    L.push('    for i in range(len(top)):');
    L.push('        for j in range(i + 1, len(top)):');
    L.push('            a, b = pair_src[top[i]], pair_src[top[j]]');
    L.push('            new[str(top[i]) + "_div_" + str(top[j])] = a / (b.abs() + 1e-6) * np.sign(b).replace(0, 1)');
    L.push('            new[str(top[i]) + "_mul_" + str(top[j])] = a * b');
    L.push('            new[str(top[i]) + "_sub_" + str(top[j])] = a - b');
    L.push('    if not new:');
    L.push('        return None, []');
    L.push('    extra = pd.DataFrame(new).replace([np.inf, -np.inf], np.nan).astype(np.float32)');
    L.push('    return extra.values, list(extra.columns)');
  } else {
    L.push('# (none in this pipeline: every feature above is target-free)');
    L.push('del num');
    L.push('');
    L.push('');
    L.push('def target_features(fit_idx):');
    L.push('    return None, []');
  }
  L.push('');
  L.push('');
  L.push('def design(fit_idx):');
  L.push('    """Train, test and holdout matrices for models fitted on the train rows fit_idx, with their feature names."""');
  L.push('    extra, extra_names = target_features(fit_idx)');
  L.push('    if extra is None:');
  L.push('        return X_tr, X_te, X_ho, feature_names');
  L.push('    return (np.hstack([X_tr, extra[:n_tr]]), np.hstack([X_te, extra[n_tr:n_tr + n_te]]),');
  L.push('            np.hstack([X_ho, extra[n_tr + n_te:]]), feature_names + extra_names)');
  return L.join('\n');
}

const HEADER = String.raw`import os
# passive OpenMP waiting: spinning threads are very slow on shared/contended CPUs
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# deterministic jobs: one fixed thread count, from the environment (the GPU node exports OMP_NUM_THREADS), never
# from this machine's cpu count; it is set for OpenMP and every BLAS before numpy loads them, and passed to every
# model that takes n_jobs (xgboost, forests, kNN); HistGradientBoosting follows OMP_NUM_THREADS
_threads = os.environ.get("OMP_NUM_THREADS", "").strip()
N_JOBS = int(_threads) if _threads.isdigit() and int(_threads) > 0 else 2
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_v] = str(N_JOBS)
import sys
import json
import time
import warnings
warnings.filterwarnings("ignore")
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold, KFold, train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline, Pipeline
from sklearn.utils.class_weight import compute_sample_weight
from sklearn import metrics as skm`;

const LOAD = String.raw`T0 = time.time()
DATA_DIR = os.environ["GOME_DATA_DIR"]
OUT_DIR = os.environ.get("GOME_OUTPUT_DIR", ".")
MODE = os.environ.get("GOME_MODE", "full").strip().lower()
DEBUG = MODE == "debug"
os.makedirs(OUT_DIR, exist_ok=True)
LOWER_IS_BETTER = METRIC in ("logloss", "rmse", "rmsle", "mae")
EST_SCALE = 0.2 if DEBUG else 1.0


def est(n):
    """Number of estimators actually used: reduced in debug mode."""
    return int(max(10, round(n * EST_SCALE))) if DEBUG else int(n)


def data_path(name):
    return os.path.join(DATA_DIR, name)


_sample_cols = list(pd.read_csv(data_path("sample_submission.csv"), nrows=0).columns)
id_col = ID_HINT if ID_HINT in _sample_cols else _sample_cols[0]
sub_cols = [c for c in _sample_cols if c != id_col]


def read_csv(name, nrows=None):
    # ids are read as text, so every prediction file echoes them exactly as the data spells them
    return pd.read_csv(data_path(name), nrows=nrows, low_memory=False, dtype={id_col: str})


# The harness's data dir holds train.csv (without a held-back slice), folds.csv (the run's fixed folds: id, fold) and
# holdout.csv (the slice's features). Without folds.csv (older data dirs) the job makes its own folds and predicts
# no holdout.
HARNESS = os.path.exists(data_path("folds.csv"))
FOLD_COL = "__gome_fold__"
# with folds.csv every train.csv row is predicted out of fold, so MAX_TRAIN_ROWS caps the rows each fold FITS on
train = read_csv("train.csv", None if HARNESS else MAX_TRAIN_ROWS)
test = read_csv("test.csv")
sample = read_csv("sample_submission.csv")
holdout = read_csv("holdout.csv") if HARNESS and os.path.exists(data_path("holdout.csv")) else None
targets = [c for c in TARGET_HINT if c in train.columns and c not in test.columns]
if not targets:
    targets = [c for c in train.columns if c not in test.columns and c != id_col]
if not targets:
    raise SystemExit("cannot identify the target column in train.csv")
target = targets[0]
feature_cols = [c for c in test.columns if c in train.columns and c != id_col and c not in targets]
if HARNESS:
    folds_df = read_csv("folds.csv")
    f_col = "fold" if "fold" in folds_df.columns else folds_df.columns[-1]
    if id_col in train.columns and id_col in folds_df.columns:
        if folds_df[id_col].duplicated().any():
            raise SystemExit("folds.csv lists an id more than once")
        fold_vals = pd.Series(folds_df[f_col].values, index=folds_df[id_col].values).reindex(train[id_col].values).values
    elif len(folds_df) >= len(train):
        fold_vals = folds_df[f_col].values[:len(train)]
    else:
        raise SystemExit("folds.csv cannot be matched to train.csv (no id column, fewer rows)")
    fold_vals = pd.to_numeric(pd.Series(fold_vals), errors="coerce")
    if fold_vals.isna().any():
        raise SystemExit(f"folds.csv gives no fold to {int(fold_vals.isna().sum())} train.csv rows")
    train[FOLD_COL] = fold_vals.astype(int).values
if holdout is not None:
    lacking = [c for c in feature_cols if c not in holdout.columns]
    if lacking:
        raise SystemExit(f"holdout.csv lacks feature columns {lacking[:5]}")
HAS_HOLDOUT = holdout is not None and len(holdout) > 0
train = train[train[target].notna()].reset_index(drop=True)
N_FULL = len(train)
IS_REG = TASK == "regression"

# ── debug mode: subsample the training rows (stratified for classification); they keep their harness folds ──
if DEBUG:
    n_keep = int(min(N_FULL, max(500, int(0.1 * min(N_FULL, MAX_TRAIN_ROWS)))))
    if n_keep < N_FULL:
        strat = None
        if not IS_REG:
            vc = train[target].value_counts()
            if vc.min() >= 2 and n_keep >= 2 * len(vc):
                strat = train[target]
        train, _ = train_test_split(train, train_size=n_keep, random_state=SEED, stratify=strat)
        train = train.reset_index(drop=True)
N_USED = len(train)
train_ids = train[id_col].values if id_col in train.columns else np.arange(N_USED).astype(str)
train_fold = train[FOLD_COL].values if HARNESS else None

# ── target ──
if IS_REG:
    y_raw = train[target].astype(float).values
    y = np.log1p(np.clip(y_raw, 0, None)) if TARGET_LOG else y_raw.copy()
    classes = None
    K = 1
elif TASK == "binary" and POSITIVE is not None:
    # y = 1 exactly for the competition's positive class, so P[:, 1] (the submitted column) is P(POSITIVE),
    # whatever the labels' sort order; classes = [negative, positive] as train.csv spells them.
    def _label_key(v):
        s = str(v).strip()
        try:
            f = float(s)
            if np.isfinite(f):
                return repr(f)
        except ValueError:
            pass
        return s.lower() if s.lower() in ("true", "false") else s
    keys = train[target].map(_label_key)
    is_pos = (keys == _label_key(POSITIVE)).values
    if is_pos.all() or not is_pos.any():
        raise SystemExit(f"positive class {POSITIVE!r} is {'every' if is_pos.all() else 'no'} label of {target!r} in train.csv "
                         f"(labels: {sorted(map(str, train[target].unique()))}); the positive class must be one of two labels")
    classes = np.array([train[target].values[~is_pos][0], train[target].values[is_pos][0]], dtype=object)
    y = is_pos.astype(int)
    K = 2
    y_raw = y
else:
    le = LabelEncoder()
    y = le.fit_transform(train[target].values)
    classes = le.classes_
    K = len(classes)
    y_raw = y`;

/**
 * The job's scoring and fitting helpers (metric, direction, target transform, predict, fit). They need only the
 * constants METRIC, IS_REG, K, LOWER_IS_BETTER, TARGET_LOG and CLASS_WEIGHT, numpy, sklearn's metrics and Pipeline.
 */
export const HELPERS_PY = String.raw`# ── metric, exactly as the competition computes it ──
def metric(y_true, pred):
    """pred: regression -> values in target space; classification -> (n, K) probabilities."""
    if IS_REG:
        p = np.asarray(pred, dtype=float)
        t = np.asarray(y_true, dtype=float)
        if METRIC == "rmsle":
            return float(np.sqrt(np.mean((np.log1p(np.clip(p, 0, None)) - np.log1p(np.clip(t, 0, None))) ** 2)))
        if METRIC == "mae":
            return float(np.mean(np.abs(p - t)))
        return float(np.sqrt(np.mean((p - t) ** 2)))
    P = np.clip(np.asarray(pred, dtype=float), 1e-15, 1.0)
    P = P / P.sum(axis=1, keepdims=True)
    if METRIC == "auc":
        if len(np.unique(y_true)) < 2:
            return 0.5
        if K == 2:
            return float(skm.roc_auc_score(y_true, P[:, 1]))
        present = np.unique(y_true)
        if len(present) < K:
            Q = P[:, present] / P[:, present].sum(axis=1, keepdims=True)
            return float(skm.roc_auc_score(np.searchsorted(present, y_true), Q, multi_class="ovr")) if len(present) > 2 else float(skm.roc_auc_score(y_true == present[1], Q[:, 1]))
        return float(skm.roc_auc_score(y_true, P, multi_class="ovr"))
    if METRIC == "logloss":
        return float(skm.log_loss(y_true, P, labels=list(range(K))))
    if METRIC == "accuracy":
        return float(skm.accuracy_score(y_true, P.argmax(axis=1)))
    # a regression metric on a classification target: score the positive-class probability
    p1 = P[:, -1]
    if METRIC == "mae":
        return float(np.mean(np.abs(p1 - y_true)))
    return float(np.sqrt(np.mean((p1 - y_true) ** 2)))


def better(a, b):
    return a < b if LOWER_IS_BETTER else a > b


def to_target(pred):
    """Model space -> target space (inverse of the target transform)."""
    if IS_REG and TARGET_LOG:
        return np.expm1(pred)
    return pred


def predict(model, Xp):
    if IS_REG:
        return np.asarray(model.predict(Xp), dtype=float)
    out = np.zeros((Xp.shape[0], K))
    pr = model.predict_proba(Xp)
    out[:, np.asarray(model.classes_, dtype=int)] = pr
    return out


def fit(model, Xf, yf):
    w = None
    if not IS_REG and CLASS_WEIGHT == "balanced":
        w = compute_sample_weight("balanced", yf)
    last = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if w is not None and type(last).__name__.startswith("XGB"):
        if isinstance(model, Pipeline):
            model.fit(Xf, yf, **{model.steps[-1][0] + "__sample_weight": w})
        else:
            model.fit(Xf, yf, sample_weight=w)
    else:
        model.fit(Xf, yf)
    return model`;

const TRAIN = String.raw`# ── folds ──
N_SEEDS = 1 if DEBUG else SEEDS
if HARNESS:
    # the run's fixed folds (folds.csv), read from the file: fold k's rows are predicted only by models that never saw them
    _uniq = np.unique(train_fold)
    fold_of_row = np.searchsorted(_uniq, train_fold)
    FULL_FOLDS = len(_uniq)
    if DEBUG:
        # fewer folds on the row sample: harness folds merged (fold % m), so rows that share a harness fold stay together
        fold_of_row = fold_of_row % min(FULL_FOLDS, 2 if N_USED < 2000 else 3)
        fold_of_row = np.searchsorted(np.unique(fold_of_row), fold_of_row)
    N_FOLDS = int(fold_of_row.max()) + 1 if len(fold_of_row) else 0
    if N_FOLDS < 2:
        raise SystemExit("folds.csv gives the training rows fewer than two folds")
    splits = [(np.where(fold_of_row != k)[0], np.where(fold_of_row == k)[0]) for k in range(N_FOLDS)]
    FOLD_SOURCE = "folds.csv"
else:
    FULL_FOLDS = FOLDS
    N_FOLDS = min(FOLDS, 3) if DEBUG else FOLDS
    N_FOLDS = 2 if DEBUG and N_USED < 2000 else N_FOLDS
    if not IS_REG and np.bincount(y).min() >= N_FOLDS:
        splitter = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    else:
        splitter = KFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    splits = list(splitter.split(X_tr, y))
    fold_of_row = np.zeros(len(y), dtype=int)
    for _k, (_, _va) in enumerate(splits):
        fold_of_row[_va] = _k
    FOLD_SOURCE = "job"


def fit_rows(tr_idx, k):
    """The training rows fold k fits on: all of them, or a fixed subsample of MAX_TRAIN_ROWS."""
    if len(tr_idx) <= MAX_TRAIN_ROWS:
        return tr_idx
    return np.sort(np.random.RandomState(SEED + k).choice(tr_idx, MAX_TRAIN_ROWS, replace=False))


fit_idxs = [fit_rows(tr_idx, k) for k, (tr_idx, _) in enumerate(splits)]
MAX_K = max(1, min(len(f) for f in fit_idxs) - 1)
shape = (len(y),) if IS_REG else (len(y), K)
tshape = (n_te,) if IS_REG else (n_te, K)
hshape = (n_ho,) if IS_REG else (n_ho, K)
tr_subs = [f[:: max(1, len(f) // 2000)][:2000] for f in fit_idxs]

names = [m[0] for m in MODELS]
results = {name: dict(oof=np.zeros(shape), test=np.zeros(tshape), holdout=np.zeros(hshape), tr=[], folds=[], train=[])
           for name in names}
model_seconds = {name: 0.0 for name in names}
importances = None
for k, (_, va_idx) in enumerate(splits):
    tr_idx = fit_idxs[k]
    # this fold's feature matrices: target-based steps fitted on its training rows only
    F_tr, F_te, F_ho, f_names = design(tr_idx)
    n_model_features = len(f_names)
    for name, family, builder, n_est, row_exp in MODELS:
        t_model = time.time()
        r = results[name]
        p_va = np.zeros((len(va_idx),) + shape[1:])
        p_tr = None
        for s in range(N_SEEDS):
            model = fit(builder(SEED + 1000 * s + k), F_tr[tr_idx], y[tr_idx])
            p_va += predict(model, F_tr[va_idx]) / N_SEEDS
            r["test"] += predict(model, F_te) / (N_SEEDS * len(splits))
            if HAS_HOLDOUT:
                r["holdout"] += predict(model, F_ho) / (N_SEEDS * len(splits))
            if s == 0:
                p_tr = predict(model, F_tr[tr_subs[k]])
        r["oof"][va_idx] = p_va
        r["tr"].append(p_tr)
        r["folds"].append(metric(y_raw[va_idx], to_target(p_va)))
        r["train"].append(metric(y_raw[tr_subs[k]], to_target(p_tr)))
        last = model.steps[-1][1] if isinstance(model, Pipeline) else model
        if importances is None and hasattr(last, "feature_importances_") and len(last.feature_importances_) == len(f_names):
            importances = sorted(zip(f_names, [float(v) for v in last.feature_importances_]), key=lambda t: -t[1])[:10]
        model_seconds[name] += time.time() - t_model
    del F_tr, F_te, F_ho
for name, family, builder, n_est, row_exp in MODELS:
    r = results[name]
    r["score"], r["std"] = float(np.mean(r["folds"])), float(np.std(r["folds"]))
    print(f"model {name}: {METRIC}={r['score']:.6f} +- {r['std']:.6f} "
          f"(train {np.mean(r['train']):.6f}) [{model_seconds[name]:.1f}s]", flush=True)
model_seconds = {m[0]: (model_seconds[m[0]], m[3], m[4]) for m in MODELS}`;

/**
 * Level-2 (ensemble) fitting, every fit nested inside the folds. Needs HELPERS_PY and the constant ENSEMBLE only;
 * exported so that tests can run the very code the pipelines run.
 */
export const LEVEL2_PY = String.raw`# ── ensemble (level 2): every fit is nested inside the folds ──
# A level-2 fit made on the out-of-fold predictions and scored on the same rows is optimistic: it has seen the labels
# it is scored on. That holds for every choice below: which single model is best, the hill-climbing weights, the
# stacker, and stacking versus hill climbing. So each is nested: the rows of fold k get a fit made on the OTHER folds'
# out-of-fold rows only, which makes the ensemble's out-of-fold predictions (oof_predictions.csv, the ensemble's CV
# score) honest. The test and holdout predictions use the same fit made once on all the out-of-fold rows. (Fold j's
# level-1 predictions come from models that also trained on fold k's rows: that second-order dependence is the usual,
# accepted one; it would take K x (K - 1) level-1 fits to remove.)
def combine(preds, weights):
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return sum(wi * p for wi, p in zip(w, preds))


def fold_scores(pred, y_true, folds, n_folds):
    """The metric on each fold's rows (array of n_folds)."""
    return np.array([metric(y_true[folds == k], to_target(pred[folds == k])) for k in range(n_folds)])


def fold_mean(pred, y_true, folds, ks):
    """Mean of the per-fold metric over the folds ks (the CV score's convention)."""
    return float(np.mean([metric(y_true[folds == k], to_target(pred[folds == k])) for k in ks]))


def best_of(per_fold, ks):
    """Index of the row of per_fold (candidates x folds) with the best mean over the folds ks: a choice made on
    those folds' labels only."""
    means = [float(np.mean(np.asarray(r)[ks])) for r in per_fold]
    b = 0
    for i, s in enumerate(means):
        if better(s, means[b]):
            b = i
    return b


def hill_climb(oofs, y_true, rows, start):
    """Greedy forward selection with replacement (Caruana et al.), fitted on the out-of-fold rows 'rows' only."""
    w = start.copy()
    sub = [o[rows] for o in oofs]
    yt = y_true[rows]
    cur = metric(yt, to_target(combine(sub, w)))
    for step in range(20):
        best_s, best_j = None, None
        for j in range(len(sub)):
            w2 = w.copy()
            w2[j] += 1
            s2 = metric(yt, to_target(combine(sub, w2)))
            if best_s is None or better(s2, best_s):
                best_s, best_j = s2, j
        if best_s is None or not better(best_s, cur + (-1e-7 if LOWER_IS_BETTER else 1e-7)):
            break
        w[best_j] += 1
        cur = best_s
    return w


def meta_features(preds):
    # regression: the models' predictions; classification: log-probabilities (logit-like inputs)
    cols = [p.reshape(-1, 1) if IS_REG else np.log(np.clip(p[:, 1:] if K == 2 else p, 1e-6, 1.0)) for p in preds]
    return np.hstack(cols)


def fit_level2(method, oofs, y_fit, y_true, folds, ks, model_folds=None):
    """The combiner of 'method' fitted on the out-of-fold rows of the folds ks: ("w", weights) or ("stack", model).
    method: "single" or "best" (the best model), "avg" (equal weights, nothing fitted), "hill", "stack".
    model_folds: each model's per-fold scores (fold_scores), computed here when not given."""
    n = len(oofs)
    if method == "avg":
        return ("w", np.ones(n))
    if model_folds is None and n > 1:
        model_folds = [fold_scores(o, y_true, folds, int(np.max(folds)) + 1) for o in oofs]
    start = np.zeros(n)
    start[best_of(model_folds, ks) if n > 1 else 0] = 1.0
    rows = np.isin(folds, ks)
    if method == "hill":
        return ("w", hill_climb(oofs, y_true, rows, start))
    if method == "stack":
        from sklearn.linear_model import LogisticRegression, Ridge
        stacker = Ridge(alpha=1.0, positive=True) if IS_REG else LogisticRegression(C=0.5, max_iter=3000)
        return ("stack", fit(stacker, meta_features([o[rows] for o in oofs]), y_fit[rows]))
    return ("w", start)


def apply_level2(comb, preds):
    kind, c = comb
    return combine(preds, c) if kind == "w" else predict(c, meta_features(preds))


def level2(methods, oofs, y_fit, y_true, folds, n_folds):
    """The nested ensemble. For fold k every candidate method is fitted on the other folds' rows and applied to fold k;
    with several candidates (stacking versus hill climbing) fold k takes the one whose nested out-of-fold score on the
    other folds is best. Returns the ensemble's out-of-fold predictions, each fold's method and combiner, the method
    and combiner fitted on all rows (for test and holdout), and that last fit's in-sample score (the optimistic,
    unnested number, for diagnosis only)."""
    ks_all = list(range(n_folds))
    model_folds = [fold_scores(o, y_true, folds, n_folds) for o in oofs] if len(oofs) > 1 else None
    cand = {}
    for m in methods:
        oof_m = np.zeros(oofs[0].shape)
        fitted = []
        for k in ks_all:
            c = fit_level2(m, oofs, y_fit, y_true, folds, [j for j in ks_all if j != k], model_folds)
            va = folds == k
            oof_m[va] = apply_level2(c, [o[va] for o in oofs])
            fitted.append(c)
        cand[m] = (oof_m, fitted, fold_scores(oof_m, y_true, folds, n_folds))

    def pick(ks):
        return methods[best_of([cand[m][2] for m in methods], ks)]

    oof = np.zeros(oofs[0].shape)
    fold_methods, fold_combiners = [], []
    for k in ks_all:
        m = pick([j for j in ks_all if j != k])
        va = folds == k
        oof[va] = cand[m][0][va]
        fold_methods.append(m)
        fold_combiners.append(cand[m][1][k])
    method = pick(ks_all)
    final = fit_level2(method, oofs, y_fit, y_true, folds, ks_all, model_folds)
    return dict(oof=oof, fold_methods=fold_methods, fold_combiners=fold_combiners, method=method, final=final,
                in_sample=fold_mean(apply_level2(final, oofs), y_true, folds, ks_all),
                candidates={m: float(np.mean(cand[m][2])) for m in methods})`;

const ENSEMBLE = String.raw`# ── ensemble ──
if len(names) == 1:
    methods = ["single"]
elif ENSEMBLE == "avg":
    methods = ["avg"]
elif ENSEMBLE == "hill":
    methods = ["hill"]
elif ENSEMBLE == "stack":
    # a level-2 model on the out-of-fold predictions, kept (per fold, nested) only where it beats hill climbing
    methods = ["hill", "stack"]
else:
    methods = ["best"]
ens = level2(methods, [results[n]["oof"] for n in names], y, y_raw, fold_of_row, N_FOLDS)
ens_used = ens["method"]
ens_oof = ens["oof"]
ens_test = apply_level2(ens["final"], [results[n]["test"] for n in names])
ens_holdout = apply_level2(ens["final"], [results[n]["holdout"] for n in names])
ens_tr = [apply_level2(ens["fold_combiners"][k], [results[n]["tr"][k] for n in names]) for k in range(N_FOLDS)]
weights = ens["final"][1] if ens["final"][0] == "w" else None
if len(methods) > 1:
    print("level-2 candidates (nested CV): " + ", ".join(f"{m} {METRIC}={s:.6f}" for m, s in ens["candidates"].items()), flush=True)
ens_folds = [metric(y_raw[va_idx], to_target(ens_oof[va_idx])) for _, va_idx in splits]
ens_train = [metric(y_raw[tr_subs[k]], to_target(ens_tr[k])) for k in range(N_FOLDS)]
ens_score = float(np.mean(ens_folds))
# the pooled out-of-fold score: what a harness computes from oof_predictions.csv over all its rows
ens_oof_score = float(metric(y_raw, to_target(ens_oof)))
print(f"ensemble ({ENSEMBLE} -> {ens_used}"
      + (f", weights {[round(float(w), 3) for w in weights / weights.sum()]}" if weights is not None else "")
      + f"): {METRIC}={ens_score:.6f} nested (in-sample {ens['in_sample']:.6f})", flush=True)`;


const OUTPUT = String.raw`# ── prediction files: submission.csv, oof_predictions.csv, holdout_predictions.csv ──
if not IS_REG:
    # which class each prediction column holds
    cls_str = [str(c) for c in classes]
    COL_CLASS = {}
    for c in sub_cols:
        if str(c) in cls_str:
            COL_CLASS[c] = cls_str.index(str(c))
    if len(COL_CLASS) < len(sub_cols):
        for c in sub_cols:
            if c not in COL_CLASS:
                for j, s in enumerate(cls_str):
                    if str(c).lower() == s.lower() or str(c).endswith("_" + s):
                        COL_CLASS[c] = j
                        break
    PER_CLASS = len(sub_cols) > 1 or (len(COL_CLASS) == 1 and K > 2)
    if PER_CLASS and len(COL_CLASS) < len(sub_cols) and len(sub_cols) == K:
        COL_CLASS = {c: j for j, c in enumerate(sub_cols)}


def write_predictions(ids, pred, filename):
    """The one writer of every prediction file: the sample submission's id column, then its prediction columns in its
    order with the same kind of values (the value for regression; P(positive class) for binary AUC / log loss; one
    probability column per class; the label for accuracy). pred is in model space, one row per id."""
    final = to_target(np.asarray(pred, dtype=float))
    out = pd.DataFrame({id_col: np.asarray(ids)})
    if IS_REG:
        vals = np.clip(final, 0, None) if METRIC == "rmsle" else final
        for c in sub_cols:
            out[c] = vals
    elif PER_CLASS:
        for c in sub_cols:
            out[c] = final[:, COL_CLASS[c]] if c in COL_CLASS else 0.0
    elif K == 2 and METRIC != "accuracy":
        out[sub_cols[0]] = final[:, 1]
    else:
        out[sub_cols[0]] = classes[final.argmax(axis=1)] if len(final) else []
    out.to_csv(os.path.join(OUT_DIR, filename), index=False)


# submission.csv: the test predictions in the sample's id order
order = np.arange(len(test))
if id_col in test.columns and len(test) == len(sample):
    try:
        pos = pd.Series(np.arange(len(test)), index=test[id_col].values)
        idx = pos.reindex(sample[id_col].values).values
        if not np.isnan(idx.astype(float)).any():
            order = idx.astype(int)
    except Exception as e:  # duplicate ids: keep the file order
        print("id alignment skipped:", e)
write_predictions(sample[id_col].values, ens_test[order] if len(ens_test) == len(sample) else ens_test, "submission.csv")
# oof_predictions.csv: one row per train.csv row used, the final pipeline (ensemble included) predicted out of fold
write_predictions(train_ids, ens_oof, "oof_predictions.csv")
# holdout_predictions.csv: one row per holdout.csv row, predicted exactly like the test rows
if holdout is not None:
    ho_ids = holdout[id_col].values if id_col in holdout.columns else np.arange(len(holdout)).astype(str)
    write_predictions(ho_ids, ens_holdout if HAS_HOLDOUT else np.zeros(hshape), "holdout_predictions.csv")

# ── scores.csv: one row per model plus the ensemble (informational: the harness scores the predictions) ──
def clean(v):
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


worst = 1e9 if LOWER_IS_BETTER else -1e9
rows = {n: results[n]["score"] for n in names}
rows["ensemble"] = ens_score
rows = {k: (v if np.isfinite(v) else worst) for k, v in rows.items()}
pd.DataFrame({METRIC: list(rows.values())}, index=pd.Index(list(rows.keys()), name="model")).to_csv(os.path.join(OUT_DIR, "scores.csv"))

# ── runtime estimate for the full run ──
elapsed = time.time() - T0
if DEBUG:
    row_ratio = min(N_FULL, MAX_TRAIN_ROWS) / max(1, N_USED)
    fold_ratio = FULL_FOLDS / N_FOLDS
    spent = sum(v[0] for v in model_seconds.values())
    full_models = 0.0
    for n, (sec, n_est, row_exp) in model_seconds.items():
        est_ratio = (n_est / est(n_est)) if n_est else 1.0
        full_models += sec * (row_ratio ** row_exp) * fold_ratio * est_ratio * SEEDS
    estimate = 1.5 * (full_models + max(0.0, elapsed - spent) * row_ratio) + 5.0
else:
    estimate = elapsed
print(f"GOME_ESTIMATED_FULL_SECONDS={estimate:.1f}", flush=True)

feedback = {
    "cv_scores": ens_folds,
    "train_score": float(np.mean(ens_train)),
    "val_score": ens_score,
    "oof_score": ens_oof_score,
    "cv_std": float(np.std(ens_folds)),
    "n_rows": int(N_FULL),
    "n_rows_used": int(N_USED),
    "n_holdout_rows": int(n_ho),
    "n_features": int(n_model_features),
    "n_raw_features": len(feature_cols),
    "categorical": [str(c) for c in cat_cols],
    "text": [str(c) for c in text_cols],
    "missing_frac": missing_frac,
    "estimated_full_seconds": estimate,
    "elapsed_seconds": elapsed,
    "mode": MODE,
    "metric": METRIC,
    "target": str(target),
    "folds": N_FOLDS,
    "fold_source": FOLD_SOURCE,
    "threads": N_JOBS,
    "model_scores": {n: results[n]["score"] for n in names},
    "model_cv_std": {n: results[n]["std"] for n in names},
    "model_train_scores": {n: float(np.mean(results[n]["train"])) for n in names},
    "model_seconds": {n: v[0] for n, v in model_seconds.items()},
    "ensemble": ENSEMBLE,
    "ensemble_used": ens_used,
    "ensemble_fold_methods": ens["fold_methods"],
    "ensemble_candidates": ens["candidates"],
    "ensemble_in_sample_score": ens["in_sample"],
    "ensemble_weights": {n: float(w) for n, w in zip(names, weights / weights.sum())} if weights is not None else {},
    "feature_importance_top10": importances or [],
    "prediction_files": ["submission.csv", "oof_predictions.csv"] + (["holdout_predictions.csv"] if holdout is not None else []),
}
if not IS_REG:
    cb = np.bincount(y, minlength=K) / len(y)
    feedback["class_balance"] = {str(c): float(v) for c, v in zip(classes, cb)}
    feedback["minority_frac"] = float(cb.min())
else:
    feedback["target_skew"] = float(pd.Series(y_raw).skew())
    feedback["target_min"] = float(np.min(y_raw))
with open(os.path.join(OUT_DIR, "gome_feedback.json"), "w") as fh:
    json.dump(clean(feedback), fh, indent=1)
print(f"GOME_CV_SCORE={ens_score:.6f}", flush=True)
print(f"done in {elapsed:.1f}s", flush=True)`;


/** Generates the complete Python script for a spec. The first line embeds the spec. */
export function generateCode(spec: PipelineSpec, task: TaskInfo, title = ''): string {
  const regression = task.taskType === 'regression';
  const textHint = task.columns.filter((c) => c.dtype === 'text').map((c) => c.name);
  const head = [
    `${SPEC_PREFIX}${JSON.stringify(spec)}`,
    `# Gome pipeline (offline-heuristic-v1) for ${JSON.stringify(task.competition)}: ${spec.models.map((m) => m.name).join(' + ')}`
      + `${spec.models.length > 1 ? ` [${spec.ensemble}]` : ''}.`,
    ...(title ? [`# Change: ${title.replace(/[\r\n]+/g, ' ')}`] : []),
    '# Job contract: reads GOME_DATA_DIR (train.csv, test.csv, sample_submission.csv; folds.csv and holdout.csv when the',
    '# harness provides them) and writes to GOME_OUTPUT_DIR submission.csv, oof_predictions.csv, holdout_predictions.csv',
    '# (with holdout.csv), scores.csv and gome_feedback.json. The harness scores the predictions; scores.csv is informational.',
  ].join('\n');
  const consts = [
    `METRIC = ${py(task.metric)}`,
    `TASK = ${py(task.taskType)}`,
    `ID_HINT = ${py(task.idColumn)}`,
    `TARGET_HINT = ${py(task.targetColumns)}`,
    `# binary probability targets: the class whose probability is submitted (P[:, 1]); None = labels encoded in sorted order`,
    `POSITIVE = ${py(task.taskType === 'binary' ? (task.positiveClass ?? null) : null)}`,
    `TEXT_HINT = ${py(textHint)}`,
    `SEED = ${spec.seed}`,
    `FOLDS = ${spec.folds}  # only without folds.csv: the harness's folds.csv fixes the folds otherwise`,
    `SEEDS = ${spec.seeds}`,
    `ENSEMBLE = ${py(spec.ensemble)}`,
    `CLASS_WEIGHT = ${py(spec.classWeight)}`,
    `TARGET_LOG = ${py(regression && spec.targetLog)}`,
    `MAX_TRAIN_ROWS = ${spec.maxTrainRows}`,
  ].join('\n');
  return [
    head, '', HEADER, modelImports(spec, regression), '', consts, '', LOAD, '',
    featureSection(spec), '', '# ── models ──', modelBuilders(spec, regression), '',
    HELPERS_PY, '', '', TRAIN, '', '', LEVEL2_PY, '', '', ENSEMBLE, '', OUTPUT, '',
  ].join('\n');
}
