"""Builds breast-cancer-diagnosis (binary, AUC) from python3-sklearn's
breast_cancer.csv (Wisconsin Diagnostic Breast Cancer). Target malignant=1."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

from sklearn.datasets import load_breast_cancer  # noqa: E402

SPEC = {
    "id": "breast-cancer-diagnosis",
    "title": "Breast Cancer Diagnosis: malignant or benign from cell-nucleus measurements",
    "metric": "auc", "taskType": "binary", "idColumn": "id",
    "targetColumns": ["malignant"], "answerColumn": "malignant",
    "classes": [0, 1], "positiveClass": 1,
    "source": {"package": "python3-sklearn",
               "path": "/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv",
               "loader": "sklearn.datasets.load_breast_cancer"},
    "suite": "dev", "smoke": True,
}

if __name__ == "__main__":
    d = load_breast_cancer(as_frame=True)
    X = d.data.rename(columns=lambda c: c.replace(" ", "_"))
    y = (d.target == 0).astype(int)  # sklearn: 0 = malignant, 1 = benign
    build(SPEC, X, y, HERE, parse_out(HERE))
