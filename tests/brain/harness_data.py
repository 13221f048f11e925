# Test helper for the job contract ("the harness scores; the job predicts"), run with /usr/bin/python3.
#   split PUBLIC_DIR OUT_DIR LABEL_COL TASK_TYPE [FOLDS] [HOLDOUT_FRAC] [SEED]
#       Builds a harness-style data dir from a competition's public/ folder: OUT_DIR/data/ holds train.csv without a
#       held-back slice, folds.csv (id,fold; stratified), holdout.csv (the slice's features, test.csv's columns),
#       test.csv and sample_submission.csv; the slice's labels go to OUT_DIR/holdout_labels.csv, outside data/.
#       Every cell is copied as text, unchanged.
#   split-many JSON
#       split for a JSON list of argument lists (one interpreter start for many competitions).
#   score PRED_CSV LABELS_CSV ID_COL LABEL_COL METRIC [POSITIVE] [FOLDS_CSV]
#       Scores a prediction file in the sample submission's format against the labels with sklearn, matching rows
#       by id; prints {"score" (pooled), "rows", "missing"} as JSON, plus "fold_mean" (the mean of the per-fold
#       scores) with FOLDS_CSV.
#   score-many JSON
#       The same for a JSON list of argument lists (one interpreter start for many files); prints a JSON list.
import json
import os
import sys

import numpy as np
import pandas as pd
from sklearn import metrics as skm


def read_text(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def split(public, out, label, task, folds=5, frac=0.15, seed=0):
    train = read_text(os.path.join(public, "train.csv"))
    test_cols = list(pd.read_csv(os.path.join(public, "test.csv"), nrows=0).columns)
    id_col = list(pd.read_csv(os.path.join(public, "sample_submission.csv"), nrows=0).columns)[0]
    train = train[train[label] != ""].reset_index(drop=True)
    if task == "regression":
        ranks = train[label].astype(float).rank(method="first").values - 1
        strata = (ranks * 10 // len(train)).astype(int).astype(str)
    else:
        strata = train[label].values
    rng = np.random.RandomState(seed)
    is_holdout = np.zeros(len(train), dtype=bool)
    fold = np.zeros(len(train), dtype=int)
    nxt = 0
    for s in sorted(set(strata)):
        idx = rng.permutation(np.where(strata == s)[0])
        take = int(round(frac * len(idx)))
        is_holdout[idx[:take]] = True
        for i in idx[take:]:
            fold[i] = nxt % folds
            nxt += 1
    data = os.path.join(out, "data")
    os.makedirs(data, exist_ok=True)
    kept = train[~is_holdout]
    kept.to_csv(os.path.join(data, "train.csv"), index=False)
    pd.DataFrame({id_col: kept[id_col].values, "fold": fold[~is_holdout]}).to_csv(os.path.join(data, "folds.csv"), index=False)
    train[is_holdout][test_cols].to_csv(os.path.join(data, "holdout.csv"), index=False)
    train[is_holdout][[id_col, label]].to_csv(os.path.join(out, "holdout_labels.csv"), index=False)
    for f in ("test.csv", "sample_submission.csv"):
        read_text(os.path.join(public, f)).to_csv(os.path.join(data, f), index=False)
    return {"train": int(len(kept)), "holdout": int(is_holdout.sum()), "folds": folds}


def canon(v):
    s = str(v).strip()
    try:
        f = float(s)
        return repr(f) if np.isfinite(f) else s
    except ValueError:
        return s


def score(pred_csv, labels_csv, id_col, label, metric, positive="", folds_csv="", show=True):
    pred = read_text(pred_csv)
    lab = read_text(labels_csv)[[id_col, label]].rename(columns={label: "__label__"})
    m = pred.merge(lab, on=id_col, how="inner")
    out = {"score": score_rows(m, [c for c in pred.columns if c != id_col], metric, positive),
           "rows": int(len(m)), "missing": int(len(lab) - len(m))}
    if folds_csv:
        f = read_text(folds_csv)
        m = m.merge(f.rename(columns={f.columns[1]: "__fold__"}), on=id_col, how="inner")
        cols = [c for c in pred.columns if c != id_col]
        out["fold_mean"] = float(np.mean([score_rows(g, cols, metric, positive) for _, g in m.groupby("__fold__")]))
    if show:
        print(json.dumps(out))
    return out


def score_rows(m, cols, metric, positive):
    y = m["__label__"].values
    if metric in ("rmse", "rmsle", "mae"):
        p, t = m[cols[0]].astype(float).values, y.astype(float)
        if metric == "rmsle":
            s = float(np.sqrt(skm.mean_squared_log_error(t, np.clip(p, 0, None))))
        elif metric == "mae":
            s = float(skm.mean_absolute_error(t, p))
        else:
            s = float(np.sqrt(skm.mean_squared_error(t, p)))
    elif metric == "accuracy":
        s = float(skm.accuracy_score([canon(v) for v in y], [canon(v) for v in m[cols[0]].values]))
    elif len(cols) == 1:
        # binary: the column is P(positive class)
        yt = np.array([canon(v) == canon(positive) for v in y], dtype=int)
        p = m[cols[0]].astype(float).values
        s = float(skm.roc_auc_score(yt, p) if metric == "auc" else skm.log_loss(yt, np.clip(p, 1e-15, 1 - 1e-15), labels=[0, 1]))
    else:
        # one probability column per class, named by the class
        P = m[cols].astype(float).values
        yt = np.array([cols.index(v) for v in y])
        if metric == "auc":
            s = float(skm.roc_auc_score(yt, P / P.sum(axis=1, keepdims=True), multi_class="ovr", labels=list(range(len(cols)))))
        else:
            s = float(skm.log_loss(yt, np.clip(P, 1e-15, 1.0), labels=list(range(len(cols)))))
    return s


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "split":
        opt = args[4:] + [None] * 3
        print(json.dumps(split(args[0], args[1], args[2], args[3], int(opt[0] or 5), float(opt[1] or 0.15), int(opt[2] or 0))))
    elif cmd == "split-many":
        print(json.dumps([split(a[0], a[1], a[2], a[3], int(a[4]), float(a[5]), int(a[6])) for a in json.loads(args[0])]))
    elif cmd == "score":
        score(*args)
    elif cmd == "score-many":
        print(json.dumps([score(*a, show=False) for a in json.loads(args[0])]))
    else:
        raise SystemExit("usage: harness_data.py split|split-many|score|score-many ...")
