"""Test data from R's mlbench (Debian r-cran-mlbench): a binary competition folder or a labelled CSV with text labels.

Usage: /usr/bin/python3 tests/grading/mlbench_binary.py folder|csv Ionosphere|Sonar OUT
  folder  OUT in the MLE-bench layout (public/, private/test.csv, competition.json with positiveClass), split by
          bench/_lib/prepare_common.build (seed 0, stratified 80/20). Ionosphere: Class bad/good, positive "bad"
          (sorts first); Sonar: Class M/R, positive "M" (mine).
  csv     OUT is the whole data set as one CSV, Class kept as its text labels.
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench", "_lib"))
import prepare_common  # noqa: E402

POSITIVE = {"Ionosphere": "bad", "Sonar": "M"}


def load(name):
    df = prepare_common.load_rda(f"/usr/lib/R/site-library/mlbench/data/{name}.rda", name)
    for c in df.columns:
        if str(df[c].dtype) == "category":
            df[c] = df[c].astype(str)
    return df


def main(mode, name, out):
    df = load(name)
    if mode == "csv":
        os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
        df.to_csv(out, index=False, lineterminator="\n")
        return
    y = df["Class"]
    X = df.drop(columns=["Class"])
    spec = {"id": os.path.basename(os.path.abspath(out)), "title": f"mlbench {name}", "metric": "auc",
            "taskType": "binary", "idColumn": "id", "targetColumns": ["Class"], "answerColumn": "Class",
            "classes": sorted(y.unique().tolist()), "positiveClass": POSITIVE[name],
            "source": {"package": "r-cran-mlbench", "path": f"mlbench/data/{name}.rda"}}
    prepare_common.build(spec, X, y, out, out)


if __name__ == "__main__":
    main(*sys.argv[1:4])
