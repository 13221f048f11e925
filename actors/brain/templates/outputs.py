# ── outputs: the prediction files (submission.csv, oof_predictions.csv, holdout_predictions.csv) and scores.csv ──
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import os, np, pd, OUT_DIR, METRIC, IS_REG, K, LOWER_IS_BETTER, classes, id_col, sub_cols, test, sample
from _gome_job import holdout, train_ids, names, results, ens_test, ens_oof, ens_holdout, ens_score
from _gome_job import to_target
# gome:stub-end
if not IS_REG:
    # which class each prediction column holds
    cls_str = [str(c) for c in classes]
    COL_CLASS = {}
    for c in sub_cols:
        if str(c) in cls_str:
            COL_CLASS[c] = cls_str.index(str(c))
    if len(COL_CLASS) < len(sub_cols):
        for c in sub_cols:
            if c not in COL_CLASS:
                for j, s in enumerate(cls_str):
                    if str(c).lower() == s.lower() or str(c).endswith("_" + s):
                        COL_CLASS[c] = j
                        break
    PER_CLASS = len(sub_cols) > 1 or (len(COL_CLASS) == 1 and K > 2)
    if PER_CLASS and len(COL_CLASS) < len(sub_cols) and len(sub_cols) == K:
        COL_CLASS = {c: j for j, c in enumerate(sub_cols)}


def write_predictions(ids, pred, filename):
    """The one writer of every prediction file: the sample submission's id column, then its prediction columns in its
    order with the same kind of values (the value for regression; P(positive class) for binary AUC / log loss; one
    probability column per class; the label for accuracy). pred is in model space, one row per id."""
    final = to_target(np.asarray(pred, dtype=float))
    out = pd.DataFrame({id_col: np.asarray(ids)})
    if IS_REG:
        vals = np.clip(final, 0, None) if METRIC == "rmsle" else final
        for c in sub_cols:
            out[c] = vals
    elif PER_CLASS:
        for c in sub_cols:
            out[c] = final[:, COL_CLASS[c]] if c in COL_CLASS else 0.0
    elif K == 2 and METRIC != "accuracy":
        out[sub_cols[0]] = final[:, 1]
    else:
        out[sub_cols[0]] = classes[final.argmax(axis=1)] if len(final) else []
    out.to_csv(os.path.join(OUT_DIR, filename), index=False)


# submission.csv: the test predictions in the sample's id order
order = np.arange(len(test))
if id_col in test.columns and len(test) == len(sample):
    try:
        pos = pd.Series(np.arange(len(test)), index=test[id_col].values)
        idx = pos.reindex(sample[id_col].values).values
        if not np.isnan(idx.astype(float)).any():
            order = idx.astype(int)
    except Exception as e:  # duplicate ids: keep the file order
        print("id alignment skipped:", e)
write_predictions(sample[id_col].values, ens_test[order] if len(ens_test) == len(sample) else ens_test, "submission.csv")
# oof_predictions.csv: one row per train.csv row used, the final pipeline (ensemble included) predicted out of fold
write_predictions(train_ids, ens_oof, "oof_predictions.csv")
# holdout_predictions.csv: one row per holdout.csv row, predicted exactly like the test rows
if holdout is not None:
    ho_ids = holdout[id_col].values if id_col in holdout.columns else np.arange(len(holdout)).astype(str)
    write_predictions(ho_ids, ens_holdout, "holdout_predictions.csv")

# scores.csv: one row per model plus the ensemble (informational: the harness scores the predictions)
worst = 1e9 if LOWER_IS_BETTER else -1e9
score_rows = {n: results[n]["score"] for n in names}
score_rows["ensemble"] = ens_score
score_rows = {k: (v if np.isfinite(v) else worst) for k, v in score_rows.items()}
pd.DataFrame({METRIC: list(score_rows.values())}, index=pd.Index(list(score_rows.keys()), name="model")).to_csv(os.path.join(OUT_DIR, "scores.csv"))
