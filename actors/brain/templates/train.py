# ── train: the folds, then every model fitted per fold (and per seed) on that fold's design matrices ──
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, time, N_JOBS, SPEC, MODELS, METRIC, DEBUG, SEED, SEEDS, FOLDS, MAX_TRAIN_ROWS, IS_REG, K
from _gome_job import HARNESS, HAS_HOLDOUT, N_USED, train_fold, y, y_raw, X_tr, n_te, n_ho, design, est
from _gome_job import make_model, fit, predict, metric, to_target, Pipeline, search_params
from _gome_job import N_FULL, n_estimators_full, probe_fit
# gome:stub-end
from sklearn.model_selection import KFold, StratifiedKFold

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

# the budgeted search of the main model's parameters (spec "search"), run per fold on that fold's training rows only;
# debug mode runs a few trials (the runtime estimate scales them up)
SEARCH = SPEC.get("search") or None
SEARCH_TRIALS_FULL = int(SEARCH["trials"]) if SEARCH else 0
SEARCH_TRIALS = min(SEARCH_TRIALS_FULL, 3) if DEBUG else SEARCH_TRIALS_FULL
# the full run's time allowance per fold (from the planned search time); a debug run's few trials run uncapped
SEARCH_SECONDS_FULL = float(SEARCH["seconds"]) if SEARCH and SEARCH.get("seconds") else None
SEARCH_SECONDS = None if DEBUG else SEARCH_SECONDS_FULL
search_log = []
search_seconds = 0.0

names = [m["name"] for m in MODELS]
results = {name: dict(oof=np.zeros(shape), test=np.zeros(tshape), holdout=np.zeros(hshape), tr=[], folds=[], train=[])
           for name in names}
# seconds spent fitting and predicting, per model, and on each fold's target-based features (the runtime estimate's
# inputs: fits scale with the rows fitted on, predictions with the rows predicted)
model_seconds = {name: 0.0 for name in names}
fit_seconds = {name: 0.0 for name in names}
predict_seconds = {name: 0.0 for name in names}
design_seconds = 0.0
# mean rows per fold that each model fits on, and that it predicts (validation, test, holdout, train sample)
fit_rows_per_fold = float(np.mean([len(f) for f in fit_idxs])) if fit_idxs else 0.0
predict_rows_per_fold = float(np.mean([len(va) + n_te + n_ho + len(s) for (_, va), s in zip(splits, tr_subs)])) if splits else 0.0
importances = None
# debug mode: the probe of how each model's fit time splits between rows and estimators (the cost_probe section), on
# fold 1: its fits are warm, where fold 0's first fit also carries the model library's import and thread-pool start-up
# (which would read as time that shrinks with the rows). A debug run always has at least two folds.
PROBE_FOLD = 1
probes = {name: None for name in names}
probe_seconds = 0.0
FULL_FIT_ROWS = min(N_FULL * (1.0 - 1.0 / FULL_FOLDS), MAX_TRAIN_ROWS)
# progress in folds, for the GPU node's overrun watch (a full run projected past its limit is stopped early)
print(f"GOME_PROGRESS=0/{len(splits)}", flush=True)
for k, (_, va_idx) in enumerate(splits):
    tr_idx = fit_idxs[k]
    # this fold's feature matrices: target-based steps fitted on its training rows only
    t_design = time.time()
    F_tr, F_te, F_ho, f_names = design(tr_idx)
    design_seconds += time.time() - t_design
    n_model_features = len(f_names)
    fold_models = MODELS
    if SEARCH_TRIALS > 0:
        # the main model's parameters for this fold, chosen on an inner split of the fold's training rows
        chosen, s_info = search_params(MODELS[0], F_tr, y, y_raw, tr_idx, SEED + k, SPEC, IS_REG, SEARCH_TRIALS, N_JOBS, est,
                                       SEARCH_SECONDS)
        fold_models = [dict(MODELS[0], params=chosen)] + list(MODELS[1:])
        search_seconds += s_info["seconds"]
        search_log.append(dict(fold=k, params=chosen, **s_info))
        print(f"fold {k}: search of {MODELS[0]['name']} ({s_info['trials']} trials) inner {METRIC}="
              f"{s_info['inner_score']} [{s_info['seconds']:.1f}s]", flush=True)
    for m in fold_models:
        name = m["name"]
        t_model = time.time()
        r = results[name]
        p_va = np.zeros((len(va_idx),) + shape[1:])
        p_tr = None
        for s in range(N_SEEDS):
            t_fit = time.time()
            model = fit(make_model(m, SEED + 1000 * s + k, SPEC, IS_REG, N_JOBS, est, MAX_K), F_tr[tr_idx], y[tr_idx])
            t_pred = time.time()
            fit_seconds[name] += t_pred - t_fit
            if DEBUG and k == PROBE_FOLD and s == 0:
                # a linear bound of the model's full fits: every fold's and seed's, at the full rows and estimators
                n_full = n_estimators_full(m["family"], m["params"])
                bound = ((t_pred - t_fit) * FULL_FIT_ROWS / max(1, len(tr_idx)) * ((n_full / est(n_full)) if n_full else 1.0)
                         * FULL_FOLDS * SEEDS)
                probes[name] = probe_fit(m, t_pred - t_fit, bound, F_tr, y, tr_idx, SEED + k, SPEC, IS_REG, N_JOBS, est, MAX_K)
                probe_seconds += probes[name]["seconds"] if probes[name] else 0.0
                t_pred = time.time()
            p_va += predict(model, F_tr[va_idx]) / N_SEEDS
            r["test"] += predict(model, F_te) / (N_SEEDS * len(splits))
            if HAS_HOLDOUT:
                r["holdout"] += predict(model, F_ho) / (N_SEEDS * len(splits))
            if s == 0:
                p_tr = predict(model, F_tr[tr_subs[k]])
            predict_seconds[name] += time.time() - t_pred
        r["oof"][va_idx] = p_va
        r["tr"].append(p_tr)
        r["folds"].append(metric(y_raw[va_idx], to_target(p_va)))
        r["train"].append(metric(y_raw[tr_subs[k]], to_target(p_tr)))
        last = model.steps[-1][1] if isinstance(model, Pipeline) else model
        if importances is None and hasattr(last, "feature_importances_") and len(last.feature_importances_) == len(f_names):
            importances = sorted(zip(f_names, [float(v) for v in last.feature_importances_]), key=lambda t: -t[1])[:10]
        model_seconds[name] += time.time() - t_model
    del F_tr, F_te, F_ho
    print(f"GOME_PROGRESS={k + 1}/{len(splits)}", flush=True)
for name in names:
    r = results[name]
    r["score"], r["std"] = float(np.mean(r["folds"])), float(np.std(r["folds"]))
    print(f"model {name}: {METRIC}={r['score']:.6f} +- {r['std']:.6f} "
          f"(train {np.mean(r['train']):.6f}) [{model_seconds[name]:.1f}s]", flush=True)
