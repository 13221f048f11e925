# ── load: the data dir's files, the harness's fixed folds, the debug-mode row sample and the encoded target ──
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import os, time, np, pd, DATA_DIR, ID_HINT, TARGET_HINT, TASK, POSITIVE, IS_REG, DEBUG, SEED, MAX_TRAIN_ROWS
from _gome_job import TARGET_LOG, label_key
# gome:stub-end
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder


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

# debug mode: subsample the training rows (stratified for classification); they keep their harness folds
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

# the target: y in model space (log1p with TARGET_LOG; class indices 0..K-1), y_raw in the metric's space
if IS_REG:
    y_raw = train[target].astype(float).values
    y = np.log1p(np.clip(y_raw, 0, None)) if TARGET_LOG else y_raw.copy()
    classes = None
    K = 1
elif TASK == "binary" and POSITIVE is not None:
    # y = 1 exactly for the competition's positive class, so P[:, 1] (the submitted column) is P(POSITIVE),
    # whatever the labels' sort order; classes = [negative, positive] as train.csv spells them. Labels are compared
    # as the harness compares them (label_key: numbers by value, true/false in any case).
    keys = train[target].map(label_key)
    is_pos = (keys == label_key(POSITIVE)).values
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
    y_raw = y

# loading is over: debug and full runs both read every row, so the runtime estimate does not scale this part
T_LOADED = time.time()
