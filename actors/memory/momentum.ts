// Success memory as momentum: decayed, normalised gains per change kind (and component), minus recent failures.
import type { FailureEntry, SuccessEntry } from '../../protocols/domain.ts';

export const DECAY = 0.7;
export const FAILURE_PENALTY = 0.35;

/** bias[kind] in roughly [-1, 1]: the newest success counts fully, each later success decays older ones by DECAY. */
export function momentumBias(successes: SuccessEntry[], failures: FailureEntry[]): Record<string, number> {
  const bias: Record<string, number> = {};
  const maxGain = Math.max(1e-12, ...successes.map((s) => Math.abs(s.gain)));
  successes.forEach((s, i) => {
    const w = DECAY ** (successes.length - 1 - i) * (s.gain / maxGain);
    bias[s.kind] = (bias[s.kind] ?? 0) + w;
    const ck = `component:${s.component}`;
    bias[ck] = (bias[ck] ?? 0) + 0.5 * w;
  });
  for (const f of failures) bias[f.kind] = (bias[f.kind] ?? 0) - FAILURE_PENALTY;
  for (const k of Object.keys(bias)) bias[k] = Math.round(Math.max(-1, Math.min(1, bias[k]!)) * 1e4) / 1e4;
  return bias;
}

/** Relative gain of a new score over the old one, positive when better in the metric's direction. */
export function relativeGain(score: number, old: number, lowerIsBetter: boolean): number {
  const d = lowerIsBetter ? old - score : score - old;
  return d / Math.max(Math.abs(old), 1e-9);
}
