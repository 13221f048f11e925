"""Builds soybean-disease (19-class, log-loss) from r-cran-mlbench Soybean.rda
(UCI large soybean). Features are categorical codes with missing values."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

import pandas as pd  # noqa: E402

RDA = "/usr/lib/R/site-library/mlbench/data/Soybean.rda"


def load():
    df = load_rda(RDA, "Soybean")
    y = df["Class"].astype(str)
    X = df.drop(columns=["Class"]).rename(columns=lambda c: c.replace(".", "_"))
    for c in X.columns:  # factor levels are "0".."6"; keep codes, NaN = missing
        X[c] = pd.to_numeric(X[c].astype(object)).astype("Int64")
    return X, y


# The 19 diseases, sorted (this order = submission column order).
CLASSES = [
    "2-4-d-injury",
    "alternarialeaf-spot",
    "anthracnose",
    "bacterial-blight",
    "bacterial-pustule",
    "brown-spot",
    "brown-stem-rot",
    "charcoal-rot",
    "cyst-nematode",
    "diaporthe-pod-&-stem-blight",
    "diaporthe-stem-canker",
    "downy-mildew",
    "frog-eye-leaf-spot",
    "herbicide-injury",
    "phyllosticta-leaf-spot",
    "phytophthora-rot",
    "powdery-mildew",
    "purple-seed-stain",
    "rhizoctonia-root-rot",
]

SPEC = {
    "id": "soybean-disease",
    "title": "Soybean Disease: diagnose 19 soybean diseases from categorical symptoms",
    "metric": "logloss", "taskType": "multiclass", "idColumn": "id",
    "targetColumns": CLASSES, "answerColumn": "disease", "classes": CLASSES,
    "source": {"package": "r-cran-mlbench", "path": RDA, "object": "Soybean"},
    "suite": "dev",
}

if __name__ == "__main__":
    X, y = load()
    assert sorted(y.unique()) == CLASSES
    build(SPEC, X, y, HERE, parse_out(HERE))
