"""Competition metrics for the bundled Gome benchmarks.

Every metric is computed with scikit-learn so scores match sklearn exactly:
  auc      roc_auc_score(y_true, p_positive)                      higher is better
  accuracy accuracy_score(y_true, y_pred)  (labels compared as str) higher is better
  logloss  log_loss(y_true, P, labels=classes, eps="auto"): clip P to
           [e, 1-e] with e = float64 machine epsilon (as sklearn >= 1.2 and
           MLE-bench's pinned sklearn >= 1.5 do), renormalise rows, mean -log p_true
           (binary: one column = P(positive); y_true is 0/1)       lower is better
  rmse     sqrt(mean_squared_error)                                lower is better
  rmsle    sqrt(mean_squared_log_error); negative predictions are
           rejected (sklearn raises ValueError)                    lower is better
  mae      mean_absolute_error                                     lower is better
"""
import numpy as np
from sklearn import metrics as skm

LOWER_IS_BETTER = {"auc": False, "accuracy": False, "logloss": True,
                   "rmse": True, "rmsle": True, "mae": True}
LOGLOSS_EPS = "auto"  # float64 eps; matches runtime/grading/metrics.ts LOGLOSS_EPS


def score(metric, y_true, y_pred, classes=None):
    """y_true: 1-D answers. y_pred: 1-D predictions, or 2-D (n, len(classes))
    probabilities for multiclass logloss with columns in `classes` order."""
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
