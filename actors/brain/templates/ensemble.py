# ── ensemble: the spec's combination of the models, fitted by the nested level-2 code on their out-of-fold predictions ──
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, ENSEMBLE, METRIC, N_FOLDS, names, results, y, y_raw, fold_of_row, splits, tr_subs
from _gome_job import HAS_HOLDOUT, hshape, level2, apply_level2, metric, to_target
# gome:stub-end
if len(names) == 1:
    methods = ["single"]
elif ENSEMBLE == "avg":
    methods = ["avg"]
elif ENSEMBLE == "hill":
    methods = ["hill"]
elif ENSEMBLE == "stack":
    # a level-2 model on the out-of-fold predictions, kept (per fold, nested) only where it beats hill climbing
    methods = ["hill", "stack"]
else:
    methods = ["best"]
ens = level2(methods, [results[n]["oof"] for n in names], y, y_raw, fold_of_row, N_FOLDS)
ens_used = ens["method"]
ens_oof = ens["oof"]
ens_test = apply_level2(ens["final"], [results[n]["test"] for n in names])
# (without holdout rows there is nothing to predict: a stacker cannot predict zero rows)
ens_holdout = apply_level2(ens["final"], [results[n]["holdout"] for n in names]) if HAS_HOLDOUT else np.zeros(hshape)
ens_tr = [apply_level2(ens["fold_combiners"][k], [results[n]["tr"][k] for n in names]) for k in range(N_FOLDS)]
weights = ens["final"][1] if ens["final"][0] == "w" else None
if len(methods) > 1:
    print("level-2 candidates (nested CV): " + ", ".join(f"{m} {METRIC}={s:.6f}" for m, s in ens["candidates"].items()), flush=True)
ens_folds = [metric(y_raw[va_idx], to_target(ens_oof[va_idx])) for _, va_idx in splits]
ens_train = [metric(y_raw[tr_subs[k]], to_target(ens_tr[k])) for k in range(N_FOLDS)]
ens_score = float(np.mean(ens_folds))
# the pooled out-of-fold score: what a harness computes from oof_predictions.csv over all its rows
ens_oof_score = float(metric(y_raw, to_target(ens_oof)))
print(f"ensemble ({ENSEMBLE} -> {ens_used}"
      + (f", weights {[round(float(w), 3) for w in weights / weights.sum()]}" if weights is not None else "")
      + f"): {METRIC}={ens_score:.6f} nested (in-sample {ens['in_sample']:.6f})", flush=True)
