"""Builds spam-detection (binary, log-loss) from r-cran-kernlab spam.rda
(UCI Spambase, 4,601 e-mails, 57 word/char frequency features). Target spam=1."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401


RDA = "/usr/lib/R/site-library/kernlab/data/spam.rda"
SPEC = {
    "id": "spam-detection",
    "title": "Spam Detection: probability that an e-mail is spam",
    "metric": "logloss", "taskType": "binary", "idColumn": "id",
    "targetColumns": ["spam"], "answerColumn": "spam",
    "classes": [0, 1], "positiveClass": 1,
    "source": {"package": "r-cran-kernlab", "path": RDA, "object": "spam"},
    "suite": "dev",
}

if __name__ == "__main__":
    df = load_rda(RDA, "spam")
    y = (df["type"].astype(str) == "spam").astype(int)
    build(SPEC, df.drop(columns=["type"]), y, HERE, parse_out(HERE))
