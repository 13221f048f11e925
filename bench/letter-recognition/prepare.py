"""Builds letter-recognition (26-class, accuracy, 20,000 rows) from
r-cran-mlbench LetterRecognition.rda (UCI letter image recognition)."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401


RDA = "/usr/lib/R/site-library/mlbench/data/LetterRecognition.rda"
SPEC = {
    "id": "letter-recognition",
    "title": "Letter Recognition: identify capital letters from 16 glyph statistics",
    "metric": "accuracy", "taskType": "multiclass", "idColumn": "id",
    "targetColumns": ["letter"], "answerColumn": "letter",
    "classes": [chr(ord("A") + i) for i in range(26)],
    "source": {"package": "r-cran-mlbench", "path": RDA, "object": "LetterRecognition"},
    "suite": "test",
}

if __name__ == "__main__":
    df = load_rda(RDA, "LetterRecognition")
    X = df.drop(columns=["lettr"]).rename(columns=lambda c: c.replace(".", "_")).astype(int)
    build(SPEC, X, df["lettr"].astype(str), HERE, parse_out(HERE))
