"""The tuned HistGradientBoosting baseline of `npm run bench:loop` (bench/README.md, "Gome against a tuned baseline").

A fixed recipe, so that no one can weaken it:
  - Optuna TPE (TPESampler(seed=0)) maximising (or minimising) the competition's metric over 5-fold CV
    (StratifiedKFold for classification, KFold for regression; shuffle, random_state 0) on every training row;
  - learning_rate 0.01-0.3 (log), max_iter 50-800 (log, int), max_leaf_nodes 8-128 (log, int),
    min_samples_leaf 5-100 (log, int), l2_regularization 1e-6-10 (log); everything else at scikit-learn's defaults
    (random_state 0);
  - text (non-numeric) columns as HGB categoricals: ordinal codes of the training values (unseen or missing: NaN),
    given to `categorical_features` as a boolean mask (sklearn 1.2.1 needs codes in [0, max_bins - 1], so a text
    column with more than 255 distinct values stays an ordinal-coded numeric column);
  - the loss that matches the metric: log loss for classification, squared error (rmse), squared error on
    log1p(y) (rmsle, predictions expm1'd and clipped at 0), absolute error (mae);
  - the search stops at 85% of the wall budget (a trial still running then is killed and not counted); the best
    parameters are then refitted on all training rows and predict the test rows in the 15% left. Should the refit
    not finish by the end of the budget, the best trial's five fold models' averaged test predictions are written
    instead (BASELINE_REFIT=fold-average), so the baseline always hands in a submission once one trial completed.
The budget counts from the first line of this script (interpreter start-up, imports and data loading included).

Inside a GPU-node job (bench/baseline/tuned-hgb.ts writes CONFIG below; data from GOME_DATA_DIR, outputs to
GOME_OUTPUT_DIR, threads from OMP_NUM_THREADS as the node sets them). Standalone:
  /usr/bin/python3 bench/_lib/tuned_hgb.py COMPETITION_DIR --budget SECONDS [--out DIR]
Prints KEY=VALUE lines (BASELINE_TRIALS, BASELINE_BEST_CV, BASELINE_SEARCH_ENDED_S, BASELINE_REFIT, ...) and writes
submission.csv in the sample submission's format.
"""
import time

T0 = time.monotonic()  # the budget clock starts here

import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402

# The graders' label comparison and positive-class convention, from their one source (bench/_lib/metrics.py). The
# runner replaces the two lines below with those functions' code, since bench/_lib is not mounted in the sandbox.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # gome:inline
from metrics import conventional_positive, label_key  # noqa: E402  # gome:inline

CONFIG = None  # the runner (bench/baseline/tuned-hgb.ts) replaces this line with the job's config

SEARCH_FRAC = 0.85
FOLDS = 5
SEED = 0
MAX_CATEGORIES = 255  # HistGradientBoosting's max_bins: categorical codes must lie in [0, max_bins - 1]
POLL_S = 0.05


def say(key, value):
    print(f"{key}={value}", flush=True)


def elapsed():
    return time.monotonic() - T0


# ----------------------------------------------------------------------------------------------------------------
# configuration
# ----------------------------------------------------------------------------------------------------------------
def config_from_argv(argv):
    """Standalone use: the competition folder's competition.json, its public/ data, --budget seconds, --out dir."""
    import argparse
    p = argparse.ArgumentParser(description="tuned HistGradientBoosting baseline (bench/README.md)")
    p.add_argument("competition")
    p.add_argument("--budget", type=float, required=True, help="wall budget in seconds")
    p.add_argument("--out", default=".", help="where submission.csv goes (default: .)")
    a = p.parse_args(argv)
    from metrics import LOWER_IS_BETTER  # the metric table's directions (standalone: bench/_lib is on the path)
    with open(os.path.join(a.competition, "competition.json")) as f:
        c = json.load(f)
    return {
        "metric": c["metric"], "taskType": c["taskType"], "idColumn": c["idColumn"],
        "targetColumns": c["targetColumns"], "labelColumn": c.get("answerColumn") or c["targetColumns"][0],
        "classes": [str(x) for x in c["classes"]] if c.get("classes") else None,
        "positiveClass": None if c.get("positiveClass") is None else str(c["positiveClass"]),
        "lowerIsBetter": bool(LOWER_IS_BETTER[c["metric"]]),
        "budgetSeconds": a.budget, "dataDir": os.path.join(a.competition, "public"), "outDir": a.out,
    }


def positive_label(cfg, labels):
    """The class whose probability a binary auc/logloss submission holds: competition.json positiveClass, else the
    0/1 (1) or true/false (true) convention; text labels without positiveClass cannot be guessed."""
    if cfg.get("positiveClass") is not None:
        return label_key(cfg["positiveClass"])
    positive = conventional_positive(labels)
    if positive is None:
        keys = {label_key(v) for v in labels}
        raise SystemExit(f"tuned_hgb: binary labels {sorted(keys)} are text and competition.json has no positiveClass")
    return label_key(positive)


# ----------------------------------------------------------------------------------------------------------------
# the task: features, target, how to predict and score
# ----------------------------------------------------------------------------------------------------------------
class Task:
    def __init__(self, cfg, train, test):
        import numpy as np
        import pandas as pd
        self.cfg, self.metric, self.type = cfg, cfg["metric"], cfg["taskType"]
        idc, label = cfg["idColumn"], cfg["labelColumn"]
        self.features = [c for c in test.columns if c != idc]
        self.ids = test[idc]
        X, Xt = train[self.features], test[self.features]
        # text columns -> ordinal codes of the training values; <= 255 of them -> HGB categoricals
        self.categorical = []
        # columns collected first and framed once (inserting 784 pixel columns one by one fragments the frame)
        Xn, Xtn = {}, {}
        for c in self.features:
            if pd.api.types.is_numeric_dtype(X[c]) and pd.api.types.is_numeric_dtype(Xt[c]):
                Xn[c], Xtn[c] = X[c].astype(float), Xt[c].astype(float)
                self.categorical.append(False)
                continue
            cats = sorted({str(v) for v in X[c].dropna()})
            codes = {v: float(i) for i, v in enumerate(cats)}
            enc = lambda s: s.map(lambda v: np.nan if pd.isna(v) else codes.get(str(v), np.nan)).astype(float)  # noqa: E731
            Xn[c], Xtn[c] = enc(X[c]), enc(Xt[c])
            self.categorical.append(len(cats) <= MAX_CATEGORIES)
        self.X = pd.DataFrame(Xn, index=X.index, columns=self.features).to_numpy()
        self.Xt = pd.DataFrame(Xtn, index=Xt.index, columns=self.features).to_numpy()
        raw = train[label]
        self.lower = bool(cfg["lowerIsBetter"])  # from the metric table
        if self.type == "regression":
            self.y = raw.astype(float).to_numpy()
            self.y_fit = np.log1p(self.y) if self.metric == "rmsle" else self.y
            self.classes = None
        elif self.metric in ("auc", "logloss") and self.type == "binary":
            pos = positive_label(cfg, raw)
            self.y = np.array([1 if label_key(v) == pos else 0 for v in raw], dtype=int)  # 1 = the positive class
            self.y_fit, self.classes = self.y, [0, 1]
        elif self.metric == "logloss":  # multiclass: one probability column per class, in competition.json order
            self.classes = [str(c) for c in cfg["classes"]]
            by_key = {label_key(c): c for c in self.classes}
            self.y = np.array([by_key[label_key(v)] for v in raw], dtype=object)
            self.y_fit = self.y
        else:  # accuracy: labels exactly as spelled in train.csv
            self.y = raw.astype(str).to_numpy(dtype=object)
            self.y_fit = self.y
            self.classes = sorted(set(self.y))

    def folds(self):
        from sklearn.model_selection import KFold, StratifiedKFold
        split = (KFold(FOLDS, shuffle=True, random_state=SEED) if self.type == "regression"
                 else StratifiedKFold(FOLDS, shuffle=True, random_state=SEED))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a class with fewer than 5 rows: sklearn warns, the split is still made
            return list(split.split(self.X, self.y))

    def model(self, params):
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
        cat = self.categorical if any(self.categorical) else None
        if self.type == "regression":
            loss = "absolute_error" if self.metric == "mae" else "squared_error"
            return HistGradientBoostingRegressor(loss=loss, categorical_features=cat, random_state=SEED, **params)
        return HistGradientBoostingClassifier(categorical_features=cat, random_state=SEED, **params)

    def predict(self, model, X):
        """Regression: values (rmsle: expm1, clipped at 0). Classification: probabilities, columns in self.classes order."""
        import numpy as np
        if self.type == "regression":
            p = model.predict(X)
            return np.clip(np.expm1(p), 0, None) if self.metric == "rmsle" else p
        proba = model.predict_proba(X)
        out = np.zeros((len(X), len(self.classes)))
        index = {c: i for i, c in enumerate(self.classes)}
        for j, c in enumerate(model.classes_):
            out[:, index[c]] = proba[:, j]
        return out

    def score(self, y, pred):
        import numpy as np
        from sklearn import metrics as skm
        m = self.metric
        if m == "auc":
            return float(skm.roc_auc_score(y, pred[:, 1]))
        if m == "logloss":
            if self.type == "binary":
                return float(skm.log_loss(y, pred[:, 1], eps="auto", labels=[0, 1]))
            return float(skm.log_loss(y, pred, eps="auto", labels=self.classes))
        if m == "accuracy":
            return float(skm.accuracy_score(y, np.asarray(self.classes, dtype=object)[pred.argmax(1)]))
        if m == "rmse":
            return float(np.sqrt(skm.mean_squared_error(y, pred)))
        if m == "rmsle":
            return float(np.sqrt(skm.mean_squared_log_error(y, pred)))
        if m == "mae":
            return float(skm.mean_absolute_error(y, pred))
        raise SystemExit(f"tuned_hgb: unknown metric {m!r}")

    def write_submission(self, pred, sample_path, out_path):
        """submission.csv with the sample submission's columns: auc/binary logloss -> P(positive); multiclass logloss ->
        one probability per class column; accuracy -> labels; regression -> values."""
        import numpy as np
        import pandas as pd
        sample_cols = list(pd.read_csv(sample_path, nrows=0).columns)
        idc = self.cfg["idColumn"]
        sub = pd.DataFrame({idc: self.ids.to_numpy()})
        targets = [c for c in sample_cols if c != idc]
        if self.type == "regression":
            sub[targets[0]] = pred
        elif self.metric == "accuracy":
            sub[targets[0]] = np.asarray(self.classes, dtype=object)[pred.argmax(1)]
        elif self.type == "binary":
            sub[targets[0]] = pred[:, 1]
        else:
            by_key = {label_key(c): i for i, c in enumerate(self.classes)}
            for t in targets:
                sub[t] = pred[:, by_key[label_key(t)]]
        tmp = out_path + ".tmp"
        sub[sample_cols].to_csv(tmp, index=False)
        os.replace(tmp, out_path)


# ----------------------------------------------------------------------------------------------------------------
# running a step in a child process that is killed at a deadline
# ----------------------------------------------------------------------------------------------------------------
def run_until(fn, deadline):
    """Runs fn() in a forked child; returns 'done', 'failed' or 'killed' (SIGKILL at `deadline`, monotonic seconds).
    The parent has run no OpenMP code before forking, so the child's thread pool starts clean."""
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            fn()
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "done" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else "failed"
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "killed"
        time.sleep(min(POLL_S, left))


def search(task, scratch):
    """The Optuna search (in the child): every completed trial is appended to trials.jsonl; the best trial's
    fold-averaged test predictions are kept in best_test_pred.npy (the fallback if the refit cannot finish)."""
    import numpy as np
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    folds = task.folds()
    log = open(os.path.join(scratch, "trials.jsonl"), "a")
    best = [None]

    def objective(trial):
        t = time.monotonic()
        params = {
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "max_iter": trial.suggest_int("max_iter", 50, 800, log=True),
            "max_leaf_nodes": trial.suggest_int("max_leaf_nodes", 8, 128, log=True),
            "min_samples_leaf": trial.suggest_int("min_samples_leaf", 5, 100, log=True),
            "l2_regularization": trial.suggest_float("l2_regularization", 1e-6, 10.0, log=True),
        }
        scores, test_pred = [], 0.0
        for tr, va in folds:
            m = task.model(params)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m.fit(task.X[tr], task.y_fit[tr])
                scores.append(task.score(task.y[va], task.predict(m, task.X[va])))
                test_pred = test_pred + task.predict(m, task.Xt) / len(folds)
        value = float(np.mean(scores))
        if best[0] is None or (value < best[0] if task.lower else value > best[0]):
            best[0] = value
            np.save(os.path.join(scratch, "best_test_pred.tmp.npy"), np.asarray(test_pred))
            os.replace(os.path.join(scratch, "best_test_pred.tmp.npy"), os.path.join(scratch, "best_test_pred.npy"))
        log.write(json.dumps({"number": trial.number, "value": value, "params": params,
                              "seconds": round(time.monotonic() - t, 3), "ended_s": round(elapsed(), 3)}) + "\n")
        log.flush()
        print(f"trial {trial.number}: cv {task.metric} {value:.6g} in {time.monotonic() - t:.1f} s (at {elapsed():.1f} s)", flush=True)
        return value

    study = optuna.create_study(direction="minimize" if task.lower else "maximize",
                                sampler=optuna.samplers.TPESampler(seed=SEED))
    study.optimize(objective, catch=(Exception,))  # runs until the parent kills it at the search deadline


def read_trials(scratch):
    trials = []
    try:
        with open(os.path.join(scratch, "trials.jsonl")) as f:
            for line in f:
                try:
                    trials.append(json.loads(line))
                except ValueError:
                    pass  # a line cut by the kill
    except FileNotFoundError:
        pass
    return trials


def main():
    cfg = CONFIG if CONFIG is not None else config_from_argv(sys.argv[1:])
    data_dir = cfg.get("dataDir") or os.environ["GOME_DATA_DIR"]
    out_dir = cfg.get("outDir") or os.environ.get("GOME_OUTPUT_DIR", ".")
    budget = float(cfg["budgetSeconds"])
    search_until = SEARCH_FRAC * budget
    say("BASELINE_BUDGET_S", budget)
    say("BASELINE_SEARCH_UNTIL_S", round(search_until, 3))
    say("BASELINE_THREADS", os.environ.get("OMP_NUM_THREADS", "unset"))

    import numpy as np
    import pandas as pd
    label = cfg["labelColumn"]
    train = pd.read_csv(os.path.join(data_dir, "train.csv"), dtype={label: str} if cfg["taskType"] != "regression" else None)
    test = pd.read_csv(os.path.join(data_dir, "test.csv"))
    task = Task(cfg, train, test)
    say("BASELINE_CATEGORICAL", sum(task.categorical))
    say("BASELINE_DATA_READY_S", round(elapsed(), 3))

    scratch = tempfile.mkdtemp(prefix="tuned-hgb-")
    how = run_until(lambda: search(task, scratch), T0 + search_until)
    say("BASELINE_SEARCH_STOP", "deadline" if how == "killed" else how)
    say("BASELINE_SEARCH_ENDED_S", round(elapsed(), 3))
    say("BASELINE_SEARCH_ENDED_FRAC", round(elapsed() / budget, 4))

    trials = read_trials(scratch)
    say("BASELINE_TRIALS", len(trials))
    if trials:
        sign = 1 if task.lower else -1  # the best value, the earliest trial on a tie
        best = min(trials, key=lambda t: (sign * t["value"], t["number"]))
        params = best["params"]
        say("BASELINE_BEST_CV", repr(best["value"]))
        say("BASELINE_BEST_TRIAL", best["number"])
    else:
        params = {}  # no trial finished in the search window: scikit-learn's defaults
        say("BASELINE_BEST_CV", "nan")
    say("BASELINE_BEST_PARAMS", json.dumps(params, sort_keys=True))

    sample = os.path.join(data_dir, "sample_submission.csv")
    out = os.path.join(out_dir, "submission.csv")

    def refit():
        m = task.model(params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.fit(task.X, task.y_fit)
        task.write_submission(task.predict(m, task.Xt), sample, out)

    refit_started = elapsed()
    # end with a second to spare for the fallback's write; the job's limit (budget + grace) is the hard stop
    how = run_until(refit, T0 + budget - min(1.0, 0.02 * budget))
    say("BASELINE_REFIT_S", round(elapsed() - refit_started, 3))
    if how == "done":
        say("BASELINE_REFIT", "full")
    elif os.path.exists(os.path.join(scratch, "best_test_pred.npy")):
        task.write_submission(np.load(os.path.join(scratch, "best_test_pred.npy")), sample, out)
        say("BASELINE_REFIT", "fold-average")
        say("BASELINE_REFIT_PROBLEM", "refit killed at the end of the budget" if how == "killed" else "refit failed")
    else:
        say("BASELINE_REFIT", "none")
        say("BASELINE_REFIT_PROBLEM", "refit killed at the end of the budget and no trial completed" if how == "killed" else "refit failed and no trial completed")
    say("BASELINE_ENDED_S", round(elapsed(), 3))
    return 0 if os.path.exists(out) else 1


if __name__ == "__main__":
    sys.exit(main())
