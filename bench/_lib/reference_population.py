"""Builds bench/<name>/leaderboard.csv from a documented reference population.

Usage: /usr/bin/python3 bench/_lib/reference_population.py NAME [--list] [--retune]
Trains ~45 reasonable untuned pipelines (dummies, naive Bayes, LDA, linear models with
several C/alpha, kNN with several k, decision trees at several depths, random
forests, extra trees, HistGradientBoosting, sklearn GBM, XGBoost, SVM, MLP; fixed
seeds), two Optuna-tuned gradient-boosting models (CV on the training split only; best
parameters kept in bench/<name>/tuned.json, --retune searches again), ensembles of fixed
members, and for image tasks a small torch CNN, on public/train.csv; predicts public/test.csv,
grades each submission with grade.py against private/test.csv and writes leaderboard.csv
(teamId = pipeline name, score rounded to 5 decimals, best first; ties by name) and the raw
test predictions to bench/<name>/.population/predictions.npz (for score_se.py). See bench/README.md.
"""
import json
import os

os.environ.setdefault("OMP_NUM_THREADS", "2")  # before numpy/sklearn/xgboost load OpenMP
# passive OpenMP waiting: spinning threads crawl when another process shares the cores (a test suite, a run)
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (FunctionTransformer, LabelEncoder, OneHotEncoder, OrdinalEncoder,
                                   StandardScaler)
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


# Free-text columns: a string column whose values are on average longer than 30 characters with more than 100 distinct
# values (the rule of cli/run/task-info.ts). Both preprocessings turn each into TF-IDF features (word 1-2-grams seen in
# at least 2 training rows, sublinear term frequency, the TEXT_TERMS most frequent terms, dense) instead of one-hot or
# ordinal codes, which would give one useless level per row.
TEXT_MIN_MEAN_LEN, TEXT_MIN_DISTINCT, TEXT_TERMS = 30, 100, 1000


def is_text(s):
    s = s.dropna().astype(str)
    return len(s) > 0 and s.str.len().mean() > TEXT_MIN_MEAN_LEN and s.nunique() > TEXT_MIN_DISTINCT


def _as_text(s):
    return pd.Series(s).fillna("").astype(str)


def column_kinds(X):
    obj = [c for c in X.columns if X[c].dtype == object]
    text = [c for c in obj if is_text(X[c])]
    cat = [c for c in obj if c not in text]
    num = [c for c in X.columns if c not in obj]
    low = [c for c in num if X[c].dropna().nunique() <= LOW_CARD
           and np.all(np.mod(X[c].dropna(), 1) == 0)]
    return num, cat, low, text


def preprocessors(X):
    """'lin': impute(median)+missing indicators+scale numerics, one-hot categoricals.
    'tree': impute(median)+indicators for numerics, ordinal codes for string columns.
    Both: TF-IDF features for free-text columns (see TEXT_TERMS)."""
    num, cat, low, text = column_kinds(X)
    tfidf = lambda: Pipeline([  # noqa: E731
        ("str", FunctionTransformer(_as_text)),
        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_features=TEXT_TERMS, sublinear_tf=True))])
    text_parts = [(f"text_{c}", tfidf(), c) for c in text]  # a scalar column: the vectoriser gets 1-D strings
    onehot = lambda fill: Pipeline([  # noqa: E731  (missing becomes its own category)
        ("imp", SimpleImputer(strategy="constant", fill_value=fill)),
        ("oh", OneHotEncoder(handle_unknown="ignore", sparse_output=False))])
    lin_parts = [("num", Pipeline([("imp", SimpleImputer(strategy="median", add_indicator=True)),
                                   ("sc", StandardScaler())]), num)]
    if cat:
        lin_parts.append(("cat", onehot("missing"), cat))
    if low:
        lin_parts.append(("low", onehot(-1), low))
    lin_parts += text_parts
    tree_parts = [("num", SimpleImputer(strategy="median", add_indicator=True), num)]
    if cat:
        tree_parts.append(("cat", Pipeline([
            ("imp", SimpleImputer(strategy="constant", fill_value="missing")),
            ("ord", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1))]), cat))
    tree_parts += text_parts
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
    if isinstance(est, (Tuned, Ensemble, SmallCNN)):
        return est.describe()
    inner = ""
    if isinstance(est, TransformedTargetRegressor):
        inner, est = "log1p-target ", est.regressor
    default = type(est)().get_params()
    changed = {k: v for k, v in est.get_params().items()
               if k in default and repr(default[k]) != repr(v) and k != "n_jobs"}
    return inner + type(est).__name__ + "(" + ", ".join(f"{k}={v!r}" for k, v in changed.items()) + ")"


# ---------------------------------------------------------------------------------------------------------------
# Tuned models and ensembles. A Tuned entry searches hyper-parameters with Optuna (TPE sampler, seed 0) by
# 3-fold cross-validation on the TRAINING split only, scored with the competition's metric; the search stops after
# TUNE_TRIALS trials or TUNE_SECONDS seconds, whichever comes first. The best parameters and the number of trials
# are saved in bench/<id>/tuned.json (committed), so a re-run refits the same model without searching again
# (--retune searches again). An Ensemble entry averages the test predictions (probabilities, or numbers for
# regression) of fixed members of the population; members are chosen in advance, never by test score.
# ---------------------------------------------------------------------------------------------------------------
TUNE_TRIALS = 25
TUNE_SECONDS = 150
TUNE_FOLDS = 3


class Tuned:
    def __init__(self, kind, task, n_classes, n_rows, log_target=False):
        self.kind, self.task, self.n_classes, self.n_rows, self.log_target = kind, task, n_classes, n_rows, log_target
        self.params, self.trials, self.cv = None, 0, None

    def describe(self):
        if self.params is None:
            return (f"Optuna TPE(seed 0) over {self.kind} hyper-parameters, {TUNE_FOLDS}-fold CV on train, "
                    f"<= {TUNE_TRIALS} trials / {TUNE_SECONDS} s")
        return f"tuned {self.kind} ({self.trials} trials, CV {self.cv:.5f}): {self.params}"

    def space(self, trial):
        big = self.n_rows * max(1, self.n_classes if self.n_classes > 2 else 1) > 200_000
        if self.kind == "hgb":
            return {"learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
                    "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 7, 127, log=True),
                    "min_samples_leaf": trial.suggest_int("min_samples_leaf", 3, 100, log=True),
                    "l2_regularization": trial.suggest_float("l2_regularization", 1e-3, 10.0, log=True),
                    "max_iter": trial.suggest_int("max_iter", 50, 300 if big else 600, log=True)}
        return {"max_depth": trial.suggest_int("max_depth", 2, 10),
                "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
                "n_estimators": trial.suggest_int("n_estimators", 50, 200 if big else 600, log=True),
                "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 20.0, log=True),
                "subsample": trial.suggest_float("subsample", 0.5, 1.0),
                "colsample_bytree": trial.suggest_float("colsample_bytree", 0.3, 1.0),
                "reg_lambda": trial.suggest_float("reg_lambda", 1e-2, 10.0, log=True)}

    def estimator(self, params):
        if self.kind == "hgb":
            cls = HistGradientBoostingRegressor if self.task == "regression" else HistGradientBoostingClassifier
            est = cls(random_state=SEED, **params)
        else:
            cls = XGBRegressor if self.task == "regression" else XGBClassifier
            est = cls(tree_method="hist", n_jobs=JOBS, random_state=SEED, **params)
        if self.log_target:
            est = TransformedTargetRegressor(regressor=est, func=np.log1p, inverse_func=np.expm1)
        return est


class Ensemble:
    def __init__(self, members):
        self.members = list(members)

    def describe(self):
        return "mean of the test predictions of " + ", ".join(self.members)


class SmallCNN:
    """A small convolutional network for image competitions (competition.json imageShape): two 3x3 conv layers
    (32, 64 channels) with max-pooling, a 128-unit dense layer with dropout 0.3; Adam lr 1e-3, batch 128,
    `epochs` epochs, torch CPU with 2 threads, seed 0. Pixels scaled by 1/255."""

    def __init__(self, shape, n_classes, epochs=10, seed=SEED):
        self.shape, self.n_classes, self.epochs, self.seed = tuple(shape), n_classes, epochs, seed

    def describe(self):
        return f"SmallCNN(conv32-conv64-dense128, {self.epochs} epochs, seed {self.seed}, torch CPU)"

    def fit_predict_proba(self, X, y, Xt):
        import torch
        from torch import nn
        torch.manual_seed(self.seed)
        torch.set_num_threads(JOBS)
        h, w = self.shape
        xs = torch.tensor(np.asarray(X, dtype=np.float32).reshape(-1, 1, h, w) / 255.0)
        ys = torch.tensor(np.asarray(y, dtype=np.int64))
        xt = torch.tensor(np.asarray(Xt, dtype=np.float32).reshape(-1, 1, h, w) / 255.0)
        net = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                            nn.Linear(64 * (h // 4) * (w // 4), 128), nn.ReLU(), nn.Dropout(0.3),
                            nn.Linear(128, self.n_classes))
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        gen = torch.Generator().manual_seed(self.seed)
        for _ in range(self.epochs):
            net.train()
            order = torch.randperm(len(xs), generator=gen)
            for i in range(0, len(xs), 128):
                b = order[i:i + 128]
                opt.zero_grad()
                nn.functional.cross_entropy(net(xs[b]), ys[b]).backward()
                opt.step()
        net.eval()
        with torch.no_grad():
            return torch.softmax(torch.cat([net(xt[i:i + 1000]) for i in range(0, len(xt), 1000)]), 1).numpy()


def extra_population(comp, task, n, n_classes, metric):
    """Tuned models, the CNN for image tasks, and ensembles of fixed members."""
    big_multi = task == "multiclass" and n_classes >= 10 and n > 6000  # sklearn's multi-class HGB is too slow
    pop = []
    if not big_multi:
        pop.append(("tuned_hgb", "tree", Tuned("hgb", task, n_classes, n, log_target=(metric == "rmsle"))))
    pop.append(("tuned_xgb", "tree", Tuned("xgb", task, n_classes, n, log_target=(metric == "rmsle"))))
    tuned = [p[0] for p in pop]
    forest = "rf_300_leaf5" if task == "regression" else "rf_300"
    if comp.get("imageShape"):
        pop.append(("cnn_small", "raw", SmallCNN(comp["imageShape"], n_classes)))
        pop.append(("cnn_small_s1", "raw", SmallCNN(comp["imageShape"], n_classes, seed=1)))
        pop.append(("ens_cnn_2seeds", "ens", Ensemble(["cnn_small", "cnn_small_s1"])))
        pop.append(("ens_cnn_2seeds_tuned", "ens", Ensemble(["cnn_small", "cnn_small_s1"] + tuned)))
    if len(tuned) > 1:
        pop.append(("ens_tuned_gbms", "ens", Ensemble(tuned)))
    pop.append(("ens_tuned_gbms_" + forest, "ens", Ensemble(tuned + [forest])))
    return pop


def _tuned_path(comp_dir):
    return os.path.join(comp_dir, "tuned.json")


def _cv_score(make, X, y, comp, task, enc):
    """Mean score over TUNE_FOLDS folds of the training split (the competition metric)."""
    from sklearn.model_selection import KFold, StratifiedKFold
    from metrics import score as metric_score
    metric = comp["metric"]
    split = (KFold(TUNE_FOLDS, shuffle=True, random_state=SEED) if task == "regression"
             else StratifiedKFold(TUNE_FOLDS, shuffle=True, random_state=SEED))
    y_arr = np.asarray(y)
    out = []
    for tr, va in split.split(X, y_arr):
        model = make()
        model.fit(X.iloc[tr], y_arr[tr])
        pred = _predict(model, X.iloc[va], task, metric)
        out.append(_score_pred(pred, y_arr[va], comp, task, enc, metric_score))
    return float(np.mean(out))


def _predict(model, Xt, task, metric):
    if task == "regression":
        pred = model.predict(Xt)
        return np.clip(pred, 0, None) if metric == "rmsle" else pred
    return model.predict_proba(Xt)


def _score_pred(pred, y_codes, comp, task, enc, metric_score):
    """Score a prediction against fitted-label codes (classification) or numbers (regression)."""
    metric = comp["metric"]
    if task == "regression":
        return metric_score(metric, y_codes, pred)
    if metric == "accuracy":
        return metric_score(metric, np.asarray(y_codes).astype(str), np.asarray(pred).argmax(1).astype(str))
    if task == "binary":
        return metric_score(metric, np.asarray(y_codes).astype(int), pred[:, 1])
    return metric_score(metric, enc.inverse_transform(np.asarray(y_codes)), pred, list(enc.classes_))


def tune(entry, X, y_fit, comp, task, enc, prep_factory, store, retune):
    """Fills entry.params from tuned.json, or by an Optuna search (then records it in `store`)."""
    import optuna
    name, est = entry
    if not retune and name in store:
        est.params, est.trials, est.cv = store[name]["params"], store[name]["trials"], store[name]["cv"]
        return
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    sign = -1 if LOWER_IS_BETTER[comp["metric"]] else 1

    def objective(trial):
        params = est.space(trial)
        make = lambda: Pipeline([("prep", prep_factory()), ("est", est.estimator(params))])  # noqa: E731
        return sign * _cv_score(make, X, y_fit, comp, task, enc)

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=SEED))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study.optimize(objective, n_trials=TUNE_TRIALS, timeout=TUNE_SECONDS)
    est.params, est.trials, est.cv = study.best_params, len(study.trials), sign * study.best_value
    store[name] = {"params": est.params, "trials": est.trials, "cv": round(est.cv, 6),
                   "folds": TUNE_FOLDS, "maxTrials": TUNE_TRIALS, "maxSeconds": TUNE_SECONDS}


def load_task(name):
    comp_dir = os.path.join(HERE, "..", name)
    if not os.path.exists(os.path.join(comp_dir, ".prepared")):
        subprocess.run([sys.executable, os.path.join(comp_dir, "prepare.py")], check=True)
    comp = load_competition(comp_dir)
    train = pd.read_csv(os.path.join(comp_dir, "public", "train.csv"))
    test = pd.read_csv(os.path.join(comp_dir, "public", "test.csv"))
    answers = pd.read_csv(os.path.join(comp_dir, "private", "test.csv"))
    return comp_dir, comp, train, test, answers


def population_for(comp, X, y_raw, with_extra=True):
    task, metric = comp["taskType"], comp["metric"]
    if task == "regression":
        y = y_raw
        pop = regressor_population(len(X), log_target=(metric == "rmsle"))
    else:
        if task == "binary" and metric != "accuracy":  # 1 = positiveClass, so predict_proba[:, 1] is P(positive)
            y = pd.Series(binary_truth(y_raw, comp.get("positiveClass")), index=y_raw.index)
        else:
            y = y_raw.astype(int) if task == "binary" else y_raw.astype(str)
        pop = classifier_population(len(X), y.nunique(), need_proba=(metric != "accuracy"))
    if with_extra:
        pop += extra_population(comp, task, len(X), (y.nunique() if task != "regression" else 0), metric)
    return y, pop


def to_submission(pred, test, comp, enc):
    """A submission DataFrame from a raw prediction (numbers, labels, or a probability matrix)."""
    idc, metric, task = comp["idColumn"], comp["metric"], comp["taskType"]
    sub = pd.DataFrame({idc: test[idc]})
    pred = np.asarray(pred)
    if task == "regression":
        sub[comp["targetColumns"][0]] = pred
    elif metric == "accuracy":
        codes = pred.argmax(1) if pred.ndim == 2 else pred.astype(int)
        sub[comp["targetColumns"][0]] = enc.inverse_transform(np.asarray(codes).astype(int))
    elif task == "binary":
        sub[comp["targetColumns"][0]] = pred[:, 1]
    else:
        order = list(enc.classes_)
        for c in comp["targetColumns"]:
            sub[c] = pred[:, order.index(c)] if c in order else 0.0
    return sub


def predictions(name, only=None, retune=False, with_extra=True, log=print):
    """{pipeline name: raw test prediction} for the population (or only the named pipelines and the members
    their ensembles need), plus (comp, test, answers, enc, tuned store, entry descriptions)."""
    comp_dir, comp, train, test, answers = load_task(name)
    task, metric = comp["taskType"], comp["metric"]
    feats = comp["featureColumns"]
    X, Xt = train[feats], test[feats]
    y, pop = population_for(comp, X, train[comp["answerColumn"]], with_extra)
    lin, tree = preprocessors(X)
    enc = LabelEncoder().fit(y) if task != "regression" else None
    y_fit = enc.transform(y) if task == "multiclass" else y  # integer codes (needed by XGBoost)
    store = {}
    if os.path.exists(_tuned_path(comp_dir)):
        with open(_tuned_path(comp_dir)) as f:
            store = json.load(f)
    if only is not None:
        want = set(only)
        for n_, _, e in pop:
            if n_ in want and isinstance(e, Ensemble):
                want |= set(e.members)
        pop = [p for p in pop if p[0] in want]
    preds, probas, descs = {}, {}, {}  # accuracy: preds holds label codes (model.predict), probas what ensembles average
    acc = task != "regression" and metric == "accuracy"
    for pname, prep, est in pop:
        t0 = time.time()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if isinstance(est, Ensemble):
                pool = probas if acc else preds
                missing = [m for m in est.members if m not in pool]
                if missing:
                    raise RuntimeError(f"{pname}: members {missing} were not fitted")
                mean = np.mean([np.asarray(pool[m], dtype=float) for m in est.members], axis=0)
                if acc:
                    probas[pname], preds[pname] = mean, mean.argmax(1)
                else:
                    preds[pname] = mean
            elif isinstance(est, SmallCNN):
                p_ = est.fit_predict_proba(X, enc.transform(y), Xt)
                if acc:
                    probas[pname], preds[pname] = p_, p_.argmax(1)
                else:
                    preds[pname] = p_
            else:
                if isinstance(est, Tuned):
                    tune((pname, est), X, y_fit, comp, task, enc, tree if prep == "tree" else lin, store, retune)
                    est_ = est.estimator(est.params)
                else:
                    est_ = est
                model = Pipeline([("prep", lin() if prep == "lin" else tree()), ("est", est_)])
                model.fit(X, y_fit)
                if acc:
                    preds[pname] = np.asarray(model.predict(Xt)).astype(int)
                    if hasattr(model, "predict_proba"):
                        probas[pname] = model.predict_proba(Xt)
                else:
                    preds[pname] = _predict(model, Xt, task, metric)
        descs[pname] = describe(est)
        log(f"  {pname:28s} ({time.time() - t0:.1f}s)")
    return preds, dict(comp=comp, comp_dir=comp_dir, test=test, answers=answers, enc=enc, store=store,
                       descs=descs)


def run(name, list_only=False, retune=False):
    if list_only:
        comp_dir, comp, train, _, _ = load_task(name)
        _, pop = population_for(comp, train[comp["featureColumns"]], train[comp["answerColumn"]])
        for n_, p, e in pop:
            print(f"{n_}\t{p}\t{describe(e)}")
        return
    t_all = time.time()
    rows = []

    def log(line):
        print(line, flush=True)
    preds, ctx = predictions(name, retune=retune, log=log)
    comp = ctx["comp"]
    for pname, pred in preds.items():
        s = grade(to_submission(pred, ctx["test"], comp, ctx["enc"]), ctx["answers"], comp)
        rows.append({"teamId": pname, "score": round(s, 5)})
        print(f"  {pname:28s} {s:.5f}", flush=True)
    cache = os.path.join(ctx["comp_dir"], ".population")  # raw test predictions for score_se.py (gitignored)
    os.makedirs(cache, exist_ok=True)
    np.savez_compressed(os.path.join(cache, "predictions.npz"), **{k: np.asarray(v) for k, v in preds.items()})
    if ctx["store"]:
        with open(_tuned_path(ctx["comp_dir"]), "w") as f:
            json.dump(ctx["store"], f, indent=2, sort_keys=True)
            f.write("\n")
    metric = comp["metric"]
    lb = pd.DataFrame(rows)
    lb["_s"] = lb["score"] if LOWER_IS_BETTER[metric] else -lb["score"]
    lb = lb.sort_values(["_s", "teamId"]).drop(columns="_s")
    lb["scoreNullable"], lb["hasScore"] = lb["score"], True
    lb.to_csv(os.path.join(ctx["comp_dir"], "leaderboard.csv"), index=False, lineterminator="\n")
    print(f"{name}: {len(lb)} entries, best {lb.score.iloc[0]} ({lb.teamId.iloc[0]}), median {lb.score.median():.5f}, "
          f"worst {lb.score.iloc[-1]} ({time.time() - t_all:.0f}s)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    run(sys.argv[1], list_only="--list" in sys.argv, retune="--retune" in sys.argv)
