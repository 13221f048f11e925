# ── cost_probe: in debug mode, how much of a model's fit time grows with the rows and how much with the estimators ──
# The debug run fits on a row sample with a fifth of the estimators, and the runtime estimate scales its fit times up
# to the full run. Fixed costs (per fit, per estimator) dominate small fits and grow with nothing, so how far a fit
# grows depends on the table: the family exponents (SCALING), fitted on the dev half's narrow tables, say rows^0.28 for
# XGBoost, while on 784 pixel columns its time grows nearly in proportion to the rows. Where the estimate matters,
# the debug run measures the split instead of assuming it. A fit's time is modelled as
#     t(rows, estimators) = (a + b * rows) * (c + d * estimators),
# and two extra fits on one fold (half its rows; half its estimators) give the shares of the measured fit that grow
# with each: p = b*rows / (a + b*rows) = (1 - t_half_rows / t) / (1 - half_rows / rows), and q alike. The full fit is
# then t * ((1 - p) + p * rows_full / rows) * ((1 - q) + q * estimators_full / estimators).
# gome:stub-begin (names defined by the constants block and earlier sections; the assembler strips this block)
from _gome_job import np, time, make_model, fit, n_estimators_full
# gome:stub-end

# A model is probed when a linear bound of its full fits (every fit scaled in proportion to its rows and estimators)
# exceeds PROBE_MIN_SECONDS (below it the family exponents' error costs at most seconds) and its fit on the probed fold took at
# least PROBE_MIN_FIT_SECONDS. Shorter fits are the regime the exponents were fitted in, and there the probe misleads:
# timer noise is a large part of a 0.1 s fit, and on a few hundred rows a tree's size still grows with the rows
# (histogram boosting on 250 spam rows measured 90% of its time growing with the rows: its
# estimate came out 2.3 times its actual full run).
PROBE_MIN_SECONDS = 15.0
PROBE_MIN_FIT_SECONDS = 1.0
# Families whose fit the probe models; a network's epochs already grow in proportion (SCALING), and kNN's cost is
# in its predictions.
PROBED_FAMILIES = ("hgb", "xgb", "rf", "et", "linear")


def _share(t_full, t_half, size_ratio):
    """The share of t_full that grows with a size which the probe cut to size_ratio of itself, in [0, 1]."""
    if t_full <= 0 or size_ratio >= 1:
        return None
    return float(min(1.0, max(0.0, (1.0 - t_half / t_full) / (1.0 - size_ratio))))


def grow(t, share, ratio):
    """t grown by ratio in the part of it (share) that grows in proportion."""
    return t * ((1.0 - share) + share * ratio)


def fit_growth(probe, sc, row_ratio, est_ratio):
    """How far a model's fit time grows from the debug run to the full run, as (rows factor, estimators factor): by the
    shares its probe measured where it was probed, else by its family's exponents (sc, SCALING)."""
    if probe and "rows_share" in probe:
        return grow(1.0, probe["rows_share"], row_ratio), grow(1.0, probe["estimators_share"], est_ratio)
    return row_ratio ** sc["fit_rows"], est_ratio ** sc["fit_estimators"]


def probe_fit(m, t_fit, bound_seconds, X, yv, idx, seed, spec, is_reg, n_jobs, est, max_k):
    """One fold's split of model m's fit time (t_fit: its fit on rows idx with est's estimators), or None where the model
    is not probed. Returns {rows_share, estimators_share, seconds, ...} ({failed, seconds} where a probe fit failed);
    seconds is the probe's own time."""
    if (m["family"] not in PROBED_FAMILIES or bound_seconds < PROBE_MIN_SECONDS or t_fit < PROBE_MIN_FIT_SECONDS
            or len(idx) < 200):
        return None
    t0 = time.time()
    half = np.sort(np.random.RandomState(seed).choice(idx, len(idx) // 2, replace=False))
    n_full = n_estimators_full(m["family"], m["params"])
    estimators_share, t_est, n_used, n_half = 0.0, None, None, None
    try:
        t_rows = time.time()
        fit(make_model(m, seed, spec, is_reg, n_jobs, est, max_k), X[half], yv[half])
        t_rows = time.time() - t_rows
        if n_full:
            n_used = est(n_full)
            n_half = max(1, n_used // 2)
            if n_half < n_used:
                t_est = time.time()
                fit(make_model(m, seed, spec, is_reg, n_jobs, lambda _n: n_half, max_k), X[idx], yv[idx])
                t_est = time.time() - t_est
                estimators_share = _share(t_fit, t_est, n_half / n_used)
    except Exception as e:  # a probe that cannot fit (a class missing from half the rows) leaves the exponents in use
        print(f"cost probe of {m['name']} skipped: {type(e).__name__}: {e}", flush=True)
        return {"failed": f"{type(e).__name__}: {e}", "seconds": time.time() - t0}
    rows_share = _share(t_fit, t_rows, len(half) / len(idx))
    # a share the timings cannot give (a fit measured at 0 s) is taken as all of it: the estimate errs high
    return {"fit_seconds": t_fit, "half_rows_seconds": t_rows, "half_estimators_seconds": t_est,
            "rows": int(len(idx)), "half_rows": int(len(half)), "estimators": n_used, "half_estimators": n_half,
            "rows_share": 1.0 if rows_share is None else rows_share,
            "estimators_share": 1.0 if estimators_share is None else estimators_share,
            "bound_seconds": bound_seconds, "seconds": time.time() - t0}
