"""Builds health-visits (regression, RMSLE) from python3-statsmodels randhie.csv
(RAND Health Insurance Experiment, 20,190 rows). Target mdvis = doctor visits."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

import pandas as pd  # noqa: E402

CSV = "/usr/lib/python3/dist-packages/statsmodels/datasets/randhie/randhie.csv"
SPEC = {
    "id": "health-visits",
    "title": "Health Visits: predict yearly outpatient doctor visits (RAND HIE)",
    "metric": "rmsle", "taskType": "regression", "idColumn": "id",
    "targetColumns": ["mdvis"], "answerColumn": "mdvis",
    "source": {"package": "python3-statsmodels", "path": CSV},
    "suite": "test",
}

if __name__ == "__main__":
    df = pd.read_csv(CSV)
    build(SPEC, df.drop(columns=["mdvis"]), df["mdvis"], HERE, parse_out(HERE))
