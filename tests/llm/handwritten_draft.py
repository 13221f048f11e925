# A hand-written first draft, as a model might write it outside the offline brain's catalogue: k-nearest neighbours on
# the raw numeric columns, following the job contract (fixed folds, held-back and test predictions, debug sampling,
# the runtime estimate), for binary, regression and accuracy-scored tasks. The playing model fills the three constants below from the task before it answers.
import os
import time

import numpy as np
import pandas as pd
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

TASK = "__TASK__"          # binary | multiclass | regression
METRIC = "__METRIC__"
POSITIVE = "__POSITIVE__"  # the binary task's positive class, as train.csv spells it

T0 = time.time()
DATA = os.environ["GOME_DATA_DIR"]
OUT = os.environ.get("GOME_OUTPUT_DIR", ".")
DEBUG = os.environ.get("GOME_MODE", "full") == "debug"
N_JOBS = int(os.environ.get("OMP_NUM_THREADS", "2") or 2)

train = pd.read_csv(os.path.join(DATA, "train.csv"))
folds = pd.read_csv(os.path.join(DATA, "folds.csv"))
test = pd.read_csv(os.path.join(DATA, "test.csv"))
sample = pd.read_csv(os.path.join(DATA, "sample_submission.csv"))
hp = os.path.join(DATA, "holdout.csv")
holdout = pd.read_csv(hp) if os.path.exists(hp) and os.path.getsize(hp) > 0 else None
id_col, pred_cols = sample.columns[0], list(sample.columns[1:])
target = pred_cols[0] if pred_cols[0] in train.columns else [c for c in train.columns if c not in test.columns][0]

train = train.merge(folds, on=id_col)
n_full = len(train)
if DEBUG:
    train = train.sample(n=min(n_full, max(500, n_full // 10)), random_state=0).reset_index(drop=True)
features = [c for c in test.columns if c != id_col and pd.api.types.is_numeric_dtype(test[c])]
X = train[features].fillna(0).values
if TASK == "binary":
    y = (train[target].astype(str) == str(POSITIVE)).astype(int).values
else:
    y = train[target].values
model = (lambda: KNeighborsRegressor(n_neighbors=15, n_jobs=N_JOBS)) if TASK == "regression" else (lambda: KNeighborsClassifier(n_neighbors=15, n_jobs=N_JOBS))


def predict(m, frame):
    Xf = frame[features].fillna(0).values
    if TASK == "regression":
        return m.predict(Xf)
    if TASK == "binary" and METRIC != "accuracy":
        return m.predict_proba(Xf)[:, list(m.classes_).index(1)]
    return m.predict(Xf)


oof = np.empty(len(train), dtype=object) if METRIC == "accuracy" else np.zeros(len(train))
for f in sorted(train["fold"].unique()):
    tr, va = train["fold"] != f, train["fold"] == f
    m = model().fit(X[tr.values], y[tr.values])
    oof[va.values] = predict(m, train[va])
final = model().fit(X, y)


def write(ids, values, name):
    out = pd.DataFrame({id_col: ids})
    out[pred_cols[0]] = values
    out.to_csv(os.path.join(OUT, name), index=False)


write(train[id_col].values, oof, "oof_predictions.csv")
if holdout is not None:
    write(holdout[id_col].values, predict(final, holdout), "holdout_predictions.csv")
else:
    write([], [], "holdout_predictions.csv")
sub = test.set_index(id_col).loc[sample[id_col].values].reset_index()
write(sub[id_col].values, predict(final, sub), "submission.csv")
pd.DataFrame({"model": ["knn", "ensemble"], METRIC: [float("nan"), float("nan")]}).to_csv(os.path.join(OUT, "scores.csv"), index=False)
if DEBUG:
    print(f"GOME_ESTIMATED_FULL_SECONDS={(time.time() - T0) * max(1.0, n_full / len(train)):.1f}")
