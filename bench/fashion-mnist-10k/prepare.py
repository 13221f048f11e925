"""Builds fashion-mnist-10k (10-class, accuracy) from dataset-fashion-mnist: 10,000 of the 60,000
training images of Fashion-MNIST, drawn without replacement with numpy RandomState(0), as 784 pixel
columns (0-255, row-major 28x28). Stratified 80/20 split (seed 0): 8,000 train, 2,000 test."""
import gzip
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "_lib"))
from prepare_common import build, parse_out  # noqa: E402,F401

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = "/usr/share/datasets/fashion-mnist"
IMAGES = f"{ROOT}/train-images-idx3-ubyte.gz"
LABELS = f"{ROOT}/train-labels-idx1-ubyte.gz"
N = 10_000
SPEC = {
    "id": "fashion-mnist-10k",
    "title": "Fashion-MNIST 10k: name the garment in a 28x28 grey-scale image",
    "metric": "accuracy", "taskType": "multiclass", "idColumn": "id",
    "targetColumns": ["label"], "answerColumn": "label", "classes": list(range(10)),
    "source": {"package": "dataset-fashion-mnist", "file": "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz"},
    "sources": [IMAGES, LABELS],
    "imageShape": [28, 28],  # pixel{28 r + c}: row r, column c
    "suite": "test",
    # a run's stated budget: a network on 8,000 images needs more than the tabular tasks' 5 minutes on 2 cores
    "budgetMinutes": 15,
}


def read_idx(path):
    """An IDX file (magic: 0, 0, dtype 0x08 = uint8, number of dimensions; then big-endian sizes)."""
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert raw[0] == 0 and raw[1] == 0 and raw[2] == 0x08, path
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


if __name__ == "__main__":
    images, labels = read_idx(IMAGES), read_idx(LABELS)
    assert images.shape == (60000, 28, 28) and labels.shape == (60000,)
    pick = np.sort(np.random.RandomState(0).choice(len(images), N, replace=False))
    X = pd.DataFrame(images[pick].reshape(N, 784).astype(np.int64), columns=[f"pixel{i}" for i in range(784)])
    y = pd.Series(labels[pick].astype(np.int64))
    build(SPEC, X, y, HERE, parse_out(HERE))
