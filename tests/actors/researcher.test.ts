// Researcher machine (the gradient): context gathering, stage choice, five-axis scoring, memory bias, seeded top-k.
import { describe, expect, it } from 'vitest';
import type { Hypothesis, Stage } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import { addr } from '../../actors/addresses.ts';
import { researcherMachine, type ResearcherInput } from '../../actors/researcher/researcher-machine.ts';
import { AXIS_WEIGHTS, BIAS_SCALE, sampleTopK, scoreHypotheses, stageFor, weightedScore } from '../../actors/researcher/scoring.ts';
import { rngSeed } from '../../runtime/rng.ts';
import { budget, hyp, one, scores, Sim, sotaRef, task } from './harness.ts';

type Ctx = Payload<'memory.context'>;

function context(over: Partial<Ctx> = {}): Ctx {
  return { sota: sotaRef(), successes: [], failures: [], bias: {}, crossTrace: [], tried: [], siblings: [], experiments: 0, ...over };
}

function researcher(over: Partial<ResearcherInput> = {}): Sim<typeof researcherMachine> {
  return new Sim(researcherMachine, { trace: 't0', seed: 7, topK: 3, mode: 'gradient', task, ...over }, addr.researcher(over.trace ?? 't0'), { trace: over.trace ?? 't0' });
}

/** Five hypotheses with distinct, known weighted scores (h0 worst … h4 best). */
const FIVE: Hypothesis[] = [
  hyp('model:a', scores(2)), hyp('model:b', scores(4)), hyp('features:c', scores(6), 'features'),
  hyp('model:d', scores(8)), hyp('ensemble:e', scores(9), 'ensemble'),
];

/** Runs one full research round and returns every send along the way. */
function round(r: Sim<typeof researcherMachine>, opts: { iteration?: number; usedFrac?: number; ctx?: Partial<Ctx>; hypotheses?: Hypothesis[] } = {}) {
  const req = r.send(addr.coordinator, 'research.request', { iteration: opts.iteration ?? 1, budget: budget(opts.usedFrac ?? 0.3) });
  r.clock.advance(5);
  const brainReq = r.send(addr.memory, 'memory.context', context(opts.ctx));
  r.clock.advance(50);
  const reply = r.send(addr.brain, 'brain.research.reply', {
    diagnosis: [{ category: 'feedback', summary: 'underfit', evidence: 'cv low' }], hypotheses: opts.hypotheses ?? FIVE, brain: 'offline',
  });
  return {
    memoryReq: one(req, 'memory.context.request'),
    brainReq: one(brainReq, 'brain.research.request'),
    hypothesis: one(reply, 'research.hypothesis'),
  };
}

describe('researcher', () => {
  it('researcher - research.request asks memory for the trace context and waits', () => {
    const r = researcher({ trace: 't2' });
    expect(r.initialSends).toEqual([]);
    const outs = r.send(addr.coordinator, 'research.request', { iteration: 4, budget: budget(0.2) }, 't2');
    expect(outs).toEqual([{ to: addr.memory, type: 'memory.context.request', payload: { trace: 't2' } }]);
    expect(r.value).toBe('gathering');
    // a reply from the brain is not expected yet and is ignored
    expect(r.send(addr.brain, 'brain.research.reply', { diagnosis: [], hypotheses: FIVE, brain: 'offline' })).toEqual([]);
    expect(r.value).toBe('gathering');
  });

  it('researcher - stage follows the share of budget used', () => {
    const cases: Array<[number, boolean, Stage]> = [
      [0, true, 'draft'], [0.05, true, 'draft'], [0.0999, true, 'draft'],
      [0.1, true, 'improve'], [0.4, true, 'improve'], [0.6999, true, 'improve'],
      [0.7, true, 'ensemble'], [0.95, true, 'ensemble'],
      // no SOTA yet: always draft, whatever the budget
      [0.5, false, 'draft'], [0.9, false, 'draft'],
    ];
    for (const [frac, hasSota, stage] of cases) {
      expect(stageFor(frac, hasSota), `stageFor(${frac}, ${hasSota})`).toBe(stage);
      const r = researcher();
      const { brainReq, hypothesis } = round(r, { usedFrac: frac, ctx: { sota: hasSota ? sotaRef() : null } });
      expect(brainReq.payload.stage, `brain stage at ${frac}`).toBe(stage);
      expect(brainReq.payload.budgetUsedFrac).toBeCloseTo(frac, 6);
      expect(hypothesis.payload.stage, `hypothesis stage at ${frac}`).toBe(stage);
    }
  });

  it('researcher - brain request carries task, SOTA, successes, failures, siblings and tried', () => {
    const r = researcher();
    const ctx = context({
      sota: sotaRef({ experiment: 't0-e3', score: 0.93 }),
      successes: [{ kind: 'model:hgb', component: 'model', gain: 0.02, experiment: 't0-e3', ts: 10 }],
      failures: [
        { kind: 'fe:a', experiment: 't0-e4', level: 'L1', reason: 'crash A' },
        { kind: 'fe:b', experiment: 't0-e5', level: 'L3', reason: 'no gain B' },
      ],
      siblings: ['model:xgb', 'features:ratios'], tried: ['model:hgb', 'fe:a', 'fe:b'],
    });
    r.send(addr.coordinator, 'research.request', { iteration: 6, budget: budget(0.5) });
    const brainReq = one(r.send(addr.memory, 'memory.context', ctx), 'brain.research.request');
    expect(brainReq.to).toBe(addr.brain);
    expect(brainReq.payload).toEqual({
      task, stage: 'improve', budgetUsedFrac: 0.5, sota: ctx.sota, successes: ctx.successes, failures: ctx.failures,
      siblings: ['model:xgb', 'features:ratios'], tried: ['model:hgb', 'fe:a', 'fe:b'], lastFeedback: 'no gain B',
      remainingMs: budget(0.5).remainingMs,
    });
    expect(r.value).toBe('thinking');
  });

  it('researcher - changes plan with the budget left less the final refit\'s reserve', () => {
    const r = researcher();
    r.send(addr.coordinator, 'research.request', { iteration: 2, budget: budget(0.5), reserveMs: 20_000 });
    const brainReq = one(r.send(addr.memory, 'memory.context', context()), 'brain.research.request');
    expect(brainReq.payload.remainingMs).toBe(budget(0.5).remainingMs - 20_000);
    const hyp = one(r.send(addr.brain, 'brain.research.reply', { diagnosis: [], hypotheses: FIVE, brain: 'offline' }), 'research.hypothesis');
    expect(hyp.payload.remainingMs).toBe(budget(0.5).remainingMs - 20_000); // the Developer shapes the change to it too
  });

  it('researcher - with other traces in flight a change plans with its share of what is left after the reserve', () => {
    const r = researcher();
    r.send(addr.coordinator, 'research.request', { iteration: 2, budget: budget(0.5), reserveMs: 20_000, sharers: 4 });
    const brainReq = one(r.send(addr.memory, 'memory.context', context()), 'brain.research.request');
    expect(brainReq.payload.remainingMs).toBe((budget(0.5).remainingMs - 20_000) / 4);
    const hyp = one(r.send(addr.brain, 'brain.research.reply', { diagnosis: [], hypotheses: FIVE, brain: 'offline' }), 'research.hypothesis');
    expect(hyp.payload.remainingMs).toBe((budget(0.5).remainingMs - 20_000) / 4);
  });

  it('researcher - no failures means no last feedback', () => {
    const { brainReq } = round(researcher(), { ctx: { failures: [] } });
    expect(brainReq.payload.lastFeedback).toBeNull();
  });

  it('researcher - weighted score uses weights 0.2/0.4/0.2/0.1/0.1', () => {
    expect(AXIS_WEIGHTS).toEqual({ alignment: 0.2, impact: 0.4, novelty: 0.2, feasibility: 0.1, risk: 0.1 });
    // one axis at 10, others at 1: 1 (weights sum to 1) + 9·w(axis)
    const expected = { alignment: 0.2, impact: 0.4, novelty: 0.2, feasibility: 0.1, risk: 0.1 } as const;
    for (const [axis, w] of Object.entries(expected)) {
      expect(weightedScore(scores(1, { [axis]: 10 })), axis).toBeCloseTo(1 + 9 * w, 10);
    }
    expect(weightedScore({ alignment: 7, impact: 8, novelty: 5, feasibility: 9, risk: 6 })).toBeCloseTo(1.4 + 3.2 + 1 + 0.9 + 0.6, 10);
  });

  it('researcher - hypothesis goes to developer.<trace> with candidates ranked by weighted score', () => {
    const r = researcher({ trace: 't1' });
    const parent = sotaRef({ experiment: 't1-e2', score: 0.91 });
    const shuffled = [FIVE[2]!, FIVE[0]!, FIVE[4]!, FIVE[1]!, FIVE[3]!];
    const { hypothesis } = round(r, { iteration: 3, ctx: { sota: parent }, hypotheses: shuffled });
    expect(hypothesis.to).toBe(addr.developer('t1'));
    const p = hypothesis.payload;
    expect(p.experiment).toBe('t1-e3');
    expect(p.iteration).toBe(3);
    expect(p.parent).toEqual(parent);
    expect(p.diagnosis).toEqual([{ category: 'feedback', summary: 'underfit', evidence: 'cv low' }]);
    expect(p.candidates.map((c) => c.kind)).toEqual(['ensemble:e', 'model:d', 'features:c', 'model:b', 'model:a']);
    for (const c of p.candidates) expect(c.weighted).toBeCloseTo(weightedScore(c.scores), 4);
    const ws = p.candidates.map((c) => c.weighted);
    expect([...ws].sort((a, b) => b - a)).toEqual(ws);
    expect(p.chosen).toEqual(p.candidates[p.draw.index]);
    expect(p.draw.index).toBeGreaterThanOrEqual(0);
    expect(p.draw.index).toBeLessThan(3);
    expect(p.draw.u).toBeGreaterThanOrEqual(0);
    expect(p.draw.u).toBeLessThan(1);
    expect(r.value).toBe('idle');
  });

  it('researcher - memory bias re-ranks candidates in gradient mode', () => {
    const r = researcher({ topK: 1 });
    // model:a is the worst by axes (2.0) but memory strongly favours it; component bias adds half-weight
    const { hypothesis } = round(r, { ctx: { bias: { 'model:a': 0.8, 'component:model': 0.4, 'ensemble:e': -0.5 } } });
    const byKind = Object.fromEntries(hypothesis.payload.candidates.map((c) => [c.kind, c]));
    expect(byKind['model:a']!.bias).toBeCloseTo(1, 4); // 0.8 + 0.5·0.4, clipped to ≤ 1
    expect(byKind['model:a']!.weighted).toBeCloseTo(2 + BIAS_SCALE * 1, 4);
    expect(byKind['model:d']!.bias).toBeCloseTo(0.2, 4); // component only
    expect(byKind['model:d']!.weighted).toBeCloseTo(8 + BIAS_SCALE * 0.2, 4);
    expect(byKind['features:c']!.bias).toBe(0);
    expect(byKind['ensemble:e']!.weighted).toBeCloseTo(9 - BIAS_SCALE * 0.5, 4);
    // ranking changed: model:d (8.3) now beats ensemble:e (8.25); top-1 always picks it
    expect(hypothesis.payload.candidates[0]!.kind).toBe('model:d');
    expect(hypothesis.payload.chosen.kind).toBe('model:d');
  });

  it('researcher - bias is clipped to [-1, 1]', () => {
    const [a, b] = scoreHypotheses([hyp('k:a'), hyp('k:b')], { 'k:a': 5, 'k:b': -7 }, 'gradient');
    expect(a!.bias).toBe(1);
    expect(a!.weighted).toBeCloseTo(5 + BIAS_SCALE, 4);
    expect(b!.bias).toBe(-1);
    expect(b!.weighted).toBeCloseTo(5 - BIAS_SCALE, 4);
  });

  it('researcher - without structured reasoning the draw is flat but for the memory bias (the ablation removes reasoning, not memory)', () => {
    const biased = { 'model:a': 1, 'component:model': 1, 'ensemble:e': -1 };
    const withBias = round(researcher({ mode: 'greedy', seed: 3 }), { ctx: { bias: biased } }).hypothesis.payload;
    const without = round(researcher({ mode: 'greedy', seed: 3 }), { ctx: { bias: {} } }).hypothesis.payload;
    // no memory (an empty bias): every candidate weighs the same, whatever its axis scores
    for (const c of without.candidates) expect(c.weighted).toBe(1);
    // memory: model:a (bias +1, its component +1 → clipped 1) and ensemble:e (−1) move, the axes still do not count
    const byKind = Object.fromEntries(withBias.candidates.map((c) => [c.kind, c]));
    expect(byKind['model:a']!.weighted).toBeCloseTo(1 + BIAS_SCALE, 4);
    expect(byKind['ensemble:e']!.weighted).toBeCloseTo(1 - BIAS_SCALE, 4);
    expect(byKind['features:c']!.weighted).toBe(1);
    expect(byKind['model:b']!.weighted).toBeCloseTo(1 + BIAS_SCALE * 0.5, 4);
    // over many seeds model:a is drawn more often with the bias than without it
    const share = (bias: Record<string, number>) => {
      let n = 0;
      for (let seed = 0; seed < 200; seed++) if (round(researcher({ mode: 'greedy', seed }), { ctx: { bias } }).hypothesis.payload.chosen.kind === 'model:a') n++;
      return n / 200;
    };
    expect(share(biased)).toBeGreaterThan(share({}) + 0.1);
  });

  it('researcher - the same seed replays the same draws', () => {
    const draws = (seed: number) => {
      const r = researcher({ seed });
      const got: Array<{ u: number; index: number; kind: string }> = [];
      for (let i = 0; i < 25; i++) {
        const p = round(r, { iteration: i }).hypothesis.payload;
        got.push({ ...p.draw, kind: p.chosen.kind });
      }
      return got;
    };
    const a = draws(42);
    const b = draws(42);
    expect(b).toEqual(a);
    // the RNG advances between iterations: draws are not all the same value
    expect(new Set(a.map((d) => d.u)).size).toBe(a.length);
  });

  it('researcher - different seeds differ over many draws', () => {
    const us = (seed: number) => {
      const r = researcher({ seed });
      return Array.from({ length: 40 }, (_, i) => round(r, { iteration: i }).hypothesis.payload.draw.u);
    };
    const a = us(1);
    const b = us(2);
    expect(a).not.toEqual(b);
    expect(a.filter((u, i) => u === b[i]).length).toBe(0);
    // traces with the same seed get different streams too (the trace is part of the RNG label)
    const t0 = round(researcher({ seed: 1, trace: 't0' })).hypothesis.payload.draw.u;
    const t1 = round(researcher({ seed: 1, trace: 't1' })).hypothesis.payload.draw.u;
    expect(t0).not.toBe(t1);
  });

  it('researcher - top-k never picks outside the top k (property over many seeds)', () => {
    for (let k = 1; k <= 5; k++) {
      const picked = new Set<string>();
      for (let seed = 0; seed < 300; seed++) {
        const r = researcher({ seed, topK: k });
        const p = round(r).hypothesis.payload;
        const topKinds = p.candidates.slice(0, k).map((c) => c.kind);
        expect(p.draw.index).toBeLessThan(k);
        expect(topKinds).toContain(p.chosen.kind);
        picked.add(p.chosen.kind);
      }
      // every one of the top k is reachable
      expect(picked.size, `k=${k}`).toBe(k);
    }
  });

  it('researcher - top-k clamps k to the number of candidates and to at least one', () => {
    const scored = scoreHypotheses(FIVE.slice(0, 2), {}, 'gradient');
    for (let s = 0; s < 100; s++) {
      const rng = rngSeed(s, 'x');
      expect(sampleTopK(scored, 10, rng).index).toBeLessThan(2);
      expect(sampleTopK(scored, 0, rng).index).toBe(0);
    }
  });

  it('researcher - sampling favours higher weighted scores (probability ∝ weighted − min + 1)', () => {
    const scored = scoreHypotheses(FIVE, {}, 'gradient'); // top 3: 9, 8, 6 → weights 4, 3, 1
    const counts = [0, 0, 0];
    let rng = rngSeed(123, 'freq');
    const n = 20_000;
    for (let i = 0; i < n; i++) {
      const p = sampleTopK(scored, 3, rng);
      rng = p.rng;
      counts[p.index]!++;
    }
    expect(counts[0]! / n).toBeCloseTo(4 / 8, 1);
    expect(counts[1]! / n).toBeCloseTo(3 / 8, 1);
    expect(counts[2]! / n).toBeCloseTo(1 / 8, 1);
    expect(counts[0]!).toBeGreaterThan(counts[1]!);
    expect(counts[1]!).toBeGreaterThan(counts[2]!);
  });
});

describe('researcher (forced diversity)', () => {
  it('researcher - traces that start together without SOTA or siblings spread over the ranking by ordinal', () => {
    const picks = [0, 1, 2].map((ordinal) => {
      const r = researcher({ trace: `t${ordinal}`, ordinal });
      return round(r, { ctx: { sota: null, siblings: [] } }).hypothesis.payload;
    });
    expect(picks[1]!.chosen.kind).toBe(picks[1]!.candidates[1]!.kind);
    expect(picks[2]!.chosen.kind).toBe(picks[2]!.candidates[2]!.kind);
    expect(new Set(picks.slice(1).map((p) => p.chosen.kind)).size).toBe(2);
  });

  it('researcher - once siblings are known (or a SOTA exists) the ordinal no longer overrides the seeded draw', () => {
    for (const ctx of [{ sota: null, siblings: ['model:d'] }, { siblings: [] }]) {
      const a = round(researcher({ trace: 't1', ordinal: 1 }), { ctx }).hypothesis.payload;
      const b = round(researcher({ trace: 't1', ordinal: 0 }), { ctx }).hypothesis.payload;
      expect(a.draw).toEqual(b.draw);
      expect(a.chosen.kind).toBe(b.chosen.kind);
    }
  });

  it('researcher - the chosen hypothesis is claimed with memory so siblings steer away from it', () => {
    const r = researcher({ trace: 't3' });
    r.send(addr.coordinator, 'research.request', { iteration: 5, budget: budget(0.3) }, 't3');
    r.send(addr.memory, 'memory.context', context(), 't3');
    const outs = r.send(addr.brain, 'brain.research.reply', { diagnosis: [], hypotheses: FIVE, brain: 'offline' }, 't3');
    const h = one(outs, 'research.hypothesis');
    const claim = one(outs, 'memory.claim');
    expect(claim.to).toBe(addr.memory);
    expect(claim.payload).toEqual({ trace: 't3', experiment: 't3-e5', kind: h.payload.chosen.kind });
  });
});
