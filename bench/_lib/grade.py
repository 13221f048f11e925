"""Reference grader for a bundled competition (mirrors what Gome's TS grader does).

Usage: /usr/bin/python3 bench/_lib/grade.py COMPETITION_DIR SUBMISSION.csv
Prints {"score": ..., "valid": ...}. Rules: the submission must have the id column
and every target column (extra columns are ignored), exactly the ids of
private/test.csv (no duplicates), and finite numeric values in the target columns
(except for accuracy, whose label column is compared as strings). Rows are
aligned by id before scoring. Binary auc/logloss answers are mapped to 1 for competition.json's
positiveClass (raw text labels allowed), 0 otherwise.
"""
import json
import os
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metrics import LOWER_IS_BETTER, binary_truth, score  # noqa: E402


class InvalidSubmission(Exception):
    pass


def load_competition(comp_dir):
    with open(os.path.join(comp_dir, "competition.json")) as f:
        return json.load(f)


def grade(sub, answers, comp):
    """sub, answers: DataFrames. Returns the score or raises InvalidSubmission."""
    idc, targets, metric = comp["idColumn"], comp["targetColumns"], comp["metric"]
    missing = [c for c in [idc] + targets if c not in sub.columns]
    if missing:
        raise InvalidSubmission(f"missing columns: {missing}")
    if len(sub) != len(answers):
        raise InvalidSubmission(f"expected {len(answers)} rows, got {len(sub)}")
    sub_ids = sub[idc].astype(str)
    if sub_ids.duplicated().any():
        raise InvalidSubmission("duplicate ids")
    if set(sub_ids) != set(answers[idc].astype(str)):
        raise InvalidSubmission("ids do not match the test set")
    sub = sub.assign(_k=sub_ids).set_index("_k")
    ans = answers.assign(_k=answers[idc].astype(str)).set_index("_k")
    sub = sub.loc[ans.index]
    y_true = ans[comp["answerColumn"]].to_numpy()
    if comp["taskType"] == "binary" and metric in ("auc", "logloss") and len(targets) == 1:
        y_true = binary_truth(y_true, comp.get("positiveClass"))  # 1 = the class whose probability is submitted
    if metric == "accuracy":
        pred = sub[targets[0]]
        if pred.isna().any():
            raise InvalidSubmission("missing predictions")
        return score(metric, y_true, pred.astype(str).str.strip().to_numpy())
    try:
        vals = sub[targets].apply(pd.to_numeric, errors="raise").to_numpy(dtype=float)
    except (ValueError, TypeError) as e:
        raise InvalidSubmission(f"non-numeric prediction: {e}")
    if not np.isfinite(vals).all():
        raise InvalidSubmission("NaN or infinite prediction")
    if metric == "rmsle" and (vals < 0).any():
        raise InvalidSubmission("negative prediction with rmsle")
    y_pred = vals[:, 0] if len(targets) == 1 else vals
    return score(metric, y_true, y_pred, comp.get("classes"))


def main(argv):
    comp_dir, sub_path = argv[1], argv[2]
    comp = load_competition(comp_dir)
    answers = pd.read_csv(os.path.join(comp_dir, "private", "test.csv"))
    try:
        s = grade(pd.read_csv(sub_path), answers, comp)
        out = {"score": s, "valid": True}
    except InvalidSubmission as e:
        out = {"score": None, "valid": False, "error": str(e)}
    out["is_lower_better"] = LOWER_IS_BETTER[comp["metric"]]
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
