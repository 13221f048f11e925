"""Builds shuttle-flight-control (7-class, log-loss, 58,000 rows) from r-cran-mlbench Shuttle.rda
(UCI Statlog Shuttle). A 10% test split (seed 0) keeps >= 50k training rows (52,200) and gives
5,800 test rows; the classes are very imbalanced (78.6% Rad.Flow, 10 rows of Bpv.Close)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

RDA = "/usr/lib/R/site-library/mlbench/data/Shuttle.rda"
# The 7 classes, sorted (this order = submission column order).
CLASSES = ["Bpv.Close", "Bpv.Open", "Bypass", "Fpv.Close", "Fpv.Open", "High", "Rad.Flow"]
SPEC = {
    "id": "shuttle-flight-control",
    "title": "Shuttle Flight Control: which state is the radiator in, from 9 sensor readings",
    "metric": "logloss", "taskType": "multiclass", "idColumn": "id",
    "targetColumns": CLASSES, "answerColumn": "state", "classes": CLASSES,
    "source": {"package": "r-cran-mlbench", "path": RDA, "object": "Shuttle"},
    "suite": "test",
}

if __name__ == "__main__":
    df = load_rda(RDA, "Shuttle")
    y = df["Class"].astype(str)
    assert sorted(y.unique()) == CLASSES
    X = df.drop(columns=["Class"]).astype(int)  # the nine readings are integers stored as doubles
    X.columns = [f"s{i}" for i in range(1, 10)]
    build(SPEC, X, y, HERE, parse_out(HERE), test_size=0.1)
