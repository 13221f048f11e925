# The forest-features probe: how a random-forest or extra-trees fit's time grows with the features each split
# considers (max_features), against the default ('sqrt' of the columns for a classifier). It is the measurement behind
# actors/brain/cost-estimate.ts's FOREST_FIXED_FEATURES. Run with the Debian ML stack, on an otherwise idle machine:
#   /usr/bin/python3 bench/calibrate/forest_features.py
# It reads the bundled competitions' public train.csv (real data), fits 60 trees per setting on 2 threads and prints,
# per table and family, the seconds per setting, the ratio to the default and the exponent log(ratio)/log(features
# ratio). A tree's cost is closer to linear in (a per-tree share + the features per split) than to a power law.
import math
import os
import sys
import time

import numpy as np
import pandas as pd
from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor

HERE = os.path.dirname(os.path.abspath(__file__))
TABLES = [  # (competition, target column, is_reg, rows fitted)
    ("fashion-mnist-10k", "label", False, 5440),
    ("letter-recognition", "letter", False, 8000),
    ("dna-splice-junctions", "junction", False, 2000),
    ("health-visits", "mdvis", True, 4000),
]
SHARES = [0.1, 0.3, 0.55, 1.0]


def load(name, target, rows):
    df = pd.read_csv(os.path.join(HERE, "..", name, "public", "train.csv"))
    y = df[target]
    X = df.drop(columns=[c for c in (target, "id") if c in df.columns])
    X = X.apply(lambda s: s.astype("category").cat.codes if s.dtype == object else s)
    return X.to_numpy(dtype=float)[:rows], (y.to_numpy() if y.dtype != object else y.astype("category").cat.codes.to_numpy())[:rows]


def timed(cls, X, y, mf):
    best = math.inf
    for rep in range(2):
        t = time.perf_counter()
        cls(n_estimators=60, max_features=mf, n_jobs=2, random_state=rep).fit(X, y)
        best = min(best, time.perf_counter() - t)
    return best


def main():
    out = []
    for name, target, is_reg, rows in TABLES:
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        X, y = load(name, target, rows)
        p = X.shape[1]
        default_k = p if is_reg else max(1, int(math.sqrt(p)))
        fams = {"rf": RandomForestRegressor if is_reg else RandomForestClassifier,
                "et": ExtraTreesRegressor if is_reg else ExtraTreesClassifier}
        for fam, cls in fams.items():
            t0 = timed(cls, X, y, 1.0 if is_reg else "sqrt")
            for share in SHARES:
                k = max(1, int(share * p))
                if k == default_k:
                    continue
                t = timed(cls, X, y, share)
                exp = math.log(t / t0) / math.log(k / default_k)
                out.append(exp)
                print(f"{name:22s} {fam} {X.shape[0]}x{p}: default k={default_k} {t0:.2f}s; max_features={share} "
                      f"(k={k}) {t:.2f}s, ratio {t / t0:.2f}, exponent {exp:.2f}", flush=True)
    print(f"median exponent {float(np.median(out)):.2f} over {len(out)} settings")


if __name__ == "__main__":
    main()
