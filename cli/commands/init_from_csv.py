"""Builds an MLE-bench-layout competition folder from a user's labelled CSV (used by `gome init`).

Usage: /usr/bin/python3 init_from_csv.py CSV TARGET METRIC OUT_DIR NAME ID_COLUMN|- TEST_FRAC
Splits deterministically (seed 0, stratified for classification) with bench/_lib/prepare_common.build.
"""
import json
import os
import sys

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "_lib"))
import prepare_common  # noqa: E402

METRICS = {"auc": "binary", "logloss": None, "accuracy": None, "rmse": "regression", "rmsle": "regression", "mae": "regression"}


def main():
    csv, target, metric, out_dir, name, id_col, test_frac = sys.argv[1:8]
    if metric not in METRICS:
        sys.exit(f"unknown metric {metric!r}: use one of {', '.join(METRICS)}")
    df = pd.read_csv(csv, low_memory=False)
    if target not in df.columns:
        sys.exit(f"column {target!r} is not in {csv}; columns are: {', '.join(map(str, df.columns))}")
    df = df[df[target].notna()].reset_index(drop=True)
    if id_col != "-":
        if id_col not in df.columns:
            sys.exit(f"id column {id_col!r} is not in {csv}")
        df = df.drop(columns=[id_col])
    y = df[target]
    X = df.drop(columns=[target])
    X.columns = [str(c) for c in X.columns]
    task = METRICS[metric]
    if task is None:
        task = "binary" if y.nunique() == 2 and metric == "logloss" else "multiclass"
    if task != "regression" and y.nunique() < 2:
        sys.exit(f"target {target!r} has a single class; nothing to predict")
    if task == "regression" and not pd.api.types.is_numeric_dtype(y):
        sys.exit(f"metric {metric} needs a numeric target; {target!r} is not numeric")
    spec = {"id": name, "title": f"{name}: predict {target}", "metric": metric, "taskType": task, "idColumn": "id"}
    if task == "regression":
        spec.update(targetColumns=[target], answerColumn=target)
    else:
        classes = sorted(y.astype(str).unique().tolist())
        y = y.astype(str)
        if task == "binary":
            spec.update(targetColumns=[target], answerColumn=target, classes=classes)
        elif metric == "accuracy":
            spec.update(targetColumns=[target], answerColumn=target, classes=classes)
        else:
            spec.update(targetColumns=classes, answerColumn=target, classes=classes)
    spec["source"] = {"package": "user", "path": os.path.abspath(csv)}
    prepare_common.TEST_SIZE = float(test_frac)
    comp = prepare_common.build(spec, X, y, out_dir, out_dir)
    with open(os.path.join(out_dir, "description.md"), "w") as f:
        f.write(f"# {spec['title']}\n\nMade by `gome init` from `{os.path.basename(csv)}` ({len(df)} labelled rows).\n\n"
                f"## Task\nPredict `{target}` ({task}). Evaluation metric: **{metric}**.\n\n"
                f"## Files\n- `train.csv`: id, {len(X.columns)} feature columns and `{target}`\n- `test.csv`: id and the features\n"
                f"- `sample_submission.csv`: the submission format ({', '.join(['id'] + spec['targetColumns'][:5])}{', …' if len(spec['targetColumns']) > 5 else ''})\n\n"
                f"The split is {1 - float(test_frac):.0%}/{float(test_frac):.0%}, seed 0{', stratified' if task != 'regression' else ''}.\n")
    print(json.dumps({"dir": out_dir, "trainRows": comp["trainRows"], "testRows": comp["testRows"], "taskType": task}))


if __name__ == "__main__":
    main()
