# ── scoring: the metric exactly as the competition computes it, its direction, the target transform, fit and predict ──
# Needs only the constants METRIC, LOWER_IS_BETTER, IS_REG, K, TARGET_LOG and CLASS_WEIGHT, and numpy.
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, METRIC, LOWER_IS_BETTER, IS_REG, K, TARGET_LOG, CLASS_WEIGHT
# gome:stub-end
from sklearn import metrics as skm
from sklearn.pipeline import Pipeline
from sklearn.utils.class_weight import compute_sample_weight


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


# forests add their trees' predictions up in the order their threads finish, which changes the last bits from run to
# run; predicting on one thread adds them in tree order (fitting stays parallel: each tree has its own seed)
SEQUENTIAL_PREDICT = ("RandomForestRegressor", "RandomForestClassifier", "ExtraTreesRegressor", "ExtraTreesClassifier")


def predict(model, Xp):
    last = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if type(last).__name__ in SEQUENTIAL_PREDICT:
        last.set_params(n_jobs=1)
    if IS_REG:
        return np.asarray(model.predict(Xp), dtype=float)
    out = np.zeros((Xp.shape[0], K))
    pr = model.predict_proba(Xp)
    out[:, np.asarray(getattr(model, "gome_classes_", model.classes_), dtype=int)] = pr
    return out


def fit(model, Xf, yf):
    w = None
    if not IS_REG and CLASS_WEIGHT == "balanced":
        w = compute_sample_weight("balanced", yf)
    last = model.steps[-1][1] if isinstance(model, Pipeline) else model
    is_xgb = type(last).__name__.startswith("XGB")
    if not IS_REG and is_xgb:
        # XGBoost wants the classes it is fitted on numbered 0..m-1: rows of a rare class can be missing from a fold
        # (or a debug sample), so it learns the present classes renumbered, and predict maps them back
        present = np.unique(yf)
        if len(present) < 2:
            raise ValueError(f"only one class ({present.tolist()}) among the rows a model is fitted on")
        if present[-1] != len(present) - 1:
            model.gome_classes_ = present
            yf = np.searchsorted(present, yf)
    if w is not None and is_xgb:
        if isinstance(model, Pipeline):
            model.fit(Xf, yf, **{model.steps[-1][0] + "__sample_weight": w})
        else:
            model.fit(Xf, yf, sample_weight=w)
    else:
        model.fit(Xf, yf)
    return model
