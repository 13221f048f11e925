// Diagnosis from real feedback, in real runs: the harness's target statistics (skew, class balance) and the SOTA's
// structured full-run feedback reach the brain through the messages, and the rules whose condition holds fire.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { py, tempDir } from '../grading/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');
const quick = { preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } };

type Msg = { body: { type: string; payload: Record<string, any> } };
function log(runDir: string): Msg[] {
  return readFileSync(join(runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}
const diagnoses = (m: Msg[]) => m.filter((x) => x.body.type === 'brain.research.reply').flatMap((x) => x.body.payload.diagnosis as Array<{ summary: string; evidence: string }>);

describe('diagnosis feedback', () => {
  it('diagnosis - a skewed regression target (fair-affairs) is diagnosed from the harness\'s statistics, and the SOTA\'s feedback reaches the brain', async () => {
    const comp = join(REPO, 'bench', 'fair-affairs');
    const r = await runCompetition({ competitionDir: comp, runsRoot: tempDir('gome-diag-'), runId: 'skew', progress: null,
      config: { ...quick, budgetMs: 90_000, maxIterations: 2 } });
    const m = log(r.runDir);
    const skew = diagnoses(m).find((d) => d.summary === 'Skewed regression target');
    expect(skew, 'the skew rule fired').toBeDefined();
    const pandas = py<number>('import json,sys,pandas as pd; print(json.dumps(float(pd.read_csv(json.load(sys.stdin))["affairs"].skew())))', join(comp, 'public', 'train.csv'));
    expect(pandas).toBeGreaterThan(1);
    expect(Number(/target skew ([0-9.]+)/.exec(skew!.evidence)![1])).toBeCloseTo(pandas, 2);
    // after the first SOTA, the brain is asked with that SOTA's structured feedback (not a failure string)
    const asks = m.filter((x) => x.body.type === 'brain.research.request').map((x) => x.body.payload);
    const withSota = asks.find((p) => p.sota !== null);
    expect(withSota, 'a research request after the first SOTA').toBeDefined();
    expect(Object.keys(withSota!.sota.feedback.model_scores).length).toBeGreaterThanOrEqual(1);
    expect(withSota!.sota.folds).toHaveLength(5);
    // eight numeric columns besides the id and the target: the few-numeric-features rule fires on them
    const numeric = py<number>(String.raw`
import json, sys, pandas as pd
d = pd.read_csv(json.load(sys.stdin)).drop(columns=["id", "affairs"])
print(json.dumps(int(sum(pd.api.types.is_numeric_dtype(d[c]) for c in d.columns))))`, join(comp, 'public', 'train.csv'));
    const few = diagnoses(m).find((d) => d.summary === 'Few numeric features: interactions may add signal');
    expect(few, 'the few-numeric-features rule fired').toBeDefined();
    expect(Number(/^(\d+) numeric columns/.exec(few!.evidence)![1])).toBe(numeric);
  }, 180_000);

  it('diagnosis - imbalanced classes, overfitting and fold variance (soybean, 19 classes, 480 rows) are diagnosed in a real run from the SOTA\'s harness scores', async () => {
    const r = await runCompetition({ competitionDir: join(REPO, 'bench', 'soybean-disease'), runsRoot: tempDir('gome-diag-'), runId: 'imbalance', progress: null,
      config: { ...quick, budgetMs: 90_000, maxIterations: 2 } });
    const m = log(r.runDir);
    const d = diagnoses(m).find((x) => x.summary === 'Imbalanced classes');
    expect(d, 'the imbalance rule fired').toBeDefined();
    expect(Number(/minority class fraction ([0-9.e-]+)/.exec(d!.evidence)![1])).toBeLessThan(0.05);
    // the second iteration is diagnosed from the first SOTA: its train score against its harness CV score, and the
    // spread of its harness per-fold scores (log loss: lower is better)
    const asked = m.filter((x) => x.body.type === 'brain.research.request').map((x) => x.body.payload).find((p) => p.sota !== null);
    expect(asked, 'a research request after the first SOTA').toBeDefined();
    const { trainScore, score, folds } = asked!.sota as { trainScore: number; score: number; folds: number[] };
    const mean = folds.reduce((a, b) => a + b, 0) / folds.length;
    const std = Math.sqrt(folds.reduce((a, b) => a + (b - mean) ** 2, 0) / (folds.length - 1));
    // the conditions hold on this data (so the test cannot pass vacuously) …
    expect(score - trainScore, 'train log loss far below the CV log loss').toBeGreaterThan(0.25 * score);
    expect(std, 'fold spread above 5% of the CV log loss').toBeGreaterThan(0.05 * score);
    // … and the rules fire, quoting the SOTA's own figures
    const after = m.filter((x) => x.body.type === 'brain.research.reply').map((x) => x.body.payload.diagnosis as Array<{ summary: string; evidence: string }>)[1]!;
    const overfit = after.find((x) => x.summary === 'Overfitting: large train/validation gap');
    expect(overfit, 'the overfitting rule fired').toBeDefined();
    expect(overfit!.evidence).toContain(`CV ${score.toPrecision(4)}`);
    expect(after.find((x) => x.summary === 'High variance across CV folds'), 'the fold-variance rule fired').toBeDefined();
    // the data's own conditions: 34 of its columns have missing values, and it has 546 training rows
    const data = py<{ missing: number; rows: number }>(String.raw`
import json, sys, pandas as pd
d = pd.read_csv(json.load(sys.stdin))
print(json.dumps({"missing": int((d.isna().sum() > 0).sum()), "rows": len(d)}))`, join(REPO, 'bench', 'soybean-disease', 'public', 'train.csv'));
    expect(data.missing).toBeGreaterThan(0);
    const missing = diagnoses(m).find((x) => x.summary === 'Missing values must be imputed or modelled');
    expect(missing, 'the missing-values rule fired').toBeDefined();
    expect(Number(/^(\d+) columns with missing values/.exec(missing!.evidence)![1])).toBe(data.missing);
    const small = diagnoses(m).find((x) => x.summary === 'Small training set: estimates are noisy and complex models overfit');
    expect(small, 'the small-data rule fired').toBeDefined();
    const rows = Number(/^(\d+) training rows/.exec(small!.evidence)![1]);
    expect(rows).toBeLessThanOrEqual(data.rows); // the rows the loop trains on: all of them, less the held-back slice
    expect(rows).toBeGreaterThan(0.7 * data.rows);
  }, 150_000);

  it('diagnosis - all-categorical data (dna, 60 nucleotide columns) is diagnosed as needing an encoding in a real run', async () => {
    const comp = join(REPO, 'bench', 'dna-splice-junctions');
    const r = await runCompetition({ competitionDir: comp, runsRoot: tempDir('gome-diag-'), runId: 'categorical', progress: null,
      config: { ...quick, budgetMs: 90_000, maxIterations: 1 } });
    const cats = diagnoses(log(r.runDir)).find((x) => x.summary === 'Categorical features need a good encoding');
    expect(cats, 'the categorical rule fired').toBeDefined();
    const data = py<number>(String.raw`
import json, sys, pandas as pd
d = pd.read_csv(json.load(sys.stdin))
print(json.dumps(int(sum(d[c].dtype == object for c in d.columns if c not in ("id", "junction")))))`, join(comp, 'public', 'train.csv'));
    expect(data).toBe(60);
    expect(Number(/^(\d+) categorical columns/.exec(cats!.evidence)![1])).toBe(data);
  }, 150_000);

  it('diagnosis - a weak main model and bagged trees are diagnosed in a real 4-trace run (house-votes), where the trace\'s SOTA has them and only there', async () => {
    // forced diversity spreads the four traces' drafts over the ranking, so some trace starts from a linear model
    // and another from a random forest; each research request carries its trace's SOTA spec
    const r = await runCompetition({ competitionDir: join(REPO, 'bench', 'house-votes'), runsRoot: tempDir('gome-diag-'), runId: 'families', progress: null,
      config: { ...quick, budgetMs: 120_000, topology: { researcher: 'gradient', traces: 4, memory: true, structuredReasoning: true } } });
    const m = log(r.runDir);
    const asked = new Map(m.filter((x) => x.body.type === 'brain.research.request').map((x) => [(x.body as { id?: string }).id, x.body.payload]));
    const pairs = m.filter((x) => x.body.type === 'brain.research.reply' && asked.has((x.body as { causation?: string }).causation))
      .map((x) => ({ req: asked.get((x.body as { causation?: string }).causation)!, problems: x.body.payload.diagnosis as Array<{ summary: string; evidence: string }> }))
      .filter((x) => x.req.sota?.spec);
    const family = (x: (typeof pairs)[number]) => x.req.sota.spec.models[0].family as string;
    const fired = (x: (typeof pairs)[number], summary: string) => x.problems.find((d) => d.summary === summary);
    // the conditions hold in this run (the test cannot pass vacuously) …
    expect(pairs.some((x) => ['linear', 'knn'].includes(family(x))), 'a trace whose SOTA is a linear or k-NN model').toBe(true);
    expect(pairs.some((x) => ['rf', 'et'].includes(family(x))), 'a trace whose SOTA is a bagged forest').toBe(true);
    // … and each rule fires exactly where its condition holds, naming the model
    for (const x of pairs) {
      const weak = fired(x, 'The main model is a weak learner for tabular data');
      expect(!!weak, `${family(x)}: weak learner`).toBe(['linear', 'knn'].includes(family(x)));
      if (weak) expect(weak.evidence).toBe(`main model: ${family(x)}`);
      const bagged = fired(x, 'Bagged trees usually trail gradient boosting on tabular data');
      expect(!!bagged, `${family(x)}: bagged trees`).toBe(['rf', 'et'].includes(family(x)));
    }
  }, 240_000);
});
