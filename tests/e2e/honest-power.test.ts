// The power half of honest decisions, on dslabs' tweet-source (16,608 training rows with a free-text column, 4,153
// test rows, AUC): with shuffled labels (two minutes) the loop reports no progress; with the true labels (five minutes)
// the same rule accepts changes, and the final submission beats the first draft on the test set by more than the
// standard error of the difference (a paired bootstrap over test rows). A loop that never accepts anything fails it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { py, tempDir } from '../grading/helpers.ts';
import { competitionCopy } from '../helpers/competition-copy.ts';

const BUDGET_MS = 120_000;
const POWER_BUDGET_MS = 300_000;

/** Test AUC of two submissions and, by a paired bootstrap over test rows, the standard error of their difference. */
const TEST_AUC = String.raw`
import json, sys, numpy as np, pandas as pd
from sklearn.metrics import roc_auc_score
a = json.load(sys.stdin)
col, idc = a["column"], a["id"]
y = pd.read_csv(a["answers"]).set_index(idc)[col]
p1 = pd.read_csv(a["first"]).set_index(idc).loc[y.index, col].values
p2 = pd.read_csv(a["final"]).set_index(idc).loc[y.index, col].values
yv = (y.astype(str).values == str(a["positive"])).astype(int)
rng = np.random.RandomState(0)
diffs = []
for _ in range(500):
    i = rng.randint(0, len(yv), len(yv))
    if yv[i].min() == yv[i].max():
        continue
    diffs.append(roc_auc_score(yv[i], p2[i]) - roc_auc_score(yv[i], p1[i]))
print(json.dumps({"first": roc_auc_score(yv, p1), "final": roc_auc_score(yv, p2), "se": float(np.std(diffs, ddof=1))}))`;

describe('honest decisions - power', () => {
  it('honest - on shuffled free-text labels (tweet-source) the loop reports no progress either', async () => {
    // the power test's data, shuffled: its jobs are slower (16,608 rows and a text column), so fewer tries fit
    const r = await runCompetition({ competitionDir: competitionCopy('tweet-source', true), runsRoot: tempDir('gome-honest-runs-'), runId: 'noise-text', progress: null,
      config: { budgetMs: BUDGET_MS, preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } } });
    const m = r.metrics;
    expect(m.experiments).toBeGreaterThanOrEqual(2);
    expect(m.first_score).not.toBeNull();
    expect(m.accepted_after_first).toBeLessThanOrEqual(1);
    expect(Math.abs(m.best_score! - 0.5)).toBeLessThanOrEqual(0.02);
  }, 300_000);

  // The power half runs for 5 minutes on tweet-source (the same data as the noise run above, true labels). Spam was
  // the power set before: its first draft is within about one standard error of what 5 minutes reach on its test set
  // (measured 2026-11-24: +0.00084 test AUC against an SE of 0.00078 in one run, +0.00015 in another, as timing
  // changed the path). On tweet-source (measured 2026-11-24, 5 minutes, 2 cores): the first draft 0.9544 test AUC;
  // text TF-IDF and pair features accepted beyond noise; final 0.9670, a gain of 0.0126 against an SE of 0.0020.
  it('honest - on the true labels the same rule accepts changes, and the final test score beats the first draft beyond its standard error', async () => {
    const dir = competitionCopy('tweet-source', false);
    const spec = JSON.parse(readFileSync(join(dir, 'competition.json'), 'utf8'));
    const budgetMs = Number(process.env.GOME_POWER_BUDGET_MS ?? POWER_BUDGET_MS);
    const r = await runCompetition({ competitionDir: dir, runsRoot: process.env.GOME_POWER_RUNS ?? tempDir('gome-honest-runs-'), runId: 'power', progress: null,
      config: { budgetMs, preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } } });
    const m = r.metrics;
    expect(m.accepted_after_first).toBeGreaterThanOrEqual(1);
    const experiments = readFileSync(join(r.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const first = experiments.find((e) => e.status === 'accepted')!;
    const t = py<{ first: number; final: number; se: number }>(TEST_AUC, {
      answers: join(dir, 'private', 'test.csv'), first: join(r.runDir, 'submissions', `${first.id}.csv`), final: r.submissionPath,
      column: spec.answerColumn, id: spec.idColumn, positive: spec.positiveClass,
    });
    expect(t.final - t.first).toBeGreaterThan(t.se);
  }, 900_000);

});
