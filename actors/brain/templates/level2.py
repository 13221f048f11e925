# ── level 2 (the ensemble): combining the models' out-of-fold predictions, every fit nested inside the folds ──
# A level-2 fit made on the out-of-fold predictions and scored on the same rows is optimistic: it has seen the labels
# it is scored on. That holds for every choice below: which single model is best, the hill-climbing weights, the
# stacker, and stacking versus hill climbing. So each is nested: the rows of fold k get a fit made on the OTHER folds'
# out-of-fold rows only, which makes the ensemble's out-of-fold predictions (oof_predictions.csv, the ensemble's CV
# score) honest. The test and holdout predictions use the same fit made once on all the out-of-fold rows. (Fold j's
# level-1 predictions come from models that also trained on fold k's rows: that second-order dependence is the usual,
# accepted one; it would take K x (K - 1) level-1 fits to remove.)
# Needs the scoring section (metric, better, to_target, fit, predict) and the constants IS_REG, K and LOWER_IS_BETTER.
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, IS_REG, K, LOWER_IS_BETTER, metric, better, to_target, fit, predict
# gome:stub-end


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
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler
        # classification: standardised log-probabilities and at most 300 lbfgs iterations. Unscaled, on many classes
        # (26 x 3 inputs on letter's 16k rows), the stacker ran past 120 s toward its old 3000-iteration cap, ten times
        # what the debug run's extrapolation said, and its full run was killed by the budget
        stacker = (Ridge(alpha=1.0, positive=True) if IS_REG
                   else make_pipeline(StandardScaler(), LogisticRegression(C=0.5, max_iter=300)))
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
                candidates={m: float(np.mean(cand[m][2])) for m in methods})
