# ── models: the estimator factory, which builds each model of the spec from its family and parameters ──
# A model is data ({"family", "name", "params"}); a missing or non-numeric parameter takes the family's default.
# Estimator classes are imported when first built, so a job imports only the libraries its models use.
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, LOWER_IS_BETTER, IMAGE, metric, fit, predict, to_target, SmallCNN
# gome:stub-end
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

# the parameter holding each family's number of estimators (trees, boosting rounds), with its default; debug mode
# reduces it (est) and the runtime estimate scales it back up
ESTIMATOR_COUNT = {"rf": ("n_estimators", 200), "et": ("n_estimators", 200), "hgb": ("max_iter", 100),
                   "xgb": ("n_estimators", 300), "cnn": ("epochs", 10)}
# How each family's time grows from the debug run to the full run (the runtime estimate's extrapolation), fitted on
# the dev half of the bundled suite with `npm run bench:cost` (2026-11-24: 103 models in 55 jobs on six competitions):
# a fit's time grows as (rows fitted)^fit_rows x (estimators)^fit_estimators; a prediction's as the rows predicted x
# (estimators)^predict_estimators x (rows fitted)^predict_rows (kNN compares every predicted row with every fitted
# one). Small fits are dominated by fixed costs, so the exponents are below 1.
SCALING = {
    "hgb": {"fit_rows": 0.48, "fit_estimators": 1.0, "predict_estimators": 0.83, "predict_rows": 0.0},
    "xgb": {"fit_rows": 0.28, "fit_estimators": 0.69, "predict_estimators": 0.38, "predict_rows": 0.0},
    "et": {"fit_rows": 0.35, "fit_estimators": 0.81, "predict_estimators": 0.9, "predict_rows": 0.0},
    "rf": {"fit_rows": 0.32, "fit_estimators": 0.75, "predict_estimators": 0.9, "predict_rows": 0.0},
    "linear": {"fit_rows": 0.46, "fit_estimators": 1.0, "predict_estimators": 1.0, "predict_rows": 0.0},
    "knn": {"fit_rows": 1.0, "fit_estimators": 1.0, "predict_estimators": 1.0, "predict_rows": 1.0},
    # a network's epoch visits every fitted row once; prediction is one pass whatever the epochs
    "cnn": {"fit_rows": 1.0, "fit_estimators": 1.0, "predict_estimators": 0.0, "predict_rows": 0.0},
}


def _num(params, key, default):
    v = params.get(key)
    if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v):
        return v
    return default


def _round(x):
    """Rounds half up, like JavaScript's Math.round (the brain's TypeScript side rounds that way)."""
    return int(np.floor(x + 0.5))


def _count(params, key, default, least=1):
    return max(least, _round(_num(params, key, default)))


def _max_depth(params):
    v = params.get("max_depth")
    if isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v):
        return max(1, _round(v))
    return None


def _max_features(params, is_reg):
    v = params.get("max_features")
    if isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 1:
        return float(v)
    if v in ("sqrt", "log2"):
        return v
    return 1.0 if is_reg else "sqrt"


def n_estimators_full(family, params):
    """The model's full number of estimators, or None for a family without one (linear, knn)."""
    if family not in ESTIMATOR_COUNT:
        return None
    key, default = ESTIMATOR_COUNT[family]
    return _round(_num(params, key, default))


def scaling(family):
    """The family's exponents for the debug -> full extrapolation (SCALING; a family without its own: histogram boosting's)."""
    return SCALING.get(family, SCALING["hgb"])


def make_estimator(family, params, seed, is_reg, class_weight="none", n_jobs=1, est=int, max_k=None, early_stop=False):
    """The bare estimator of one model. class_weight: "balanced" or "none" (classifiers only); n_jobs: the fixed thread
    count; est: maps the full number of estimators to the number used; max_k: the most neighbours kNN may use;
    early_stop: histogram boosting stops adding rounds when a seeded 10% validation split of the rows it is fitted on
    (inside the fold's training rows, never the rows it is scored on) stops improving for 20 rounds."""
    cw = "balanced" if not is_reg and class_weight == "balanced" else None
    p = params
    if family == "linear":
        from sklearn.linear_model import LogisticRegression, Ridge
        if is_reg:
            return Ridge(alpha=float(_num(p, "alpha", 1.0)), random_state=seed)
        return LogisticRegression(C=float(_num(p, "C", 1.0)), max_iter=2000, class_weight=cw, random_state=seed)
    if family in ("rf", "et"):
        from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
        cls = {("rf", True): RandomForestRegressor, ("rf", False): RandomForestClassifier,
               ("et", True): ExtraTreesRegressor, ("et", False): ExtraTreesClassifier}[(family, bool(is_reg))]
        kw = dict(n_estimators=est(n_estimators_full(family, p)), max_depth=_max_depth(p),
                  min_samples_leaf=_count(p, "min_samples_leaf", 1), max_features=_max_features(p, is_reg))
        if not is_reg:
            kw["class_weight"] = cw
        return cls(**kw, n_jobs=n_jobs, random_state=seed)
    if family == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        kw = dict(learning_rate=float(_num(p, "learning_rate", 0.1)), max_iter=est(n_estimators_full(family, p)),
                  max_leaf_nodes=_count(p, "max_leaf_nodes", 31, least=2), min_samples_leaf=_count(p, "min_samples_leaf", 20),
                  l2_regularization=float(_num(p, "l2_regularization", 0)), early_stopping=bool(early_stop))
        if early_stop:
            kw.update(validation_fraction=0.1, n_iter_no_change=20)
        if is_reg:
            return HistGradientBoostingRegressor(**kw, random_state=seed)
        return HistGradientBoostingClassifier(**kw, class_weight=cw, random_state=seed)
    if family == "xgb":
        kw = dict(n_estimators=est(n_estimators_full(family, p)), learning_rate=float(_num(p, "learning_rate", 0.1)),
                  max_depth=_count(p, "max_depth", 6), subsample=float(_num(p, "subsample", 1)),
                  colsample_bytree=float(_num(p, "colsample_bytree", 1)), min_child_weight=float(_num(p, "min_child_weight", 1)),
                  reg_lambda=float(_num(p, "reg_lambda", 1)), tree_method="hist", n_jobs=n_jobs, random_state=seed, verbosity=0)
        if is_reg:
            from xgboost import XGBRegressor
            return XGBRegressor(**kw)
        from xgboost import XGBClassifier
        return XGBClassifier(**kw, use_label_encoder=False, eval_metric="logloss")
    if family == "knn":
        from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
        k = _count(p, "n_neighbors", 15)
        k = min(k, max_k) if max_k is not None else k
        cls = KNeighborsRegressor if is_reg else KNeighborsClassifier
        return cls(n_neighbors=k, weights="distance", n_jobs=n_jobs)
    if family == "cnn":
        if IMAGE is None:
            raise ValueError("a convolutional network needs features that are one image per row (TaskInfo.image)")
        # shifts of up to 1/14 of the side (2 pixels of 28); none on small images, where one pixel is a large move
        return SmallCNN(IMAGE["side"], width=_count(p, "width", 16, least=4), epochs=est(n_estimators_full(family, p)),
                        lr=float(_num(p, "lr", 0.003)), weight_decay=float(_num(p, "weight_decay", 1e-4)),
                        shift=IMAGE["side"] // 14, seed=seed, n_jobs=n_jobs, is_reg=is_reg, class_weight=cw)
    raise ValueError(f"unknown model family {family!r}")


def make_model(model, seed, spec, is_reg, n_jobs=1, est=int, max_k=None):
    """One model of the spec ({"family", "name", "params"}) with its preprocessing: imputation for the families that
    cannot take NaN (or for every family with spec["imputeNative"]), scaling for the scale-sensitive ones."""
    family = model["family"]
    steps = []
    if family in ("linear", "rf", "et", "knn") or spec["imputeNative"]:
        steps.append(SimpleImputer(strategy=spec["impute"], add_indicator=spec["missingIndicator"]))
    if family in ("linear", "knn") and spec["scale"]:
        steps.append(StandardScaler())
    estimator = make_estimator(family, model["params"], seed, is_reg, spec["classWeight"], n_jobs, est, max_k,
                               early_stop=bool(spec.get("earlyStop", False)))
    return make_pipeline(*steps, estimator) if steps else estimator


# ── the budgeted hyperparameter search (the spec's "search"): Optuna TPE over the main model's key parameters ──
# Nested like every fit on labels: search_params sees only the training rows of one outer fold (tr_idx); each trial
# fits on an inner split of those rows and is scored on the rest of them. The fold's rows scored by the outer CV
# (its validation rows), the test and the holdout rows never enter the search.
SEARCH_FAMILIES = ("hgb", "xgb", "rf", "et")
SEARCH_INNER_FRACTION = 0.2


def search_space(trial, family, params):
    """One trial's parameters: the model's own parameters with the searched ones replaced."""
    p = dict(params)
    if family == "hgb":
        p.update(learning_rate=trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
                 max_iter=trial.suggest_int("max_iter", 50, 600, log=True),
                 max_leaf_nodes=trial.suggest_int("max_leaf_nodes", 8, 128, log=True),
                 min_samples_leaf=trial.suggest_int("min_samples_leaf", 5, 100, log=True),
                 l2_regularization=trial.suggest_float("l2_regularization", 1e-6, 10.0, log=True))
    elif family == "xgb":
        p.update(learning_rate=trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
                 n_estimators=trial.suggest_int("n_estimators", 50, 600, log=True),
                 max_depth=trial.suggest_int("max_depth", 2, 10),
                 min_child_weight=trial.suggest_float("min_child_weight", 0.5, 20.0, log=True),
                 subsample=trial.suggest_float("subsample", 0.5, 1.0),
                 colsample_bytree=trial.suggest_float("colsample_bytree", 0.4, 1.0),
                 reg_lambda=trial.suggest_float("reg_lambda", 1e-3, 10.0, log=True))
    elif family in ("rf", "et"):
        p.update(max_features=trial.suggest_float("max_features", 0.1, 1.0),
                 min_samples_leaf=trial.suggest_int("min_samples_leaf", 1, 20, log=True))
    return p


def search_params(model, F, y, y_raw, tr_idx, seed, spec, is_reg, trials, n_jobs=1, est=int, seconds=None):
    """The parameters of model (a spec model) chosen by a TPE search (sampler seeded with seed) of trials trials, each
    fitted on an inner split of the rows tr_idx of F and scored by the metric on the other rows of tr_idx. Reads
    y[tr_idx] and y_raw[tr_idx] only. seconds: the search's time allowance (None: none); no trial starts once it is
    spent, nor one that the trials so far (their mean time) say would end past it, so the search ends within it and
    one trial at most, and within it when its trials take alike. Returns (params, info): the chosen parameters (the model's own
    for a family without a search space) and {"trials", "inner_score", "seconds", "estimator_ratio", "allowance",
    "longest_trial"} (estimator_ratio: the trials' mean full-to-used estimator count, for the runtime estimate;
    longest_trial: the slowest trial's seconds, the most the allowance can be overrun by; trial_starts and
    trial_seconds: when each trial began, in seconds after the search, and how long it took)."""
    family = model["family"]
    if family not in SEARCH_FAMILIES or trials < 1 or len(tr_idx) < 20:
        return dict(model["params"]), {"trials": 0, "inner_score": None, "seconds": 0.0, "estimator_ratio": 1.0,
                                       "allowance": seconds, "longest_trial": 0.0, "trial_starts": [], "trial_seconds": []}
    import time as _time
    import optuna
    from sklearn.model_selection import train_test_split
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    t0 = _time.time()
    tr_idx = np.asarray(tr_idx)
    strat = None
    if not is_reg:
        counts = np.bincount(y[tr_idx])
        if counts[counts > 0].min() >= 2:
            strat = y[tr_idx]
    try:
        a, b = train_test_split(tr_idx, test_size=SEARCH_INNER_FRACTION, random_state=seed, stratify=strat)
    except ValueError:  # too few rows of some class for a stratified split
        a, b = train_test_split(tr_idx, test_size=SEARCH_INNER_FRACTION, random_state=seed)
    ratios = []

    def objective(trial):
        p = search_space(trial, family, model["params"])
        n_full = n_estimators_full(family, p)
        if n_full:
            ratios.append(n_full / est(n_full))
        m = make_model(dict(model, params=p), seed, spec, is_reg, n_jobs, est, max(1, len(a) - 1))
        return metric(y_raw[b], to_target(predict(fit(m, F[a], y[a]), F[b])))

    # a budgeted search: fewer random start-up trials than Optuna's default 10 when the budget is small
    sampler = optuna.samplers.TPESampler(seed=int(seed), n_startup_trials=int(min(10, max(3, trials // 3))))
    study = optuna.create_study(direction="minimize" if LOWER_IS_BETTER else "maximize", sampler=sampler)
    started = _time.time()

    def within_allowance(study, _trial):
        # the next trial, if it takes the trials' mean time, must end within the allowance (Optuna's timeout only
        # stops trials from starting after it: one slow trial started just before would run far past it)
        took = [t.duration.total_seconds() for t in study.trials if t.duration is not None]
        if took and _time.time() - started + float(np.mean(took)) > float(seconds):
            study.stop()

    study.optimize(objective, n_trials=int(trials), timeout=float(seconds) if seconds else None,
                   callbacks=[within_allowance] if seconds else None)
    best = search_space(study.best_trial, family, model["params"])
    finished = [t for t in study.trials if t.duration is not None]
    durations = [t.duration.total_seconds() for t in finished]
    info = {"trials": len(study.trials), "inner_score": float(study.best_value), "seconds": _time.time() - t0,
            "estimator_ratio": float(np.mean(ratios)) if ratios else 1.0, "allowance": seconds,
            "longest_trial": max(durations) if durations else 0.0,
            # each trial's start (seconds after the search began) and duration: how the allowance was kept
            "trial_starts": [round(t.datetime_start.timestamp() - started, 3) for t in finished],
            "trial_seconds": [round(d, 3) for d in durations]}
    return best, info
