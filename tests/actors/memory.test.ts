// Memory machine (momentum): per-trace SOTA by metric, success memory, failures since SOTA, bias, siblings, ablation.
import { describe, expect, it } from 'vitest';
import type { Experiment, FailureEntry, SuccessEntry } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import { addr } from '../../actors/addresses.ts';
import { globalBest, memoryMachine } from '../../actors/memory/memory-machine.ts';
import { DECAY, FAILURE_PENALTY, momentumBias, relativeGain } from '../../actors/memory/momentum.ts';
import { exp, one, Sim } from './harness.ts';

function memory(lowerIsBetter = false, enabled = true): Sim<typeof memoryMachine> {
  return new Sim(memoryMachine, { lowerIsBetter, enabled }, addr.memory, { trace: 'run' });
}

let n = 0;
/** Records one experiment (from the trace's developer) and returns the iteration.done it produced. */
function record(m: Sim<typeof memoryMachine>, e: Partial<Experiment> & { kind?: string; component?: Experiment['hypothesis']['component'] }): Payload<'iteration.done'> {
  const trace = e.trace ?? 't0';
  m.clock.advance(1_000);
  const full = exp({ id: `${trace}-x${++n}`, trace, parent: null, code: `code ${n}`, reasons: [], ts: m.clock.now(), ...e });
  const outs = m.send(addr.developer(trace), 'experiment.record', full, trace);
  const done = one(outs, 'iteration.done');
  expect(outs).toHaveLength(1);
  expect(done.to).toBe(addr.coordinator);
  expect(done.trace).toBe(trace);
  return done.payload;
}

function ctx(m: Sim<typeof memoryMachine>, trace = 't0', from = addr.researcher(trace)): Payload<'memory.context'> {
  const outs = m.send(from, 'memory.context.request', { trace }, trace);
  const c = one(outs, 'memory.context');
  expect(c.to).toBe(from);
  expect(c.trace).toBe(trace);
  return c.payload;
}

describe('memory', () => {
  it('memory - iteration.done goes to the coordinator with status, score, improved flag and SOTA', () => {
    const m = memory();
    expect(m.initialSends).toEqual([]);
    const first = record(m, { id: 'a', status: 'accepted', score: 0.8, code: 'A', cvStd: 0.02, trainScore: 0.85 });
    expect(first).toEqual({
      experiment: 'a', trace: 't0', status: 'accepted', score: 0.8, improved: true, reason: null,
      sota: { experiment: 'a', score: 0.8, code: 'A', hypothesis: 'try model:hgb', cvStd: 0.02, trainScore: 0.85, folds: [0.97, 0.99], holdout: 0.975, feedback: { cv_scores: [0.97, 0.99] } },
    });
    const failed = record(m, { id: 'b', status: 'failed', level: 'L1', score: null, reasons: ['crash'] });
    expect(failed).toMatchObject({ experiment: 'b', status: 'failed', score: null, improved: false });
    expect(failed.sota?.experiment).toBe('a');
    const rejected = record(m, { id: 'c', status: 'rejected', level: 'L3', score: 0.79 });
    expect(rejected).toMatchObject({ status: 'rejected', improved: false });
    expect(rejected.sota?.experiment).toBe('a');
  });

  it('memory - SOTA is the best by metric, not the latest accepted', () => {
    const m = memory(false);
    record(m, { id: 'a', status: 'accepted', score: 0.8 });
    record(m, { id: 'b', status: 'accepted', score: 0.9 });
    const late = record(m, { id: 'c', status: 'accepted', score: 0.85 }); // accepted later, but worse
    expect(late.improved).toBe(false);
    expect(late.sota?.experiment).toBe('b');
    // a rejected experiment never becomes SOTA even with a better score
    const rej = record(m, { id: 'd', status: 'rejected', score: 0.99 });
    expect(rej.improved).toBe(false);
    expect(ctx(m).sota).toMatchObject({ experiment: 'b', score: 0.9 });
    // accepted without a score cannot become SOTA
    expect(record(m, { id: 'e', status: 'accepted', score: null }).improved).toBe(false);
  });

  it('memory - SOTA follows the metric direction when lower is better', () => {
    const m = memory(true);
    record(m, { id: 'a', status: 'accepted', score: 0.5 });
    expect(record(m, { id: 'b', status: 'accepted', score: 0.4 }).improved).toBe(true);
    expect(record(m, { id: 'c', status: 'accepted', score: 0.45 }).improved).toBe(false);
    expect(record(m, { id: 'd', status: 'accepted', score: 0.4 }).improved).toBe(false); // a tie is no gain
    expect(ctx(m).sota).toMatchObject({ experiment: 'b', score: 0.4 });
  });

  it('memory - successes record relative gains over the previous SOTA', () => {
    const m = memory(false);
    record(m, { id: 'a', status: 'accepted', score: 0.8, kind: 'model:lr' });
    expect(ctx(m).successes).toEqual([]); // the first SOTA has nothing to gain over
    record(m, { id: 'b', status: 'accepted', score: 0.88, kind: 'model:hgb', component: 'model' });
    record(m, { id: 'c', status: 'failed', score: null, kind: 'fe:x' });
    record(m, { id: 'd', status: 'accepted', score: 0.968, kind: 'fe:ratios', component: 'features' });
    const s = ctx(m).successes;
    expect(s.map((x) => [x.kind, x.component, x.experiment])).toEqual([['model:hgb', 'model', 'b'], ['fe:ratios', 'features', 'd']]);
    expect(s[0]!.gain).toBeCloseTo(0.1, 9); // (0.88 − 0.8) / 0.8
    expect(s[1]!.gain).toBeCloseTo(0.1, 9); // (0.968 − 0.88) / 0.88
    // lower is better: a smaller loss is a positive gain
    const l = memory(true);
    record(l, { status: 'accepted', score: 0.5 });
    record(l, { status: 'accepted', score: 0.4 });
    expect(ctx(l).successes[0]!.gain).toBeCloseTo(0.2, 9);
    expect(relativeGain(0.4, 0.5, true)).toBeCloseTo(0.2, 9);
    expect(relativeGain(0.6, 0.5, false)).toBeCloseTo(0.2, 9);
    expect(relativeGain(0.4, 0.5, false)).toBeCloseTo(-0.2, 9);
  });

  it('memory - failures since the last SOTA reset on improvement', () => {
    const m = memory(false);
    record(m, { id: 'a', status: 'accepted', score: 0.8 });
    record(m, { id: 'b', status: 'failed', level: 'L1', score: null, kind: 'fe:a', reasons: ['debug run failed', 'no scores'] });
    record(m, { id: 'c', status: 'rejected', level: 'L3', score: 0.7, kind: 'model:b', reasons: ['no gain'] });
    record(m, { id: 'x', trace: 't1', status: 'failed', level: 'L0', score: null, kind: 'fe:z', reasons: ['other trace'] });
    expect(ctx(m).failures).toEqual([
      { kind: 'fe:a', experiment: 'b', level: 'L1', reason: 'debug run failed; no scores' },
      { kind: 'model:b', experiment: 'c', level: 'L3', reason: 'no gain' },
    ]);
    record(m, { id: 'd', status: 'accepted', score: 0.85 });
    expect(ctx(m).failures).toEqual([]);
    expect(ctx(m, 't1').failures.map((f) => f.experiment)).toEqual(['x']); // per trace
    record(m, { id: 'e', status: 'failed', score: null, kind: 'fe:c', reasons: ['oops'] });
    expect(ctx(m).failures.map((f) => f.experiment)).toEqual(['e']);
  });

  it('memory - only the most recent failures are kept', () => {
    const m = memory();
    for (let i = 0; i < 15; i++) record(m, { id: `f${i}`, status: 'failed', score: null, reasons: ['x'.repeat(3000)] });
    const f = ctx(m).failures;
    expect(f.map((x) => x.experiment)).toEqual(Array.from({ length: 10 }, (_, i) => `f${i + 5}`));
    expect(f[0]!.reason.length).toBe(2000);
  });

  it('memory - bias decays with momentum and failures penalise', () => {
    const s = (kind: string, gain: number, component: SuccessEntry['component'] = 'model'): SuccessEntry => ({ kind, component, gain, experiment: kind, ts: 0 });
    const f = (kind: string): FailureEntry => ({ kind, experiment: 'e', level: 'L1', reason: 'r' });
    // older successes count DECAY^age; gains are normalised by the largest
    const b = momentumBias([s('model:a', 0.1), s('model:b', 0.1), s('fe:c', 0.05, 'features')], []);
    expect(b['fe:c']).toBeCloseTo(0.5, 4);
    expect(b['model:b']).toBeCloseTo(DECAY, 4);
    expect(b['model:a']).toBeCloseTo(DECAY ** 2, 4);
    expect(b['component:model']).toBeCloseTo(0.5 * (DECAY + DECAY ** 2), 4);
    expect(b['component:features']).toBeCloseTo(0.25, 4);
    // the same success looks weaker once newer successes arrive
    const fresh = momentumBias([s('model:a', 0.1)], [])['model:a']!;
    expect(fresh).toBe(1);
    expect(b['model:a']!).toBeLessThan(fresh);
    // failures subtract, and everything is clipped to [-1, 1]
    const withFail = momentumBias([s('model:a', 0.1)], [f('model:a'), f('fe:bad'), f('fe:bad'), f('fe:bad'), f('fe:bad')]);
    expect(withFail['model:a']).toBeCloseTo(1 - FAILURE_PENALTY, 4);
    expect(withFail['fe:bad']).toBe(-1);
    expect(momentumBias([s('k', 1), s('k', 1), s('k', 1)], [])['k']).toBe(1);
  });

  it('memory - context bias comes from successes and failures of the trace', () => {
    const m = memory(false);
    record(m, { status: 'accepted', score: 0.8, kind: 'model:lr' });
    record(m, { status: 'accepted', score: 0.9, kind: 'model:hgb' });
    record(m, { status: 'accepted', score: 0.99, kind: 'fe:ratios', component: 'features' });
    record(m, { status: 'failed', score: null, kind: 'fe:bad', reasons: ['crash'] });
    const c = ctx(m);
    expect(c.bias).toEqual(momentumBias(c.successes, c.failures));
    expect(c.bias['fe:bad']).toBeCloseTo(-FAILURE_PENALTY, 4);
    expect(c.bias['model:hgb']!).toBeGreaterThan(0);
    expect(c.bias['fe:ratios']!).toBeGreaterThan(0);
    // after the next improvement the failure no longer penalises, and the older success has decayed further
    const before = c.bias['model:hgb']!;
    record(m, { status: 'accepted', score: 0.995, kind: 'model:xgb' });
    const after = ctx(m).bias;
    expect(after['fe:bad']).toBeUndefined();
    expect(after['model:hgb']!).toBeLessThan(before);
  });

  it('memory - siblings are injected only while the trace has no own SOTA', () => {
    const m = memory(false);
    record(m, { trace: 't1', status: 'failed', score: null, kind: 'model:xgb' });
    record(m, { trace: 't2', status: 'accepted', score: 0.7, kind: 'fe:ratios' });
    record(m, { trace: 't0', status: 'failed', score: null, kind: 'model:lr' });
    const before = ctx(m, 't0');
    expect(before.sota).toBeNull();
    expect(before.siblings.sort()).toEqual(['fe:ratios', 'model:xgb']); // the other traces' latest kinds, not its own
    record(m, { trace: 't1', status: 'failed', score: null, kind: 'model:cat' });
    expect(ctx(m, 't0').siblings.sort()).toEqual(['fe:ratios', 'model:cat']); // latest per trace
    record(m, { trace: 't0', status: 'accepted', score: 0.6, kind: 'model:hgb' });
    const after = ctx(m, 't0');
    expect(after.sota?.score).toBe(0.6);
    expect(after.siblings).toEqual([]);
    expect(ctx(m, 't1').siblings.sort()).toEqual(['fe:ratios', 'model:hgb']); // t1 still has none
  });

  it('memory - context carries tried kinds, cross-trace SOTAs and the experiment count', () => {
    const m = memory(false);
    record(m, { trace: 't0', status: 'accepted', score: 0.8, kind: 'model:lr' });
    record(m, { trace: 't0', status: 'failed', score: null, kind: 'fe:a' });
    record(m, { trace: 't1', status: 'accepted', score: 0.85, kind: 'model:xgb' });
    const c = ctx(m, 't0');
    expect(c.tried).toEqual(['model:lr', 'fe:a']);
    expect(c.crossTrace).toEqual([{ trace: 't1', hypothesis: 'model:xgb', score: 0.85 }]);
    expect(c.experiments).toBe(3);
    expect(ctx(m, 't9')).toMatchObject({ sota: null, tried: [], failures: [], experiments: 3 });
  });

  it('memory - tried holds each kind once, so a long run\'s context does not grow with its length', () => {
    const m = memory(false);
    for (let i = 0; i < 50; i++) record(m, { trace: 't0', status: 'rejected', score: 0.5, kind: i % 2 ? 'fe:a' : 'model:lr' });
    expect(ctx(m, 't0').tried).toEqual(['model:lr', 'fe:a']);
    expect(ctx(m, 't0').experiments).toBe(50);
  });

  it('memory - disabled memory (ablation) gives empty successes, bias and failures but keeps SOTA', () => {
    const on = memory(false, true);
    const off = memory(false, false);
    for (const m of [on, off]) {
      record(m, { id: 'a', code: 'A', trace: 't0', status: 'accepted', score: 0.8, kind: 'model:lr' });
      record(m, { id: 'b', code: 'B', trace: 't0', status: 'accepted', score: 0.9, kind: 'model:hgb' });
      record(m, { id: 'c', code: 'C', trace: 't0', status: 'failed', score: null, kind: 'fe:a', reasons: ['crash'] });
      record(m, { id: 'd', code: 'D', trace: 't1', status: 'accepted', score: 0.7, kind: 'model:xgb' });
    }
    const c = ctx(off);
    expect(c.successes).toEqual([]);
    expect(c.failures).toEqual([]);
    expect(c.bias).toEqual({});
    expect(c.crossTrace).toEqual([]);
    expect(c.sota).toMatchObject({ experiment: 'b', score: 0.9, code: 'B' });
    expect(c.tried).toEqual(['model:lr', 'model:hgb', 'fe:a']);
    // the enabled memory, fed the same records, does carry them
    const e = ctx(on);
    expect(e.successes).toHaveLength(1);
    expect(e.failures).toHaveLength(1);
    expect(Object.keys(e.bias).length).toBeGreaterThan(0);
    expect(e.sota).toEqual(c.sota);
  });

  it('memory - the global best is the best SOTA across traces by metric', () => {
    const hi = globalBest({ lowerIsBetter: false, sota: {
      t0: { experiment: 'a', score: 0.8, code: '', hypothesis: '', cvStd: null, trainScore: null, folds: [], holdout: null, feedback: null, kind: 'k' },
      t1: { experiment: 'b', score: 0.9, code: '', hypothesis: '', cvStd: null, trainScore: null, folds: [], holdout: null, feedback: null, kind: 'k' },
    } });
    expect(hi).toMatchObject({ experiment: 'b', trace: 't1' });
    const lo = globalBest({ lowerIsBetter: true, sota: {
      t0: { experiment: 'a', score: 0.8, code: '', hypothesis: '', cvStd: null, trainScore: null, folds: [], holdout: null, feedback: null, kind: 'k' },
      t1: { experiment: 'b', score: 0.9, code: '', hypothesis: '', cvStd: null, trainScore: null, folds: [], holdout: null, feedback: null, kind: 'k' },
    } });
    expect(lo).toMatchObject({ experiment: 'a', trace: 't0' });
    expect(globalBest({ lowerIsBetter: false, sota: {} })).toBeNull();
  });
});

describe('memory (blame)', () => {
  it('memory - failures blamed on the budget or infrastructure do not count against the idea', () => {
    const m = memory();
    record(m, { status: 'failed', level: 'L2', blame: 'budget', kind: 'ens:stack', reasons: ['full run refused'] });
    record(m, { status: 'failed', level: 'L1', blame: 'infra', kind: 'model:xgb', reasons: ['infrastructure failure'] });
    expect(ctx(m).failures).toEqual([]);
    expect(ctx(m).bias).toEqual({});
    record(m, { status: 'failed', level: 'L1', blame: 'code', kind: 'fe:ratios', reasons: ['crash'] });
    expect(ctx(m).failures.map((f) => f.kind)).toEqual(['fe:ratios']);
    expect(ctx(m).tried).toEqual(['ens:stack', 'model:xgb', 'fe:ratios']);
  });
});

describe('memory (claims)', () => {
  it('memory - a claim from one trace becomes a sibling for a trace without SOTA, before any result', () => {
    const m = memory();
    m.send(addr.researcher('t1'), 'memory.claim', { trace: 't1', experiment: 't1-e0', kind: 'draft:hgb' }, 't1');
    expect(ctx(m, 't0').siblings).toEqual(['draft:hgb']);
    expect(ctx(m, 't1').siblings).toEqual([]);
  });

  it('memory - every context carries the latest measured full run of each model family, from every trace, also without success memory', () => {
    const m = memory(false, false);
    const spec = (...families: string[]) => ({ models: families.map((family) => ({ family, name: family, params: {} })) });
    const feedback = { cv_scores: [0.9] };
    record(m, { id: 'et1', trace: 't0', status: 'accepted', score: 0.8, spec: spec('et'), fullRunMs: 10_000, feedback });
    record(m, { id: 'xgb1', trace: 't1', status: 'rejected', score: 0.7, spec: spec('xgb'), fullRunMs: 60_000, feedback });
    record(m, { id: 'nofull', trace: 't1', status: 'failed', score: null, spec: spec('hgb'), fullRunMs: null, feedback: null });
    record(m, { id: 'ens', trace: 't0', status: 'rejected', score: 0.79, spec: spec('et', 'linear'), fullRunMs: 20_000, feedback });
    const c = ctx(m, 't1');
    // newest first: the ensemble is the latest et and linear run; xgb's only run is t1's; the failed run measured nothing
    expect(c.measured!.map((r) => r.experiment)).toEqual(['ens', 'xgb1']);
    expect(c.measured![1]).toEqual({ experiment: 'xgb1', spec: spec('xgb'), runMs: 60_000, feedback });
    expect(c.successes).toEqual([]); // the ablation's success memory stays off
  });
});
