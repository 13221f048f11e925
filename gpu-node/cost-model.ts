// The cost model: a debug run prints its raw extrapolation of the full run's time (debug time scaled by rows, folds,
// rounds and seeds); the GPU node corrects it by the ratios of actual to raw-estimated time it has measured in this
// run, so admission and planning use estimates that learn from the machine they run on.
import { median } from '../grading/medals.ts';

/** Ratios kept: the most recent measured pairs. */
export const COST_WINDOW = 20;
/** Weight of the prior ratio 1 (the raw extrapolation taken as it is), in pairs, while few pairs are measured. */
const PRIOR_PAIRS = 1;
/** Correction factors are kept within this range: one bad pair must not make every later estimate absurd. */
const MIN_FACTOR = 0.1;
const MAX_FACTOR = 10;

export interface CostPair { rawMs: number; actualMs: number }

/** The part of a raw estimate that wall-clock allowances bound: within 0 and the whole estimate. */
const boundedPart = (boundedMs: number, rawMs: number): number => Math.max(0, Math.min(boundedMs, rawMs));

export class CostModel {
  private readonly logRatios: number[] = [];

  constructor(private readonly window = COST_WINDOW) {}

  /**
   * Learns from one finished full run: its debug run's raw estimate against its measured wall time, both less the
   * part wall-clock allowances bound (boundedMs), which is not the extrapolation the correction is for.
   */
  observe(rawMs: number | null | undefined, actualMs: number, boundedMs = 0): void {
    if (typeof rawMs !== 'number' || !(rawMs > 0) || !(actualMs > 0)) return;
    const b = boundedPart(boundedMs, rawMs);
    if (!(rawMs - b > 0) || !(actualMs - b > 0)) return;
    this.logRatios.push(Math.log((actualMs - b) / (rawMs - b)));
    if (this.logRatios.length > this.window) this.logRatios.shift();
  }

  /**
   * The multiplicative correction: the median log-ratio of the pairs measured so far, shrunk towards 1 while
   * there are few of them (n / (n + prior)), clamped to [0.1, 10].
   */
  factor(): number {
    const n = this.logRatios.length;
    if (n === 0) return 1;
    const shrunk = median(this.logRatios) * (n / (n + PRIOR_PAIRS));
    return Math.min(MAX_FACTOR, Math.max(MIN_FACTOR, Math.exp(shrunk)));
  }

  /** The corrected estimate of a raw one (null stays null): its part bounded by wall-clock allowances as it is, the rest scaled. */
  correct(rawMs: number | null, boundedMs = 0): number | null {
    if (rawMs === null) return null;
    const b = boundedPart(boundedMs, rawMs);
    return Math.round((rawMs - b) * this.factor() + b);
  }

  get pairs(): number { return this.logRatios.length; }
}
