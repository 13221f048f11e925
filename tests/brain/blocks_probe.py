# Test driver for the cost_probe template with the scoring and models templates, run by templates.test.ts: probes
# real fits on sklearn's digits (1,797 8 x 8 images, 10 classes) as a debug run's fold 0 would, and reports what the
# probe measured and when it declined. Prints one JSON object.
# Usage: /usr/bin/python3 SCRIPT
# gome:stub-begin (names defined by the sections this driver is appended to; the test strips this block)
from _gome_job import np, make_model, fit, probe_fit, grow, PROBE_MIN_SECONDS, PROBE_MIN_FIT_SECONDS
# gome:stub-end
import json
import time

from sklearn import datasets

# the constants the scoring section reads (a job's constants block defines them)
METRIC, IS_REG, K, LOWER_IS_BETTER, TARGET_LOG, CLASS_WEIGHT = "accuracy", False, 10, False, False, "none"
IMAGE = None
SPEC = {"impute": "median", "missingIndicator": False, "imputeNative": False, "scale": True, "classWeight": "none"}

X, y = datasets.load_digits(return_X_y=True)
X = X.astype(np.float32)
idx = np.arange(len(y))


def timed(m, est, rows):
    t = time.time()
    fit(make_model(m, 0, SPEC, False, 1, est, len(rows) - 1), X[rows], y[rows])
    return time.time() - t


def probe(m, est, bound, t_fit=None):
    t = timed(m, est, idx) if t_fit is None else t_fit
    return probe_fit(m, t, bound, X, y, idx, 0, SPEC, False, 1, est, len(idx) - 1)


# 300 trees, a fit of about 0.8 s on the idle machine. The test files run side by side on the 2 cores, and a burst of
# another file's work during one of the probe's fits moves its shares (a job's probe has the machine to itself): the
# forest is probed 5 times and the probe with the median estimators share is reported
rf = {"family": "rf", "name": "rf", "params": {"n_estimators": 300}}
out = {"thresholds": [PROBE_MIN_SECONDS, PROBE_MIN_FIT_SECONDS]}
# declined: a fit under the fit threshold, a bound under the bound threshold, families it does not model
out["declined_short_fit"] = probe(rf, int, 1e9, t_fit=PROBE_MIN_FIT_SECONDS / 2)
out["declined_small_bound"] = probe(rf, int, PROBE_MIN_SECONDS / 2, t_fit=PROBE_MIN_FIT_SECONDS * 2)
out["declined_knn"] = probe({"family": "knn", "name": "knn", "params": {}}, int, 1e9, t_fit=10.0)
# digits' fits are short: the probe is let measure them (a job's threshold keeps it to fits of a second or more)
PROBE_MIN_FIT_SECONDS = 0.05
# probed: a random forest of 300 trees (every tree costs alike: time grows with the trees) and histogram boosting
rf_probes = sorted((probe(rf, int, 1e9) for _ in range(5)), key=lambda p: p["estimators_share"])
out["rf"] = rf_probes[2]
out["rf_estimators_shares"] = [p["estimators_share"] for p in rf_probes]
out["hgb"] = probe({"family": "hgb", "name": "hgb", "params": {"max_iter": 100}}, int, 1e9)
# the shares predict a fit the probe did not make: the forest at twice its trees
half_trees = {"family": "rf", "name": "rf", "params": {"n_estimators": 150}}
t_half = timed(half_trees, int, idx)
t_four = timed({"family": "rf", "name": "rf", "params": {"n_estimators": 600}}, int, idx)
out["rf_predicted_600_from_150"] = grow(t_half, out["rf"]["estimators_share"], 4.0)
out["rf_measured_600"] = t_four
out["rf_measured_150"] = t_half
# a fit that cannot be made on half the rows (one class only) leaves the exponents in use
one_class = {"family": "xgb", "name": "xgb", "params": {"n_estimators": 10}}
y_saved = y.copy()
y[:] = 0
out["failed"] = probe(one_class, int, 1e9, t_fit=5.0)
y[:] = y_saved
print(json.dumps(out))
