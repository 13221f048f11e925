# Test driver for the budgeted hyperparameter search (search_params, models template) with the scoring template, run by
# templates.test.ts: on real sklearn datasets, for each of three folds, the search of the main model runs on the fold's
# training rows only, so its chosen parameters (and inner score) must not change when the fold's validation labels
# are permuted; the chosen parameters are the searched ones and the search is deterministic. Prints facts as JSON.
# Usage: /usr/bin/python3 SCRIPT DATASET METRIC FAMILY TRIALS PARAMS_JSON   (e.g. breast_cancer auc hgb 5 '{}')
# gome:stub-begin (names defined by the sections this driver is appended to; the test strips this block)
from _gome_job import np, search_params
# gome:stub-end
import json
import sys

from sklearn import datasets
from sklearn.model_selection import KFold

name, METRIC, family, trials = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
IS_REG = METRIC in ("rmse", "mae")
K = 1 if IS_REG else len(np.unique(y))
LOWER_IS_BETTER = METRIC in ("rmse", "mae", "logloss")
TARGET_LOG, CLASS_WEIGHT = False, "none"
SPEC = {"impute": "median", "missingIndicator": False, "imputeNative": False, "scale": True, "classWeight": "none"}
model = {"family": family, "name": family, "params": json.loads(sys.argv[5])}
rng = np.random.RandomState(0)
folds = []
for k, (tr, va) in enumerate(KFold(3, shuffle=True, random_state=0).split(X)):
    params, info = search_params(model, X, y, y, tr, 42 + k, SPEC, IS_REG, trials)
    y2 = y.copy()
    y2[va] = rng.permutation(y2[va]) if IS_REG else rng.randint(0, K, len(va))
    params2, info2 = search_params(model, X, y2, y2, tr, 42 + k, SPEC, IS_REG, trials)
    again, _ = search_params(model, X, y, y, tr, 42 + k, SPEC, IS_REG, trials)
    folds.append({"params": params, "trials": info["trials"], "inner_score": info["inner_score"],
                  "blind_to_validation_labels": params == params2 and info["inner_score"] == info2["inner_score"],
                  "deterministic": params == again,
                  "changed": sorted(p for p in params if params[p] != model["params"].get(p))})
print(json.dumps({"folds": folds, "default": model["params"]}))
