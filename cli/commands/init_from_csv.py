"""Builds an MLE-bench-layout competition folder from a user's labelled CSV (used by `gome init`).

Usage: /usr/bin/python3 init_from_csv.py CSV TARGET METRIC OUT_DIR NAME ID_COLUMN|- TEST_FRAC [POSITIVE]
Splits deterministically (seed 0, stratified for classification) with bench/_lib/prepare_common.build.
A binary auc/logloss target records positiveClass: POSITIVE if given (it must be one of the labels), else 1 of
0/1 labels or true of true/false; text labels (Yes/No, spam/nonspam) require POSITIVE — exit status 3 asks for it.
"""
import json
import os
import sys

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "_lib"))
import prepare_common  # noqa: E402
from metric_table import METRIC_TABLE, is_regression_metric  # noqa: E402  (protocols/metric-table.json)
from metrics import conventional_positive, label_key  # noqa: E402

POSITIVE_NEEDED = 3  # exit status: the binary target needs --positive (cli/commands/init.ts)


def task_type(metric, y):
    """The competition's taskType: regression for a regression metric (the metric table says which); auc scores one
    probability column, so binary; logloss is binary on two classes; else multiclass (accuracy scores labels)."""
    if is_regression_metric(metric):
        return "regression"
    if metric == "auc":
        return "binary"
    return "binary" if y.nunique() == 2 and metric == "logloss" else "multiclass"


def positive_of(classes, given, target):
    """The positive class among the observed labels: --positive, else the 0/1 or true/false convention; exits with
    POSITIVE_NEEDED when the labels are text and none was given, or the given one is not a label."""
    shown = ", ".join(classes)
    if given is not None:
        for c in classes:
            if label_key(c) == label_key(given):
                return c
        print(f"--positive {given!r} is not a class of the target {target!r}; its classes are: {shown}", file=sys.stderr)
        sys.exit(POSITIVE_NEEDED)
    conv = conventional_positive(classes)
    if conv is None:
        print(f"the binary target {target!r} has text labels ({shown}), so gome cannot tell which class the submitted "
              f"probability is for: pass --positive LABEL with one of {shown}", file=sys.stderr)
        sys.exit(POSITIVE_NEEDED)
    return conv


def main():
    csv, target, metric, out_dir, name, id_col, test_frac = sys.argv[1:8]
    positive_arg = sys.argv[8] if len(sys.argv) > 8 and sys.argv[8] != "" else None
    if metric not in METRIC_TABLE:
        sys.exit(f"unknown metric {metric!r}: use one of {', '.join(METRIC_TABLE)}")
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
    task = task_type(metric, y)
    if task != "regression" and y.nunique() < 2:
        sys.exit(f"target {target!r} has a single class; nothing to predict")
    if task == "regression" and not pd.api.types.is_numeric_dtype(y):
        sys.exit(f"metric {metric} needs a numeric target; {target!r} is not numeric")
    if positive_arg is not None and task != "binary":
        sys.exit(f"--positive applies to a binary target scored with auc or logloss; {target!r} with {metric} is {task}")
    spec = {"id": name, "title": f"{name}: predict {target}", "metric": metric, "taskType": task, "idColumn": "id"}
    if task == "regression":
        spec.update(targetColumns=[target], answerColumn=target)
    else:
        classes = sorted(y.astype(str).unique().tolist())
        y = y.astype(str)
        if task == "binary":
            positive = positive_of(classes, positive_arg, target)
            spec.update(targetColumns=[target], answerColumn=target, classes=classes, positiveClass=positive)
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
                + (f"Submit the probability that `{target}` is `{spec['positiveClass']}`.\n\n" if spec.get("positiveClass") is not None else "")
                + f"## Files\n- `train.csv`: id, {len(X.columns)} feature columns and `{target}`\n- `test.csv`: id and the features\n"
                f"- `sample_submission.csv`: the submission format ({', '.join(['id'] + spec['targetColumns'][:5])}{', …' if len(spec['targetColumns']) > 5 else ''})\n\n"
                f"The split is {1 - float(test_frac):.0%}/{float(test_frac):.0%}, seed 0{', stratified' if task != 'regression' else ''}.\n")
    print(json.dumps({"dir": out_dir, "trainRows": comp["trainRows"], "testRows": comp["testRows"], "taskType": task}))


if __name__ == "__main__":
    main()
