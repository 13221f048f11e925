# The table-width probe: how one estimator's fit time grows with a table's columns, per model family, on the same
# rows (Fashion-MNIST's 5,440 first images, the pixels of highest variance first: 16, 64, 256 and all 784 columns).
# It measures what actors/brain/cost-estimate.ts prices with one width factor for every tabular family (WIDTH_EXP).
# Run with the Debian ML stack, on an otherwise idle machine:
#   OMP_NUM_THREADS=2 /usr/bin/python3 bench/calibrate/table_width.py
# Prints, per width, the best of two fits' seconds of 20 histogram-boosting and XGBoost rounds (10 classes: 200 trees)
# and 40 extra-trees and random-forest trees, and each family's growth from 16 columns.
import os
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesClassifier, HistGradientBoostingClassifier, RandomForestClassifier
from xgboost import XGBClassifier

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    df = pd.read_csv(os.path.join(HERE, "..", "fashion-mnist-10k", "public", "train.csv"))
    y = df["label"].to_numpy()[:5440]
    X = df.drop(columns=["id", "label"]).to_numpy(dtype=float)[:5440]
    order = np.argsort(-X.var(axis=0))
    first = None
    for p in (16, 64, 256, 784):
        Xp = X[:, order[:p]]
        res = {}
        for name, make in [
            ("hgb", lambda: HistGradientBoostingClassifier(max_iter=20, early_stopping=False)),
            ("xgb", lambda: XGBClassifier(n_estimators=20, max_depth=6, tree_method="hist", n_jobs=2, verbosity=0)),
            ("et", lambda: ExtraTreesClassifier(n_estimators=40, n_jobs=2)),
            ("rf", lambda: RandomForestClassifier(n_estimators=40, n_jobs=2)),
        ]:
            best = float("inf")
            for _ in range(2):
                t0 = time.perf_counter()
                make().fit(Xp, y)
                best = min(best, time.perf_counter() - t0)
            res[name] = best
        first = first or res
        print(f"{p:4d} columns: " + ", ".join(f"{k} {v:.3f}s ({v / first[k]:.1f}x)" for k, v in res.items()), flush=True)


if __name__ == "__main__":
    main()
