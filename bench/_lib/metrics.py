"""Competition metrics for the bundled Gome benchmarks.

Every metric is computed with scikit-learn so scores match sklearn exactly:
  auc      roc_auc_score(y_true, p_positive)                      higher is better
           (y_true is 0/1: binary_truth maps raw labels with the competition's
           positiveClass; 0/1 labels: 1, true/false: true; text needs positiveClass)
  accuracy accuracy_score(y_true, y_pred)  (labels compared as str) higher is better
  logloss  log_loss(y_true, P, labels=classes, eps="auto"): clip P to
           [e, 1-e] with e = float64 machine epsilon (as sklearn >= 1.2 and
           MLE-bench's pinned sklearn >= 1.5 do), renormalise rows, mean -log p_true
           (binary: one column = P(positive); y_true is 0/1)       lower is better
  rmse     sqrt(mean_squared_error)                                lower is better
  rmsle    sqrt(mean_squared_log_error); negative predictions are
           rejected (sklearn raises ValueError)                    lower is better
  mae      mean_absolute_error                                     lower is better
Directions (LOWER_IS_BETTER) come from protocols/metric-table.json, the table Gome's TypeScript reads too.
"""
import os
import sys

import numpy as np
from sklearn import metrics as skm

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metric_table import LOWER_IS_BETTER, METRIC_TABLE  # noqa: E402  (directions: protocols/metric-table.json)

__all__ = ["LOWER_IS_BETTER", "METRIC_TABLE", "LOGLOSS_EPS", "label_key", "conventional_positive",
           "PositiveClassNeeded", "binary_truth", "score"]

LOGLOSS_EPS = "auto"  # float64 eps; matches grading/metrics.ts LOGLOSS_EPS


def label_key(v):
    """Canonical label for comparisons (as grading/positive-class.ts labelKey does): numbers by value
    ("1" = "1.0" = 1), true/false in any case, else the trimmed text."""
    s = str(v).strip()
    try:
        f = float(s)
        if np.isfinite(f):
            return repr(f)
    except ValueError:
        pass
    return s.lower() if s.lower() in ("true", "false") else s


def conventional_positive(labels):
    """The positive class by convention: 1 of 0/1 labels, true of true/false; None for text labels (bad/good,
    Yes/No, M/R), which are never ordered alphabetically."""
    distinct = {}
    for v in labels:
        distinct.setdefault(label_key(v), v)
    if set(distinct) == {label_key(0), label_key(1)}:
        return distinct[label_key(1)]
    if set(distinct) == {"true", "false"}:
        return distinct["true"]
    return None


class PositiveClassNeeded(ValueError):
    pass


def binary_truth(y_true, positive=None):
    """0/1 truth of a binary target: 1 where the label equals `positive` (competition.json positiveClass);
    without one, the 0/1 or true/false convention; text labels without positiveClass raise PositiveClassNeeded."""
    values = list(np.asarray(y_true, dtype=object))
    if positive is None:
        positive = conventional_positive(values)
        if positive is None:
            labels = sorted({str(v) for v in values})
            raise PositiveClassNeeded(f"the binary labels {', '.join(labels)} are text: set positiveClass in "
                                      f"competition.json (gome init --positive LABEL)")
    key = label_key(positive)
    return np.array([1 if label_key(v) == key else 0 for v in values], dtype=int)


def score(metric, y_true, y_pred, classes=None):
    """y_true: 1-D answers. y_pred: 1-D predictions, or 2-D (n, len(classes))
    probabilities for multiclass logloss with columns in `classes` order."""
    if metric not in METRIC_TABLE:
        raise ValueError(f"unknown metric {metric!r}: protocols/metric-table.json has {', '.join(METRIC_TABLE)}")
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if metric == "auc":
        return float(skm.roc_auc_score(y_true.astype(int), y_pred.astype(float)))
    if metric == "accuracy":
        return float(skm.accuracy_score(y_true.astype(str), y_pred.astype(str)))
    if metric == "logloss":
        if y_pred.ndim == 1:  # binary: probability of the positive class (label 1)
            return float(skm.log_loss(y_true.astype(int), y_pred.astype(float),
                                      eps=LOGLOSS_EPS, labels=[0, 1]))
        labels = [str(c) for c in classes]
        return float(skm.log_loss(y_true.astype(str), y_pred.astype(float),
                                  eps=LOGLOSS_EPS, labels=labels))
    if metric == "rmse":
        return float(np.sqrt(skm.mean_squared_error(y_true.astype(float), y_pred.astype(float))))
    if metric == "rmsle":
        return float(np.sqrt(skm.mean_squared_log_error(y_true.astype(float), y_pred.astype(float))))
    if metric == "mae":
        return float(skm.mean_absolute_error(y_true.astype(float), y_pred.astype(float)))
    raise ValueError(f"unknown metric {metric!r}")
