// metrics.json: valid-submission rate, time to first valid submission, time to best, the trajectory, budget share used,
// budget wasted and the cost model's accuracy.
import type { Budget } from '../../protocols/domain.ts';
import type { RunArchive } from './run-archive.ts';
import { summariseLlmCalls, type LlmUsageSummary } from '../../actors/brain/llm/usage-ledger.ts';
import type { CostAccuracy } from './job-ledger.ts';

export interface RunMetrics {
  experiments: number;
  accepted: number;
  valid_submissions: number;
  valid_submission_rate: number;
  time_to_first_valid_submission_ms: number | null;
  time_to_best_ms: number | null;
  first_score: number | null;
  best_score: number | null;
  /** The final choice's score as selected (mean of its harness per-fold scores) … */
  selection_score: number | null;
  /** … and on the held-back slice no selection used (confirmation); the first draft's held-back score beside it. */
  confirmation_score: number | null;
  first_confirmation_score: number | null;
  /** What the chosen pipeline claimed about itself in scores.csv (information only). */
  self_reported_best: number | null;
  /** Changes accepted after the first draft (each a gain beyond noise). */
  accepted_after_first: number;
  budget_ms: number;
  budget_used_ms: number;
  budget_used_frac: number;
  gpu_utilisation: number;
  gpu_utilisation_after_first_job: number;
  orchestration_overhead_ms_per_iteration: number | null;
  /** Budget wasted: debug runs of jobs that admission control then refused, plus full runs killed by their limit or the budget. */
  waste_ms: number;
  waste_frac: number;
  wasted_debug_runs: number;
  killed_full_runs: number;
  /** How close the corrected debug-run estimates came to the measured full runs. */
  cost_model: CostAccuracy;
  trajectory: RunArchive['trajectory'];
  /** LLM use (an LLM brain's runs): tokens, latency and cost in all, per role and per model; null for the offline brain. */
  llm: LlmUsageSummary | null;
  /**
   * The LLM final selector's choice beside the best validated pipeline, each with its harness and held-back scores (the
   * held-back slice, which no selection saw, shows whether the choice paid); null without an LLM selector's choice.
   */
  selection: {
    by: 'llm'; reason: string | null; chosen: string; chosen_score: number | null; chosen_holdout: number | null;
    best_validated: string | null; best_validated_score: number | null; best_validated_holdout: number | null;
  } | null;
}

export function computeMetrics(a: RunArchive, budget: Budget, gpu: { busyMs: number; elapsedMs: number }, wallMs: number): RunMetrics {
  const valid = a.experiments.filter((e) => e.submissionPath !== null).length;
  const first = a.experiments.find((e) => e.score !== null && e.status === 'accepted');
  const iterations = a.experiments.length;
  const idle = Math.max(0, wallMs - gpu.busyMs);
  return {
    experiments: iterations,
    accepted: a.experiments.filter((e) => e.status === 'accepted').length,
    valid_submissions: valid,
    valid_submission_rate: iterations ? valid / iterations : 0,
    time_to_first_valid_submission_ms: a.firstValidAt,
    time_to_best_ms: a.bestAt,
    first_score: first?.score ?? null,
    best_score: a.best?.score ?? null,
    selection_score: a.final?.score ?? null,
    confirmation_score: a.final?.holdout ?? null,
    first_confirmation_score: first?.holdout ?? null,
    self_reported_best: a.final?.selfReported ?? null,
    accepted_after_first: Math.max(0, a.experiments.filter((e) => e.status === 'accepted').length - 1),
    budget_ms: budget.budgetMs,
    budget_used_ms: budget.usedMs,
    budget_used_frac: Math.min(1, budget.usedMs / budget.budgetMs),
    gpu_utilisation: wallMs > 0 ? gpu.busyMs / wallMs : 0,
    gpu_utilisation_after_first_job: gpu.elapsedMs > 0 ? gpu.busyMs / gpu.elapsedMs : 0,
    orchestration_overhead_ms_per_iteration: iterations ? Math.round(idle / iterations) : null,
    ...a.jobs.waste(budget.budgetMs),
    cost_model: a.jobs.costAccuracy(),
    trajectory: a.trajectory,
    llm: summariseLlmCalls(a.llmCalls),
    selection: a.selected ? {
      by: 'llm', reason: a.selectionReason, chosen: a.selected.id, chosen_score: a.selected.score, chosen_holdout: a.selected.holdout,
      best_validated: a.best?.id ?? null, best_validated_score: a.best?.score ?? null, best_validated_holdout: a.best?.holdout ?? null,
    } : null,
  };
}
