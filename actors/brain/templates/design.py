# ── design matrices: the target-free features of every row, and per fold the features fitted on its labels ──
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import time, np, pd, SPEC, FE, TEXT_HINT, IMAGE, SEED, IS_REG, K, train, test, holdout, HAS_HOLDOUT, feature_cols, y
from _gome_job import target_free_features, pair_features, category_codes, target_encoding
# gome:stub-end
frames = [train[feature_cols], test[feature_cols]] + ([holdout[feature_cols]] if HAS_HOLDOUT else [])
X_all = pd.concat(frames, axis=0, ignore_index=True)
n_tr, n_te = len(train), len(test)
n_ho = len(holdout) if HAS_HOLDOUT else 0
missing_frac = float(train[feature_cols].isna().mean().mean()) if feature_cols else 0.0
# an image's pixels stay first and in place (a network reads them by position), constant ones included
IMAGE_COLS = feature_cols[:IMAGE["side"] ** 2] if IMAGE else []
if IMAGE and len(IMAGE_COLS) < IMAGE["side"] ** 2:
    raise SystemExit(f"the task has {IMAGE['side']}x{IMAGE['side']} images but train.csv has {len(IMAGE_COLS)} feature columns")
_feats = target_free_features(X_all, feature_cols, FE, SPEC["encoding"], SPEC["maxOneHot"], TEXT_HINT, SEED, IMAGE_COLS)
num_cols, cat_cols, text_cols = _feats["num_cols"], _feats["cat_cols"], _feats["text_cols"]
feature_names = list(_feats["X"].columns)
X_tr = _feats["X"].iloc[:n_tr].values
X_te = _feats["X"].iloc[n_tr:n_tr + n_te].values
X_ho = _feats["X"].iloc[n_tr + n_te:].values
# the numeric features (after log1p) are the pair features' source; kept only when the spec asks for pairs
pair_src = _feats["num"] if FE["pairs"] > 0 else None
# the categorical columns' codes are the target encoding's source; kept only when the spec asks for it
TARGET_ENCODING = bool(SPEC.get("targetEncoding", False))
te_codes = category_codes(X_all, cat_cols) if TARGET_ENCODING else None
del X_all, frames, _feats
# the target-free features are built: the runtime estimate scales this part by the rows featurised
T_DESIGNED = time.time()


def target_features(fit_idx):
    """Extra columns for every row (train, then test, then holdout) from steps fitted on the train rows fit_idx:
    the pair features and the target encoding, each fitted on those rows' labels only."""
    parts, names = [], []
    if pair_src is not None:
        vals, n = pair_features(pair_src, num_cols, fit_idx, y, FE["pairs"], IS_REG)
        if vals is not None:
            parts.append(vals)
            names += n
    if te_codes is not None:
        vals, n = target_encoding(te_codes, cat_cols, fit_idx, y, IS_REG, K, SEED)
        if vals is not None:
            parts.append(vals)
            names += n
    if not parts:
        return None, []
    return np.hstack(parts), names


def design(fit_idx):
    """Train, test and holdout matrices for models fitted on the train rows fit_idx, with their feature names."""
    extra, extra_names = target_features(fit_idx)
    if extra is None:
        return X_tr, X_te, X_ho, feature_names
    return (np.hstack([X_tr, extra[:n_tr]]), np.hstack([X_te, extra[n_tr:n_tr + n_te]]),
            np.hstack([X_ho, extra[n_tr + n_te:]]), feature_names + extra_names)
