// Honest decisions on real data (kernlab's spam, 3,680 training rows, scored by AUC or by log loss), runs of the whole
// loop: with shuffled labels (two minutes) nothing is progress under either rule (at most one change accepted after the
// first draft, the best score stays at chance); with the true labels (five minutes) two diagnosis rules fire exactly
// where they hold. The power test (the same rule's gains holding up on a test
// set) is in honest-power.test.ts, on tweet-source.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { py, tempDir } from '../grading/helpers.ts';
import { competitionCopy } from '../helpers/competition-copy.ts';

const BUDGET_MS = 120_000;
const POWER_BUDGET_MS = 300_000;

/** The log loss of always predicting the training rows' spam share: chance level for a loss. */
function chanceLogLoss(dir: string): number {
  return py<number>(String.raw`
import json, sys, numpy as np, pandas as pd
p = pd.read_csv(json.load(sys.stdin) + "/public/train.csv")["spam"].mean()
print(json.dumps(float(-(p * np.log(p) + (1 - p) * np.log(1 - p)))))`, dir);
}

describe('honest decisions', () => {
  it('honest - on shuffled labels the loop reports no progress: at most one change accepted, the best stays at chance', async () => {
    const r = await runCompetition({ competitionDir: competitionCopy('spam-detection', true), runsRoot: tempDir('gome-honest-runs-'), runId: 'noise', progress: null,
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
    const dir = competitionCopy('spam-detection', true, 'logloss');
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

  // Spam's true labels for five minutes, to check two feedback rules of the diagnosis where their conditions hold: the
  // ensemble-members rule needs a SOTA that is an ensemble. Spam's first draft is strong (CV AUC 0.9894): its
  // ensembles gain about +0.0008, within the noise, and are rightly rejected at the default k = 2 (and at k = 1;
  // measured 2026-11-24). So this run accepts any mean per-fold gain (--accept-k 0): the rules under test here are the
  // diagnosis's, not the acceptance's (the power test is honest-power.test.ts, at the default k).
  it('honest - on spam\'s true labels the ensemble-members and stagnation rules fire exactly where they hold', async () => {
    const dir = competitionCopy('spam-detection', false);
    const r = await runCompetition({ competitionDir: dir, runsRoot: tempDir('gome-honest-runs-'), runId: 'spam-true', progress: null,
      config: { budgetMs: POWER_BUDGET_MS, preset: 'quick', acceptK: 0, limits: { debugMs: 60_000, fullMs: 120_000 } } });
    expect(r.metrics.experiments).toBeGreaterThanOrEqual(4);

    // the same run shows two feedback rules of the diagnosis firing where their condition holds, and only there of the diagnosis firing where their condition holds, and only there
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
