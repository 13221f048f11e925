"""Standard error of ONE submission's test score, next to each competition's medal thresholds.

Usage: /usr/bin/python3 bench/_lib/score_se.py [NAME ...] [--boot 1000] [--leaderboards]
(--leaderboards prints the leaderboard summary table of bench/README.md instead: N, best, thresholds, worst.)

Method. For every competition (default: all bundled ones) the leaderboard gives the MLE-bench thresholds
(gold/silver/bronze = the scores at rows max(1, int(0.1 N)), max(1, int(0.2 N)), max(1, int(0.4 N)) for N < 100;
median = median of all scores). Two reference submissions are taken from the reference population: the pipeline
AT the gold row ("gold-level") and the pipeline whose score is nearest the median ("median-level"). Their test
predictions come from bench/<id>/.population/predictions.npz (written by reference_population.py) or, when that
cache is missing, by refitting just those pipelines (tuned ones from tuned.json, so no search); either way the
re-graded score must equal the leaderboard's (checked). The test rows are then resampled with replacement
B = 1000 times (numpy RandomState(0)); each resample is scored with the competition's metric (bench/_lib/metrics.py).
  SE(gold), SE(median)  the standard deviation of the B bootstrap scores of that one submission;
  SE(diff)              the standard deviation of the paired bootstrap difference gold-level minus median-level
                        (same resampled rows for both), i.e. the noise in comparing the two;
  separated             |gold - median| > 2 * max(SE(gold), SE(median)).
Prints a Markdown table (the one in bench/README.md).
"""
import argparse
import os
import sys
import warnings

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import reference_population as rp  # noqa: E402
from grade import grade  # noqa: E402
from metrics import binary_truth, score  # noqa: E402


def medal_rows(n):
    if n < 100:
        return max(1, int(n * 0.1)), max(1, int(n * 0.2)), max(1, int(n * 0.4))
    raise ValueError("reference leaderboards have fewer than 100 rows")


def graded_arrays(sub, answers, comp):
    """(y_true, y_pred, classes) aligned by id, in the shapes metrics.score takes (as grade.py builds them)."""
    idc, targets = comp["idColumn"], comp["targetColumns"]
    sub = sub.assign(_k=sub[idc].astype(str)).set_index("_k")
    ans = answers.assign(_k=answers[idc].astype(str)).set_index("_k")
    sub = sub.loc[ans.index]
    y_true = ans[comp["answerColumn"]].to_numpy()
    if comp["taskType"] == "binary" and comp["metric"] in ("auc", "logloss") and len(targets) == 1:
        y_true = binary_truth(y_true, comp.get("positiveClass"))
    if comp["metric"] == "accuracy":
        return y_true, sub[targets[0]].astype(str).str.strip().to_numpy(), None
    vals = sub[targets].to_numpy(dtype=float)
    return y_true, (vals[:, 0] if len(targets) == 1 else vals), comp.get("classes")


def submissions(name, names):
    """{pipeline: submission DataFrame} for the named pipelines, from the cache or by refitting."""
    comp_dir = os.path.join(HERE, "..", name)
    cache = os.path.join(comp_dir, ".population", "predictions.npz")
    _, comp, train, test, answers = rp.load_task(name)
    if os.path.exists(cache):
        with np.load(cache) as z:
            if all(n in z.files for n in names):
                y, _ = rp.population_for(comp, train[comp["featureColumns"]], train[comp["answerColumn"]],
                                         with_extra=False)
                enc = rp.LabelEncoder().fit(y) if comp["taskType"] != "regression" else None
                return {n: rp.to_submission(z[n], test, comp, enc) for n in names}, comp, answers, "cache"
    preds, ctx = rp.predictions(name, only=names, log=lambda _l: None)
    return ({n: rp.to_submission(preds[n], test, comp, ctx["enc"]) for n in names}, comp, answers, "refit")


def analyse(name, boot=1000):
    lb = pd.read_csv(os.path.join(HERE, "..", name, "leaderboard.csv"))
    scores = lb["score"].to_numpy(dtype=float)
    n = len(scores)
    g, s, b = medal_rows(n)
    med = float(np.median(scores))
    gold_name = lb["teamId"].iloc[g - 1]
    med_name = lb["teamId"].iloc[int(np.argmin(np.abs(scores - med)))]
    subs, comp, answers, how = submissions(name, [gold_name, med_name])
    out = {"name": name, "metric": comp["metric"], "n": n, "test": len(answers), "suite": comp.get("suite", "?"),
           "smoke": bool(comp.get("smoke")), "gold": scores[g - 1], "silver": scores[s - 1], "bronze": scores[b - 1],
           "median": med, "gold_name": gold_name, "med_name": med_name, "how": how}
    arrays = {}
    for key, pname in (("gold", gold_name), ("med", med_name)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            regraded = round(grade(subs[pname], answers, comp), 5)
        listed = float(lb.loc[lb["teamId"] == pname, "score"].iloc[0])
        if abs(regraded - listed) > 1e-5:
            raise SystemExit(f"{name}: {pname} re-grades to {regraded}, the leaderboard says {listed}")
        arrays[key] = graded_arrays(subs[pname], answers, comp)
    rng = np.random.RandomState(0)
    m = len(answers)
    bs = {"gold": [], "med": []}
    for _ in range(boot):
        idx = rng.randint(0, m, m)
        for key, (yt, yp, classes) in arrays.items():
            yt_b = yt[idx]
            if comp["metric"] == "auc" and len(np.unique(yt_b)) < 2:
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                bs[key].append(score(comp["metric"], yt_b, yp[idx], classes))
    k = min(len(bs["gold"]), len(bs["med"]))
    g_arr, m_arr = np.array(bs["gold"][:k]), np.array(bs["med"][:k])
    out["se_gold"], out["se_med"] = float(g_arr.std(ddof=1)), float(m_arr.std(ddof=1))
    out["se_diff"] = float((g_arr - m_arr).std(ddof=1))
    out["gap"] = abs(out["gold"] - out["median"])
    out["separated"] = out["gap"] > 2 * max(out["se_gold"], out["se_med"])
    return out


def leaderboards(names):
    print("| competition | metric | N | best (pipeline) | gold | silver | bronze | median | worst | tuned models "
          "in the population |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        lb = pd.read_csv(os.path.join(HERE, "..", name, "leaderboard.csv"))
        comp = rp.load_competition(os.path.join(HERE, "..", name))
        sc = lb["score"].to_numpy(dtype=float)
        g, s_, b = medal_rows(len(sc))
        tuned = "yes" if lb["teamId"].str.startswith("tuned_").any() else "no (untuned population)"
        print(f"| `{name}` | {comp['metric']} | {len(sc)} | {sc[0]:g} ({lb['teamId'].iloc[0]}) | {sc[g - 1]:g} | "
              f"{sc[s_ - 1]:g} | {sc[b - 1]:g} | {round(float(np.median(sc)), 5):g} | {sc[-1]:g} | {tuned} |")


def half_order(name):
    """test half first, then dev, then the smoke tests; by name within each."""
    comp = rp.load_competition(os.path.join(HERE, "..", name))
    return (comp.get("suite") != "test", bool(comp.get("smoke")), name)


def fmt(x):
    return f"{x:.5f}" if abs(x) < 100 else f"{x:.1f}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("names", nargs="*")
    p.add_argument("--boot", type=int, default=1000)
    p.add_argument("--leaderboards", action="store_true")
    a = p.parse_args()
    sys.path.insert(0, os.path.join(HERE, ".."))
    from prepare_all import competitions
    names = a.names or sorted(competitions(), key=half_order)
    if a.leaderboards:
        return leaderboards(names)
    print("| competition | half | test rows | metric | N | gold | silver | bronze | median | SE(gold-level) "
          "| SE(median-level) | SE(gold−median, paired) | gap gold−median in SE | > 2 SE? |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name in names:
        r = analyse(name, a.boot)
        half = r["suite"] + (" (smoke)" if r["smoke"] else "")
        se = max(r["se_gold"], r["se_med"])
        print(f"| `{name}` | {half} | {r['test']:,} | {r['metric']} | {r['n']} | {fmt(r['gold'])} | "
              f"{fmt(r['silver'])} | {fmt(r['bronze'])} | {fmt(r['median'])} | {fmt(r['se_gold'])} | "
              f"{fmt(r['se_med'])} | {fmt(r['se_diff'])} | {r['gap'] / se:.1f} | "
              f"{'yes' if r['separated'] else '**no**'} |", flush=True)
        print(f"<!-- {name}: gold-level {r['gold_name']}, median-level {r['med_name']} ({r['how']}) -->",
              file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()
