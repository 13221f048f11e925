# Test driver for the target-features template (pair_features), run by templates.test.ts: pair features are ranked
# on the fit rows' labels only. On diabetes (regression) and breast cancer (binary), for the training rows of each of
# three folds, the pairs must not change when the labels of the other rows change, must match sklearn's own F-score
# ranking of the fit rows, and must cover every row. Prints facts as JSON.
# gome:stub-begin (names defined by the sections this driver is appended to; the test strips this block)
from _gome_job import np, pd, pair_features
# gome:stub-end
import json

from sklearn import datasets
from sklearn.feature_selection import f_classif, f_regression
from sklearn.model_selection import KFold

facts = {}
for name, load, is_reg in (("diabetes", datasets.load_diabetes, True), ("breast_cancer", datasets.load_breast_cancer, False)):
    d = load()
    src = pd.DataFrame(d.data, columns=[str(c).replace(" ", "_") for c in d.feature_names])
    cols = list(src.columns)
    y = d.target
    rng = np.random.RandomState(0)
    per_fold = []
    for tr, va in KFold(3, shuffle=True, random_state=0).split(src):
        vals, names = pair_features(src, cols, tr, y, 4, is_reg)
        # other rows' labels scrambled: the pairs must not move
        y2 = y.copy()
        y2[va] = rng.permutation(y2[va]) if is_reg else 1 - y2[va]
        vals2, names2 = pair_features(src, cols, tr, y2, 4, is_reg)
        f = (f_regression if is_reg else f_classif)(src.iloc[tr].values, y[tr])[0]
        top = [cols[i] for i in np.argsort(-f, kind="stable")[:4]]
        a, b = top[0], top[1]
        per_fold.append({
            "shape": list(vals.shape),
            "names": names,
            "expected_top": top,
            "independent_of_other_rows": bool(names == names2 and np.array_equal(vals, vals2, equal_nan=True)),
            "mul_ok": bool(np.allclose(vals[:, names.index(a + "_mul_" + b)], (src[a] * src[b]).astype(np.float32).values)),
            "sub_ok": bool(np.allclose(vals[:, names.index(a + "_sub_" + b)], (src[a] - src[b]).astype(np.float32).values)),
        })
    facts[name] = {"rows": len(src), "folds": per_fold}
one = pd.DataFrame({"x": datasets.load_diabetes().data[:, 0]})
facts["one_column"] = list(pair_features(one, ["x"], np.arange(100), datasets.load_diabetes().target, 4, True)[1])
print(json.dumps(facts))
