// The Researcher's arithmetic: five-axis weighting, memory bias (momentum), and seeded top-k sampling.
import type { AxisScores, Hypothesis, ScoredHypothesis, Stage } from '../../protocols/domain.ts';
import { rngNext, type RngState } from '../../runtime/rng.ts';

export const AXIS_WEIGHTS: Readonly<AxisScores> = { alignment: 0.2, impact: 0.4, novelty: 0.2, feasibility: 0.1, risk: 0.1 };
/** How many weighted points a full-strength success-memory bias adds (on the 1–10 scale). */
export const BIAS_SCALE = 1.5;

export function weightedScore(s: AxisScores): number {
  return s.alignment * AXIS_WEIGHTS.alignment + s.impact * AXIS_WEIGHTS.impact + s.novelty * AXIS_WEIGHTS.novelty
    + s.feasibility * AXIS_WEIGHTS.feasibility + s.risk * AXIS_WEIGHTS.risk;
}

export type ResearchMode = 'gradient' | 'greedy';

/**
 * Scores every hypothesis. Gradient: weighted axes + memory bias. Greedy (without structured reasoning): no axes, so
 * the draw is flat but for the memory bias (empty without success memory), which the reasoning ablation keeps.
 */
export function scoreHypotheses(hs: Hypothesis[], bias: Record<string, number>, mode: ResearchMode): ScoredHypothesis[] {
  return hs.map((h) => {
    const b = (bias[h.kind] ?? 0) + 0.5 * (bias[`component:${h.component}`] ?? 0);
    const clipped = Math.max(-1, Math.min(1, b));
    const base = mode === 'greedy' ? 1 : weightedScore(h.scores);
    return { ...h, weighted: round4(base + BIAS_SCALE * clipped), bias: round4(clipped) };
  });
}

/**
 * Samples one of the top-k by weighted score, with probability proportional to (weighted − min + 1).
 * Pure: returns the pick, the uniform draw used, and the next RNG state.
 */
export function sampleTopK(scored: ScoredHypothesis[], k: number, rng: RngState): { index: number; u: number; rng: RngState; ranked: ScoredHypothesis[] } {
  const ranked = scored.map((h, i) => ({ h, i })).sort((a, b) => b.h.weighted - a.h.weighted || a.i - b.i).map((x) => x.h);
  const top = ranked.slice(0, Math.max(1, Math.min(k, ranked.length)));
  const [u, next] = rngNext(rng);
  const floor = Math.min(...top.map((h) => h.weighted));
  const w = top.map((h) => h.weighted - floor + 1);
  const total = w.reduce((a, b) => a + b, 0);
  let acc = 0;
  let pick = top.length - 1;
  for (let i = 0; i < top.length; i++) { acc += w[i]! / total; if (u < acc) { pick = i; break; } }
  return { index: pick, u, rng: next, ranked };
}

/** Budget share → stage: draft below 10%, improve until 70%, then ensemble/merge. No SOTA yet → draft. */
export function stageFor(usedFrac: number, hasSota: boolean): Stage {
  if (!hasSota || usedFrac < 0.1) return 'draft';
  return usedFrac < 0.7 ? 'improve' : 'ensemble';
}

function round4(x: number): number { return Math.round(x * 1e4) / 1e4; }
