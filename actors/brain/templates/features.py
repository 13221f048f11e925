# ── features: target-free encodings (numeric transforms, row statistics, categorical and text encodings) ──
# Every step here is fitted on features only, never on a label, so it may see the train, test and holdout rows at once.
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, pd
# gome:stub-end


def is_text_column(s, name, text_hint):
    """Whether the non-numeric column s holds free text (rather than categories)."""
    s = s.dropna().astype(str)
    if len(s) == 0:
        return False
    return name in text_hint or (s.str.len().mean() > 40 and s.nunique() > 0.3 * len(s))


def target_free_features(X_all, feature_cols, fe, encoding, max_onehot, text_hint, seed, keep_cols=()):
    """The model features of every row of X_all (the train, test and holdout feature rows stacked).
    fe: the spec's feature settings (log1p, rowStats, count, text); encoding ("onehot", "ordinal" or "frequency") and
    max_onehot: how categorical columns are encoded; text_hint: columns known to hold text; seed: for the text SVD;
    keep_cols: columns kept as they are, even when constant (an image's pixels, which a network reads by position).
    Returns a dict: X (a float32 frame, constant columns dropped), num (the numeric columns, after log1p: the source
    of the pair features), num_cols, cat_cols and text_cols."""
    num_cols = [c for c in feature_cols if pd.api.types.is_numeric_dtype(X_all[c])]
    obj_cols = [c for c in feature_cols if c not in num_cols]
    text_cols = [c for c in obj_cols if is_text_column(X_all[c], c, text_hint)]
    cat_cols = [c for c in obj_cols if c not in text_cols]
    parts = []
    num = X_all[num_cols].astype(float) if num_cols else pd.DataFrame(index=X_all.index)
    keep = set(str(c) for c in keep_cols)
    if fe["log1p"]:
        # log1p of skewed non-negative numeric columns
        for c in (c for c in num_cols if str(c) not in keep):
            col = num[c]
            if col.notna().sum() > 10 and col.min() >= 0 and col.skew() > 1.0:
                num[c] = np.log1p(col)
    parts.append(num)
    if fe["rowStats"] and num_cols:
        # row statistics over the numeric columns
        parts.append(pd.DataFrame({"row_mean": num.mean(axis=1), "row_std": num.std(axis=1), "row_min": num.min(axis=1),
                                   "row_max": num.max(axis=1), "row_nan": X_all[feature_cols].isna().sum(axis=1).astype(float)}))
    # categorical encoding
    for c in cat_cols:
        s = X_all[c].astype(str).where(X_all[c].notna(), np.nan)
        if encoding == "onehot" and s.nunique() <= max_onehot:
            parts.append(pd.get_dummies(s, prefix=str(c), dtype=float))
        elif encoding == "ordinal":
            codes = pd.Series(pd.factorize(s, sort=True)[0], index=s.index).astype(float)
            parts.append(codes.where(codes >= 0, np.nan).rename(str(c) + "_ord"))
        else:
            # frequency encoding (also one-hot's fallback for high-cardinality columns)
            parts.append(s.map(s.value_counts(normalize=True)).astype(float).rename(str(c) + "_freq"))
    if fe["count"]:
        # count encoding (categoricals, or low-cardinality numerics when there are none)
        count_src = cat_cols if cat_cols else [c for c in num_cols if 2 <= X_all[c].nunique() <= 200]
        for c in count_src:
            s = X_all[c].astype(str)
            parts.append(s.map(s.value_counts()).astype(float).rename(str(c) + "_count"))
    # text columns: length and word count, plus TF-IDF reduced by SVD when asked
    for c in text_cols:
        s = X_all[c].fillna("").astype(str)
        parts.append(pd.DataFrame({str(c) + "_len": s.str.len().astype(float), str(c) + "_words": s.str.split().str.len().astype(float)}))
        if fe["text"] == "tfidf":
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.decomposition import TruncatedSVD
            try:
                tf = TfidfVectorizer(max_features=20000, ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(s)
                k = int(max(1, min(48, tf.shape[1] - 1)))
                sv = TruncatedSVD(n_components=k, random_state=seed).fit_transform(tf)
                parts.append(pd.DataFrame(sv, columns=[str(c) + "_svd" + str(i) for i in range(k)]))
            except ValueError as e:
                print("tfidf skipped for", c, e)
    X = pd.concat([p.reset_index(drop=True) for p in parts], axis=1)
    # unique column names: a repeated name gets a "__<n>" suffix
    X.columns = [str(c) + ("" if i == 0 else "__" + str(i)) for c, i in zip(X.columns, pd.Series(X.columns.astype(str)).groupby(X.columns.astype(str)).cumcount())]
    X = X.replace([np.inf, -np.inf], np.nan)
    X = X.drop(columns=[c for c in X.columns if c not in keep and X[c].nunique(dropna=False) <= 1])
    if X.shape[1] == 0:
        X = pd.DataFrame({"bias": np.zeros(len(X_all))})
    return dict(X=X.astype(np.float32), num=num, num_cols=num_cols, cat_cols=cat_cols, text_cols=text_cols)
