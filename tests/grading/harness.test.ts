// The harness's side of the job contract on real data: the run's fixed split (stratified folds, a held-back slice
// whose labels never reach the jobs' data dir) and the scorer, checked against sklearn on a real model's predictions.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCompetition } from '../../grading/competition.ts';
import { prepareHarnessData } from '../../grading/harness-split.ts';
import { HarnessScorer } from '../../grading/harness-scorer.ts';
import { readCsv } from '../../grading/csv.ts';
import { py, repoRoot, tempDir } from './helpers.ts';

const COMP = join(repoRoot, 'bench', 'breast-cancer-diagnosis');

/** Fits a real model per fold of folds.csv in Python and writes the three prediction files like a job would. */
const MODEL = String.raw`
import json, sys, os
import numpy as np, pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.pipeline import make_pipeline
from sklearn.metrics import roc_auc_score
a = json.load(sys.stdin)
d, out = a["data"], a["out"]
tr = pd.read_csv(os.path.join(d, "train.csv")); fo = pd.read_csv(os.path.join(d, "folds.csv"))
ho = pd.read_csv(os.path.join(d, "holdout.csv")); te = pd.read_csv(os.path.join(d, "test.csv"))
tr = tr.merge(fo, on="id")
X = [c for c in te.columns if c != "id"]
oof = np.zeros(len(tr)); hp = np.zeros(len(ho)); per = []
for k in sorted(tr.fold.unique()):
    m = tr.fold == k
    mod = make_pipeline(StandardScaler(), LogisticRegression(C=0.05, max_iter=2000)).fit(tr.loc[~m, X], tr.loc[~m, "malignant"])
    oof[m.values] = mod.predict_proba(tr.loc[m, X])[:, 1]
    hp += mod.predict_proba(ho[X])[:, 1] / tr.fold.nunique()
    per.append(roc_auc_score(tr.loc[m, "malignant"], oof[m.values]))
pd.DataFrame({"id": tr.id, "malignant": oof}).to_csv(os.path.join(out, "oof_predictions.csv"), index=False)
pd.DataFrame({"id": ho.id, "malignant": hp}).to_csv(os.path.join(out, "holdout_predictions.csv"), index=False)
print(json.dumps({"folds": per, "oof": roc_auc_score(tr.malignant, oof)}))
`;

describe('harness', () => {
  it('harness - the split holds back a stratified slice whose labels the jobs never see, and assigns balanced stratified folds', async () => {
    const comp = await loadCompetition(COMP);
    const run = tempDir('gome-harness-');
    const s = await prepareHarnessData(comp, run, { folds: 5, holdoutFrac: 0.15, seed: 3 });
    const train = await readCsv(join(s.dataDir, 'train.csv'));
    const folds = await readCsv(join(s.dataDir, 'folds.csv'));
    const holdout = await readCsv(join(s.dataDir, 'holdout.csv'));
    const labels = await readCsv(s.holdoutLabelsPath!);
    expect(s.trainRows + s.holdoutRows).toBe(455);
    expect(s.holdoutRows).toBeGreaterThanOrEqual(66);
    expect(s.holdoutRows).toBeLessThanOrEqual(70);
    // the slice's labels are nowhere in the jobs' data dir: not as rows of train.csv, not as a column of holdout.csv
    const trainIds = new Set(train.rows.map((r) => r[0]));
    expect(holdout.rows.every((r) => !trainIds.has(r[0]))).toBe(true);
    expect(holdout.header).toEqual((await readCsv(comp.testPath)).header);
    expect(holdout.header).not.toContain('malignant');
    expect(labels.header).toEqual(['id', 'malignant']);
    expect(labels.path.startsWith(s.dataDir)).toBe(false);
    // folds: one per train row, sizes within one of each other, class shares close to the whole
    expect(folds.rows.map((r) => r[0]).sort()).toEqual([...trainIds].sort());
    const size = [0, 0, 0, 0, 0]; const pos = [0, 0, 0, 0, 0];
    const y = new Map(train.rows.map((r) => [r[0], r[train.header.indexOf('malignant')]]));
    for (const [id, f] of folds.rows) { size[Number(f)]!++; if (y.get(id) === '1') pos[Number(f)]!++; }
    expect(Math.max(...size) - Math.min(...size)).toBeLessThanOrEqual(2);
    const share = pos.map((p, i) => p / size[i]!);
    expect(Math.max(...share) - Math.min(...share)).toBeLessThan(0.03);
    // seeded: the same seed gives the same split, another seed another
    const again = await prepareHarnessData(comp, tempDir('gome-harness-'), { folds: 5, holdoutFrac: 0.15, seed: 3 });
    expect(readFileSync(join(again.dataDir, 'folds.csv'), 'utf8')).toBe(readFileSync(join(s.dataDir, 'folds.csv'), 'utf8'));
    const other = await prepareHarnessData(comp, tempDir('gome-harness-'), { folds: 5, holdoutFrac: 0.15, seed: 4 });
    expect(readFileSync(join(other.dataDir, 'folds.csv'), 'utf8')).not.toBe(readFileSync(join(s.dataDir, 'folds.csv'), 'utf8'));
  });

  it('harness - the scorer computes per-fold, pooled and held-back scores from predictions, matching sklearn', async () => {
    const comp = await loadCompetition(COMP);
    const run = tempDir('gome-harness-');
    const s = await prepareHarnessData(comp, run, { folds: 5, holdoutFrac: 0.15, seed: 0 });
    const work = tempDir('gome-harness-job-');
    const ref = py<{ folds: number[]; oof: number }>(MODEL, { data: s.dataDir, out: work });
    const scorer = await HarnessScorer.load(comp, s);
    const h = await scorer.score(work, 'full');
    expect(h.problems).toEqual([]);
    expect(h.rows).toBe(s.trainRows);
    expect(h.folds).toHaveLength(5);
    h.folds.forEach((f, i) => expect(f).toBeCloseTo(ref.folds[i]!, 10));
    expect(h.oof).toBeCloseTo(ref.oof, 10);
    expect(h.holdout).toBeGreaterThan(0.95); // a sound model confirms on rows no selection used
    // scores.csv is not read at all: a claim in it changes nothing
    writeFileSync(join(work, 'scores.csv'), 'model,auc\nensemble,0.99999\n');
    expect(await scorer.score(work, 'full')).toEqual(h);
  });

  it('harness - broken prediction files are contract problems, with reasons', async () => {
    const comp = await loadCompetition(COMP);
    const s = await prepareHarnessData(comp, tempDir('gome-harness-'), { folds: 5, holdoutFrac: 0.15, seed: 0 });
    const scorer = await HarnessScorer.load(comp, s);
    const work = tempDir('gome-harness-job-');
    const missing = await scorer.score(work, 'full');
    expect(missing.problems.join(' ')).toMatch(/oof_predictions\.csv is missing.*holdout_predictions\.csv is missing/);
    py(MODEL, { data: s.dataDir, out: work });
    const oof = readFileSync(join(work, 'oof_predictions.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(work, 'oof_predictions.csv'), oof.slice(0, 100).join('\n') + '\n99999,0.5\n');
    const partial = await scorer.score(work, 'full');
    expect(partial.problems.join(' ')).toMatch(/1 rows whose id is not a \(distinct\) row of train\.csv/);
    expect(partial.problems.join(' ')).toMatch(/covers 99 of the \d+ rows/);
    // a debug run predicts only its sample: that is fine, and gives a pooled score but no per-fold scores
    writeFileSync(join(work, 'oof_predictions.csv'), oof.slice(0, 150).join('\n') + '\n');
    const debug = await scorer.score(work, 'debug');
    expect(debug.problems).toEqual([]);
    expect(debug.folds).toEqual([]);
    expect(debug.oof).toBeGreaterThan(0.9);
    rmSync(join(work, 'holdout_predictions.csv'));
    expect((await scorer.score(work, 'debug')).problems.join(' ')).toMatch(/holdout_predictions\.csv is missing/);
    expect(existsSync(s.holdoutLabelsPath!)).toBe(true);
  });
});
