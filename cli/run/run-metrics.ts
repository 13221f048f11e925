// metrics.json: valid-submission rate, time to first valid submission, time to best, the trajectory, budget share used.
import type { Budget } from '../../protocols/domain.ts';
import type { RunArchive } from './run-archive.ts';

export interface RunMetrics {
  experiments: number;
  accepted: number;
  valid_submissions: number;
  valid_submission_rate: number;
  time_to_first_valid_submission_ms: number | null;
  time_to_best_ms: number | null;
  first_score: number | null;
  best_score: number | null;
  budget_ms: number;
  budget_used_ms: number;
  budget_used_frac: number;
  gpu_utilisation: number;
  gpu_utilisation_after_first_job: number;
  orchestration_overhead_ms_per_iteration: number | null;
  trajectory: RunArchive['trajectory'];
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
    budget_ms: budget.budgetMs,
    budget_used_ms: budget.usedMs,
    budget_used_frac: Math.min(1, budget.usedMs / budget.budgetMs),
    gpu_utilisation: wallMs > 0 ? gpu.busyMs / wallMs : 0,
    gpu_utilisation_after_first_job: gpu.elapsedMs > 0 ? gpu.busyMs / gpu.elapsedMs : 0,
    orchestration_overhead_ms_per_iteration: iterations ? Math.round(idle / iterations) : null,
    trajectory: a.trajectory,
  };
}
