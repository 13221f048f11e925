// Acceptance beyond noise: the paired per-fold gain, its corrected standard error, and the k-SE rule.
import { describe, expect, it } from 'vitest';
import { acceptBeyondNoise, pairedGain } from '../../actors/validator/acceptance.ts';

describe('acceptance', () => {
  it('acceptance - the standard error of paired fold gains carries the Nadeau–Bengio correction', () => {
    const g = pairedGain([0.91, 0.93, 0.92, 0.94, 0.90], [0.90, 0.90, 0.90, 0.90, 0.90], false)!;
    const d = [0.01, 0.03, 0.02, 0.04, 0.0];
    const mean = 0.02;
    const sd = Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / 4);
    expect(g.mean).toBeCloseTo(mean, 12);
    expect(g.se).toBeCloseTo(sd * Math.sqrt(1 / 5 + 1 / 4), 12); // larger than the naive sd/√5
    expect(g.se).toBeGreaterThan(sd / Math.sqrt(5));
    expect(g.z).toBeCloseTo(mean / g.se, 12);
  });

  it('acceptance - the direction of the metric decides what a gain is', () => {
    expect(pairedGain([0.30, 0.31], [0.35, 0.36], true)!.mean).toBeCloseTo(0.05, 12); // lower loss is a gain
    expect(pairedGain([0.30, 0.31], [0.35, 0.36], false)!.mean).toBeCloseTo(-0.05, 12);
  });

  it('acceptance - a consistent gain passes, a noisy gain of the same mean and any loss fail; mismatched folds cannot be compared', () => {
    const sota = [0.8, 0.8, 0.8, 0.8, 0.8];
    expect(acceptBeyondNoise([0.81, 0.812, 0.809, 0.811, 0.808], sota, false, 2, 'auc').accept).toBe(true);
    expect(acceptBeyondNoise([0.85, 0.79, 0.78, 0.83, 0.80], sota, false, 2, 'auc').accept).toBe(false);
    expect(acceptBeyondNoise([0.79, 0.79, 0.79, 0.79, 0.79], sota, false, 2, 'auc').accept).toBe(false);
    expect(acceptBeyondNoise(sota, sota, false, 0, 'auc').accept).toBe(false); // no gain is no gain, even with k = 0
    const mismatch = acceptBeyondNoise([0.9, 0.9], sota, false, 2, 'auc');
    expect(mismatch.accept).toBe(false);
    expect(mismatch.reason).toMatch(/cannot compare/);
  });
});
