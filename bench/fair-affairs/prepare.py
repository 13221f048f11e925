"""Builds fair-affairs (regression, RMSE) from python3-statsmodels fair.csv
(Fair 1978 extramarital affairs survey, 6,366 rows). Target affairs."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

import pandas as pd  # noqa: E402

CSV = "/usr/lib/python3/dist-packages/statsmodels/datasets/fair/fair.csv"
SPEC = {
    "id": "fair-affairs",
    "title": "Fair Affairs: predict time spent in extramarital affairs",
    "metric": "rmse", "taskType": "regression", "idColumn": "id",
    "targetColumns": ["affairs"], "answerColumn": "affairs",
    "source": {"package": "python3-statsmodels", "path": CSV},
    "suite": "dev",
}

if __name__ == "__main__":
    df = pd.read_csv(CSV)
    build(SPEC, df.drop(columns=["affairs"]), df["affairs"], HERE, parse_out(HERE))
