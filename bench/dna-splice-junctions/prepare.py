"""Builds dna-splice-junctions (3-class, log-loss, 3,186 rows, 60 categorical columns) from
r-cran-mlbench DNA.rda (UCI/Statlog primate splice-junction DNA). mlbench stores each of the 60
nucleotides as three 0/1 indicators (Statlog coding: A = 100, C = 010, G = 001, T = 000); this
script decodes them back to the letters A/C/G/T (a lossless re-encoding, checked below against
the GT donor / AG acceptor consensus). A 1/3 test split (seed 0) gives >= 1,000 test rows."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, load_rda, parse_out  # noqa: E402,F401

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

RDA = "/usr/lib/R/site-library/mlbench/data/DNA.rda"
CLASSES = ["ei", "ie", "n"]
SPEC = {
    "id": "dna-splice-junctions",
    "title": "DNA Splice Junctions: is this 60-base window an exon/intron boundary, an intron/exon boundary, or neither",
    "metric": "logloss", "taskType": "multiclass", "idColumn": "id",
    "targetColumns": CLASSES, "answerColumn": "junction", "classes": CLASSES,
    "source": {"package": "r-cran-mlbench", "path": RDA, "object": "DNA"},
    "suite": "test",
}


def load():
    df = load_rda(RDA, "DNA")
    bits = df.drop(columns=["Class"]).astype(str).astype(int).to_numpy().reshape(len(df), 60, 3)
    assert bits.sum(axis=2).max() == 1, "each nucleotide has at most one indicator set"
    letters = np.array(["T", "A", "C", "G"])[np.where(bits.sum(axis=2) == 0, 0, bits.argmax(axis=2) + 1)]
    X = pd.DataFrame(letters, columns=[f"p{i:02d}" for i in range(1, 61)])
    y = df["Class"].astype(str).reset_index(drop=True)
    # the splice consensus confirms the decoding: donor (ei) sites start the intron with GT at 31-32,
    # acceptor (ie) sites end it with AG at 29-30
    ei, ie = (y == "ei").to_numpy(), (y == "ie").to_numpy()
    assert (X.loc[ei, "p31"] == "G").mean() > 0.99 and (X.loc[ei, "p32"] == "T").mean() > 0.98
    assert (X.loc[ie, "p29"] == "A").mean() > 0.99 and (X.loc[ie, "p30"] == "G").mean() > 0.99
    return X, y


if __name__ == "__main__":
    X, y = load()
    assert sorted(y.unique()) == CLASSES
    build(SPEC, X, y, HERE, parse_out(HERE), test_size=1 / 3)
