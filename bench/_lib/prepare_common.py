"""Shared helpers for bench/<name>/prepare.py: load Debian-shipped data (.rda files, or an R package's
lazy-load data base), make a deterministic (seed 0) 80/20 split with shuffled integer ids, and write the
MLE-bench layout (public/, private/, competition.json with the source files listed in `sources`, .prepared)."""
import argparse
import hashlib
import json
import os
import shutil
import sys
import warnings

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from metric_table import LOWER_IS_BETTER  # noqa: E402  (directions: protocols/metric-table.json)

SEED = 0
TEST_SIZE = 0.2


def parse_out(comp_dir):
    p = argparse.ArgumentParser(description="Prepare one bundled competition.")
    p.add_argument("--out", default=comp_dir, help="output folder (default: the competition folder)")
    return os.path.abspath(p.parse_args().out)


def load_rda(path, name):
    """Read data frame `name` from an R .rda file with python3-rdata."""
    import rdata
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rdata.conversion.convert(rdata.parser.parse_file(path))[name]


def load_lazy_rdb(data_dir, name):
    """Read object `name` from an installed R package's lazy-load data base (data_dir/Rdata.rdx + Rdata.rdb, as
    packages built with LazyData ship their data, e.g. r-cran-dslabs) with python3-rdata, without R. Rdata.rdx is a
    gzip-compressed serialised list whose `variables` gives each object's (offset, length) in Rdata.rdb; each entry
    there is a 4-byte big-endian uncompressed length followed by a zlib stream (R's `compressed` = TRUE) holding the
    serialised object (R's lazyLoadDBfetch)."""
    import gzip
    import struct
    import zlib

    import rdata
    from rdata.parser._parser import parse_rdata_binary

    def parse(raw):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return rdata.conversion.convert(parse_rdata_binary(memoryview(raw)))

    with open(os.path.join(data_dir, "Rdata.rdx"), "rb") as f:
        index = parse(gzip.decompress(f.read()))
    if [bool(x) for x in np.atleast_1d(index["compressed"])] != [True]:
        raise ValueError(f"{data_dir}: only zlib-compressed lazy-load data bases are supported")
    offset, length = (int(x) for x in index["variables"][name])
    with open(os.path.join(data_dir, "Rdata.rdb"), "rb") as f:
        f.seek(offset)
        blob = f.read(length)
    size = struct.unpack(">I", blob[:4])[0]
    raw = zlib.decompress(blob[4:])
    if len(raw) != size:
        raise ValueError(f"{data_dir}: {name} decompresses to {len(raw)} bytes, the index says {size}")
    return parse(raw)


def _write_csv(df, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    df.to_csv(path, index=False, lineterminator="\n")


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def with_sources(spec):
    """spec with the source file(s) recorded as `sources`: a list of absolute paths (right after `source`, which
    keeps the package and loader). The GPU node masks every listed file in the job sandbox, so a job cannot read
    the labels from the dataset the competition was cut from (gpu-node/seal.ts)."""
    out = {}
    for k, v in spec.items():
        if k == "sources":
            continue
        if k == "source":
            src = dict(v)
            paths = list(spec.get("sources") or [])
            if src.get("path"):
                paths.append(src.pop("path"))
            out["source"] = src
            out["sources"] = [os.path.abspath(p) for p in dict.fromkeys(paths)]
        else:
            out[k] = v
    if "sources" in spec and "sources" not in out:
        out["sources"] = [os.path.abspath(p) for p in spec["sources"]]
    return out


def build(spec, X, y, comp_dir, out_dir, test_size=TEST_SIZE):
    """spec: competition.json fields except row counts. X: feature DataFrame.
    y: target Series (raw label / 0-1 / number), written as spec['answerColumn'].
    test_size: share of rows held out as the private test set (0.2 unless a task needs >= 1,000 test rows
    from a small data set, or >= 50k training rows from a large one)."""
    X = X.reset_index(drop=True)
    y = pd.Series(y).reset_index(drop=True)
    n = len(X)
    classify = spec["taskType"] != "regression"
    rng = np.random.RandomState(SEED)
    ids = rng.permutation(n)  # ids are a random permutation, unrelated to source order and split
    tr_idx, te_idx = train_test_split(np.arange(n), test_size=test_size, random_state=SEED,
                                      stratify=y if classify else None)
    idc, ans = spec["idColumn"], spec["answerColumn"]
    full = pd.concat([pd.DataFrame({idc: ids}), X, pd.DataFrame({ans: y})], axis=1)
    train = full.iloc[tr_idx].sort_values(idc)
    test = full.iloc[te_idx].sort_values(idc)

    targets, metric = spec["targetColumns"], spec["metric"]
    sample = pd.DataFrame({idc: test[idc].to_numpy()})
    for c in targets:
        if metric == "accuracy":
            sample[c] = train[ans].mode().sort_values().iloc[0]  # most frequent train label
        elif spec["taskType"] == "regression":
            sample[c] = round(float(train[ans].mean()), 6)
        elif spec["taskType"] == "binary":
            sample[c] = 0.5
        else:
            sample[c] = round(1.0 / len(targets), 8)  # uniform over classes

    comp = with_sources(spec)
    comp["lowerIsBetter"] = LOWER_IS_BETTER[metric]
    comp["trainRows"], comp["testRows"] = len(train), len(test)
    comp["featureColumns"] = list(X.columns)

    os.makedirs(out_dir, exist_ok=True)
    files = {
        "public/train.csv": train,
        "public/test.csv": test.drop(columns=[ans]),
        "public/sample_submission.csv": sample,
        "private/test.csv": test[[idc, ans]],
    }
    for rel, df in files.items():
        _write_csv(df, os.path.join(out_dir, rel))
    with open(os.path.join(out_dir, "competition.json"), "w") as f:
        json.dump(comp, f, indent=2)
        f.write("\n")
    if os.path.abspath(out_dir) != os.path.abspath(comp_dir):
        for extra in ("description.md", "leaderboard.csv"):
            src = os.path.join(comp_dir, extra)
            if os.path.exists(src):
                shutil.copyfile(src, os.path.join(out_dir, extra))
    marker = {rel: _sha256(os.path.join(out_dir, rel)) for rel in sorted(files)}
    with open(os.path.join(out_dir, ".prepared"), "w") as f:
        json.dump(marker, f, indent=2, sort_keys=True)
        f.write("\n")
    print(f"{spec['id']}: train {len(train)} rows, test {len(test)} rows -> {out_dir}")
    return comp
