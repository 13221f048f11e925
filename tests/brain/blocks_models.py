# Test driver for the models template (the estimator factory) with the scoring template, run by templates.test.ts:
# every case builds a model from its family and params as a job does, fits it per fold on a real sklearn dataset
# (breast cancer: binary AUC; wine: multiclass accuracy; diabetes: regression RMSE; for the network, the 8 x 8 digit
# images: multiclass accuracy, and the digit's value as a regression RMSE) and reports what was built and how it scores. Prints a JSON list of facts, one per case.
# Usage: /usr/bin/python3 SCRIPT CASES_JSON   (cases: {dataset, family, params, spec, debug})
# gome:stub-begin (names defined by the sections this driver is appended to; the test strips this block)
from _gome_job import np, make_model, n_estimators_full, scaling, fit, predict, metric, ESTIMATOR_COUNT
# gome:stub-end
import json
import sys

from sklearn import datasets
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import Pipeline

DATA = {
    "breast_cancer": (datasets.load_breast_cancer, "auc", False),
    "wine": (datasets.load_wine, "accuracy", False),
    "diabetes": (datasets.load_diabetes, "rmse", True),
    "digits": (datasets.load_digits, "accuracy", False),
    "digits_value": (datasets.load_digits, "rmse", True),
}
# the constants the scoring section reads (a job's constants block defines them)
METRIC, IS_REG, K, LOWER_IS_BETTER, TARGET_LOG, CLASS_WEIGHT = "auc", False, 2, False, False, "none"
IMAGE = None


def debug_est(n):
    return int(max(10, round(n * 0.2)))


out = []
for case in json.loads(sys.argv[1]):
    load, METRIC, IS_REG = DATA[case["dataset"]]
    X, y = load(return_X_y=True)
    X = X.astype(np.float32)
    IMAGE = {"side": 8, "channels": 1, "prefix": "pixel_"} if case["dataset"].startswith("digits") else None
    K = 1 if IS_REG else len(np.unique(y))
    LOWER_IS_BETTER = METRIC == "rmse"
    CLASS_WEIGHT = case["spec"]["classWeight"]
    est = debug_est if case["debug"] else int
    splitter = KFold(3, shuffle=True, random_state=0) if IS_REG else StratifiedKFold(3, shuffle=True, random_state=0)
    splits = list(splitter.split(X, y))
    max_k = min(len(tr) for tr, _ in splits) - 1
    model_spec = {"family": case["family"], "name": case["family"], "params": case["params"]}
    scores, built = [], None
    for k, (tr, va) in enumerate(splits):
        m = fit(make_model(model_spec, 42 + k, case["spec"], IS_REG, 1, est, max_k), X[tr], y[tr])
        scores.append(metric(y[va], predict(m, X[va])))
        if k == 0:
            built = m
            again = fit(make_model(model_spec, 42, case["spec"], IS_REG, 1, est, max_k), X[tr], y[tr])
            same_seed_same_predictions = bool(np.array_equal(predict(m, X[va]), predict(again, X[va])))
    last = built.steps[-1][1] if isinstance(built, Pipeline) else built
    params = last.get_params()
    out.append({
        "case": case,
        "estimator": type(last).__name__,
        "steps": [name for name, _ in built.steps[:-1]] if isinstance(built, Pipeline) else [],
        "add_indicator": bool(built.steps[0][1].add_indicator) if isinstance(built, Pipeline) and built.steps[0][0] == "simpleimputer" else None,
        "imputer_strategy": built.steps[0][1].strategy if isinstance(built, Pipeline) and built.steps[0][0] == "simpleimputer" else None,
        "params": {k: params.get(k) for k in ("n_estimators", "max_iter", "epochs", "width", "n_neighbors", "class_weight", "max_features", "max_depth",
                                              "min_samples_leaf", "max_leaf_nodes", "learning_rate", "C", "alpha", "subsample",
                                              "random_state", "n_jobs")},
        "n_estimators_full": n_estimators_full(case["family"], case["params"]),
        "scaling": scaling(case["family"]),
        "max_k": max_k,
        "score": float(np.mean(scores)),
        "same_seed_same_predictions": same_seed_same_predictions,
    })
print(json.dumps({"cases": out, "estimator_count": {f: p for f, (p, _) in ESTIMATOR_COUNT.items()}}, default=str))
