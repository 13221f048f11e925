// Admission control: a pure decision whether a job may start, given its limit, its estimate (the debug run's, or the
// brain's plan where that is larger) and the remaining budget.
import { ADMISSION_SAFETY } from '../protocols/config.ts';

export interface AdmissionInput {
  jobLimitMs: number;
  /** Estimated runtime from the debug run (or the brain's plan, see estimateFrom); null when unknown (debug runs). */
  estimatedMs: number | null;
  /** Where the estimate comes from (job.submit estimateFrom); default the debug run. */
  estimateFrom?: 'debug' | 'plan';
  remainingBudgetMs: number;
  /**
   * Budget held back from this job (the final refit's reserve, for scored jobs): its estimate must fit in what
   * remains less this, with nothing left beyond it the job is not started, and its limit is cut to what is left beyond
   * it: a job that overruns its estimate is stopped there rather than run into the refit's time (a run whose debug
   * runs and slow full runs ate the reserve ended with the time unused and no refit).
   */
  reservedMs?: number;
  /** The estimate must fit this many times over (ADMISSION_SAFETY for scored jobs; 1, the default, for the refit). */
  safety?: number;
  /**
   * For a scored debug run: the fastest full run measured in this run. When what is left (beyond the reserve) cannot
   * hold that, with the safety margin, the debug run is not started: its full run would be refused after it.
   */
  fastestFullMs?: number | null;
}

export type AdmissionDecision =
  | { admit: true; effectiveLimitMs: number }
  | { admit: false; effectiveLimitMs: number; reason: string; refusal: 'budget-exhausted' | 'too-slow' };

const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const basis = (i: AdmissionInput): string => (i.estimateFrom === 'plan' ? "from the brain's plan, which exceeds the debug run's extrapolation" : 'from the debug run');

/** The limit a job actually runs under: its own limit, capped by what is left of the budget beyond what is held back from it. */
export function effectiveLimitMs(jobLimitMs: number, remainingBudgetMs: number, reservedMs = 0): number {
  return Math.max(0, Math.floor(Math.min(jobLimitMs, remainingBudgetMs - Math.max(0, reservedMs))));
}

/**
 * Why no job like this one (same reserve, margin and fastest full run) could start, whatever its estimate; null while
 * one could. The budget's own exhaustion, shared by decideAdmission and scoredJobsClosed.
 */
function exhausted(input: AdmissionInput): string | null {
  if (input.remainingBudgetMs <= 0) return `budget exhausted: ${s(input.remainingBudgetMs)} remaining`;
  const reserved = Math.max(0, input.reservedMs ?? 0);
  const usable = input.remainingBudgetMs - reserved;
  if (usable <= 0) return `budget exhausted: ${s(Math.max(0, input.remainingBudgetMs))} remaining, all of it held back for the final refit`;
  const fastest = input.fastestFullMs;
  const safety = Math.max(1, input.safety ?? 1);
  if (typeof fastest === 'number' && fastest > 0 && fastest * safety > usable) {
    return `budget nearly exhausted: ${s(usable)} left${held(input)} cannot hold even the fastest full run measured so far (${s(fastest)}${margin(safety)})`;
  }
  return null;
}

const margin = (safety: number): string => safety > 1 ? ` with a ${safety}× safety margin` : '';
function held(input: AdmissionInput): string {
  const reserved = Math.max(0, input.reservedMs ?? 0);
  return reserved > 0 ? ` (${s(reserved)} of the ${s(input.remainingBudgetMs)} left are held back for the final refit)` : '';
}

export function decideAdmission(input: AdmissionInput): AdmissionDecision {
  const effective = effectiveLimitMs(input.jobLimitMs, input.remainingBudgetMs, input.reservedMs);
  const out = exhausted(input);
  if (out !== null) return { admit: false, effectiveLimitMs: effective, refusal: 'budget-exhausted', reason: out };
  const usable = input.remainingBudgetMs - Math.max(0, input.reservedMs ?? 0);
  const safety = Math.max(1, input.safety ?? 1);
  const est = input.estimatedMs;
  if (est !== null && Number.isFinite(est)) {
    if (est * safety > usable) {
      return { admit: false, effectiveLimitMs: effective, refusal: 'too-slow',
        reason: `estimated runtime ${s(est)} (${basis(input)})${margin(safety)} exceeds the remaining budget ${s(usable)}${held(input)}` };
    }
    if (est * safety > input.jobLimitMs) {
      return { admit: false, effectiveLimitMs: effective, refusal: 'too-slow',
        reason: `estimated runtime ${s(est)} (${basis(input)})${margin(safety)} exceeds the job limit ${s(input.jobLimitMs)}` };
    }
  }
  return { admit: true, effectiveLimitMs: effective };
}

/**
 * Why no scored job could start any more (what is left beyond the refit's reserve cannot hold the fastest full run
 * measured, with the margin), or null while one could: the rule decideAdmission applies to every scored debug run,
 * told to the coordinator so it stops starting iterations that would only be refused.
 */
export function scoredJobsClosed(remainingBudgetMs: number, reservedMs: number, fastestFullMs: number | null): string | null {
  return exhausted({ jobLimitMs: remainingBudgetMs, estimatedMs: null, remainingBudgetMs, reservedMs, safety: ADMISSION_SAFETY, fastestFullMs });
}

/** Per-job limits from the brief (§3): callers use these when the run config does not override them. */
export const DEFAULT_DEBUG_LIMIT_MS = 600_000;
export const DEFAULT_FULL_LIMIT_MS = 3_600_000;
