"""Builds bench/<name>/leaderboard.csv from a documented reference population.

Usage: /usr/bin/python3 bench/_lib/reference_population.py NAME [--list]
Trains ~45 reasonable pipelines (dummies, naive Bayes, LDA, linear models with
several C/alpha, kNN with several k, decision trees at several depths, random
forests, extra trees, HistGradientBoosting, sklearn GBM, XGBoost, SVM, MLP; fixed
seeds) on public/train.csv, predicts public/test.csv, grades each submission with
grade.py against private/test.csv and writes leaderboard.csv (teamId = pipeline
name, score rounded to 5 decimals, best first; ties by name). See bench/README.md.
"""
import os

os.environ.setdefault("OMP_NUM_THREADS", "2")  # before numpy/sklearn/xgboost load OpenMP
import subprocess
import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor, GradientBoostingClassifier,
                              GradientBoostingRegressor, HistGradientBoostingClassifier,
                              HistGradientBoostingRegressor, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from xgboost import XGBClassifier, XGBRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from grade import grade, load_competition  # noqa: E402
from metrics import LOWER_IS_BETTER, binary_truth  # noqa: E402

SEED = 0
JOBS = 2
LOW_CARD = 8  # integer columns with <= 8 distinct values are also one-hot encoded for linear/kNN models


def column_kinds(X):
    cat = [c for c in X.columns if X[c].dtype == object]
    num = [c for c in X.columns if c not in cat]
    low = [c for c in num if X[c].dropna().nunique() <= LOW_CARD
           and np.all(np.mod(X[c].dropna(), 1) == 0)]
    return num, cat, low


def preprocessors(X):
    """'lin': impute(median)+missing indicators+scale numerics, one-hot categoricals.
    'tree': impute(median)+indicators for numerics, ordinal codes for string columns."""
    num, cat, low = column_kinds(X)
    onehot = lambda fill: Pipeline([  # noqa: E731  (missing becomes its own category)
        ("imp", SimpleImputer(strategy="constant", fill_value=fill)),
        ("oh", OneHotEncoder(handle_unknown="ignore", sparse_output=False))])
    lin_parts = [("num", Pipeline([("imp", SimpleImputer(strategy="median", add_indicator=True)),
                                   ("sc", StandardScaler())]), num)]
    if cat:
        lin_parts.append(("cat", onehot("missing"), cat))
    if low:
        lin_parts.append(("low", onehot(-1), low))
    tree_parts = [("num", SimpleImputer(strategy="median", add_indicator=True), num)]
    if cat:
        tree_parts.append(("cat", Pipeline([
            ("imp", SimpleImputer(strategy="constant", fill_value="missing")),
            ("ord", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))]), cat))
    return (lambda: ColumnTransformer(lin_parts, sparse_threshold=0),
            lambda: ColumnTransformer(tree_parts, sparse_threshold=0))


def classifier_population(n, n_classes, need_proba):
    """(name, prep, estimator) triples. prep is 'lin' or 'tree'."""
    big = n > 6000
    pop = [("dummy_prior", "tree", DummyClassifier(strategy="prior")),
           ("dummy_uniform", "tree", DummyClassifier(strategy="uniform", random_state=SEED)),
           ("gaussian_nb", "lin", GaussianNB()),
           ("lda_shrinkage", "lin", LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"))]
    pop += [(f"logreg_C{c}", "lin", LogisticRegression(C=c, max_iter=3000))
            for c in (0.001, 0.01, 0.1, 1, 10, 100)]
    pop += [(f"knn_k{k}", "lin", KNeighborsClassifier(k, n_jobs=JOBS)) for k in (1, 3, 5, 11, 25, 51)]
    pop += [("knn_k15_distance", "lin", KNeighborsClassifier(15, weights="distance", n_jobs=JOBS))]
    pop += [(f"tree_depth{d}", "tree", DecisionTreeClassifier(max_depth=d, random_state=SEED))
            for d in (2, 4, 6, 8, 12, None)]
    rf = lambda **kw: RandomForestClassifier(n_jobs=JOBS, **kw)  # noqa: E731
    pop += [("rf_100_s0", "tree", rf(n_estimators=100, random_state=0)),
            ("rf_100_s1", "tree", rf(n_estimators=100, random_state=1)),
            ("rf_300", "tree", rf(n_estimators=300, random_state=SEED)),
            ("rf_300_leaf5", "tree", rf(n_estimators=300, min_samples_leaf=5, random_state=SEED)),
            ("rf_100_depth8", "tree", rf(n_estimators=100, max_depth=8, random_state=SEED))]
    et = lambda **kw: ExtraTreesClassifier(n_jobs=JOBS, **kw)  # noqa: E731
    pop += [("et_100_s0", "tree", et(n_estimators=100, random_state=0)),
            ("et_100_s1", "tree", et(n_estimators=100, random_state=1)),
            ("et_300_leaf3", "tree", et(n_estimators=300, min_samples_leaf=3, random_state=SEED))]
    # half the boosting rounds for >= 10 classes (one tree per class per round)
    r = 0.5 if n_classes >= 10 else 1.0
    it = lambda k: int(k * r)  # noqa: E731
    hgb = lambda **kw: HistGradientBoostingClassifier(random_state=SEED, **kw)  # noqa: E731
    xgb = lambda **kw: XGBClassifier(  # noqa: E731
        **{"tree_method": "hist", "n_jobs": JOBS, "random_state": SEED, **kw})
    if big and n_classes >= 10:  # sklearn HGB is very slow with many classes: extra XGBoost instead
        pop += [("xgb_d10_lr0.1_n100", "tree", xgb(max_depth=10, learning_rate=0.1, n_estimators=100)),
                ("xgb_d6_lr0.2_n150", "tree", xgb(max_depth=6, learning_rate=0.2, n_estimators=150)),
                ("xgb_d8_lr0.1_n150_sub0.8", "tree", xgb(max_depth=8, learning_rate=0.1, n_estimators=150,
                                                         subsample=0.8))]
    else:
        pop += [("hgb_default", "tree", hgb()),
                (f"hgb_lr0.05_it{it(300)}", "tree", hgb(learning_rate=0.05, max_iter=it(300))),
                ("hgb_lr0.2_leaves15", "tree", hgb(learning_rate=0.2, max_leaf_nodes=15)),
                (f"hgb_depth3_it{it(200)}", "tree", hgb(max_depth=3, max_iter=it(200))),
                ("hgb_l2_1_leaves63", "tree", hgb(l2_regularization=1.0, max_leaf_nodes=63)),
                (f"hgb_lr0.03_it{it(500)}_es", "tree", hgb(learning_rate=0.03, max_iter=it(500),
                                                          early_stopping=True))]
    pop += [(f"xgb_d3_lr0.1_n{it(200)}", "tree", xgb(max_depth=3, learning_rate=0.1, n_estimators=it(200))),
            (f"xgb_d6_lr0.1_n{it(200)}", "tree", xgb(max_depth=6, learning_rate=0.1, n_estimators=it(200))),
            (f"xgb_d4_lr0.05_sub0.8_n{it(400)}_s0", "tree", xgb(max_depth=4, learning_rate=0.05, subsample=0.8,
                                                    colsample_bytree=0.8, n_estimators=it(400))),
            (f"xgb_d4_lr0.05_sub0.8_n{it(400)}_s1", "tree", xgb(max_depth=4, learning_rate=0.05, subsample=0.8,
                                                    colsample_bytree=0.8, n_estimators=it(400),
                                                    random_state=1)),
            (f"xgb_d8_lr0.1_n{it(100)}", "tree", xgb(max_depth=8, learning_rate=0.1, n_estimators=it(100))),
            (f"xgb_d6_lr0.3_n{it(100)}", "tree", xgb(max_depth=6, learning_rate=0.3, n_estimators=it(100)))]
    if not (big and need_proba):
        pop += [(f"svc_rbf_C{c}", "lin", SVC(C=c, probability=need_proba, random_state=SEED))
                for c in (1, 10)]
    pop += [("mlp_64", "lin", MLPClassifier((64,), max_iter=500, early_stopping=True, random_state=SEED)),
            ("mlp_128_64", "lin", MLPClassifier((128, 64), max_iter=500, early_stopping=True,
                                                random_state=SEED))]
    if n_classes == 2 or n < 2000:
        pop += [("sk_gbm_100_d3", "tree", GradientBoostingClassifier(random_state=SEED))]
    return pop


def regressor_population(n, log_target):
    pop = [("dummy_mean", "tree", DummyRegressor(strategy="mean")),
           ("dummy_median", "tree", DummyRegressor(strategy="median")),
           ("linear", "lin", LinearRegression())]
    pop += [(f"ridge_a{a}", "lin", Ridge(alpha=a)) for a in (0.1, 1, 10, 100)]
    pop += [(f"lasso_a{a}", "lin", Lasso(alpha=a)) for a in (0.01, 0.1)]
    pop += [(f"knn_k{k}", "lin", KNeighborsRegressor(k, n_jobs=JOBS)) for k in (5, 11, 25, 51, 101)]
    pop += [(f"tree_depth{d}", "tree", DecisionTreeRegressor(max_depth=d, random_state=SEED))
            for d in (2, 4, 6, 8, 12)]
    rf = lambda **kw: RandomForestRegressor(n_jobs=JOBS, **kw)  # noqa: E731
    pop += [("rf_100_s0", "tree", rf(n_estimators=100, random_state=0)),
            ("rf_100_s1", "tree", rf(n_estimators=100, random_state=1)),
            ("rf_300_leaf5", "tree", rf(n_estimators=300, min_samples_leaf=5, random_state=SEED)),
            ("rf_100_leaf20", "tree", rf(n_estimators=100, min_samples_leaf=20, random_state=SEED)),
            ("rf_300_depth8", "tree", rf(n_estimators=300, max_depth=8, random_state=SEED))]
    et = lambda **kw: ExtraTreesRegressor(n_jobs=JOBS, **kw)  # noqa: E731
    pop += [("et_100", "tree", et(n_estimators=100, random_state=SEED)),
            ("et_300_leaf5", "tree", et(n_estimators=300, min_samples_leaf=5, random_state=SEED)),
            ("et_100_leaf20", "tree", et(n_estimators=100, min_samples_leaf=20, random_state=SEED))]
    hgb = lambda **kw: HistGradientBoostingRegressor(random_state=SEED, **kw)  # noqa: E731
    pop += [("hgb_default", "tree", hgb()),
            ("hgb_lr0.05_it300", "tree", hgb(learning_rate=0.05, max_iter=300)),
            ("hgb_lr0.2_leaves15", "tree", hgb(learning_rate=0.2, max_leaf_nodes=15)),
            ("hgb_depth3_it200", "tree", hgb(max_depth=3, max_iter=200)),
            ("hgb_l2_1_leaves63", "tree", hgb(l2_regularization=1.0, max_leaf_nodes=63)),
            ("hgb_poisson", "tree", hgb(loss="poisson"))]
    xgb = lambda **kw: XGBRegressor(  # noqa: E731
        **{"tree_method": "hist", "n_jobs": JOBS, "random_state": SEED, **kw})
    pop += [("xgb_d3_lr0.1", "tree", xgb(max_depth=3, learning_rate=0.1, n_estimators=200)),
            ("xgb_d6_lr0.1", "tree", xgb(max_depth=6, learning_rate=0.1, n_estimators=200)),
            ("xgb_d4_lr0.05_sub0.8_s0", "tree", xgb(max_depth=4, learning_rate=0.05, subsample=0.8,
                                                    colsample_bytree=0.8, n_estimators=400)),
            ("xgb_d4_lr0.05_sub0.8_s1", "tree", xgb(max_depth=4, learning_rate=0.05, subsample=0.8,
                                                    colsample_bytree=0.8, n_estimators=400,
                                                    random_state=1)),
            ("xgb_d8_lr0.1", "tree", xgb(max_depth=8, learning_rate=0.1, n_estimators=100)),
            ("xgb_d6_lr0.3", "tree", xgb(max_depth=6, learning_rate=0.3, n_estimators=100))]
    pop += [("mlp_64", "lin", MLPRegressor((64,), max_iter=500, early_stopping=True, random_state=SEED)),
            ("mlp_128_64", "lin", MLPRegressor((128, 64), max_iter=500, early_stopping=True,
                                               random_state=SEED)),
            ("sk_gbm_100_d3", "tree", GradientBoostingRegressor(random_state=SEED))]
    if n <= 6000:
        pop += [("svr_rbf_C1", "lin", SVR(C=1.0))]
    if log_target:  # fit on log1p(y), predict expm1: natural for RMSLE
        logt = lambda name, prep, est: (name + "_log1p", prep, TransformedTargetRegressor(  # noqa: E731
            regressor=est, func=np.log1p, inverse_func=np.expm1))
        pop += [logt("ridge_a1", "lin", Ridge(alpha=1.0)),
                logt("knn_k25", "lin", KNeighborsRegressor(25, n_jobs=JOBS)),
                logt("rf_300_leaf5", "tree", rf(n_estimators=300, min_samples_leaf=5, random_state=SEED)),
                logt("hgb_default", "tree", hgb()),
                logt("xgb_d4_lr0.05_sub0.8", "tree", xgb(max_depth=4, learning_rate=0.05, subsample=0.8,
                                                          colsample_bytree=0.8, n_estimators=400))]
    return pop


def describe(est):
    """Class name plus the parameters that differ from the class defaults."""
    inner = ""
    if isinstance(est, TransformedTargetRegressor):
        inner, est = "log1p-target ", est.regressor
    default = type(est)().get_params()
    changed = {k: v for k, v in est.get_params().items()
               if k in default and repr(default[k]) != repr(v) and k != "n_jobs"}
    return inner + type(est).__name__ + "(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"


def run(name, list_only=False):
    comp_dir = os.path.join(HERE, "..", name)
    if not os.path.exists(os.path.join(comp_dir, ".prepared")):
        subprocess.run([sys.executable, os.path.join(comp_dir, "prepare.py")], check=True)
    comp = load_competition(comp_dir)
    train = pd.read_csv(os.path.join(comp_dir, "public", "train.csv"))
    test = pd.read_csv(os.path.join(comp_dir, "public", "test.csv"))
    answers = pd.read_csv(os.path.join(comp_dir, "private", "test.csv"))
    idc, ans, metric, task = comp["idColumn"], comp["answerColumn"], comp["metric"], comp["taskType"]
    feats = comp["featureColumns"]
    X, Xt = train[feats], test[feats]
    y = train[ans]
    lin, tree = preprocessors(X)
    if task == "regression":
        pop = regressor_population(len(X), log_target=(metric == "rmsle"))
    else:
        if task == "binary" and metric != "accuracy":  # 1 = positiveClass, so predict_proba[:, 1] is P(positive)
            y = pd.Series(binary_truth(y, comp.get("positiveClass")), index=y.index)
        else:
            y = y.astype(int) if task == "binary" else y.astype(str)
        pop = classifier_population(len(X), y.nunique(), need_proba=(metric != "accuracy"))
    if list_only:
        for n_, p, e in pop:
            print(f"{n_}\t{p}\t{describe(e)}")
        return
    enc = LabelEncoder().fit(y) if task != "regression" else None
    rows, t_all = [], time.time()
    for pname, prep, est in pop:
        t0 = time.time()
        model = Pipeline([("prep", lin() if prep == "lin" else tree()), ("est", est)])
        y_fit = enc.transform(y) if task == "multiclass" else y  # integer codes (needed by XGBoost)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(X, y_fit)
            sub = pd.DataFrame({idc: test[idc]})
            if task == "regression":
                pred = model.predict(Xt)
                sub[comp["targetColumns"][0]] = np.clip(pred, 0, None) if metric == "rmsle" else pred
            elif metric == "accuracy":
                pred = model.predict(Xt)
                sub[comp["targetColumns"][0]] = enc.inverse_transform(np.asarray(pred).astype(int))
            else:
                proba = model.predict_proba(Xt)
                if task == "binary":
                    sub[comp["targetColumns"][0]] = proba[:, 1]
                else:
                    order = list(enc.classes_)
                    for c in comp["targetColumns"]:
                        sub[c] = proba[:, order.index(c)] if c in order else 0.0
        s = grade(sub, answers, comp)
        rows.append({"teamId": pname, "score": round(s, 5)})
        print(f"  {pname:28s} {s:.5f}  ({time.time() - t0:.1f}s)", flush=True)
    lb = pd.DataFrame(rows)
    lb["_s"] = lb["score"] if LOWER_IS_BETTER[metric] else -lb["score"]
    lb = lb.sort_values(["_s", "teamId"]).drop(columns="_s")
    lb["scoreNullable"], lb["hasScore"] = lb["score"], True
    lb.to_csv(os.path.join(comp_dir, "leaderboard.csv"), index=False, lineterminator="\n")
    print(f"{name}: {len(lb)} entries, best {lb.score.iloc[0]}, median {lb.score.median():.5f}, "
          f"worst {lb.score.iloc[-1]} ({time.time() - t_all:.0f}s)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run(sys.argv[1], list_only="--list" in sys.argv)
