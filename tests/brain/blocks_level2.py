# Test driver for the level-2 template (the nested ensemble) with the models and scoring templates, run by
# templates.test.ts: real models built by the factory (linear, rf, knn, hgb) give out-of-fold predictions on a real
# sklearn dataset over five fixed folds; every ensemble method then runs nested, and fold k's ensemble predictions
# must not depend on fold k's labels (given its method). Prints facts as JSON.
# Usage: /usr/bin/python3 SCRIPT DATASET METRIC   (breast_cancer auc | wine logloss | diabetes rmse)
# gome:stub-begin (names defined by the sections this driver is appended to; the test strips this block)
from _gome_job import np, make_model, fit, predict, level2, fit_level2, apply_level2, fold_mean
# gome:stub-end
import json
import sys

from sklearn import datasets
from sklearn.model_selection import KFold, StratifiedKFold

name, METRIC = sys.argv[1], sys.argv[2]
X, y = getattr(datasets, "load_" + name)(return_X_y=True)
IS_REG = METRIC in ("rmse", "mae")
K = 1 if IS_REG else len(np.unique(y))
LOWER_IS_BETTER = METRIC in ("rmse", "mae", "logloss")
TARGET_LOG, CLASS_WEIGHT = False, "none"
N = 5
splitter = KFold(N, shuffle=True, random_state=0) if IS_REG else StratifiedKFold(N, shuffle=True, random_state=0)
folds = np.zeros(len(y), dtype=int)
for k, (_, va) in enumerate(splitter.split(X, y)):
    folds[va] = k
SPEC = {"impute": "median", "missingIndicator": False, "imputeNative": False, "scale": True, "classWeight": "none"}
FAMILIES = {"linear": {}, "rf": {"n_estimators": 100}, "knn": {"n_neighbors": 15}, "hgb": {"max_iter": 100}}
oofs = []
for fam, params in FAMILIES.items():
    oof = np.zeros((len(y),) if IS_REG else (len(y), K))
    for k in range(N):
        tr, va = folds != k, folds == k
        m = fit(make_model({"family": fam, "name": fam, "params": params}, 42 + k, SPEC, IS_REG, 1, int, int(tr.sum()) - 1), X[tr], y[tr])
        oof[va] = predict(m, X[va])
    oofs.append(oof)
ks = list(range(N))
facts = {"models": {f: fold_mean(o, y, folds, ks) for f, o in zip(FAMILIES, oofs)}, "lower_is_better": LOWER_IS_BETTER}
rng = np.random.RandomState(0)
for label, methods in (("best", ["best"]), ("avg", ["avg"]), ("hill", ["hill"]), ("stack_only", ["stack"]), ("stack", ["hill", "stack"])):
    e = level2(methods, oofs, y, y, folds, N)
    # fold k's rows, predicted by the combiner of fold k's method refitted on the other folds only
    refit = all(np.array_equal(e["oof"][folds == k], apply_level2(fit_level2(e["fold_methods"][k], oofs, y, y, folds, [j for j in ks if j != k]),
                                                                  [o[folds == k] for o in oofs])) for k in ks)
    # fold k's labels scrambled: fold k's ensemble predictions must not move, unless fold k picks another candidate
    # (with several candidates the pick uses the other folds' nested scores, whose level-2 fits saw fold k's rows: the
    # same second-order dependence as the level-1 predictions')
    blind, flips = True, 0
    for k in ks:
        y2 = y.copy()
        va = folds == k
        y2[va] = rng.permutation(y2[va]) if IS_REG else (y2[va] + 1) % K
        e2 = level2(methods, oofs, y2, y2, folds, N)
        if e2["fold_methods"][k] != e["fold_methods"][k]:
            flips += 1
        else:
            blind = blind and bool(np.array_equal(e2["oof"][va], e["oof"][va]))
    facts[label] = {
        "nested": fold_mean(e["oof"], y, folds, ks), "in_sample": e["in_sample"], "method": e["method"],
        "fold_methods": e["fold_methods"], "candidates": e["candidates"], "final_kind": e["final"][0],
        "refit_matches": bool(refit), "blind_to_own_fold_labels": blind, "method_flips": flips,
        "avg_is_mean": bool(np.allclose(e["oof"], sum(oofs) / len(oofs))) if label == "avg" else None,
    }
print(json.dumps(facts))
