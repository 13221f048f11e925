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
  it('acceptance - losses are compared by their per-fold ratio, so one diverged fold does not hide a gain on every fold', () => {
    // shuttle, 2026-11-24: a diverged histogram-boosting draft (log loss 1 to 29 per fold) against XGBoost (< 0.002 on
    // every fold) was "not a gain beyond noise" (0.68 SE) on the absolute differences
    const draft = [8.172169328251492, 29.333701236894765, 1.0763543101325286, 2.8807171695554983, 4.150078338179652];
    const xgb = [0.0008598080187634058, 0.00018019475227289066, 0.0019402339596824728, 0.0005739318795687105, 0.00039719263598174826];
    expect(pairedGain(xgb, draft, true)!.z).toBeLessThan(2); // the absolute rule's verdict
    const a = acceptBeyondNoise(xgb, draft, true, 2, 'logloss');
    expect(a.accept).toBe(true);
    expect(a.reason).toMatch(/log ratio/);
    // a small, noisy loss change stays noise on the ratio scale too; a steady one is accepted
    const sota = [0.300, 0.310, 0.295, 0.305, 0.290];
    expect(acceptBeyondNoise([0.298, 0.312, 0.290, 0.306, 0.291], sota, true, 2, 'logloss').accept).toBe(false);
    expect(acceptBeyondNoise([0.290, 0.300, 0.286, 0.296, 0.281], sota, true, 2, 'logloss').accept).toBe(true);
    // a loss of 0 on some fold: back to the absolute differences
    expect(acceptBeyondNoise([0, 0.1], [0.2, 0.3], true, 0, 'mae').reason).not.toMatch(/log ratio/);
  });
});
