# Builds tiny MLE-bench-style competition folders from datasets that ship with python3-sklearn.
# Usage: /usr/bin/python3 make_data.py OUT_DIR KIND   (KIND: binary | multiclass | multiclass_label | regression | mixed)
import os
import sys
import numpy as np
import pandas as pd
from sklearn import datasets

out, kind = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
rng = np.random.RandomState(0)
if kind in ("binary", "mixed"):
    d = datasets.load_breast_cancer()
    df = pd.DataFrame(d.data, columns=[c.replace(" ", "_") for c in d.feature_names])
    df["target"] = d.target
elif kind in ("multiclass", "multiclass_label"):
    d = datasets.load_digits()
    df = pd.DataFrame(d.data, columns=["px%d" % i for i in range(d.data.shape[1])])
    df["target"] = np.array(["digit_%d" % t for t in d.target]) if kind == "multiclass" else d.target
else:
    d = datasets.load_diabetes(scaled=False)
    df = pd.DataFrame(d.data, columns=list(d.feature_names))
    df["target"] = d.target
if kind == "mixed":
    # categorical columns derived from real columns, and a deterministic subset blanked out
    df["size_band"] = pd.cut(df["mean_radius"], bins=[0, 11, 13, 16, 100], labels=["xs", "s", "m", "l"]).astype(str)
    df["texture_band"] = pd.qcut(df["mean_texture"], 6, labels=list("abcdef")).astype(str)
    df = df.drop(columns=["mean_radius", "mean_texture"])
    idx = np.arange(len(df))
    df.loc[idx % 7 == 0, "size_band"] = np.nan
    df.loc[idx % 5 == 1, "mean_area"] = np.nan
    df.loc[idx % 11 == 3, "texture_band"] = np.nan
df.insert(0, "id", np.arange(len(df)) + 1000)
perm = rng.permutation(len(df))
n_test = len(df) // 4
te, tr = df.iloc[perm[:n_test]], df.iloc[perm[n_test:]]
tr.to_csv(os.path.join(out, "train.csv"), index=False)
te.drop(columns=["target"]).to_csv(os.path.join(out, "test.csv"), index=False)
te[["id", "target"]].to_csv(os.path.join(out, "answers.csv"), index=False)
if kind == "multiclass":
    classes = sorted(df["target"].unique())
    ss = pd.DataFrame({"id": te["id"].values[::-1]})  # reversed order: the submission must follow it
    for c in classes:
        ss[c] = 1.0 / len(classes)
else:
    ss = pd.DataFrame({"id": te["id"].values[::-1], "target": 0 if kind != "regression" else 0.0})  # label or value column
ss.to_csv(os.path.join(out, "sample_submission.csv"), index=False)
print(len(tr), len(te))
