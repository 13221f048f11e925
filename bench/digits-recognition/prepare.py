"""Builds digits-recognition (10-class, accuracy) from python3-sklearn's
digits.csv.gz (UCI optical recognition of handwritten digits, 8x8 images)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

from sklearn.datasets import load_digits  # noqa: E402

SPEC = {
    "id": "digits-recognition",
    "title": "Digits Recognition: classify 8x8 handwritten digit images",
    "metric": "accuracy", "taskType": "multiclass", "idColumn": "id",
    "targetColumns": ["label"], "answerColumn": "label",
    "classes": [str(i) for i in range(10)],
    "source": {"package": "python3-sklearn",
               "path": "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz",
               "loader": "sklearn.datasets.load_digits"},
    "suite": "dev",
}

if __name__ == "__main__":
    d = load_digits(as_frame=True)
    X = d.data.astype(int)
    build(SPEC, X, d.target.astype(int), HERE, parse_out(HERE))
