# ── target features: features fitted on labels, so always fitted inside the folds ──
# Pairwise ratios / products / differences of the top-k numeric features by F-score against the target. The ranking is
# a fit on labels, so it is nested: the models of fold k get the pairs ranked on fold k's training rows only (never on
# the rows they are scored on); each fold model predicts test and holdout rows with its own pairs, and those
# predictions are averaged over the fold models as usual.
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, pd
# gome:stub-end


def pair_features(pair_src, num_cols, fit_idx, y, top_k, is_reg):
    """Pair columns for every row of pair_src (the numeric features of the train, then test, then holdout rows), from
    the top_k columns ranked on the train rows fit_idx and their labels y[fit_idx] only. Returns (values, names), or
    (None, []) when there is no pair to make."""
    if len(num_cols) < 2:
        return None, []
    from sklearn.feature_selection import f_classif, f_regression
    base = pair_src.iloc[fit_idx]
    base = base.fillna(base.median()).fillna(0.0)
    f = (f_regression if is_reg else f_classif)(base.values, y[fit_idx])[0]
    f = np.nan_to_num(f, nan=0.0)
    top = [num_cols[i] for i in np.argsort(-f, kind="stable")[:top_k]]
    new = {}
    for i in range(len(top)):
        for j in range(i + 1, len(top)):
            a, b = pair_src[top[i]], pair_src[top[j]]
            new[str(top[i]) + "_div_" + str(top[j])] = a / (b.abs() + 1e-6) * np.sign(b).replace(0, 1)
            new[str(top[i]) + "_mul_" + str(top[j])] = a * b
            new[str(top[i]) + "_sub_" + str(top[j])] = a - b
    if not new:
        return None, []
    extra = pd.DataFrame(new).replace([np.inf, -np.inf], np.nan).astype(np.float32)
    return extra.values, list(extra.columns)


# Target encoding of categorical columns: each category's smoothed mean target (the positive rate for binary, one
# column per class for multiclass, the mean of the model-space target for regression). Also nested: the encodings
# used by fold k's models come from fold k's fit rows only. Rows outside the fit rows (fold k's validation rows, the
# test and holdout rows) are encoded from all the fit rows; each fit row is encoded out of fold by an inner K-fold of
# the fit rows (split by position, never by label), so a row's own label never enters its own encoding.
TE_SMOOTHING = 10.0
TE_INNER_FOLDS = 5


def category_codes(X_all, cat_cols):
    """Integer codes (rows x categorical columns) of every row of X_all: categories sorted, missing its own code.
    None when there is no categorical column."""
    if not cat_cols:
        return None
    out = np.zeros((len(X_all), len(cat_cols)), dtype=np.int64)
    for j, c in enumerate(cat_cols):
        s = X_all[c].astype(str).where(X_all[c].notna(), np.nan)
        codes = pd.factorize(s, sort=True)[0]
        out[:, j] = np.where(codes < 0, codes.max() + 1, codes)
    return out


def _te_table(codes_col, n_codes, T, src):
    """Per code: (sum of T over the rows src + TE_SMOOTHING * prior) / (count + TE_SMOOTHING), the prior being the mean
    of T over src (so unseen codes get it): a table made from the rows src and nothing else."""
    prior = T[src].mean(axis=0)
    cnt = np.bincount(codes_col[src], minlength=n_codes).astype(float)
    sums = np.stack([np.bincount(codes_col[src], weights=T[src, t], minlength=n_codes) for t in range(T.shape[1])], axis=1)
    return (sums + TE_SMOOTHING * prior) / (cnt[:, None] + TE_SMOOTHING)


def target_encoding(codes, cat_names, fit_idx, y, is_reg, n_classes, seed):
    """Target-encoded columns for every row of codes (the train rows first, in y's order, then test and holdout),
    fitted on the train rows fit_idx and their labels y[fit_idx] only. Returns (values, names), or (None, [])."""
    if codes is None or len(fit_idx) < 2:
        return None, []
    from sklearn.model_selection import KFold
    fit_idx = np.asarray(fit_idx)
    if is_reg:
        T = np.asarray(y, dtype=float).reshape(-1, 1)
        suffixes = ["_te"]
    elif n_classes <= 2:
        T = (np.asarray(y) == 1).astype(float).reshape(-1, 1)
        suffixes = ["_te"]
    else:
        T = np.eye(n_classes)[np.asarray(y, dtype=int)]
        suffixes = ["_te" + str(t) for t in range(n_classes)]
    T_fit = np.zeros((len(codes), T.shape[1]))
    T_fit[fit_idx] = T[fit_idx]  # the only labels this function reads
    others = np.setdiff1d(np.arange(len(codes)), fit_idx)  # validation (and unused) train rows, test, holdout
    n_inner = int(min(TE_INNER_FOLDS, len(fit_idx)))
    inner = list(KFold(n_splits=n_inner, shuffle=True, random_state=seed).split(fit_idx))
    out = np.zeros((len(codes), codes.shape[1] * T.shape[1]), dtype=np.float32)
    for j in range(codes.shape[1]):
        col = codes[:, j]
        n_codes = int(col.max()) + 1
        cols = slice(j * T.shape[1], (j + 1) * T.shape[1])
        out[others, cols] = _te_table(col, n_codes, T_fit, fit_idx)[col[others]]
        for a, b in inner:
            out[fit_idx[b], cols] = _te_table(col, n_codes, T_fit, fit_idx[a])[col[fit_idx[b]]]
    names = [str(c) + s for c in cat_names for s in suffixes]
    return out, names
