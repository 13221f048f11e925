"""Builds fertility-work (binary, AUC, 254,654 rows: the large-data competition) from r-cran-aer Fertility.rda
(1980 US Census, married women aged 21-35 with two or more children; Angrist and Evans 1998, via Stock and Watson
2007). Target worked = 1 when the woman worked at least one week in 1979 (AER's `work`, weeks worked, > 0).
Features: the seven other columns as AER ships them (morekids, gender1, gender2 and the three ethnicity flags as
their factor labels, age in years). Stratified 80/20 split (seed 0): 203,723 training rows, 50,931 test rows."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

RDA = "/usr/lib/R/site-library/AER/data/Fertility.rda"
FACTORS = {"morekids": ["no", "yes"], "gender1": ["female", "male"], "gender2": ["female", "male"],
           "afam": ["no", "yes"], "hispanic": ["no", "yes"], "other": ["no", "yes"]}
SPEC = {
    "id": "fertility-work",
    "title": "Fertility and Work: did a mother of two or more children work in 1979",
    "metric": "auc", "taskType": "binary", "idColumn": "id",
    "targetColumns": ["worked"], "answerColumn": "worked",
    "classes": [0, 1], "positiveClass": 1,
    "source": {"package": "r-cran-aer", "path": RDA, "object": "Fertility"},
    "suite": "dev",
}


def load():
    df = load_rda(RDA, "Fertility")
    assert len(df) == 254654 and not df.isna().any().any()
    assert list(df.columns) == ["morekids", "gender1", "gender2", "age", "afam", "hispanic", "other", "work"]
    X = df.drop(columns=["work"]).copy()
    for c, levels in FACTORS.items():
        X[c] = X[c].astype(str).astype(object)
        assert sorted(X[c].unique()) == levels, c
    X["age"] = X["age"].astype(int)
    y = (df["work"].astype(int) > 0).astype(int)
    return X, y


if __name__ == "__main__":
    X, y = load()
    build(SPEC, X, y, HERE, parse_out(HERE))
