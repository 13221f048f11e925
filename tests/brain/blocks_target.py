# Test driver for the target encoding (target_features template), run by templates.test.ts: on house-votes (binary,
# sixteen categorical votes with missing values) and DNA splice junctions (three classes, sixty nucleotide columns),
# for each of three folds: flipping a fit row's label never changes that row's own encoding (fit rows are encoded out
# of an inner K-fold), changing the fold's validation labels changes no encoding at all, and the rows outside the fit
# rows (validation and test) get the smoothed mean target of all the fit rows. Prints facts as JSON.
# Usage: /usr/bin/python3 SCRIPT BENCH_DIR
# gome:stub-begin (names defined by the sections this driver is appended to; the test strips this block)
from _gome_job import np, pd, category_codes, target_encoding, TE_SMOOTHING
# gome:stub-end
import json
import os
import sys

from sklearn.model_selection import KFold

bench = sys.argv[1]
facts = {}
for name, target in (("house-votes", "republican"), ("dna-splice-junctions", "junction")):
    tr_df = pd.read_csv(os.path.join(bench, name, "public", "train.csv"))
    te_df = pd.read_csv(os.path.join(bench, name, "public", "test.csv"))
    cats = [c for c in tr_df.columns if c not in ("id", target)]
    X_all = pd.concat([tr_df[cats], te_df[cats]], ignore_index=True)
    codes = category_codes(X_all, cats)
    classes, y = np.unique(tr_df[target].astype(str).values, return_inverse=True)
    K = len(classes)
    n_tr = len(y)
    rng = np.random.RandomState(0)
    per_fold = []
    for k, (fit_idx, va_idx) in enumerate(KFold(3, shuffle=True, random_state=0).split(np.arange(n_tr))):
        vals, names = target_encoding(codes, cats, fit_idx, y, False, K, 42 + k)
        # a fit row's own label never enters its own encoding (but does enter the other rows')
        own_unchanged, others_changed = True, False
        for r in rng.choice(fit_idx, 8, replace=False):
            y2 = y.copy()
            y2[r] = (y2[r] + 1) % K
            v2 = target_encoding(codes, cats, fit_idx, y2, False, K, 42 + k)[0]
            own_unchanged = own_unchanged and bool(np.array_equal(v2[r], vals[r]))
            others_changed = others_changed or bool(not np.array_equal(np.delete(v2, r, axis=0), np.delete(vals, r, axis=0)))
        # the fold's validation labels changed: no row's encoding moves
        y3 = y.copy()
        y3[va_idx] = rng.randint(0, K, len(va_idx))
        v3 = target_encoding(codes, cats, fit_idx, y3, False, K, 42 + k)[0]
        # validation and test rows: the smoothed mean target of all the fit rows (first column, last class)
        c0 = codes[:, 0]
        t = (y[fit_idx] == K - 1).astype(float) if K > 2 else (y[fit_idx] == 1).astype(float)
        prior = t.mean()
        table = pd.Series(t).groupby(c0[fit_idx]).agg(["sum", "count"])
        expect = np.array([(table["sum"].get(c, 0.0) + TE_SMOOTHING * prior) / (table["count"].get(c, 0) + TE_SMOOTHING) for c in c0])
        col = (K - 1) if K > 2 else 0
        outside = np.concatenate([va_idx, np.arange(n_tr, len(codes))])
        per_fold.append({
            "shape": list(vals.shape),
            "n_names": len(names),
            "own_label_never_encodes_itself": own_unchanged,
            "flip_reaches_other_rows": others_changed,
            "blind_to_validation_labels": bool(np.array_equal(v3, vals)),
            "outside_rows_match_fit_rows_mean": bool(np.allclose(vals[outside, col], expect[outside], atol=1e-6)),
            "fit_rows_differ_from_full_fit": bool(not np.allclose(vals[fit_idx, col], expect[fit_idx], atol=1e-6)),
        })
    facts[name] = {"rows": len(codes), "categoricals": len(cats), "classes": K, "folds": per_fold}
# regression: the mean target, one column per categorical
yr = np.linspace(0.0, 1.0, 40)
vr, nr = target_encoding(category_codes(pd.DataFrame({"g": ["a", "b"] * 20}), ["g"]), ["g"], np.arange(30), yr, True, 1, 0)
facts["regression"] = {"shape": list(vr.shape), "names": nr,
                       "test_rows_ok": bool(np.allclose(vr[30:, 0], np.where(np.arange(30, 40) % 2 == 0,
                                            (yr[0:30:2].sum() + TE_SMOOTHING * yr[:30].mean()) / (15 + TE_SMOOTHING),
                                            (yr[1:30:2].sum() + TE_SMOOTHING * yr[:30].mean()) / (15 + TE_SMOOTHING))))}
print(json.dumps(facts))
