# Test driver for the features template (target_free_features) on real data, run by templates.test.ts after the
# template itself: breast cancer (sklearn; numeric, skewed), house-votes (bundled; categorical with missing votes) and
# DNA splice junctions (bundled; its 60 nucleotide columns read as codons make a text column). Prints facts as JSON.
# Usage: /usr/bin/python3 SCRIPT BENCH_DIR
# gome:stub-begin (names defined by the sections this driver is appended to; the test strips this block)
from _gome_job import np, pd, target_free_features, is_text_column
# gome:stub-end
import json
import os
import sys

from sklearn import datasets

bench = sys.argv[1]
FE_OFF = {"log1p": False, "rowStats": False, "count": False, "text": "stats"}
facts = {}

# breast cancer: numeric only
d = datasets.load_breast_cancer()
bc = pd.DataFrame(d.data, columns=[c.replace(" ", "_") for c in d.feature_names])
cols = list(bc.columns)
plain = target_free_features(bc, cols, FE_OFF, "onehot", 20, [], 0)
full = target_free_features(bc, cols, dict(FE_OFF, log1p=True, rowStats=True, count=True), "onehot", 20, [], 0)
skewed = [c for c in cols if bc[c].min() >= 0 and bc[c].skew() > 1.0]
facts["bc"] = {
    "rows": len(bc),
    "plain_columns": list(plain["X"].columns),
    "plain_dtype": str(plain["X"].dtypes.unique()[0]),
    "plain_equals_raw": bool(np.array_equal(plain["X"].values, bc.values.astype(np.float32))),
    "num_cols": plain["num_cols"], "cat_cols": plain["cat_cols"], "text_cols": plain["text_cols"],
    "skewed": skewed,
    "log1p_applied": [c for c in cols if np.allclose(full["X"][c].values, np.log1p(bc[c].values).astype(np.float32))],
    "unchanged": [c for c in cols if np.array_equal(full["X"][c].values, bc[c].values.astype(np.float32))],
    "full_columns": list(full["X"].columns),
    "row_mean_ok": bool(np.allclose(full["X"]["row_mean"].values, full["num"].mean(axis=1).values, rtol=1e-5)),
    "count_columns": [c for c in full["X"].columns if c.endswith("_count")],
    "low_card_numeric": [c for c in cols if 2 <= bc[c].nunique() <= 200],
}

# digits: 8 x 8 images whose border pixels are often constant; kept as they are, the pixels stay in place (a network
# reads them by position): no constant pixel dropped, none log1p-transformed, row statistics after them
dg = datasets.load_digits()
px = pd.DataFrame(dg.data, columns=[f"pixel{i}" for i in range(64)])
pcols = list(px.columns)
kept = target_free_features(px, pcols, dict(FE_OFF, log1p=True, rowStats=True), "onehot", 20, [], 0, pcols)
dropped = target_free_features(px, pcols, dict(FE_OFF, log1p=True, rowStats=True), "onehot", 20, [], 0)
facts["digits"] = {
    "constant": [c for c in pcols if px[c].nunique() <= 1],
    "skewed": [c for c in pcols if px[c].min() >= 0 and px[c].skew() > 1.0],
    "kept_first": list(kept["X"].columns[:64]),
    "kept_raw": bool(np.array_equal(kept["X"].values[:, :64], px.values.astype(np.float32))),
    "kept_after": list(kept["X"].columns[64:]),
    "dropped_columns": list(dropped["X"].columns),
}

# house-votes: categorical votes (n / y) with missing values
hv = pd.concat([pd.read_csv(os.path.join(bench, "house-votes", "public", f)) for f in ("train.csv", "test.csv")], ignore_index=True)
votes = [c for c in hv.columns if hv[c].dtype == object]
out = {"rows": len(hv), "votes": votes, "missing": int(hv[votes].isna().sum().sum())}
for enc, max_oh in (("onehot", 20), ("onehot", 1), ("ordinal", 20), ("frequency", 20)):
    r = target_free_features(hv, votes, dict(FE_OFF, count=True), enc, max_oh, [], 0)
    X = r["X"]
    v0 = votes[0]
    s = hv[v0]
    item = {"columns": list(X.columns), "cat_cols": r["cat_cols"], "num_cols": r["num_cols"], "nan_cells": int(X.isna().sum().sum())}
    if enc == "onehot" and max_oh >= 2:
        item["dummy_ok"] = bool(np.array_equal(X[v0 + "_y"].values, (s == "y").astype(np.float32).values)
                                and np.array_equal(X[v0 + "_n"].values, (s == "n").astype(np.float32).values))
    if enc == "ordinal":
        # codes in sorted order (n = 0, y = 1), NaN stays NaN
        want = s.map({"n": 0.0, "y": 1.0}).astype(np.float32).values
        item["ordinal_ok"] = bool(np.array_equal(X[v0 + "_ord"].values, want, equal_nan=True))
    if enc == "frequency" or max_oh < 2:
        share = s.value_counts(normalize=True)
        want = s.map(share).astype(np.float32).values
        item["freq_ok"] = bool(np.array_equal(X[v0 + "_freq"].values, want, equal_nan=True))
    # count encoding: how often each value (missing included, as its own value) occurs
    cnt = s.astype(str).map(s.astype(str).value_counts()).astype(np.float32).values
    item["count_ok"] = bool(np.array_equal(X[v0 + "_count"].values, cnt))
    out[f"{enc}_{max_oh}"] = item
facts["hv"] = out

# DNA splice junctions: the sequence as codon "words" is free text (long, mostly distinct) without any hint
dna = pd.read_csv(os.path.join(bench, "dna-splice-junctions", "public", "train.csv"))
pos = [c for c in dna.columns if c.startswith("p")]
seq = dna[pos].astype(str).agg("".join, axis=1)
frame = pd.DataFrame({"sequence": seq.map(lambda t: " ".join(t[i:i + 3] for i in range(0, len(t), 3)))})
stats = target_free_features(frame, ["sequence"], FE_OFF, "onehot", 20, [], 0)
tfidf = target_free_features(frame, ["sequence"], dict(FE_OFF, text="tfidf"), "onehot", 20, [], 0)
tfidf2 = target_free_features(frame, ["sequence"], dict(FE_OFF, text="tfidf"), "onehot", 20, [], 0)
facts["dna"] = {
    "rows": len(frame),
    "detected_text": bool(is_text_column(frame["sequence"], "sequence", [])),
    "short_column_text": bool(is_text_column(dna["p01"], "p01", [])),
    "hinted_short_column_text": bool(is_text_column(dna["p01"], "p01", ["p01"])),
    "text_cols": stats["text_cols"],
    "stats_columns": list(stats["X"].columns),
    "words": sorted(set(stats["X"]["sequence_words"].tolist())) if "sequence_words" in stats["X"] else [],
    "tfidf_svd_columns": len([c for c in tfidf["X"].columns if c.startswith("sequence_svd")]),
    "tfidf_deterministic": bool(np.array_equal(tfidf["X"].values, tfidf2["X"].values)),
}
print(json.dumps(facts))
