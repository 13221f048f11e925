// The one table of competition metrics: names, direction, perfect score, task kinds and whether a metric scores
// probabilities. The facts live in metric-table.json (the Python bench scripts read the same file); this module
// validates them once and derives the MetricName enum and typed accessors every layer reads.
import { z } from 'zod';
import table from './metric-table.json' with { type: 'json' };

/** The kinds of task a metric can score (a competition's taskType binary/multiclass is classification). */
export const TaskKind = z.enum(['classification', 'regression']);
export type TaskKind = z.infer<typeof TaskKind>;

/** One row of the table. */
export const MetricFacts = z.object({
  /** Human-readable name, e.g. "root mean squared error". */
  title: z.string().min(1),
  lowerIsBetter: z.boolean(),
  /** The best score the metric can take (1 for AUC and accuracy, 0 for losses and errors). */
  perfect: z.number(),
  taskKinds: z.array(TaskKind).min(1),
  /** Scores predicted probabilities (auc, logloss) rather than labels or values. */
  probabilities: z.boolean(),
}).strict();
export type MetricFacts = z.infer<typeof MetricFacts>;

type Name = keyof typeof table.metrics;
const NAMES = Object.keys(table.metrics) as [Name, ...Name[]];

export const MetricName = z.enum(NAMES);
export type MetricName = z.infer<typeof MetricName>;

/** The validated table; a malformed metric-table.json fails here, at import. */
export const METRIC_TABLE: Readonly<Record<MetricName, Readonly<MetricFacts>>> = Object.freeze(
  z.record(MetricName, MetricFacts).parse(table.metrics),
);

/** Every metric name, in table order. */
export const METRIC_NAMES: readonly MetricName[] = MetricName.options;

export function metricFacts(m: MetricName): Readonly<MetricFacts> {
  return METRIC_TABLE[m];
}

export function lowerIsBetter(m: MetricName): boolean {
  return METRIC_TABLE[m].lowerIsBetter;
}

export function perfectScore(m: MetricName): number {
  return METRIC_TABLE[m].perfect;
}

export function isRegressionMetric(m: MetricName): boolean {
  return METRIC_TABLE[m].taskKinds.includes('regression');
}

export function scoresProbabilities(m: MetricName): boolean {
  return METRIC_TABLE[m].probabilities;
}

/** The kind of task of a competition taskType. */
export function taskKindOf(taskType: 'binary' | 'multiclass' | 'regression'): TaskKind {
  return taskType === 'regression' ? 'regression' : 'classification';
}

/** Whether the metric can score a task of this type. */
export function metricFitsTask(m: MetricName, taskType: 'binary' | 'multiclass' | 'regression'): boolean {
  return METRIC_TABLE[m].taskKinds.includes(taskKindOf(taskType));
}

/** The metrics that score a kind of task, in table order. */
export function metricsFor(kind: TaskKind): MetricName[] {
  return METRIC_NAMES.filter((m) => METRIC_TABLE[m].taskKinds.includes(kind));
}

/** a − b oriented by the metric's direction, so that > 0 means `a` is better; null unless both are finite numbers. */
export function orientedDifference(a: number | null, b: number | null, lowerIsBetter: boolean): number | null {
  if (a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b)) return null;
  return lowerIsBetter ? b - a : a - b;
}

/** Direction by name, derived from the table (for callers that want a record). */
export const LOWER_IS_BETTER: Readonly<Record<MetricName, boolean>> = Object.freeze(
  Object.fromEntries(METRIC_NAMES.map((m) => [m, METRIC_TABLE[m].lowerIsBetter])) as Record<MetricName, boolean>,
);
