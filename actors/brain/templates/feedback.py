# ── feedback: the runtime estimate for the full run, gome_feedback.json and the lines the GPU node reads from stdout ──
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import os, json, time, np, pd, T0, OUT_DIR, MODE, DEBUG, METRIC, ENSEMBLE, IS_REG, K, SEEDS, N_SEEDS
from _gome_job import MAX_TRAIN_ROWS, N_FULL, N_USED, N_FOLDS, FULL_FOLDS, FOLD_SOURCE, N_JOBS, MODELS, est
from _gome_job import n_estimators_full, scaling, model_seconds, names, results, importances, n_model_features
from _gome_job import feature_cols, cat_cols, text_cols, missing_frac, n_ho, holdout, target, classes, y, y_raw
from _gome_job import ens, ens_used, ens_folds, ens_train, ens_score, ens_oof_score, weights
from _gome_job import search_log, search_seconds, SEARCH_TRIALS, SEARCH_TRIALS_FULL, SEARCH_SECONDS_FULL
from _gome_job import TARGET_ENCODING, T_LOADED, T_DESIGNED
from _gome_job import fit_seconds, predict_seconds, design_seconds, fit_rows_per_fold, predict_rows_per_fold, n_te
from _gome_job import probes, probe_seconds, fit_growth
# gome:stub-end


def clean(v):
    """v with numpy scalars as plain numbers and non-finite floats as None (JSON-safe)."""
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, (np.floating, float)):
        v = float(v)
        return v if np.isfinite(v) else None
    if isinstance(v, np.integer):
        return int(v)
    return v


# Runtime estimate for the full run. In debug mode: the RAW extrapolation of this run, part by part:
#   - loading (both modes read every row): as measured;
#   - the target-free features: scaled by the rows featurised (train, test, holdout);
#   - per model, its fits scaled by the rows fitted on and the estimators (by the shares its cost probe measured
#     where it was probed, else to the family's exponents), and its
#     predictions by the rows each fold predicts (the test and holdout rows are the same in both modes) and the
#     estimators; both times the folds and the seeds of the full run;
#   - the search like its model's fits, times the full run's trials per debug trial;
#   - each fold's target-based features by the rows and the folds; the rest (ensemble, outputs) by the rows.
# No safety margin: the GPU node learns the correction from measured full runs. In full mode: the time this run took.
elapsed = time.time() - T0
if DEBUG:
    row_ratio = min(N_FULL, MAX_TRAIN_ROWS) / max(1, N_USED)
    fold_ratio = FULL_FOLDS / N_FOLDS
    seed_ratio = SEEDS / N_SEEDS
    full_fit_rows = min(N_FULL * (1.0 - 1.0 / FULL_FOLDS), MAX_TRAIN_ROWS)
    fit_row_ratio = full_fit_rows / max(1.0, fit_rows_per_fold)
    predict_row_ratio = (N_FULL / FULL_FOLDS + n_te + n_ho + min(2000.0, full_fit_rows)) / max(1.0, predict_rows_per_fold)
    feature_row_ratio = (N_FULL + n_te + n_ho) / max(1, N_USED + n_te + n_ho)
else:
    row_ratio, fold_ratio, seed_ratio, fit_row_ratio, predict_row_ratio, feature_row_ratio = 1.0, 1.0, 1.0, 1.0, 1.0, 1.0
estimate_models = {}
for m in MODELS:
    n_full = n_estimators_full(m["family"], m["params"])
    est_ratio = (n_full / est(n_full)) if n_full else 1.0
    sc = scaling(m["family"])
    per_fit = fold_ratio * seed_ratio
    probe = probes.get(m["name"]) if DEBUG else None
    row_factor, est_factor = fit_growth(probe, sc, fit_row_ratio, est_ratio)
    fit_full = fit_seconds[m["name"]] * row_factor * est_factor * per_fit
    predict_full = (predict_seconds[m["name"]] * predict_row_ratio * est_ratio ** sc["predict_estimators"]
                    * fit_row_ratio ** sc["predict_rows"] * per_fit)
    estimate_models[m["name"]] = {"fit_seconds": fit_seconds[m["name"]], "predict_seconds": predict_seconds[m["name"]],
                                  "scaling": sc, "estimator_ratio": est_ratio, "probe": probe,
                                  "fit_row_factor": row_factor, "fit_estimator_factor": est_factor,
                                  "full_seconds": fit_full + predict_full}
# the search (spec "search"): its trials scale like the main model's fits, times the full run's trials per debug trial
search_est_ratio = float(np.mean([s["estimator_ratio"] for s in search_log])) if search_log else 1.0
trial_ratio = SEARCH_TRIALS_FULL / SEARCH_TRIALS if SEARCH_TRIALS > 0 else 1.0
main_sc = scaling(MODELS[0]["family"])
search_rows, search_est = fit_growth(probes.get(MODELS[0]["name"]) if DEBUG else None, main_sc, fit_row_ratio, search_est_ratio)
search_factor = search_rows * search_est
search_uncapped = search_seconds * search_factor * fold_ratio * trial_ratio
search_full = search_uncapped
# a full fold's search starts no trial that its trials' mean time says would end past its allowance: it takes the
# allowance at most (one trial slower than the mean may overrun it; admission's margin is for that). Time so capped is
# a wall-clock bound, not extrapolated compute: the GPU node does not scale it by its learned correction
# (GOME_ESTIMATED_BOUNDED_SECONDS, below)
search_bounded = 0.0
if DEBUG and SEARCH_SECONDS_FULL and SEARCH_TRIALS_FULL > 0:
    per_fold = search_uncapped / FULL_FOLDS
    if SEARCH_SECONDS_FULL < per_fold:
        search_full = FULL_FOLDS * SEARCH_SECONDS_FULL
        search_bounded = search_full
estimate_search = {"seconds": search_seconds, "trial_ratio": trial_ratio, "estimator_ratio": search_est_ratio,
                   "allowance": SEARCH_SECONDS_FULL, "uncapped_full_seconds": search_uncapped, "full_seconds": search_full,
                   "bounded_seconds": search_bounded}
load_seconds = T_LOADED - T0
features_seconds = T_DESIGNED - T_LOADED
# the cost probe's own fits happen in debug mode only: a full run has nothing of them to extrapolate
rest_seconds = max(0.0, elapsed - load_seconds - features_seconds - design_seconds - search_seconds - probe_seconds
                   - sum(fit_seconds.values()) - sum(predict_seconds.values()))
other_full = (load_seconds + features_seconds * feature_row_ratio + design_seconds * feature_row_ratio * fold_ratio
              + rest_seconds * row_ratio)
extrapolated = sum(v["full_seconds"] for v in estimate_models.values()) + estimate_search["full_seconds"] + other_full
estimate = extrapolated if DEBUG else elapsed
estimate_parts = {
    "mode": MODE,
    "row_ratio": row_ratio,
    "fold_ratio": fold_ratio,
    "seed_ratio": seed_ratio,
    "models": estimate_models,
    "search": estimate_search,
    "fit_row_ratio": fit_row_ratio,
    "predict_row_ratio": predict_row_ratio,
    "feature_row_ratio": feature_row_ratio,
    "load_seconds": load_seconds,
    "features_seconds": features_seconds,
    "fold_features_seconds": design_seconds,
    "rest_seconds": rest_seconds,
    "probe_seconds": probe_seconds,
    "other_full_seconds": other_full,
    "extrapolated_seconds": extrapolated,
}
print(f"GOME_ESTIMATED_FULL_SECONDS={estimate:.1f}", flush=True)
if DEBUG and search_bounded > 0:
    print(f"GOME_ESTIMATED_BOUNDED_SECONDS={search_bounded:.1f}", flush=True)

feedback = {
    "cv_scores": ens_folds,
    "train_score": float(np.mean(ens_train)),
    "val_score": ens_score,
    "oof_score": ens_oof_score,
    "cv_std": float(np.std(ens_folds)),
    "n_rows": int(N_FULL),
    "n_rows_used": int(N_USED),
    "n_holdout_rows": int(n_ho),
    "n_features": int(n_model_features),
    "n_raw_features": len(feature_cols),
    "categorical": [str(c) for c in cat_cols],
    "text": [str(c) for c in text_cols],
    "missing_frac": missing_frac,
    "estimated_full_seconds": estimate,
    "estimate_parts": estimate_parts,
    "elapsed_seconds": elapsed,
    "mode": MODE,
    "metric": METRIC,
    "target": str(target),
    "folds": N_FOLDS,
    "fold_source": FOLD_SOURCE,
    "threads": N_JOBS,
    "model_scores": {n: results[n]["score"] for n in names},
    "model_cv_std": {n: results[n]["std"] for n in names},
    "model_train_scores": {n: float(np.mean(results[n]["train"])) for n in names},
    "model_seconds": dict(model_seconds),
    "ensemble": ENSEMBLE,
    "ensemble_used": ens_used,
    "ensemble_fold_methods": ens["fold_methods"],
    "ensemble_candidates": ens["candidates"],
    "ensemble_in_sample_score": ens["in_sample"],
    "ensemble_weights": {n: float(w) for n, w in zip(names, weights / weights.sum())} if weights is not None else {},
    "feature_importance_top10": importances or [],
    "target_encoding": TARGET_ENCODING and bool(cat_cols),
    "search": {"model": MODELS[0]["name"], "trials": SEARCH_TRIALS, "folds": search_log} if search_log else None,
    "prediction_files": ["submission.csv", "oof_predictions.csv"] + (["holdout_predictions.csv"] if holdout is not None else []),
}
if not IS_REG:
    cb = np.bincount(y, minlength=K) / len(y)
    feedback["class_balance"] = {str(c): float(v) for c, v in zip(classes, cb)}
    feedback["minority_frac"] = float(cb.min())
else:
    feedback["target_skew"] = float(pd.Series(y_raw).skew())
    feedback["target_min"] = float(np.min(y_raw))
with open(os.path.join(OUT_DIR, "gome_feedback.json"), "w") as fh:
    json.dump(clean(feedback), fh, indent=1)
print(f"GOME_CV_SCORE={ens_score:.6f}", flush=True)
print(f"done in {elapsed:.1f}s", flush=True)
