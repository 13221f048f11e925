// The run's measured costs, as memory gives them to the brain: the latest finished full run of each model family
// (from every trace: the GPU node and its costs are shared), so a change to a family its base pipeline lacks is
// priced from what that family measured on this machine and data, not from a relative constant alone.
import type { Experiment, MeasuredRun } from '../../protocols/domain.ts';

/** The model families a spec names (the offline brain's `models[].family`); none for a spec of another shape. */
export function specFamilies(spec: unknown): string[] {
  const models = (spec as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return [];
  return [...new Set(models.map((m) => (m as { family?: unknown } | null)?.family).filter((f): f is string => typeof f === 'string'))];
}

/**
 * The latest measured full run of each model family among `records` (oldest first): one run per family, a run once
 * however many of its families it is the latest of, newest first. A run counts when it finished with a spec, a
 * measured full-run time and its feedback.
 */
export function measuredRuns(records: readonly Experiment[]): MeasuredRun[] {
  const covered = new Set<string>();
  const out: MeasuredRun[] = [];
  for (let i = records.length - 1; i >= 0; i--) {
    const e = records[i]!;
    if (!e.spec || !e.feedback || typeof e.fullRunMs !== 'number' || !(e.fullRunMs > 0)) continue;
    const fresh = specFamilies(e.spec).filter((f) => !covered.has(f));
    if (!fresh.length) continue;
    for (const f of fresh) covered.add(f);
    out.push({ experiment: e.id, spec: e.spec, runMs: e.fullRunMs, feedback: e.feedback });
  }
  return out;
}

/** Measured runs as an optional message field: present only when there are some (so a run that measured nothing sends
 * what it always sent). */
export function measuredField(runs: MeasuredRun[] | null | undefined): { measured?: MeasuredRun[] } {
  return runs?.length ? { measured: runs } : {};
}
