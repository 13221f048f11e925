// Reasoning noise: level 0 is the exact brain, level 1 carries no information, and every draw is a pure function
// of (run seed, request key) so runs replay.
import { describe, expect, it } from 'vitest';
import type { AxisScores } from '../../protocols/domain.ts';
import { RunConfig } from '../../protocols/config.ts';
import { createOfflineBrain } from '../../actors/brain/brain.ts';
import { OFFLINE_BRAIN_NAME } from '../../actors/brain/offline-brain.ts';
import {
  AXIS_RANGE, NO_NOISE, WEIGHT_RANGE, noisyAxes, noisyProblemWeights, noisyValue, type ReasoningNoise,
} from '../../actors/brain/reasoning-noise.ts';
import { operatorProposals } from '../../actors/brain/operator-proposals.ts';
import { research } from '../../actors/brain/research.ts';
import { weightedScore } from '../../actors/researcher/scoring.ts';
import { researchRequest, taskFor } from './fixtures.ts';
import { createBrain } from '../../cli/run/brain-factory.ts';

const AXES = ['alignment', 'impact', 'novelty', 'feasibility', 'risk'] as const;

/** A spread of inputs that does not depend on the noise's hash (a fixed linear congruential sequence). */
function inputs(n: number): AxisScores[] {
  let x = 12345;
  const next = (): number => { x = (Math.imul(x, 1103515245) + 12345) >>> 0; return 1 + Math.round(((x >>> 8) / 16777216) * 90) / 10; };
  return Array.from({ length: n }, () => ({ alignment: next(), impact: next(), novelty: next(), feasibility: next(), risk: next() }));
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0; let saa = 0; let sbb = 0;
  for (let i = 0; i < n; i++) { sab += (a[i]! - ma) * (b[i]! - mb); saa += (a[i]! - ma) ** 2; sbb += (b[i]! - mb) ** 2; }
  return sab / Math.sqrt(saa * sbb);
}

const problems = [
  { summary: 'Overfitting', weight: 1.5, boosts: { 'hp:regularize': 3 } },
  { summary: 'Small training set', weight: 0.7, boosts: { 'wf:folds-up': 1.5 } },
  { summary: 'Missing values', weight: 0.21, boosts: { 'fe:missing-ind': 2 } },
];

describe('reasoning noise', () => {
  it('reasoning noise - level 0 is the identity', () => {
    for (const [i, s] of inputs(50).entries()) {
      expect(noisyAxes(s, { level: 0, seed: 7 }, `k${i}`)).toEqual(s);
      expect(noisyAxes(s, NO_NOISE, `k${i}`)).toBe(s);
    }
    expect(noisyProblemWeights(problems, { level: 0, seed: 7 }, 'k')).toEqual(problems);
    expect(noisyProblemWeights(problems, NO_NOISE, 'k')).toBe(problems);
  });

  it('reasoning noise - level 1 is uncorrelated with the input over many keys', () => {
    const xs = inputs(500);
    const noise: ReasoningNoise = { level: 1, seed: 3 };
    const outs = xs.map((s, i) => noisyAxes(s, noise, `request-${i}`));
    for (const axis of AXES) {
      const r = pearson(xs.map((s) => s[axis]), outs.map((s) => s[axis]));
      expect(Math.abs(r), axis).toBeLessThan(0.15);
      // the draws cover the scale: mean near the middle, both ends reached
      const vals = outs.map((s) => s[axis]);
      const mean = vals.reduce((a, v) => a + v, 0) / vals.length;
      expect(mean).toBeGreaterThan(4.8);
      expect(mean).toBeLessThan(6.2);
      expect(Math.min(...vals)).toBeLessThan(2);
      expect(Math.max(...vals)).toBeGreaterThan(9);
    }
    // one draw per candidate moves all its axes: at level 1 they are that draw
    for (const o of outs) for (const axis of AXES) expect(o[axis]).toBe(o.impact);
    // at level 1, which problem dominates is random: each of the three leads in a fair share of requests
    const leads = [0, 0, 0];
    for (let i = 0; i < 600; i++) {
      const ws = noisyProblemWeights(problems, noise, `request-${i}`).map((p) => p.weight);
      leads[ws.indexOf(Math.max(...ws))]! += 1;
    }
    for (const n of leads) expect(n).toBeGreaterThan(120);
    // a middle level keeps some of the signal
    const half = xs.map((s, i) => noisyAxes(s, { level: 0.3, seed: 3 }, `request-${i}`));
    expect(pearson(xs.map((s) => s.impact), half.map((s) => s.impact))).toBeGreaterThan(0.8);
  });

  it('reasoning noise - the same strength on both sides: the gradient\'s weighted score is blended like the value tree search ranks by', () => {
    const bad: string[] = [];
    for (const level of [0.25, 0.5, 0.75, 1]) {
      for (const [i, s] of inputs(200).entries()) {
        const noise = { level, seed: i % 3 };
        // weightedScore of the noisy axes = the same blend of the exact weighted score with the same draw (± rounding)
        const gradient = weightedScore(noisyAxes(s, noise, `k${i}`));
        const tree = noisyValue(weightedScore(s), noise, `k${i}`);
        if (Math.abs(gradient - tree) > 0.05 + 1e-9) bad.push(`level ${level} k${i}: ${gradient} vs ${tree}`);
      }
    }
    expect(bad).toEqual([]);
    expect(noisyValue(-2, NO_NOISE, 'k')).toBe(-2);
    // at level 1 the value is the draw alone, whatever it was (and on the axis scale)
    expect(noisyValue(-2, { level: 1, seed: 0 }, 'k')).toBe(noisyValue(7, { level: 1, seed: 0 }, 'k'));
    expect(noisyValue(-2, { level: 1, seed: 0 }, 'k')).toBeGreaterThanOrEqual(AXIS_RANGE.min);
  });

  it('reasoning noise - the prior that boosting is slow with many classes is judgement on both sides: noise 1 blurs it for tree search as for the gradient', () => {
    const task = { ...taskFor('multiclass', 'logloss'), nClasses: 26 };
    const boosting = (k: string) => k === 'draft:hgb' || k === 'draft:xgb';
    // the gradient's first by weighted score, tree search's first proposal
    const gradientFirst = (level: number) => Array.from({ length: 60 }, (_, seed) =>
      [...research(researchRequest(task), { level, seed }).hypotheses].sort((a, b) => weightedScore(b.scores) - weightedScore(a.scores))[0]!.kind);
    const treeFirst = (level: number) => Array.from({ length: 60 }, (_, seed) =>
      operatorProposals({ ...researchRequest(task), operator: 'draft' }, 'offline', { level, seed }).hypotheses[0]!.kind);
    // exact: neither side leads with boosting on 26 classes
    expect(treeFirst(0).filter(boosting)).toEqual([]);
    expect(gradientFirst(0).filter(boosting)).toEqual([]);
    // noise 1: the prior is gone on both sides, boosting leads in a share of the seeds on each
    expect(treeFirst(1).filter(boosting).length).toBeGreaterThan(5);
    expect(gradientFirst(1).filter(boosting).length).toBeGreaterThan(5);
  });

  it('reasoning noise - the same (seed, key) gives the same result; another seed or key another one', () => {
    const s: AxisScores = { alignment: 5, impact: 6, novelty: 4, feasibility: 8, risk: 7 };
    const a = noisyAxes(s, { level: 0.5, seed: 1 }, 'req');
    expect(noisyAxes(s, { level: 0.5, seed: 1 }, 'req')).toEqual(a);
    expect(noisyAxes({ ...s }, { level: 0.5, seed: 1 }, 'req')).toEqual(a);
    expect(noisyAxes(s, { level: 0.5, seed: 2 }, 'req')).not.toEqual(a);
    expect(noisyAxes(s, { level: 0.5, seed: 1 }, 'req2')).not.toEqual(a);
    const w = noisyProblemWeights(problems, { level: 0.5, seed: 1 }, 'req');
    expect(noisyProblemWeights(problems, { level: 0.5, seed: 1 }, 'req')).toEqual(w);
    expect(noisyProblemWeights(problems, { level: 0.5, seed: 2 }, 'req')).not.toEqual(w);
    // over many keys, two seeds differ almost everywhere
    let same = 0;
    for (let i = 0; i < 200; i++) {
      if (noisyAxes(s, { level: 1, seed: 10 }, `k${i}`).impact === noisyAxes(s, { level: 1, seed: 11 }, `k${i}`).impact) same += 1;
    }
    expect(same).toBeLessThan(20);
    // the input is not mutated; the rest of each problem is kept
    expect(s).toEqual({ alignment: 5, impact: 6, novelty: 4, feasibility: 8, risk: 7 });
    expect(w.map((p) => p.summary)).toEqual(problems.map((p) => p.summary));
    expect(w[0]!.boosts).toEqual(problems[0]!.boosts);
    expect(problems[0]!.weight).toBe(1.5);
  });

  it('reasoning noise - results stay in range, on the axis scale rounded to 0.1 and the diagnosis weight range', () => {
    const xs = inputs(300);
    const bad: string[] = [];
    for (const level of [0.1, 0.3, 0.7, 1]) {
      for (const [i, s] of xs.entries()) {
        const out = noisyAxes(s, { level, seed: i % 5 }, `k${i}`);
        for (const axis of AXES) {
          const v = out[axis];
          const inRange = v >= AXIS_RANGE.min && v <= AXIS_RANGE.max;
          const tenth = Math.abs(v * 10 - Math.round(v * 10)) < 1e-9;
          // a blend: never further from the input than level × the scale's width (plus the rounding)
          const near = Math.abs(v - s[axis]) <= level * 9 + 0.05 + 1e-9;
          if (!inRange || !tenth || !near) bad.push(`level ${level} k${i} ${axis}: ${s[axis]} → ${v}`);
        }
        for (const p of noisyProblemWeights(problems, { level, seed: i % 5 }, `k${i}`)) {
          if (!(p.weight >= WEIGHT_RANGE.min && p.weight <= WEIGHT_RANGE.max)) bad.push(`level ${level} k${i} ${p.summary}: weight ${p.weight}`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(() => noisyAxes(xs[0]!, { level: 1.5, seed: 0 }, 'k')).toThrow(/outside 0 … 1/);
    expect(() => noisyAxes(xs[0]!, { level: -0.1, seed: 0 }, 'k')).toThrow(/outside 0 … 1/);
  });

  it('reasoning noise - the brain says its noise in its name; the config defaults to none', () => {
    const exact = createOfflineBrain({ noise: 0 });
    const noisy = createOfflineBrain({ noise: 1, seed: 0 });
    expect(exact.name).toBe(OFFLINE_BRAIN_NAME);
    expect(createOfflineBrain().name).toBe(OFFLINE_BRAIN_NAME);
    expect(noisy.name).not.toBe(exact.name);
    expect(noisy.name).toBe(`${OFFLINE_BRAIN_NAME}+noise1`);
    expect(createOfflineBrain({ noise: 0.3, seed: 4 }).name).toBe(`${OFFLINE_BRAIN_NAME}+noise0.3`);
    expect(() => createOfflineBrain({ noise: 2 })).toThrow(/between 0 and 1/);
    // RunConfig: no brain given is the exact offline brain; a noise outside 0 … 1 is refused
    const base = { runId: 'r1', competitionDir: '/c', runDir: '/r', budgetMs: 1000 };
    expect(RunConfig.parse(base).brain).toEqual({ kind: 'offline', noise: 0 });
    expect(RunConfig.parse({ ...base, brain: { kind: 'offline' } }).brain).toEqual({ kind: 'offline', noise: 0 });
    expect(RunConfig.parse({ ...base, brain: { kind: 'offline', noise: 0.4 } }).brain).toEqual({ kind: 'offline', noise: 0.4 });
    expect(RunConfig.safeParse({ ...base, brain: { kind: 'offline', noise: 1.2 } }).success).toBe(false);
    expect(RunConfig.safeParse({ ...base, brain: { kind: 'offline', nosie: 0.2 } }).success).toBe(false);
    // the run's factory hands the config's noise and the run's seed to the offline brain
    const hooks = { runDir: '/nonexistent', onCap: () => {}, seed: 9 };
    expect(createBrain({ kind: 'offline', noise: 0.25 }, hooks).brain.name).toBe(`${OFFLINE_BRAIN_NAME}+noise0.25`);
    expect(createBrain({ kind: 'offline', noise: 0 }, hooks).brain.name).toBe(OFFLINE_BRAIN_NAME);
  });
});
