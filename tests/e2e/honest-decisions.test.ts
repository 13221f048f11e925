// Honest decisions on real data (kernlab's spam, 3,680 training rows, scored by AUC or by log loss), runs of the whole
// loop: with shuffled labels (two minutes) nothing is progress under either rule (at most one change accepted after the
// first draft, the best score stays at chance); with the true labels (five minutes) the same rule accepts changes that
// hold up on the test set.
import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { py, tempDir } from '../grading/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BUDGET_MS = 120_000;
const POWER_BUDGET_MS = 300_000;

/**
 * A copy of the bundled spam competition, scored by AUC or by its own log loss; with `shuffle`, its labels (train and
 * answers) permuted.
 */
function spamCopy(shuffle: boolean, metric: 'auc' | 'logloss' = 'auc'): string {
  const dir = join(tempDir('gome-honest-'), `spam-${metric}${shuffle ? '-shuffled' : ''}`);
  cpSync(join(REPO, 'bench', 'spam-detection'), dir, { recursive: true });
  rmSync(join(dir, 'prepare.py'));
  rmSync(join(dir, 'leaderboard.csv'));
  const spec = JSON.parse(readFileSync(join(dir, 'competition.json'), 'utf8'));
  writeFileSync(join(dir, 'competition.json'), JSON.stringify({ ...spec, id: `spam-${metric}${shuffle ? '-shuffled' : ''}`, metric, lowerIsBetter: metric === 'logloss' }, null, 2));
  if (metric === 'auc') {
    writeFileSync(join(dir, 'description.md'), readFileSync(join(dir, 'description.md'), 'utf8').replace(/log[- ]?loss|logarithmic loss/gi, 'area under the ROC curve'));
  }
  if (shuffle) {
    py(String.raw`
import json, sys, numpy as np, pandas as pd
d = json.load(sys.stdin)
rng = np.random.RandomState(12345)
for f in ("public/train.csv", "private/test.csv"):
    t = pd.read_csv(d + "/" + f)
    t["spam"] = rng.permutation(t["spam"].values)
    t.to_csv(d + "/" + f, index=False)
print("null")`, dir);
  }
  return dir;
}

/** The log loss of always predicting the training rows' spam share: chance level for a loss. */
function chanceLogLoss(dir: string): number {
  return py<number>(String.raw`
import json, sys, numpy as np, pandas as pd
p = pd.read_csv(json.load(sys.stdin) + "/public/train.csv")["spam"].mean()
print(json.dumps(float(-(p * np.log(p) + (1 - p) * np.log(1 - p)))))`, dir);
}

/** Test AUC of a submission and, by a paired bootstrap over test rows, the standard error of a difference. */
const TEST_AUC = String.raw`
import json, sys, numpy as np, pandas as pd
from sklearn.metrics import roc_auc_score
a = json.load(sys.stdin)
y = pd.read_csv(a["answers"]).set_index("id")["spam"]
p1 = pd.read_csv(a["first"]).set_index("id").loc[y.index, "spam"].values
p2 = pd.read_csv(a["final"]).set_index("id").loc[y.index, "spam"].values
yv = y.values
rng = np.random.RandomState(0)
diffs = []
for _ in range(500):
    i = rng.randint(0, len(yv), len(yv))
    if yv[i].min() == yv[i].max():
        continue
    diffs.append(roc_auc_score(yv[i], p2[i]) - roc_auc_score(yv[i], p1[i]))
print(json.dumps({"first": roc_auc_score(yv, p1), "final": roc_auc_score(yv, p2), "se": float(np.std(diffs, ddof=1))}))`;

describe('honest decisions', () => {
  it('honest - on shuffled labels the loop reports no progress: at most one change accepted, the best stays at chance', async () => {
    const r = await runCompetition({ competitionDir: spamCopy(true), runsRoot: tempDir('gome-honest-runs-'), runId: 'noise', progress: null,
      config: { budgetMs: BUDGET_MS, preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } } });
    const m = r.metrics;
    expect(m.experiments).toBeGreaterThanOrEqual(3); // it did try things
    expect(m.first_score).not.toBeNull();
    expect(m.accepted_after_first).toBeLessThanOrEqual(1);
    expect(Math.abs(m.best_score! - 0.5)).toBeLessThanOrEqual(0.02);
    expect(Math.abs(m.confirmation_score! - 0.5)).toBeLessThanOrEqual(0.1); // held-back rows: chance too (a small slice)
    const saved = JSON.parse(readFileSync(join(r.runDir, 'metrics.json'), 'utf8'));
    expect(saved).toMatchObject({ accepted_after_first: m.accepted_after_first, best_score: m.best_score, first_score: m.first_score });
  }, 300_000);

  it('honest - on shuffled labels scored by log loss the per-fold ratio rule is not fooled: the best stays at or above chance', async () => {
    // the loss rule compares log ratios per fold (acceptance.ts). Unlike AUC, a loss can be worse than chance (an
    // overfit draft), so moving toward chance is real progress and may be accepted; going below it cannot be
    const dir = spamCopy(true, 'logloss');
    const chance = chanceLogLoss(dir);
    const r = await runCompetition({ competitionDir: dir, runsRoot: tempDir('gome-honest-runs-'), runId: 'noise-loss', progress: null,
      config: { budgetMs: BUDGET_MS, preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } } });
    const m = r.metrics;
    expect(m.experiments).toBeGreaterThanOrEqual(3);
    expect(m.first_score).not.toBeNull();
    // no accepted change reports a loss below always predicting the spam share: the selection score, and the
    // held-back rows that no selection saw
    expect(m.best_score!).toBeGreaterThanOrEqual(chance - 0.01);
    expect(m.confirmation_score!).toBeGreaterThanOrEqual(chance - 0.03);
    const saved = JSON.parse(readFileSync(join(r.runDir, 'metrics.json'), 'utf8'));
    expect(saved).toMatchObject({ best_score: m.best_score, first_score: m.first_score });
  }, 300_000);

  // The power half runs for 5 minutes. On spam in 2 minutes the gains on offer are about the size of the noise
  // (measured 2026-11-24: stacking +0.0009 AUC at 1.35 SE, hill climbing +0.0008 at 1.04 SE, and the one change beyond
  // noise moved the test set by -0.00004 against an SE of 0.00024). In 5 minutes the hill-climbed ensemble clears
  // 2 corrected SE (+0.0017 AUC over the draft) and the test set moves by +0.0008 against an SE of 0.0008.
  // The jobs are deterministic, so the same path repeats.
  it('honest - on the true labels the same rule accepts changes, and the final test score beats the first draft beyond its standard error', async () => {
    const dir = spamCopy(false);
    const budgetMs = Number(process.env.GOME_POWER_BUDGET_MS ?? POWER_BUDGET_MS);
    const r = await runCompetition({ competitionDir: dir, runsRoot: process.env.GOME_POWER_RUNS ?? tempDir('gome-honest-runs-'), runId: 'power', progress: null,
      config: { budgetMs, preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } } });
    const m = r.metrics;
    expect(m.accepted_after_first).toBeGreaterThanOrEqual(1);
    const experiments = readFileSync(join(r.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const first = experiments.find((e) => e.status === 'accepted')!;
    const t = py<{ first: number; final: number; se: number }>(TEST_AUC, {
      answers: join(dir, 'private', 'test.csv'), first: join(r.runDir, 'submissions', `${first.id}.csv`), final: r.submissionPath,
    });
    expect(t.final - t.first).toBeGreaterThan(t.se);

    // the same run shows two feedback rules of the diagnosis firing where their condition holds, and only there
    const log = readFileSync(join(r.runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).body);
    const asked = new Map(log.filter((b) => b?.type === 'brain.research.request').map((b) => [b.id, b.payload]));
    const pairs = log.filter((b) => b?.type === 'brain.research.reply' && asked.has(b.causation))
      .map((b) => ({ req: asked.get(b.causation)!, problems: b.payload.diagnosis as Array<{ summary: string; evidence: string }> }));
    // ensemble members: fires once the SOTA is an ensemble whose members have their own scores, naming them strongest first
    const members = (q: { sota: { feedback: { model_scores?: Record<string, number> } | null } | null }) => Object.entries(q.sota?.feedback?.model_scores ?? {});
    const ensembleSota = pairs.filter((x) => members(x.req).length > 1);
    expect(ensembleSota.length).toBeGreaterThan(0);
    for (const x of pairs) {
      const p = x.problems.find((d) => d.summary === 'Ensemble members differ in strength');
      if (members(x.req).length <= 1) { expect(p).toBeUndefined(); continue; }
      const ranked = members(x.req).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k}=${v.toPrecision(4)}`).join(', ');
      expect(p?.evidence).toBe(ranked);
    }
    // stagnation: fires when three or more changes since the last SOTA failed, not before
    expect(pairs.some((x) => x.req.failures.length >= 3)).toBe(true);
    for (const x of pairs) {
      expect(x.problems.some((d) => d.summary.startsWith('Stagnation')), `${x.req.failures.length} failures`).toBe(x.req.failures.length >= 3);
    }
  }, 900_000);
});
