// Reasoning quality as a dial: degrades the offline brain's judgement by blending its diagnosis weights, its five axis
// scores and tree search's expected impact with pseudo-random draws, `(1 − level)·x + level·u`. Level 0 is the exact
// brain; level 1 is judgement that carries no information. One draw per candidate moves all five of its axes (a
// reasoner that misjudges an idea misjudges it throughout), so the gradient's weighted score is blended exactly like
// the single value tree search ranks by: a level is the same strength of noise on both sides of the comparison.
// Pure and replayable: every draw is a hash of (run seed, request key, what is drawn) — never Math.random — so the
// same run seed and the same request give the same noisy reasoning.
import type { AxisScores } from '../../protocols/domain.ts';
import { fnv1a, stableStringify } from './hash.ts';

/** How much of the brain's judgement is replaced by noise (0 … 1), and the run seed the draws derive from. */
export interface ReasoningNoise {
  level: number;
  seed: number;
}

/** The exact brain. */
export const NO_NOISE: ReasoningNoise = Object.freeze({ level: 0, seed: 0 });

/** The five axes, in a fixed order (the draw for each is keyed by its name). */
const AXES = ['alignment', 'impact', 'novelty', 'feasibility', 'risk'] as const satisfies readonly (keyof AxisScores)[];

/** The axis scale (protocols/domain.ts). */
export const AXIS_RANGE = { min: 1, max: 10 } as const;

/**
 * The range of a diagnosed problem's weight in diagnose(): a scenario weight (0.3 … 1) or a feedback weight
 * (0.4 … 1.5) times a factor of 0.6 … 1.5, never above 1.5 and never below 0.21.
 */
export const WEIGHT_RANGE = { min: 0.2, max: 1.5 } as const;

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));

/** Murmur3's 32-bit finaliser: spreads FNV-1a's output so that keys differing in a few characters draw apart. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic pseudo-uniform draw in [0, 1) from (seed, key, tag). */
export function drawUnit(seed: number, key: string, tag: string): number {
  return mix32(fnv1a(stableStringify(['gome-reasoning-noise', seed, key, tag]))) / 4294967296;
}

function checkLevel(noise: ReasoningNoise): number {
  const { level } = noise;
  if (!Number.isFinite(level) || level < 0 || level > 1) throw new RangeError(`reasoning noise level ${level} is outside 0 … 1`);
  return level;
}

/** The candidate's draw on the axis scale [1, 10], keyed by (seed, key): one per candidate. */
function axisDraw(noise: ReasoningNoise, key: string): number {
  return AXIS_RANGE.min + (AXIS_RANGE.max - AXIS_RANGE.min) * drawUnit(noise.seed, key, 'judgement');
}

/**
 * A value on the axis scale blended toward the candidate's draw (the value tree search ranks its proposals by; not
 * clamped, since what it ranks by may lie outside the scale). Level 0 returns `x` itself.
 */
export function noisyValue(x: number, noise: ReasoningNoise, key: string): number {
  const level = checkLevel(noise);
  return level === 0 ? x : (1 - level) * x + level * axisDraw(noise, key);
}

/**
 * The axis scores, every axis blended toward the candidate's one draw on [1, 10] keyed by (seed, key); rounded to 0.1
 * and clamped to [1, 10] like the brain's own scores. Level 0 returns `scores` itself.
 */
export function noisyAxes(scores: AxisScores, noise: ReasoningNoise, key: string): AxisScores {
  const level = checkLevel(noise);
  if (level === 0) return scores;
  const u = axisDraw(noise, key);
  const out = { ...scores };
  for (const axis of AXES) out[axis] = Math.round(clamp((1 - level) * scores[axis] + level * u, AXIS_RANGE.min, AXIS_RANGE.max) * 10) / 10;
  return out;
}

/**
 * The problems (same order, copies) with each weight blended toward a draw on the diagnosis's weight range, keyed by
 * (seed, key, the problem without its weight): at level 1 which problem dominates is random. Results are clamped to
 * that range. Level 0 returns `problems` itself.
 */
export function noisyProblemWeights<T extends { weight: number }>(problems: T[], noise: ReasoningNoise, key: string): T[] {
  const level = checkLevel(noise);
  if (level === 0) return problems;
  return problems.map((p) => {
    const { weight, ...rest } = p;
    const u = WEIGHT_RANGE.min + (WEIGHT_RANGE.max - WEIGHT_RANGE.min) * drawUnit(noise.seed, key, `weight:${stableStringify(rest)}`);
    const w = clamp((1 - level) * weight + level * u, WEIGHT_RANGE.min, WEIGHT_RANGE.max);
    return { ...p, weight: w };
  });
}

/** The brain name's suffix for a noise level: "" when exact, "+noise0.3" otherwise. */
export function noiseSuffix(level: number): string {
  return level > 0 ? `+noise${Number(level.toFixed(3))}` : '';
}
