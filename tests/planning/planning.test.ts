// Planning with cost: the GPU node's cost model, the brain's compute estimates and reshaping, the job ledger's waste.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../protocols/messages.ts';
import type { Hypothesis, JobOutcome, MeasuredRun, TaskInfo } from '../../protocols/domain.ts';
import { CostModel } from '../../gpu-node/cost-model.ts';
import { ADMISSION_SAFETY } from '../../protocols/config.ts';
import {
  MAX_SHARE_OF_REMAINING, allowedMs, estimateMs, featuresPerSplit, measuredBase, measuredParts, otherRuns, parseTooSlow, reshapeToFit,
  searchCost, specCost,
} from '../../actors/brain/cost-estimate.ts';
import { develop } from '../../actors/brain/develop.ts';
import { research } from '../../actors/brain/research.ts';
import { draftSpec, modelSpec, renameModels, tunedParams, type PipelineSpec } from '../../actors/brain/pipeline-spec.ts';
import { JobLedger } from '../../cli/run/job-ledger.ts';
import { researchRequest, taskFor } from '../brain/fixtures.ts';

const task = { ...taskFor('binary', 'auc'), nTrainRows: 20_000, harness: { folds: 5, holdoutRows: 3000, acceptK: 2 } };

function ensembleSpec(): PipelineSpec {
  const s = draftSpec(task, 'hgb');
  s.models = [modelSpec('hgb', tunedParams('hgb')), modelSpec('xgb', tunedParams('xgb')), modelSpec('rf', tunedParams('rf'))];
  s.ensemble = 'hill';
  s.seeds = 3;
  renameModels(s);
  return s;
}

/** A change to the histogram-boosting draft (a hill-climbed ensemble and seeds) as a first develop request, its base
 * pipeline's full run measured at 4 s. */
function ensembleSeedsChange() {
  const base = draftSpec(task, 'hgb');
  const hypothesis = {
    kind: 'ens:hill+wf:seeds', component: 'ensemble' as const, title: 'ensemble and seeds', rationale: '', problem: null,
    scores: { alignment: 5, impact: 5, novelty: 5, feasibility: 5, risk: 5 }, change: { moves: ['ens:hill', 'wf:seeds'] },
  };
  const req = { task, hypothesis, baseCode: 'x', attempt: 1, error: null, previousCode: null, baseSpec: base, previousSpec: null, baseRunMs: 4_000 };
  return { base, hypothesis, req };
}

/** A real run's develop request (bench:topologies at 6e0a190, Fashion-MNIST, tree-greedy@noise0.5, seed 0): extra
 * trees on 784 pixel columns, its measured parts, and what two of its changes measured (tests/fixtures/planning). */
const fashion = (() => {
  const f = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/planning/fashion-et-search.json'), 'utf8'));
  const wide: TaskInfo = { ...f.task, columns: Array.from({ length: f.pixelColumns }, (_, i) => ({ name: `pixel${i}`, dtype: 'numeric', missingFrac: 0 })) };
  const baseSpec = f.baseSpec as PipelineSpec;
  const hypothesis = { ...f.hypothesis, cost: null } as Hypothesis;
  const request = {
    task: wide, hypothesis, baseCode: 'x', attempt: 1, error: null, previousCode: null, baseSpec, previousSpec: null,
    baseRunMs: f.baseRunMs as number, baseFeedback: f.baseFeedback, remainingMs: f.remainingMs as number, fullLimitMs: f.fullLimitMs as number,
  };
  return {
    task: wide, baseSpec, hypothesis, request, measured: f.measured,
    base: { spec: baseSpec, runMs: f.baseRunMs as number, parts: measuredParts(f.baseFeedback) },
  };
})();
const cloneBase = (): PipelineSpec => JSON.parse(JSON.stringify(fashion.baseSpec));

describe('planning', () => {
  it('cost-model - learns the ratio of actual to raw-estimated time, shrunk while few pairs are measured', () => {
    const m = new CostModel();
    expect(m.factor()).toBe(1);
    expect(m.correct(null)).toBeNull();
    m.observe(10_000, 2_500); // the raw estimate was 4x too high
    expect(m.factor()).toBeCloseTo(Math.exp(Math.log(0.25) / 2), 6); // one pair: halfway (in log space) to its ratio
    for (let i = 0; i < 9; i++) m.observe(10_000, 2_500);
    expect(m.factor()).toBeCloseTo(Math.exp(Math.log(0.25) * 10 / 11), 6);
    expect(m.correct(8_000)).toBe(Math.round(8_000 * m.factor()));
    // the median resists one wild pair; bad input is ignored
    m.observe(1_000, 1_000_000);
    m.observe(null, 5_000);
    m.observe(0, 5_000);
    expect(m.pairs).toBe(11);
    expect(m.factor()).toBeLessThan(0.3);
  });

  it('cost-model - keeps a window of recent pairs and clamps the factor', () => {
    const m = new CostModel(3);
    for (let i = 0; i < 5; i++) m.observe(1_000, 1_000_000); // 1000x too low
    expect(m.pairs).toBe(3);
    expect(m.factor()).toBe(10);
  });

  it('cost-estimate - compute grows with seeds, members, rounds and rows; early stopping saves rounds', () => {
    const one = draftSpec(task, 'hgb');
    const ens = ensembleSpec();
    expect(specCost(ens, task)).toBeGreaterThan(5 * specCost(one, task));
    const seeds = { ...one, seeds: 3 };
    expect(specCost(seeds, task) / specCost(one, task)).toBeGreaterThan(2);
    const early = { ...one, earlyStop: true };
    expect(specCost(early, task)).toBeLessThan(specCost(one, task));
    const fewerRows = { ...one, maxTrainRows: 5_000 };
    expect(specCost(fewerRows, task)).toBeLessThan(specCost(one, task) / 2);
    expect(estimateMs(one, task, null)).toBeNull();
    const e = estimateMs(ens, task, { spec: one, runMs: 4_000 })!;
    expect(e.ms).toBe(Math.round(4_000 * specCost(ens, task) / specCost(one, task)));
    expect(e.basis).toMatch(/measured 4\.0 s/);
  });

  it('cost-estimate - a change that would not fit is reshaped until its estimate fits, cheapest losses first', () => {
    const base = { spec: draftSpec(task, 'hgb'), runMs: 5_000 };
    const ens = ensembleSpec();
    const before = estimateMs(ens, task, base)!.ms;
    const limit = before / 6;
    const r = reshapeToFit(ens, task, base, limit)!;
    expect(r.before.ms).toBe(before);
    expect(r.after.ms).toBeLessThanOrEqual(limit);
    expect(r.steps[0]).toBe('one seed instead of several');
    expect(r.spec.seeds).toBe(1);
    expect(ens.seeds).toBe(3); // the input is not mutated
    // nothing to do when it fits, or when nothing was measured
    expect(reshapeToFit(ens, task, base, before * 2)).toBeNull();
    expect(reshapeToFit(ens, task, null, 1)).toBeNull();
  });

  it('cost-estimate - the nested search costs about trials x one inner fit per fold, and grows with the trials', () => {
    const one = draftSpec(task, 'hgb');
    const s10 = { ...one, search: { trials: 10 } };
    const s40 = { ...one, search: { trials: 40 } };
    expect(searchCost(one, task)).toBe(0);
    expect(searchCost(s40, task)).toBeCloseTo(4 * searchCost(s10, task), 9);
    expect(specCost(s10, task)).toBeGreaterThan(specCost(one, task));
    expect(specCost(s40, task)).toBeGreaterThan(specCost(s10, task));
    // ten trials of 80%-row inner fits dwarf the one 100-round fit per fold
    expect(specCost(s10, task) / specCost(one, task)).toBeGreaterThan(5);
    // 30 more trials in each of the 5 harness folds
    expect(specCost(s40, task) - specCost(s10, task)).toBeCloseTo((searchCost(s40, task) - searchCost(s10, task)) * 5, 6);
    // a main model without a search space (linear) costs nothing to search; target encoding costs a little
    const lin = { ...draftSpec(task, 'linear'), search: { trials: 10 } };
    expect(searchCost(lin, task)).toBe(0);
    expect(specCost({ ...one, targetEncoding: true }, task)).toBeGreaterThan(specCost(one, task));
  });

  it('cost-estimate - reshaping cuts search trials before it subsamples rows', () => {
    const big = { ...task, nTrainRows: 200_000 };
    const base = { spec: draftSpec(big, 'hgb'), runMs: 10_000 };
    const searched = { ...draftSpec(big, 'hgb'), earlyStop: true, search: { trials: 40 } };
    const before = estimateMs(searched, big, base)!.ms;
    const mild = reshapeToFit(searched, big, base, before * 0.6)!;
    expect(mild.steps).toContain('fewer search trials');
    expect(mild.steps).not.toContain('fit on a row subsample');
    expect(mild.spec.search!.trials).toBeLessThan(40);
    expect(mild.spec.maxTrainRows).toBe(searched.maxTrainRows);
    expect(searched.search.trials).toBe(40); // the input is not mutated
    const hard = reshapeToFit(searched, big, base, before / 50)!;
    const first = (label: string): number => hard.steps.indexOf(label);
    expect(first('fewer search trials')).toBeGreaterThanOrEqual(0);
    expect(first('fewer search trials')).toBeLessThan(first('fit on a row subsample'));
    expect(hard.spec.search!.trials).toBeGreaterThanOrEqual(4);
    expect(hard.after.ms).toBeLessThan(mild.after.ms);
  });

  it('cost-estimate - with the base run\'s measured parts, a change is estimated from each model\'s measured seconds', () => {
    // a measured draft: 30 s in all, of which the hgb model took 24 s (fit + predict) and 6 s were loading and the rest
    const draft = draftSpec(task, 'hgb');
    const feedback = { estimate_parts: { mode: 'full', models: { hgb: { fit_seconds: 20, predict_seconds: 4 } }, search: { seconds: 0 } } };
    const parts = measuredParts(feedback)!;
    expect(parts).toEqual({ models: { hgb: 24_000 }, searchMs: 0 });
    expect(measuredParts({ estimate_parts: { ...feedback.estimate_parts, mode: 'debug' } })).toBeNull(); // a debug run's are extrapolations
    expect(measuredParts(null)).toBeNull();
    const base = { spec: draft, runMs: 30_000, parts };
    // the same spec costs what it cost
    expect(estimateMs(draft, task, base)!.ms).toBe(30_000);
    // three seeds: the model part triples, the 6 s outside the models do not
    expect(estimateMs({ ...draft, seeds: 3 }, task, base)!.ms).toBe(6_000 + 3 * 24_000);
    // the whole-run ratio (no parts) would have tripled the overhead too
    expect(estimateMs({ ...draft, seeds: 3 }, task, { spec: draft, runMs: 30_000 })!.ms).toBeGreaterThan(6_000 + 3 * 24_000);
    // another family is priced from the measured model's seconds per unit of compute
    const xgb = draftSpec(task, 'xgb');
    const est = estimateMs(xgb, task, base)!;
    expect(est.ms).toBeGreaterThan(6_000);
    expect(est.ms).toBeLessThan(30_000); // an XGBoost round costs a fraction of a histogram-boosting one
    expect(est.basis).toMatch(/measured parts/);
  });

  it('cost-estimate - a forest tree is priced by the features each split considers and its leaf size', () => {
    const wide = fashion.task;
    const narrow = { ...task, columns: task.columns.slice(0, 3) };
    const et = (params: Record<string, unknown>): PipelineSpec => ({ ...draftSpec(wide, 'et'), models: [modelSpec('et', { n_estimators: 200, ...params })] });
    // a classifier's default considers the square root of the columns; a share counts columns, 'log2' their log
    expect(featuresPerSplit(modelSpec('et', { max_features: 'auto' }), wide)).toBe(28);
    expect(featuresPerSplit(modelSpec('et', { max_features: 0.7 }), wide)).toBe(548);
    expect(featuresPerSplit(modelSpec('rf', { max_features: 'log2' }), wide)).toBe(9);
    expect(featuresPerSplit(modelSpec('rf', {}), { ...wide, taskType: 'regression' })).toBe(784);
    // on 784 columns every split of max_features 1.0 scans 28 times the default's features: the measured 14x for
    // extra trees (bench/calibrate/forest_features.py), here (10 + 784) / (10 + 28)
    const all = specCost(et({ max_features: 1 }), wide) / specCost(et({ max_features: 'auto' }), wide);
    expect(all).toBeGreaterThan(10);
    expect(all).toBeLessThan(25);
    // bigger leaves make smaller, cheaper trees
    expect(specCost(et({ min_samples_leaf: 20 }), wide)).toBeLessThan(specCost(et({ min_samples_leaf: 1 }), wide));
    // on a few columns the share hardly matters
    const few = specCost({ ...draftSpec(narrow, 'et'), models: [modelSpec('et', { max_features: 1 })] }, narrow)
      / specCost({ ...draftSpec(narrow, 'et'), models: [modelSpec('et', { max_features: 'auto' })] }, narrow);
    expect(few).toBeLessThan(1.5);
  });

  it('cost-estimate - the Fashion-MNIST extra-trees changes that ran 6.5 and 8 times over their estimates are now estimated within 1.5x', () => {
    const { task: wide, base, hypothesis } = fashion;
    // hp:capacity-up (max_features 0.7): planned at 13.0 s, its full run took 85.1 s
    const capacity = { ...cloneBase(), models: [modelSpec('et', { ...fashion.baseSpec.models[0]!.params, max_features: 0.7 })] };
    const capMs = estimateMs(capacity, wide, base)!.ms;
    expect(capMs / 1000 / fashion.measured.capacityUp.fullRunSeconds).toBeGreaterThan(1 / 1.5);
    expect(capMs / 1000 / fashion.measured.capacityUp.fullRunSeconds).toBeLessThan(1.5);
    // hp:search: planned with 124.3 s of search in all (24.9 s a fold); its first fold's 20 trials took 199.1 s
    const searched = { ...cloneBase(), search: { trials: fashion.measured.search.trials } };
    const est = estimateMs(searched, wide, base)!;
    const perFold = est.searchMs / 1000 / 5;
    expect(perFold / fashion.measured.search.firstFoldSeconds).toBeGreaterThan(1 / 1.5);
    expect(perFold / fashion.measured.search.firstFoldSeconds).toBeLessThan(1.5);
    // the change as the Developer plans it: reshaped into the half of the 671.6 s left, with a time allowance per fold
    const d = develop({ ...fashion.request, hypothesis });
    const spec = d.spec as PipelineSpec;
    expect(d.plannedMs!).toBeLessThanOrEqual(fashion.request.remainingMs * MAX_SHARE_OF_REMAINING);
    expect(d.summary).toMatch(/reshaped to fit/);
    const planned = estimateMs(spec, wide, base)!;
    expect(spec.search!.seconds).toBeCloseTo(planned.searchMs / 5 / 1000, 1);
    expect(d.summary).toContain(`the search may take ${spec.search!.seconds} s per fold`);
    expect(d.code).toContain(`"seconds":${spec.search!.seconds}`);
  });

  it('develop - a model family the base lacks is planned at the pace it measured in this run (a random forest replacing extra trees on Fashion-MNIST)', () => {
    const f = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../fixtures/planning/fashion-family-rates.json'), 'utf8'));
    const wide: TaskInfo = { ...f.task, columns: fashion.task.columns };
    const req = { task: wide, hypothesis: { ...f.hypothesis, cost: null } as Hypothesis, baseCode: 'x', attempt: 1, error: null, previousCode: null,
      baseSpec: f.baseSpec, previousSpec: null, baseRunMs: f.baseRunMs, baseFeedback: f.baseFeedback, remainingMs: 10_000_000, fullLimitMs: f.fullLimitMs };
    const withRuns = develop({ ...req, measured: f.measured as MeasuredRun[] });
    const alone = develop(req);
    expect((withRuns.spec as PipelineSpec).models.map((m) => m.family)).toEqual(['rf']);
    // the run's random-forest draft measured its pace: the plan is within 1.5x of the full run's measured 35.9 s
    expect(withRuns.plannedMs! / f.fullRunMs).toBeGreaterThan(1 / 1.5);
    expect(withRuns.plannedMs! / f.fullRunMs).toBeLessThan(1.5);
    // from the extra-trees base alone, the relative constants price it several times off on 784 columns
    expect(Math.max(alone.plannedMs! / f.fullRunMs, f.fullRunMs / alone.plannedMs!)).toBeGreaterThan(2);
    expect(estimateMs(withRuns.spec as PipelineSpec, wide, measuredBase(f.baseSpec, f.baseRunMs, f.baseFeedback, f.measured))!.basis)
      .toContain('rf at the pace measured in this run');
    // a measured run without a readable spec or parts is no pace
    expect(otherRuns([{ experiment: 'x', spec: { models: 'none' }, runMs: 1000, feedback: {} }])).toEqual([]);
  });

  it('develop - a search\'s time allowance follows its own plan: a base\'s allowance is not inherited, and none without a plan', () => {
    const { task: wide, base } = fashion;
    const stale = { ...cloneBase(), search: { trials: 8, seconds: 999 } };
    const hypothesis = { ...fashion.hypothesis, kind: 'fe:rowstats', change: { moves: ['hp:regularize'] } };
    const d = develop({ ...fashion.request, baseSpec: stale, hypothesis, remainingMs: 10_000_000 });
    const spec = d.spec as PipelineSpec;
    expect(spec.search!.seconds).not.toBe(999);
    const planned = estimateMs(spec, wide, { ...base, spec: stale })!;
    expect(spec.search!.seconds).toBeCloseTo(planned.searchMs / 5 / 1000, 1);
    // nothing measured to plan from: no allowance at all
    const unplanned = develop({ ...fashion.request, baseSpec: stale, baseRunMs: undefined, hypothesis, remainingMs: 10_000_000 });
    expect((unplanned.spec as PipelineSpec).search).toEqual({ trials: 8 });
  });

  it('cost-estimate - reads an admission refusal\'s figures', () => {
    expect(parseTooSlow('L2 rejected: full run refused: estimated runtime 92.5 s (from the debug run) exceeds the remaining budget 40.0 s'))
      .toEqual({ estimatedMs: 92_500, availableMs: 40_000 });
    expect(parseTooSlow('estimated runtime 12.0 s (from the debug run) exceeds the job limit 10.0 s')).toEqual({ estimatedMs: 12_000, availableMs: 10_000 });
    expect(parseTooSlow('estimated runtime 12.0 s (from the debug run) with a 1.5× safety margin exceeds the remaining budget 10.0 s (5.0 s of the 15.0 s left are held back for the final refit)'))
      .toEqual({ estimatedMs: 12_000, availableMs: 10_000 });
    expect(parseTooSlow('budget exhausted: 0.0 s remaining')).toBeNull();
  });

  it('develop - the change is reshaped before it runs when the budget left cannot hold it', () => {
    const { base, hypothesis, req } = ensembleSeedsChange();
    const roomy = develop({ ...req, remainingMs: 10_000_000 });
    const tight = develop({ ...req, remainingMs: 20_000 });
    const roomySpec = roomy.spec as PipelineSpec;
    const tightSpec = tight.spec as PipelineSpec;
    expect(roomySpec.seeds).toBe(3);
    expect(roomySpec.models.length).toBeGreaterThan(1);
    expect(tight.summary).toMatch(/reshaped to fit \(.*\): estimated [\d.]+ s → [\d.]+ s, 10\.0 s available/);
    expect(estimateMs(tightSpec, task, { spec: base, runMs: 4_000 })!.ms).toBeLessThanOrEqual(20_000 * MAX_SHARE_OF_REMAINING);
    expect(tightSpec.notes.at(-1)).toMatch(/^reshaped to fit/);
  });

  it('develop - a full run refused as too slow is repaired by reshaping the same change to the time that was available', () => {
    const prev = ensembleSpec();
    const d = develop({
      task, hypothesis: { kind: 'ens:hill', component: 'ensemble', title: 'hill', rationale: '', problem: null,
        scores: { alignment: 5, impact: 5, novelty: 5, feasibility: 5, risk: 5 }, change: {} },
      baseCode: 'x', attempt: 2, previousCode: 'y', baseSpec: draftSpec(task, 'hgb'), previousSpec: prev, remainingMs: 60_000, baseRunMs: 4_000,
      error: 'L2 rejected: full run refused: estimated runtime 90.0 s (from the debug run) exceeds the remaining budget 30.0 s',
    });
    expect(d.summary).toMatch(/Repair attempt 2 of "ens:hill": reshaped to fit/);
    const spec = d.spec as PipelineSpec;
    expect(estimateMs(spec, task, { spec: prev, runMs: 90_000 })!.ms).toBeLessThanOrEqual(24_000);
  });

  it('develop - a change fits the full-run limit with admission\'s margin as well as the budget left (a long budget, a short job limit)', () => {
    // regression: the Developer planned with half the budget left only, so on a 15-minute budget with 300 s job
    // limits a change planned at 400 s was refused for the job limit, reshaped to the budget again, refused again
    const { base, hypothesis, req } = ensembleSeedsChange();
    const unlimited = develop({ ...req, remainingMs: 10_000_000 });
    const before = estimateMs(unlimited.spec as PipelineSpec, task, { spec: base, runMs: 4_000 })!.ms;
    const fullLimitMs = Math.round(before / 2); // the budget left holds it; the job limit does not, with the margin
    expect(allowedMs(10_000_000, fullLimitMs)).toBe(fullLimitMs / ADMISSION_SAFETY);
    expect(allowedMs(20_000, 10_000_000)).toBe(20_000 * MAX_SHARE_OF_REMAINING);
    expect(allowedMs(null, 30_000)).toBe(30_000 / ADMISSION_SAFETY);
    const limited = develop({ ...req, remainingMs: 10_000_000, fullLimitMs });
    expect(limited.summary).toMatch(/reshaped to fit/);
    expect(estimateMs(limited.spec as PipelineSpec, task, { spec: base, runMs: 4_000 })!.ms).toBeLessThanOrEqual(fullLimitMs / ADMISSION_SAFETY);
    // a repair after a refusal for the budget left also fits the job limit
    const prev = ensembleSpec();
    const repaired = develop({
      ...req, hypothesis: { ...hypothesis, kind: 'ens:hill' }, attempt: 2, previousCode: 'y', previousSpec: prev, remainingMs: 1_000_000, fullLimitMs: 30_000,
      error: 'L2 rejected: full run refused: estimated runtime 900.0 s (from the debug run) with a 1.5× safety margin exceeds the remaining budget 700.0 s',
    });
    expect(repaired.summary).toMatch(/reshaped to fit/);
    expect(estimateMs(repaired.spec as PipelineSpec, task, { spec: prev, runMs: 900_000 })!.ms).toBeLessThanOrEqual(30_000 * 0.8 / ADMISSION_SAFETY);
  });

  it('cost-estimate - a network refused as too slow loses the epochs it must and no more, and a row subsample halves the rows each fold really fits on', () => {
    // fashion-mnist as the harness splits it: 8,000 rows, 1,199 held back, 5 folds (5,441 rows per fold's fit)
    const images = { ...taskFor('multiclass', 'accuracy'), nTrainRows: 8000, nClasses: 10, harness: { folds: 5, holdoutRows: 1199, acceptK: 2 },
      image: { side: 28, channels: 1 as const, prefix: 'pixel' } };
    const cnn = draftSpec(images, 'cnn');
    const refused = { spec: cnn, runMs: 252_400 };
    const r = reshapeToFit(cnn, images, refused, 160_000)!;
    expect(r.steps[0]).toMatch(/epochs/);
    // cut by what is needed (63% of the estimate fits): 6 epochs, where halving kept 5
    expect(r.spec.models[0]!.params['epochs']).toBe(6);
    expect(r.after.ms).toBeLessThanOrEqual(160_000);
    // the 2026-11-25 Fashion run: 10 epochs refused at 338.5 s for a 160 s target kept 3 epochs by halving; now 4
    const today = reshapeToFit(cnn, images, { spec: cnn, runMs: 338_500 }, 160_000)!;
    expect(today.spec.models[0]!.params['epochs']).toBe(4);
    expect(today.after.ms).toBeLessThanOrEqual(160_000);
    // (before the fix: the subsample halved the 8,000 public rows to 4,000, which cut a fold's 5,441 only to 4,000)
    const rows = reshapeToFit(cnn, images, refused, 40_000)!;
    expect(rows.steps).toContain('fit on a row subsample');
    expect(rows.spec.maxTrainRows).toBeLessThanOrEqual(Math.floor(5441 / 2));
  });

  it('cost-estimate - a tabular model on 784 pixel columns costs what its width says against a network, and width leaves tabular ratios alone', () => {
    // fashion-mnist as the harness splits it, with its 784 pixel columns; the base is the 5-epoch network measured at 118 s
    const pixels = Array.from({ length: 784 }, (_, i) => ({ name: `pixel${i}`, dtype: 'numeric' as const, missingFrac: 0 }));
    const images = { ...taskFor('multiclass', 'accuracy'), nTrainRows: 8000, nClasses: 10, columns: pixels,
      harness: { folds: 5, holdoutRows: 1199, acceptK: 2 }, image: { side: 28, channels: 1 as const, prefix: 'pixel' } };
    const cnn = draftSpec(images, 'cnn');
    cnn.models[0]!.params['epochs'] = 5;
    const base = { spec: cnn, runMs: 118_000 };
    const hgb = draftSpec(images, 'cnn');
    hgb.models = [modelSpec('hgb', { max_iter: 100 })];
    renameModels(hgb);
    // measured: a default histogram-boosting fit on all 8,000 images takes 177 s, so five folds of 5,441 rows ~600 s.
    // (before: priced without the columns, it was planned at ~70 s and fitted in a 300 s job limit, where it was killed)
    const est = estimateMs(hgb, images, base)!.ms;
    expect(est).toBeGreaterThan(600_000 / 1.5);
    expect(est).toBeLessThan(600_000 * 1.5);
    // the same two specs on a 16-column table: only a network's price stays put
    const narrow = { ...images, columns: pixels.slice(0, 16) };
    expect(estimateMs(hgb, narrow, base)!.ms).toBeLessThan(est / 2);
    const wide = { ...task, columns: pixels };
    const ratio = (t: typeof task) => specCost(ensembleSpec(), t) / specCost(draftSpec(task, 'hgb'), t);
    expect(ratio(wide)).toBeCloseTo(ratio(task), 9);
  });

  it('research - a change that would not fit even reshaped is not proposed while one that fits is left', () => {
    const sota = { experiment: 't0-e1', score: 0.9, code: 'x', hypothesis: 'draft', cvStd: 0.01, trainScore: 0.95, folds: [0.9, 0.9, 0.9, 0.9, 0.9],
      holdout: 0.9, feedback: null, spec: draftSpec(task, 'hgb'), fullRunMs: 8_000 };
    const base = researchRequest(task, { stage: 'improve', budgetUsedFrac: 0.5, sota });
    // 12 s left: a change may take 6 s
    const tight = research({ ...base, remainingMs: 12_000 });
    expect(tight.hypotheses.length).toBeGreaterThan(0);
    for (const h of tight.hypotheses) expect(h.rationale, h.kind).not.toMatch(/even reshaped it would not fit/);
    // nothing fits at all: the loop still gets hypotheses, and they say so
    const hopeless = research({ ...base, remainingMs: 100 });
    expect(hopeless.hypotheses.length).toBeGreaterThan(0);
    expect(hopeless.hypotheses.some((h) => /even reshaped it would not fit/.test(h.rationale))).toBe(true);
  });

  it('research - hypotheses carry their estimated cost, and a change that cannot fit loses feasibility', () => {
    const sotaSpec = draftSpec(task, 'hgb');
    const sota = { experiment: 't0-e1', score: 0.9, code: 'x', hypothesis: 'draft', cvStd: 0.01, trainScore: 0.95, folds: [0.9, 0.9, 0.9, 0.9, 0.9],
      holdout: 0.9, feedback: null, spec: sotaSpec, fullRunMs: 8_000 };
    const base = researchRequest(task, { stage: 'improve', budgetUsedFrac: 0.3, sota });
    const roomy = research({ ...base, remainingMs: 10_000_000 });
    const tight = research({ ...base, remainingMs: 12_000 });
    for (const h of roomy.hypotheses) {
      expect(h.cost, h.kind).not.toBeNull();
      expect(h.cost!.basis).toMatch(/measured 8\.0 s/);
    }
    const byKind = new Map(roomy.hypotheses.map((h) => [h.kind, h]));
    const penalised = tight.hypotheses.filter((h) => h.cost!.ms > 12_000 * MAX_SHARE_OF_REMAINING && byKind.has(h.kind));
    expect(penalised.length).toBeGreaterThan(0);
    for (const h of penalised) {
      expect(h.scores.feasibility, h.kind).toBeLessThan(byKind.get(h.kind)!.scores.feasibility);
      expect(h.rationale).toMatch(/would be reshaped/);
    }
    // without a measured SOTA nothing is estimated
    const unmeasured = research({ ...base, sota: { ...sota, fullRunMs: null }, remainingMs: 12_000 });
    expect(unmeasured.hypotheses.every((h) => h.cost === null)).toBe(true);
  });

  it('job-ledger - waste is the debug runs of refused jobs plus full runs killed by their limit or the budget', () => {
    const ledger = new JobLedger();
    const logged: Envelope[] = [];
    const l = { observe: (e: Envelope) => { logged.push(e); ledger.observe(e); }, waste: (b: number) => ledger.waste(b),
      costAccuracy: () => ledger.costAccuracy(), costPairs: () => ledger.costPairs() };
    let seq = 0;
    const env = (type: 'job.submit' | 'job.result', payload: unknown): Envelope =>
      ({ v: 1, id: `e${++seq}`, run: 'r', trace: 't0', from: 'a', to: 'b', type, seq, causation: null, correlation: 'c', ts: seq, payload }) as Envelope;
    const result = (jobId: string, mode: 'debug' | 'full', status: JobOutcome['status'], wallMs: number): Partial<JobOutcome> =>
      ({ jobId, mode, status, usage: { wallMs, cpuMs: 0, peakRssKb: 0 } });
    const submit = (jobId: string, mode: 'debug' | 'full', extra: Record<string, unknown> = {}): unknown =>
      ({ jobId, mode, code: '', dataDir: '/d', limitMs: 1000, estimatedMs: null, sampleSubmission: null, ...extra });
    // a: debug 3 s, full refused → 3 s wasted
    l.observe(env('job.submit', submit('a-debug', 'debug')));
    l.observe(env('job.result', result('a-debug', 'debug', 'ok', 3_000)));
    l.observe(env('job.submit', submit('a-full', 'full', { after: 'a-debug', estimatedMs: 90_000, rawEstimatedMs: 120_000 })));
    l.observe(env('job.result', result('a-full', 'full', 'refused', 0)));
    // b: debug 2 s, full 10 s ok (estimate 8 s corrected, 20 s raw) → no waste
    l.observe(env('job.submit', submit('b-debug', 'debug')));
    l.observe(env('job.result', result('b-debug', 'debug', 'ok', 2_000)));
    l.observe(env('job.submit', submit('b-full', 'full', { after: 'b-debug', estimatedMs: 8_000, rawEstimatedMs: 20_000 })));
    l.observe(env('job.result', result('b-full', 'full', 'ok', 10_000)));
    // c: full killed at its limit after 7 s → 7 s wasted
    l.observe(env('job.submit', submit('c-full', 'full', { after: 'c-debug', estimatedMs: 5_000 })));
    l.observe(env('job.result', result('c-full', 'full', 'timeout', 7_000)));
    expect(l.waste(100_000)).toEqual({ waste_ms: 10_000, waste_frac: 0.1, wasted_debug_runs: 1, killed_full_runs: 1 });
    expect(l.costAccuracy()).toEqual({ pairs: 1, median_ratio: 1.25, median_ratio_raw: 0.5, median_fold_error: 1.25 });
    // the same ledger rebuilt from a run's messages.jsonl (recorded messages, the envelope as the body)
    const dir = mkdtempSync(join(tmpdir(), 'gome-ledger-'));
    const file = join(dir, 'messages.jsonl');
    writeFileSync(file, logged.map((e, i) => JSON.stringify({ seq: i + 1, subject: `gome.r.${e.to}`, body: e, deadLetter: false })).join('\n') + '\n{"torn');
    expect(JobLedger.fromLog(file).waste(100_000)).toEqual(l.waste(100_000));
    expect(JobLedger.fromLog(file).costPairs()).toEqual(l.costPairs());
    rmSync(dir, { recursive: true, force: true });
  });
});
