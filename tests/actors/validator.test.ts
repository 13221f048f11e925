// Validator machine: L0 static → L1 debug run → L2 full run → L3 decision, cheapest first.
import { describe, expect, it } from 'vitest';
import type { JobOutcome, TaskInfo } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import { addr } from '../../actors/addresses.ts';
import { validatorMachine } from '../../actors/validator/validator-machine.ts';
import { staticChecks } from '../../actors/validator/static-checks.ts';
import { checkRun, decide } from '../../actors/validator/run-checks.ts';
import { job, loglossTask, one, Sim, task } from './harness.ts';
import { decideAdmission } from '../../gpu-node/admission.ts';

const DEBUG_MS = 30_000;
const FULL_MS = 900_000;
const dev = addr.developer('t0');

const BASE = [
  'import pandas as pd',
  'import os',
  'D = os.environ["GOME_DATA_DIR"]',
  'train = pd.read_csv(f"{D}/train.csv")',
  'model.fit(train[X], train["target"])',
  'pd.DataFrame(rows).to_csv("scores.csv")',
  'sub.to_csv("submission.csv", index=False)',
].join('\n');
const CHANGED = BASE.replace('model.fit', 'model = HGB()\nmodel.fit');

function validator(t: TaskInfo = task): Sim<typeof validatorMachine> {
  return new Sim(validatorMachine, { trace: 't0', task: t, debugMs: DEBUG_MS, fullMs: FULL_MS, overfitGap: 0.15 }, addr.validator('t0'));
}

/** Per-fold scores around a mean: the same spread for every pipeline, so a gain is the same on every fold. */
const around = (x: number): number[] => [x - 0.01, x, x + 0.01];
const sotaOf = (x: number | null): Payload<'validate.request'>['sota'] => (x === null ? null : { score: x, folds: around(x) });

function request(over: Partial<Payload<'validate.request'>> = {}, t: TaskInfo = task): Payload<'validate.request'> {
  return { experiment: 't0-e2', code: CHANGED, baseCode: BASE, attempt: 1, sota: sotaOf(0.9), task: t, ...over };
}

/** The harness's scores of a job: per-fold (full runs) or pooled (debug), on labels the job never saw. */
function harness(score: number, t: TaskInfo, folds: number[] = around(score)): JobOutcome['harness'] {
  return { metric: t.metric, folds, oof: score, holdout: score - 0.005, rows: 400, problems: [] };
}

function debugOk(over: Partial<JobOutcome> = {}, t: TaskInfo = task): JobOutcome {
  return job({
    jobId: 't0-e2-a1-debug', mode: 'debug', status: 'ok', estimatedFullMs: 120_000,
    scores: { metric: t.metric, rows: { hgb: 0.9, ensemble: 0.91 } }, submission: { ok: true, error: null, rows: 114 },
    harness: harness(0.91, t, []), ...over,
  });
}

function fullOk(score: number, over: Partial<JobOutcome> = {}, t: TaskInfo = task): JobOutcome {
  return job({
    jobId: 't0-e2-a1-full', mode: 'full', status: 'ok', estimatedFullMs: null, workdir: '/jobs/t0-e2-a1-full',
    scores: { metric: t.metric, rows: { hgb: score, ensemble: score } }, feedback: { cv_scores: [score - 0.01, score + 0.01], train_score: null },
    submission: { ok: true, error: null, rows: 114 }, harness: harness(score, t), ...over,
  });
}

/** Drives a request through L0 and L1 and returns the sim waiting for the full run. */
function toFullRun(t: TaskInfo = task, sota: number | null = 0.9): Sim<typeof validatorMachine> {
  const v = validator(t);
  one(v.send(dev, 'validate.request', request({ sota: sotaOf(sota) }, t)), 'job.submit');
  one(v.send(addr.gpu, 'job.result', debugOk({}, t)), 'job.submit');
  expect(v.value).toBe('fullRun');
  return v;
}

describe('validator', () => {
  it('validator - L0 rejects bad code without submitting any job', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['unchanged code', BASE, /unchanged/],
      ['only comments and blank lines changed', `${BASE.replace('import os', 'import os  # env')}\n\n# tweak`, /unchanged/],
      ['reads private/', CHANGED + '\nans = pd.read_csv("../private/test.csv")', /private/],
      ['network import', 'import requests\n' + CHANGED, /network/],
      ['from-import of a networking module', 'from socket import socket\n' + CHANGED, /network/],
      ['sample submission as labels (fit)', CHANGED + '\nmodel.fit(X, sample_sub["target"])', /sample submission as training labels/],
      ['sample submission as labels (assign)', CHANGED + '\ny = sample_submission["target"]', /sample submission as training labels/],
      ['no submission.csv written', CHANGED.replace('submission.csv', 'out.csv'), /never writes submission\.csv/],
      ['no scores.csv written', CHANGED.replace('scores.csv', 'metrics.csv'), /never writes scores\.csv/],
      ['empty code', '   \n', /code is empty/],
      ['shell commands', CHANGED + '\nos.system("ls")', /shell/],
    ];
    for (const [name, code, why] of cases) {
      const v = validator();
      const outs = v.send(dev, 'validate.request', request({ code }));
      expect(outs.map((o) => o.type), name).toEqual(['validate.result']);
      const r = one(outs, 'validate.result');
      expect(r.to, name).toBe(dev);
      expect(r.payload, name).toMatchObject({ experiment: 't0-e2', verdict: 'reject', level: 'L0', repairable: true, score: null, debug: null, full: null });
      expect(r.payload.reasons.join(' | '), name).toMatch(why);
      expect(v.value, name).toBe('idle');
    }
  });

  it('validator - L0 passes changed, clean code and a first draft without a parent', () => {
    expect(staticChecks(CHANGED, BASE)).toEqual({ ok: true, reasons: [] });
    expect(staticChecks(BASE, null).ok).toBe(true);
    // reading the sample submission for its format is fine; only using it as labels is not
    expect(staticChecks(CHANGED + '\nsample_sub = pd.read_csv(f"{D}/sample_submission.csv")', BASE).ok).toBe(true);
  });

  it('validator - L1 debug job is submitted with the debug limit', () => {
    const v = validator();
    const outs = v.send('tool.0', 'validate.request', request({ attempt: 3 }));
    expect(outs.map((o) => o.type)).toEqual(['job.submit']);
    const s = one(outs, 'job.submit');
    expect(s.to).toBe(addr.gpu);
    expect(s.payload).toEqual({
      jobId: 't0-e2-a3-debug', mode: 'debug', code: CHANGED, dataDir: task.dataDir, limitMs: DEBUG_MS, estimatedMs: null,
      sampleSubmission: `${task.dataDir}/sample_submission.csv`,
    });
    expect(v.value).toBe('debugRun');
    // the verdict goes back to whoever asked
    const r = one(v.send(addr.gpu, 'job.result', debugOk({ jobId: 't0-e2-a3-debug', status: 'error', reason: 'boom' })), 'validate.result');
    expect(r.to).toBe('tool.0');
  });

  it('validator - bad debug outcomes reject at L1 with reasons', () => {
    const cases: Array<[string, Partial<JobOutcome>, RegExp, boolean]> = [
      ['error', { status: 'error', exitCode: 1, reason: null }, /debug run failed: exit code 1/, true],
      ['timeout', { status: 'timeout', usage: { wallMs: 30_200, cpuMs: 1, peakRssKb: 1 } }, /exceeded its limit \(30 s\)/, true],
      ['predictions not scored', { harness: null }, /the harness did not score/, true],
      ['contract broken', { harness: { metric: 'auc', folds: [], oof: null, holdout: null, rows: 0, problems: ['holdout_predictions.csv is missing or unreadable'] } }, /holdout_predictions\.csv is missing/, true],
      ['no score from the predictions', { harness: { metric: 'auc', folds: [], oof: null, holdout: null, rows: 0, problems: [] } }, /gave no score/, true],
      ['invalid submission', { submission: { ok: false, error: 'expected 114 rows, got 100', rows: 100 } }, /submission\.csv is invalid: expected 114 rows/, true],
      ['unchecked submission', { submission: null }, /submission\.csv was not checked/, true],
      ['missing estimate', { estimatedFullMs: null }, /GOME_ESTIMATED_FULL_SECONDS/, true],
      ['refused', { status: 'refused', reason: 'does not fit' }, /refused: does not fit/, false],
      ['refused: budget exhausted', { status: 'refused', refusal: 'budget-exhausted', reason: 'budget exhausted: 0.0 s remaining' }, /refused: budget exhausted/, false],
      // too slow for what is left: the change can be reshaped, so the developer gets to repair it
      ['refused: too slow', { status: 'refused', refusal: 'too-slow', reason: 'estimated runtime 90.0 s (from the debug run) exceeds the remaining budget 60.0 s' }, /exceeds the remaining budget/, true],
      ['infra', { status: 'infra', reason: 'docker died' }, /infrastructure failure/, false],
    ];
    for (const [name, over, why, repairable] of cases) {
      const v = validator();
      v.send(dev, 'validate.request', request());
      const bad = debugOk(over);
      const outs = v.send(addr.gpu, 'job.result', bad);
      expect(outs.map((o) => o.type), name).toEqual(['validate.result']);
      const r = one(outs, 'validate.result').payload;
      expect(r, name).toMatchObject({ experiment: 't0-e2', verdict: 'reject', level: 'L1', repairable, full: null, score: null });
      expect(r.debug, name).toEqual(bad);
      expect(r.reasons.join(' | '), name).toMatch(why);
      expect(v.value, name).toBe('idle');
    }
  });

  it('validator - several debug problems are all reported together', () => {
    const r = checkRun(debugOk({ harness: null, submission: { ok: false, error: 'bad id', rows: 3 }, estimatedFullMs: null }), task, true);
    expect(r.ok).toBe(false);
    expect(r.reasons).toHaveLength(3);
    // a full run does not need an estimate
    expect(checkRun(fullOk(0.9), task, false)).toEqual({ ok: true, reasons: [], repairable: true, blame: 'none' });
  });

  it('validator - good debug starts the full job with the debug estimate and the full limit', () => {
    const v = validator();
    v.send(dev, 'validate.request', request({ attempt: 2 }));
    const outs = v.send(addr.gpu, 'job.result', debugOk({ jobId: 't0-e2-a2-debug', estimatedFullMs: 345_000 }));
    const s = one(outs, 'job.submit');
    expect(outs).toHaveLength(1);
    expect(s.payload).toMatchObject({ jobId: 't0-e2-a2-full', mode: 'full', code: CHANGED, limitMs: FULL_MS, estimatedMs: 345_000 });
    expect(v.value).toBe('fullRun');
  });

  it('validator - the full run carries the debug run\'s raw estimate and the part of it allowances bound, for the cost model', () => {
    const v = validator();
    v.send(dev, 'validate.request', request({ attempt: 1 }));
    const s = one(v.send(addr.gpu, 'job.result', debugOk({ estimatedFullMs: 98_000, rawEstimatedFullMs: 93_000, boundedEstimatedFullMs: 74_500 })), 'job.submit');
    expect(s.payload).toMatchObject({ mode: 'full', estimatedMs: 98_000, rawEstimatedMs: 93_000, boundedEstimatedMs: 74_500, after: 't0-e2-a1-debug' });
    const plain = validator();
    plain.send(dev, 'validate.request', request({ attempt: 1 }));
    expect(one(plain.send(addr.gpu, 'job.result', debugOk({ rawEstimatedFullMs: 120_000 })), 'job.submit').payload.boundedEstimatedMs).toBeUndefined();
  });

  it('validator - the full run is admitted on the larger of the debug run\'s estimate and the brain\'s plan, and says which', () => {
    // Fashion-MNIST: a histogram-boosting member's tiny debug fit extrapolated to 76 s; the plan said ~600 s; it was
    // killed at its 300 s limit (before, the plan never reached admission)
    const planned = validator();
    planned.send(dev, 'validate.request', request({ attempt: 1, plannedMs: 600_000 }));
    const s = one(planned.send(addr.gpu, 'job.result', debugOk({ estimatedFullMs: 76_000 })), 'job.submit');
    expect(s.payload).toMatchObject({ mode: 'full', estimatedMs: 600_000, estimateFrom: 'plan' });
    // a plan below the debug run's estimate changes nothing
    const low = validator();
    low.send(dev, 'validate.request', request({ attempt: 1, plannedMs: 50_000 }));
    const t = one(low.send(addr.gpu, 'job.result', debugOk({ estimatedFullMs: 76_000 })), 'job.submit');
    expect(t.payload.estimatedMs).toBe(76_000);
    expect(t.payload.estimateFrom).toBeUndefined();
    expect(decideAdmission({ jobLimitMs: 300_000, estimatedMs: 600_000, estimateFrom: 'plan', remainingBudgetMs: 800_000, safety: 1.5 }))
      .toMatchObject({ admit: false, refusal: 'too-slow', reason: expect.stringMatching(/estimated runtime 600\.0 s \(from the brain's plan, which exceeds the debug run's extrapolation\)/) });
  });

  it('validator - stale job.result for another job id is ignored', () => {
    const v = validator();
    v.send(dev, 'validate.request', request({ attempt: 2 }));
    const stale = [
      debugOk({ jobId: 't0-e2-a1-debug', status: 'error' }), // previous attempt
      debugOk({ jobId: 't0-e1-a2-debug', status: 'error' }), // previous experiment
      debugOk({ jobId: 't1-e2-a2-debug', status: 'error' }), // another trace
    ];
    for (const s of stale) {
      expect(v.send(addr.gpu, 'job.result', s), s.jobId).toEqual([]);
      expect(v.value).toBe('debugRun');
    }
    one(v.send(addr.gpu, 'job.result', debugOk({ jobId: 't0-e2-a2-debug' })), 'job.submit');
    expect(v.value).toBe('fullRun');
    // while waiting for the full run: results of other jobs (older attempts, other experiments/traces) are ignored
    for (const s of [...stale, fullOk(0.99, { jobId: 't0-e2-a1-full' }), fullOk(0.99, { jobId: 't0-e1-a2-full' })]) {
      expect(v.send(addr.gpu, 'job.result', s), `${s.jobId} in fullRun`).toEqual([]);
      expect(v.value).toBe('fullRun');
    }
    const r = one(v.send(addr.gpu, 'job.result', fullOk(0.95, { jobId: 't0-e2-a2-full' })), 'validate.result');
    expect(r.payload).toMatchObject({ verdict: 'accept', level: 'L3' });
    expect(r.payload.score).toBeCloseTo(0.95, 12);
  });

  it('validator - a redelivered debug result is not taken for the full run (regression)', () => {
    // Bug: job results were matched by the "<experiment>-a<attempt>-" prefix only, so in fullRun a late or duplicate
    // copy of this attempt's debug result (another job id) was decided at L3 as if it were the full run.
    const v = toFullRun(task, 0.9);
    const dup = debugOk({ scores: { metric: 'auc', rows: { hgb: 0.99, ensemble: 0.99 } } });
    expect(v.send(addr.gpu, 'job.result', dup)).toEqual([]);
    expect(v.value).toBe('fullRun');
    const r = one(v.send(addr.gpu, 'job.result', fullOk(0.88)), 'validate.result').payload;
    expect(r).toMatchObject({ verdict: 'reject', level: 'L3', score: 0.88 });
    expect(r.full?.jobId).toBe('t0-e2-a1-full');
  });

  it('validator - L2 rejects a failed full run with the full outcome attached', () => {
    const v = toFullRun();
    const bad = fullOk(0.95, { status: 'timeout', usage: { wallMs: 901_000, cpuMs: 1, peakRssKb: 1 } });
    const r = one(v.send(addr.gpu, 'job.result', bad), 'validate.result').payload;
    expect(r).toMatchObject({ verdict: 'reject', level: 'L2', repairable: true });
    expect(r.reasons[0]).toMatch(/full run exceeded its limit \(901 s\)/);
    expect(r.full).toEqual(bad);
    expect(r.debug?.jobId).toBe('t0-e2-a1-debug');
    expect(v.value).toBe('idle');
  });

  it('validator - L3 accepts an improvement in the metric direction', () => {
    // higher is better (auc)
    const v = toFullRun(task, 0.9);
    const full = fullOk(0.93, { feedback: { cv_scores: [0.92, 0.94], train_score: 0.95 } });
    const r = one(v.send(addr.gpu, 'job.result', full), 'validate.result');
    expect(r.to).toBe(dev);
    expect(r.payload).toMatchObject({ experiment: 't0-e2', verdict: 'accept', level: 'L3', repairable: false, trainScore: 0.95 });
    expect(r.payload.score).toBeCloseTo(0.93, 12);
    expect(r.payload.folds).toEqual(around(0.93));
    expect(r.payload.holdout).toBeCloseTo(0.925, 12);
    expect(r.payload.cvStd).toBeCloseTo(0.01, 9);
    expect(r.payload.reasons).toHaveLength(1);
    expect(r.payload.reasons[0]).toMatch(/^auc 0\.93 against SOTA 0\.9 \(higher is better\) beats it beyond noise: paired over 3 folds: gain 0\.03 auc, the same on every fold/);
    expect(r.payload.full).toEqual(full);
    expect(r.payload.debug?.mode).toBe('debug');
    // lower is better (logloss): a smaller loss is the improvement
    const w = toFullRun(loglossTask, 0.35);
    const rl = one(w.send(addr.gpu, 'job.result', fullOk(0.3, {}, loglossTask)), 'validate.result').payload;
    expect(rl).toMatchObject({ verdict: 'accept', level: 'L3' });
    expect(rl.score).toBeCloseTo(0.3, 12);
  });

  it('validator - L3 rejects non-improvement using the metric direction', () => {
    const cases: Array<[TaskInfo, number, number]> = [
      [task, 0.9, 0.88], [task, 0.9, 0.9], // auc: lower or equal is no gain
      [loglossTask, 0.35, 0.4], [loglossTask, 0.35, 0.35], // logloss: higher or equal is no gain
    ];
    for (const [t, sota, score] of cases) {
      const v = toFullRun(t, sota);
      const full = fullOk(score, {}, t);
      const r = one(v.send(addr.gpu, 'job.result', full), 'validate.result').payload;
      const name = `${t.metric} ${score} vs ${sota}`;
      expect(r, name).toMatchObject({ verdict: 'reject', level: 'L3', repairable: false });
      expect(r.score, name).toBeCloseTo(score, 12);
      expect(r.reasons.join(' '), name).toMatch(new RegExp(`against SOTA .*\\((${t.lowerIsBetter ? 'lower' : 'higher'}) is better\\) is not a gain beyond noise`));
      expect(r.full, name).toEqual(full);
    }
    // the same numbers with the opposite direction flip the verdict
    const d = (score: number, sota: number, t: TaskInfo, trainScore: number | null = null) =>
      decide({ score, folds: around(score), sota: { score: sota, folds: around(sota) }, task: t, trainScore, overfitGap: 0.15, acceptK: 2 });
    expect(d(0.4, 0.35, task).accept).toBe(true);
    expect(d(0.4, 0.35, loglossTask).accept).toBe(false);
  });

  it('validator - L3 accepts the first valid pipeline when there is no SOTA', () => {
    const v = toFullRun(task, null);
    const r = one(v.send(addr.gpu, 'job.result', fullOk(0.6)), 'validate.result').payload;
    expect(r).toMatchObject({ verdict: 'accept', level: 'L3' });
    expect(r.reasons).toEqual(['first valid pipeline: auc 0.6']);
  });

  it('validator - L3 rejects perfect (leaky) scores', () => {
    for (const [t, perfect] of [[task, 1], [loglossTask, 0]] as const) {
      const v = toFullRun(t, null);
      const r = one(v.send(addr.gpu, 'job.result', fullOk(perfect, { harness: harness(perfect, t, [perfect, perfect]) }, t)), 'validate.result').payload;
      expect(r, t.metric).toMatchObject({ verdict: 'reject', level: 'L3', repairable: false });
      expect(r.reasons[0], t.metric).toMatch(/exactly perfect.*leakage/);
    }
  });

  it('validator - L3 warns on a large train/validation gap but still decides on the score', () => {
    const v = toFullRun(task, 0.8);
    const r = one(v.send(addr.gpu, 'job.result', fullOk(0.82, { feedback: { cv_scores: [0.81, 0.83], train_score: 0.999 } })), 'validate.result').payload;
    expect(r.verdict).toBe('accept');
    expect(r.reasons.some((x) => /^warning: train\/validation gap .* exceeds 0\.15/.test(x))).toBe(true);
    // a small gap gives no warning
    const w = toFullRun(task, 0.8);
    const ok = one(w.send(addr.gpu, 'job.result', fullOk(0.82, { feedback: { train_score: 0.85 } })), 'validate.result').payload;
    expect(ok.reasons.some((x) => x.startsWith('warning'))).toBe(false);
    // lower is better: the validation loss far above the training loss is the gap
    const dd = (score: number, sota: number, t: TaskInfo, trainScore: number) =>
      decide({ score, folds: around(score), sota: { score: sota, folds: around(sota) }, task: t, trainScore, overfitGap: 0.15, acceptK: 2 });
    const gap = dd(0.5, 0.6, loglossTask, 0.1);
    expect(gap.accept).toBe(true);
    expect(gap.reasons[0]).toMatch(/^warning: train\/validation gap/);
    const noGap = dd(0.5, 0.6, loglossTask, 0.49);
    expect(noGap.reasons.some((x) => x.startsWith('warning'))).toBe(false);
    // the warning survives into a rejection too
    const rej = dd(0.7, 0.8, task, 0.99);
    expect(rej.accept).toBe(false);
    expect(rej.reasons).toHaveLength(2);
  });

  it('validator - after a verdict it takes the next request', () => {
    const v = validator();
    v.send(dev, 'validate.request', request({ code: BASE }));
    const s = one(v.send(dev, 'validate.request', request({ attempt: 2 })), 'job.submit');
    expect(s.payload.jobId).toBe('t0-e2-a2-debug');
  });
});

describe('validator (blame)', () => {
  it('validator - a timeout caused by the budget cap is blamed on the budget and not sent for repair', () => {
    const v = toFullRun();
    const capped = fullOk(0.95, { status: 'timeout', budgetCapped: true, usage: { wallMs: 4_000, cpuMs: 1, peakRssKb: 1 } });
    const r = one(v.send(addr.gpu, 'job.result', capped), 'validate.result').payload;
    expect(r).toMatchObject({ verdict: 'reject', level: 'L2', repairable: false, blame: 'budget' });
    expect(r.reasons[0]).toMatch(/budget ran out/);
  });

  it('validator - blame follows the cause: refused → budget, infra → infra, crash → code, no improvement → score', () => {
    const cases: Array<[Partial<JobOutcome>, string]> = [
      [{ status: 'refused', reason: 'estimate exceeds budget' }, 'budget'],
      [{ status: 'infra', reason: 'disk' }, 'infra'],
      [{ status: 'error', reason: 'exit code 1' }, 'code'],
    ];
    for (const [over, blame] of cases) {
      const v = toFullRun();
      const r = one(v.send(addr.gpu, 'job.result', fullOk(0.95, over)), 'validate.result').payload;
      expect(r.blame, over.status).toBe(blame);
    }
    const v = toFullRun(task, 0.99);
    expect(one(v.send(addr.gpu, 'job.result', fullOk(0.95)), 'validate.result').payload).toMatchObject({ verdict: 'reject', blame: 'score' });
  });

  it('validator - a job request that fails (GPU node crashed or deadline) rejects the attempt, blamed on the infrastructure', () => {
    const v = validator();
    v.send(dev, 'validate.request', request());
    const r1 = one(v.send(addr.validator('t0'), 'request.failed', { request: 'job.submit', requestId: 'x', to: addr.gpu, code: 'crash', reason: 'gpu.0 crashed' }), 'validate.result');
    expect(r1.payload).toMatchObject({ verdict: 'reject', level: 'L1', blame: 'infra', repairable: false });
    expect(v.value).toBe('idle');
    const w = toFullRun();
    const r2 = one(w.send(addr.validator('t0'), 'request.failed', { request: 'job.submit', requestId: 'y', to: addr.gpu, code: 'deadline', reason: 'no answer' }), 'validate.result');
    expect(r2.payload).toMatchObject({ verdict: 'reject', level: 'L2', blame: 'infra' });
    expect(r2.payload.reasons[0]).toMatch(/job\.submit failed \(deadline\)/);
  });
});

describe('validator (honest decisions)', () => {
  it('validator - a gain within the noise of the paired folds is rejected; the same mean gain, consistent over folds, is accepted', () => {
    const sota = { score: 0.9, folds: [0.88, 0.9, 0.92, 0.89, 0.91] };
    // mean gain +0.004, but one fold up 0.03 and the others down: noise
    const noisy = [0.91, 0.896, 0.915, 0.885, 0.914];
    const w = validator(); one(w.send(dev, 'validate.request', request({ sota })), 'job.submit'); one(w.send(addr.gpu, 'job.result', debugOk()), 'job.submit');
    const r1 = one(w.send(addr.gpu, 'job.result', fullOk(0.904, { harness: harness(0.904, task, noisy) })), 'validate.result').payload;
    expect(r1).toMatchObject({ verdict: 'reject', level: 'L3', blame: 'score' });
    expect(r1.reasons[0]).toMatch(/not a gain beyond noise: paired over 5 folds: gain 0\.004 auc, 0\.\d+ SE; needs more than 2 SE/);
    // +0.004 on every fold (up to tiny jitter): beyond noise
    const steady = [0.884, 0.9041, 0.924, 0.8939, 0.914];
    const x = validator(); one(x.send(dev, 'validate.request', request({ sota })), 'job.submit'); one(x.send(addr.gpu, 'job.result', debugOk()), 'job.submit');
    const r2 = one(x.send(addr.gpu, 'job.result', fullOk(0.904, { harness: harness(0.904, task, steady) })), 'validate.result').payload;
    expect(r2.verdict).toBe('accept');
  });

  it('validator - a job that lies in its scores.csv changes no decision (lying job)', () => {
    const sota = { score: 0.9, folds: around(0.9) };
    // the harness scored the predictions at 0.85 on every fold; the job claims 0.999 for itself
    const liar = (over: Partial<JobOutcome> = {}) => fullOk(0.85, { scores: { metric: 'auc', rows: { hgb: 0.999, ensemble: 0.999 } }, feedback: { cv_scores: [0.999, 0.999], train_score: 0.999 }, ...over });
    const v = validator(); one(v.send(dev, 'validate.request', request({ sota })), 'job.submit'); one(v.send(addr.gpu, 'job.result', debugOk()), 'job.submit');
    const r = one(v.send(addr.gpu, 'job.result', liar()), 'validate.result').payload;
    expect(r).toMatchObject({ verdict: 'reject', level: 'L3', selfReported: 0.999 });
    expect(r.score).toBeCloseTo(0.85, 12);
    // the same job telling the truth gets the same verdict: the claim is never read for a decision
    const w = validator(); one(w.send(dev, 'validate.request', request({ sota })), 'job.submit'); one(w.send(addr.gpu, 'job.result', debugOk()), 'job.submit');
    const honest = one(w.send(addr.gpu, 'job.result', fullOk(0.85, { scores: { metric: 'auc', rows: { ensemble: 0.85 } } })), 'validate.result').payload;
    expect(honest.verdict).toBe(r.verdict);
    const decisive = (xs: string[]) => xs.filter((x) => !x.startsWith('warning')); // the claimed train score only feeds a warning
    expect(decisive(honest.reasons)).toEqual(decisive(r.reasons));
    // a liar that wrote no predictions at all fails its contract, whatever it claims
    const x = validator(); one(x.send(dev, 'validate.request', request({ sota })), 'job.submit'); one(x.send(addr.gpu, 'job.result', debugOk()), 'job.submit');
    const none = liar({ harness: { metric: 'auc', folds: [], oof: null, holdout: null, rows: 0, problems: ['oof_predictions.csv is missing or unreadable: the job must write its out-of-fold predictions'] } });
    const r3 = one(x.send(addr.gpu, 'job.result', none), 'validate.result').payload;
    expect(r3).toMatchObject({ verdict: 'reject', level: 'L2', blame: 'code', repairable: true });
    expect(r3.reasons[0]).toMatch(/oof_predictions\.csv is missing/);
  });

  it('validator - a debug run that breaks the prediction contract is rejected at L1 with the harness\'s reasons', () => {
    const v = validator();
    v.send(dev, 'validate.request', request());
    const bad = debugOk({ harness: { metric: 'auc', folds: [], oof: null, holdout: null, rows: 0, problems: ['oof_predictions.csv has 3 rows whose id is not a (distinct) row of train.csv'] } });
    const r = one(v.send(addr.gpu, 'job.result', bad), 'validate.result').payload;
    expect(r).toMatchObject({ verdict: 'reject', level: 'L1', repairable: true, blame: 'code' });
    expect(r.reasons).toContain('oof_predictions.csv has 3 rows whose id is not a (distinct) row of train.csv');
    const w = validator();
    w.send(dev, 'validate.request', request());
    const unscored = one(w.send(addr.gpu, 'job.result', debugOk({ harness: null })), 'validate.result').payload;
    expect(unscored.reasons[0]).toMatch(/the harness did not score/);
  });

  it('validator - with a judge, a change the harness accepts goes to the judge, who may veto it; a rejected one never does', () => {
    const judged = (): Sim<typeof validatorMachine> => {
      const v = new Sim(validatorMachine, { trace: 't0', task, debugMs: DEBUG_MS, fullMs: FULL_MS, overfitGap: 0.15, judge: true }, addr.validator('t0'));
      one(v.send(dev, 'validate.request', request()), 'job.submit');
      one(v.send(addr.gpu, 'job.result', debugOk({}, task)), 'job.submit');
      return v;
    };
    // accepted by the harness: the judge is asked, with the harness's figures and never the held-back score
    const v = judged();
    const ask = one(v.send(addr.gpu, 'job.result', fullOk(0.93)), 'brain.judge.request');
    expect(ask.to).toBe(addr.brain);
    expect(ask.payload).toMatchObject({ experiment: 't0-e2', code: CHANGED, baseCode: BASE, sota: sotaOf(0.9) });
    expect(ask.payload.score).toBeCloseTo(0.93, 12);
    expect(ask.payload).not.toHaveProperty('holdout');
    expect(JSON.stringify(ask.payload)).not.toContain('0.925'); // the held-back score of this job
    expect(v.value).toBe('judging');
    const veto = one(v.send(addr.brain, 'brain.judge.reply', { decision: 'reject', observations: ['the target column is among the features'], reason: 'leakage', brain: 'llm:x' }), 'validate.result');
    expect(veto.payload).toMatchObject({ verdict: 'reject', level: 'L3', repairable: false });
    expect(veto.payload.reasons.slice(1)).toEqual(['the judge vetoed it: leakage', 'judge observed: the target column is among the features']);
    // the judge agrees: accepted, its reason beside the harness's
    const w = judged();
    one(w.send(addr.gpu, 'job.result', fullOk(0.93)), 'brain.judge.request');
    const ok = one(w.send(addr.brain, 'brain.judge.reply', { decision: 'accept', observations: [], reason: 'sound', brain: 'llm:x' }), 'validate.result');
    expect(ok.payload).toMatchObject({ verdict: 'accept', level: 'L3' });
    expect(ok.payload.reasons.at(-1)).toBe('the judge accepts: sound');
    // no judgement: the harness's decision stands, and says why
    const x = judged();
    const req = one(x.send(addr.gpu, 'job.result', fullOk(0.93)), 'brain.judge.request');
    const failed = one(x.send(addr.brain, 'request.failed', { request: 'brain.judge.request', requestId: 'r1:validator.t0:3', to: addr.brain, code: 'failed', reason: 'LlmReplyInvalid: no' }), 'validate.result');
    expect(req).toBeDefined();
    expect(failed.payload.verdict).toBe('accept');
    expect(failed.payload.reasons.at(-1)).toMatch(/^the judge gave no judgement \(failed: LlmReplyInvalid: no\); the harness's decision stands$/);
    // rejected by the harness: no judge is asked (it may only veto)
    const y = judged();
    const outs = y.send(addr.gpu, 'job.result', fullOk(0.88));
    expect(outs.map((o) => o.type)).toEqual(['validate.result']);
  });
});
