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
  L.push('# ── features (all encodings are target-free; fitted on train+test features) ──');
  L.push('X_all = pd.concat([train[feature_cols], test[feature_cols]], axis=0, ignore_index=True)');
  L.push('n_tr = len(train)');
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
  if (spec.fe.pairs > 0) {
    L.push(`# pairwise ratios / products / differences of the top-${spec.fe.pairs} numeric features (F-score on train rows)`);
    L.push('if len(num_cols) >= 2:');
    L.push('    from sklearn.feature_selection import f_classif, f_regression');
    L.push('    base = num.iloc[:n_tr].fillna(num.iloc[:n_tr].median()).fillna(0.0)');
    L.push('    f = (f_regression if IS_REG else f_classif)(base.values, y)[0]');
    L.push('    f = np.nan_to_num(f, nan=0.0)');
    L.push(`    top = [num_cols[i] for i in np.argsort(-f)[:${spec.fe.pairs}]]`);
    L.push('    new = {}');
    L.push('    for i in range(len(top)):');
    L.push('        for j in range(i + 1, len(top)):');
    L.push('            a, b = num[top[i]], num[top[j]]');
    L.push('            new[str(top[i]) + "_div_" + str(top[j])] = a / (b.abs() + 1e-6) * np.sign(b).replace(0, 1)');
    L.push('            new[str(top[i]) + "_mul_" + str(top[j])] = a * b');
    L.push('            new[str(top[i]) + "_sub_" + str(top[j])] = a - b');
    L.push('    if new:');
    L.push('        parts.append(pd.DataFrame(new))');
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
  L.push('X_te = X.iloc[n_tr:].values');
  L.push('del X, X_all');
  return L.join('\n');
}

const HEADER = String.raw`import os
# passive OpenMP waiting: spinning threads are very slow on shared/contended CPUs
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
N_JOBS = max(1, min(8, os.cpu_count() or 1))
LOWER_IS_BETTER = METRIC in ("logloss", "rmse", "rmsle", "mae")
EST_SCALE = 0.2 if DEBUG else 1.0


def est(n):
    """Number of estimators actually used: reduced in debug mode."""
    return int(max(10, round(n * EST_SCALE))) if DEBUG else int(n)


def read_csv(name, nrows=None):
    return pd.read_csv(os.path.join(DATA_DIR, name), nrows=nrows, low_memory=False)


train = read_csv("train.csv", MAX_TRAIN_ROWS)
test = read_csv("test.csv")
sample = read_csv("sample_submission.csv")
id_col = ID_HINT if ID_HINT in sample.columns else sample.columns[0]
sub_cols = [c for c in sample.columns if c != id_col]
targets = [c for c in TARGET_HINT if c in train.columns and c not in test.columns]
if not targets:
    targets = [c for c in train.columns if c not in test.columns and c != id_col]
if not targets:
    raise SystemExit("cannot identify the target column in train.csv")
target = targets[0]
feature_cols = [c for c in test.columns if c in train.columns and c != id_col and c not in targets]
train = train[train[target].notna()].reset_index(drop=True)
N_FULL = len(train)
IS_REG = TASK == "regression"

# ── debug mode: subsample the training rows (stratified for classification) ──
if DEBUG:
    n_keep = int(min(N_FULL, max(500, int(0.1 * N_FULL))))
    if n_keep < N_FULL:
        strat = None
        if not IS_REG:
            vc = train[target].value_counts()
            if vc.min() >= 2 and n_keep >= 2 * len(vc):
                strat = train[target]
        train, _ = train_test_split(train, train_size=n_keep, random_state=SEED, stratify=strat)
        train = train.reset_index(drop=True)
N_USED = len(train)

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

const TRAIN = String.raw`# ── metric, exactly as the competition computes it ──
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
    return model


# ── folds ──
N_FOLDS = min(FOLDS, 3) if DEBUG else FOLDS
N_FOLDS = 2 if DEBUG and N_USED < 2000 else N_FOLDS
N_SEEDS = 1 if DEBUG else SEEDS
if not IS_REG and np.bincount(y).min() >= N_FOLDS:
    splitter = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
else:
    splitter = KFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
splits = list(splitter.split(X_tr, y))
MAX_K = max(1, min(len(s[0]) for s in splits) - 1)
shape = (len(y),) if IS_REG else (len(y), K)
tshape = (X_te.shape[0],) if IS_REG else (X_te.shape[0], K)
tr_subs = [tr_idx[:: max(1, len(tr_idx) // 2000)][:2000] for tr_idx, _ in splits]

results = {}
model_seconds = {}
importances = None
for name, family, builder, n_est, row_exp in MODELS:
    t_model = time.time()
    oof = np.zeros(shape)
    tpred = np.zeros(tshape)
    tr_preds = []
    fold_scores = []
    train_scores = []
    for k, (tr_idx, va_idx) in enumerate(splits):
        p_va = np.zeros((len(va_idx),) + shape[1:])
        p_tr = None
        for s in range(N_SEEDS):
            model = fit(builder(SEED + 1000 * s + k), X_tr[tr_idx], y[tr_idx])
            p_va += predict(model, X_tr[va_idx]) / N_SEEDS
            tpred += predict(model, X_te) / (N_SEEDS * len(splits))
            if s == 0:
                p_tr = predict(model, X_tr[tr_subs[k]])
        oof[va_idx] = p_va
        tr_preds.append(p_tr)
        fold_scores.append(metric(y_raw[va_idx], to_target(p_va)))
        train_scores.append(metric(y_raw[tr_subs[k]], to_target(p_tr)))
        last = model.steps[-1][1] if isinstance(model, Pipeline) else model
        if importances is None and hasattr(last, "feature_importances_") and len(last.feature_importances_) == len(feature_names):
            importances = sorted(zip(feature_names, [float(v) for v in last.feature_importances_]), key=lambda t: -t[1])[:10]
    model_seconds[name] = (time.time() - t_model, n_est, row_exp)
    results[name] = dict(oof=oof, test=tpred, tr=tr_preds, folds=fold_scores, train=train_scores,
                         score=float(np.mean(fold_scores)), std=float(np.std(fold_scores)))
    print(f"model {name}: {METRIC}={results[name]['score']:.6f} +- {results[name]['std']:.6f} "
          f"(train {np.mean(train_scores):.6f}) [{time.time() - t_model:.1f}s]", flush=True)

names = [m[0] for m in MODELS]`;

const ENSEMBLE = String.raw`# ── ensemble ──
def combine(preds, weights):
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    return sum(wi * p for wi, p in zip(w, preds))


def hill_climb(start):
    """Greedy forward selection with replacement (Caruana et al.) on the out-of-fold predictions."""
    w = start.copy()
    oofs = [results[n]["oof"] for n in names]
    cur = metric(y_raw, to_target(combine(oofs, w)))
    for step in range(20):
        best_s, best_j = None, None
        for j in range(len(names)):
            w2 = w.copy()
            w2[j] += 1
            s2 = metric(y_raw, to_target(combine(oofs, w2)))
            if best_s is None or better(s2, best_s):
                best_s, best_j = s2, j
        if best_s is None or not better(best_s, cur + (-1e-7 if LOWER_IS_BETTER else 1e-7)):
            break
        w[best_j] += 1
        cur = best_s
    return w, cur


weights = np.zeros(len(names))
best_i = 0
for i, n in enumerate(names):
    if better(results[n]["score"], results[names[best_i]]["score"]):
        best_i = i
weights[best_i] = 1.0
ens_used = "best" if len(names) > 1 else "single"
if ENSEMBLE == "avg" and len(names) > 1:
    weights = np.ones(len(names))
    ens_used = "avg"
elif ENSEMBLE in ("hill", "stack") and len(names) > 1:
    weights, hill_score = hill_climb(weights)
    ens_used = "hill"
ens_oof = combine([results[n]["oof"] for n in names], weights)
ens_test = combine([results[n]["test"] for n in names], weights)
ens_tr = [combine([results[n]["tr"][k] for n in names], weights) for k in range(len(splits))]

if ENSEMBLE == "stack" and len(names) > 1:
    # level-2 model on out-of-fold predictions, cross-validated on the same folds; kept only if it beats hill climbing
    from sklearn.base import clone

    def meta_features(preds):
        # regression: the models' predictions; classification: log-probabilities (logit-like inputs)
        cols = [p.reshape(-1, 1) if IS_REG else np.log(np.clip(p[:, 1:] if K == 2 else p, 1e-6, 1.0)) for p in preds]
        return np.hstack(cols)

    M_tr = meta_features([results[n]["oof"] for n in names])
    M_te = meta_features([results[n]["test"] for n in names])
    stacker = Ridge(alpha=1.0, positive=True) if IS_REG else LogisticRegression(C=0.5, max_iter=3000)
    st_oof = np.zeros(shape)
    for tr_idx, va_idx in splits:
        st_oof[va_idx] = predict(fit(clone(stacker), M_tr[tr_idx], y[tr_idx]), M_tr[va_idx])
    st_score = metric(y_raw, to_target(st_oof))
    print(f"stacker {METRIC}={st_score:.6f} vs hill {hill_score:.6f}", flush=True)
    if better(st_score, hill_score):
        ens_used = "stack"
        ens_oof = st_oof
        ens_test = predict(fit(clone(stacker), M_tr, y), M_te)
        ens_tr = [results[names[best_i]]["tr"][k] for k in range(len(splits))]
ens_folds = [metric(y_raw[va_idx], to_target(ens_oof[va_idx])) for _, va_idx in splits]
ens_train = [metric(y_raw[tr_subs[k]], to_target(ens_tr[k])) for k in range(len(splits))]
ens_score = float(np.mean(ens_folds))
print(f"ensemble ({ENSEMBLE} -> {ens_used}, weights {[round(float(w), 3) for w in weights / weights.sum()]}): {METRIC}={ens_score:.6f}", flush=True)`;

const OUTPUT = String.raw`# ── submission in the sample's format and id order ──
final = to_target(ens_test)
order = np.arange(len(test))
if id_col in test.columns and len(test) == len(sample):
    try:
        pos = pd.Series(np.arange(len(test)), index=test[id_col].values)
        idx = pos.reindex(sample[id_col].values).values
        if not np.isnan(idx.astype(float)).any():
            order = idx.astype(int)
    except Exception as e:  # duplicate ids: keep the file order
        print("id alignment skipped:", e)
sub = pd.DataFrame({id_col: sample[id_col].values})
final = final[order] if len(final) == len(sample) else final
if IS_REG:
    vals = np.clip(final, 0, None) if METRIC == "rmsle" else final
    for c in sub_cols:
        sub[c] = vals
else:
    cls_str = [str(c) for c in classes]
    mapping = {}
    for c in sub_cols:
        if str(c) in cls_str:
            mapping[c] = cls_str.index(str(c))
    if len(mapping) < len(sub_cols):
        for c in sub_cols:
            if c not in mapping:
                for j, s in enumerate(cls_str):
                    if str(c).lower() == s.lower() or str(c).endswith("_" + s):
                        mapping[c] = j
                        break
    per_class = len(sub_cols) > 1 or (len(mapping) == 1 and K > 2)
    if per_class:
        if len(mapping) < len(sub_cols) and len(sub_cols) == K:
            mapping = {c: j for j, c in enumerate(sub_cols)}
        for c in sub_cols:
            sub[c] = final[:, mapping[c]] if c in mapping else 0.0
    else:
        c = sub_cols[0]
        if K == 2 and METRIC != "accuracy":
            sub[c] = final[:, 1]
        else:
            sub[c] = classes[final.argmax(axis=1)]
sub.to_csv(os.path.join(OUT_DIR, "submission.csv"), index=False)

# ── scores.csv: one row per model plus the ensemble ──
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
    row_ratio = N_FULL / max(1, N_USED)
    fold_ratio = FOLDS / N_FOLDS
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
    "cv_std": float(np.std(ens_folds)),
    "n_rows": int(N_FULL),
    "n_rows_used": int(N_USED),
    "n_features": int(X_tr.shape[1]),
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
    "model_scores": {n: results[n]["score"] for n in names},
    "model_cv_std": {n: results[n]["std"] for n in names},
    "model_train_scores": {n: float(np.mean(results[n]["train"])) for n in names},
    "model_seconds": {n: v[0] for n, v in model_seconds.items()},
    "ensemble": ENSEMBLE,
    "ensemble_used": ens_used,
    "ensemble_weights": {n: float(w) for n, w in zip(names, weights / weights.sum())},
    "feature_importance_top10": importances or [],
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
    '# Job contract: reads GOME_DATA_DIR, writes submission.csv, scores.csv and gome_feedback.json to GOME_OUTPUT_DIR.',
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
    `FOLDS = ${spec.folds}`,
    `SEEDS = ${spec.seeds}`,
    `ENSEMBLE = ${py(spec.ensemble)}`,
    `CLASS_WEIGHT = ${py(spec.classWeight)}`,
    `TARGET_LOG = ${py(regression && spec.targetLog)}`,
    `MAX_TRAIN_ROWS = ${spec.maxTrainRows}`,
  ].join('\n');
  return [
    head, '', HEADER, modelImports(spec, regression), '', consts, '', LOAD, '',
    featureSection(spec), '', '# ── models ──', modelBuilders(spec, regression), '', TRAIN, '', ENSEMBLE, '', OUTPUT, '',
  ].join('\n');
}
