// Domain values shared by several roles' messages: metrics, hypotheses, job outcomes, experiments.
import { z } from 'zod';
import { TreeOperator } from './topology.ts';
export { TreeOperator };

// Metric names and their facts (direction, perfect score, task kinds) come from the one table, metric-table.ts.
import { MetricName } from './metric-table.ts';
export { MetricName };
export { LOWER_IS_BETTER } from './metric-table.ts';

export const Stage = z.enum(['draft', 'improve', 'ensemble']);
export type Stage = z.infer<typeof Stage>;

export const Component = z.enum(['data', 'features', 'model', 'ensemble', 'workflow']);
export type Component = z.infer<typeof Component>;

export const Problem = z.object({
  category: z.enum(['scenario', 'feedback']),
  summary: z.string(),
  evidence: z.string(),
});
export type Problem = z.infer<typeof Problem>;

const Axis = z.number().min(1).max(10);
export const AxisScores = z.object({
  alignment: Axis, impact: Axis, novelty: Axis, feasibility: Axis, risk: Axis,
});
export type AxisScores = z.infer<typeof AxisScores>;

export const Hypothesis = z.object({
  /** Stable kind of change, e.g. "model:xgb" — the key success memory aggregates on. */
  kind: z.string().min(1),
  component: Component,
  title: z.string(),
  rationale: z.string(),
  problem: z.string().nullable(),
  scores: AxisScores,
  /** Brain-specific machine-readable edit (the offline brain's action); opaque to other roles. */
  change: z.record(z.string(), z.unknown()),
  /**
   * The brain's estimate of the change's full-run time and how it got it (e.g. the SOTA's measured run scaled by the
   * change's compute); null when nothing was measured yet. Feasibility takes it against the remaining budget.
   */
  cost: z.object({ ms: z.number().nonnegative(), basis: z.string() }).nullable().optional(),
});
export type Hypothesis = z.infer<typeof Hypothesis>;

export const ScoredHypothesis = Hypothesis.extend({ weighted: z.number(), bias: z.number() });
export type ScoredHypothesis = z.infer<typeof ScoredHypothesis>;

export const JobMode = z.enum(['debug', 'full']);
export type JobMode = z.infer<typeof JobMode>;

export const ResourceUsage = z.object({
  wallMs: z.number().nonnegative(),
  cpuMs: z.number().nonnegative(),
  peakRssKb: z.number().nonnegative(),
});
export type ResourceUsage = z.infer<typeof ResourceUsage>;

/** What the job's scores.csv said: metric name and per-model rows, one of them "ensemble". */
export const ScoresTable = z.object({
  metric: z.string(),
  rows: z.record(z.string(), z.number().nullable()),
});
export type ScoresTable = z.infer<typeof ScoresTable>;

/** Optional structured feedback the pipeline writes (gome_feedback.json). */
export const PipelineFeedback = z.object({
  cv_scores: z.array(z.number()).optional(),
  train_score: z.number().nullable().optional(),
  val_score: z.number().nullable().optional(),
  n_rows: z.number().optional(),
  n_features: z.number().optional(),
  categorical: z.array(z.string()).optional(),
  missing_frac: z.number().optional(),
  estimated_full_seconds: z.number().nullable().optional(),
}).passthrough();
export type PipelineFeedback = z.infer<typeof PipelineFeedback>;

export const SubmissionCheck = z.object({ ok: z.boolean(), error: z.string().nullable(), rows: z.number().int().nonnegative() });
export type SubmissionCheck = z.infer<typeof SubmissionCheck>;

export const JobStatus = z.enum(['ok', 'error', 'timeout', 'refused', 'infra']);

/** Why an experiment did not succeed: its code, the budget running out, our infrastructure, or its score. */
export const Blame = z.enum(['none', 'code', 'budget', 'infra', 'score']);
export type Blame = z.infer<typeof Blame>;
export type JobStatus = z.infer<typeof JobStatus>;

/**
 * What the harness computed from a job's predictions on labels the job never saw (grading/harness-scorer.ts).
 * Every decision uses these; the job's own scores.csv is information only.
 */
export const HarnessScores = z.object({
  metric: MetricName,
  /** Per-fold scores on the run's fixed folds (full runs; empty for a debug run's sample). */
  folds: z.array(z.number()),
  /** The pooled out-of-fold score. */
  oof: z.number().nullable(),
  /** The score on the held-back slice: confirmation only, never used to select. */
  holdout: z.number().nullable(),
  /** Out-of-fold rows scored. */
  rows: z.number().int().nonnegative(),
  /** Contract violations (missing or malformed prediction files); non-empty means the job failed its contract. */
  problems: z.array(z.string()),
});
export type HarnessScores = z.infer<typeof HarnessScores>;

export const JobOutcome = z.object({
  jobId: z.string(),
  mode: JobMode,
  status: JobStatus,
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  reason: z.string().nullable(),
  stdoutTail: z.string(),
  stderrTail: z.string(),
  usage: ResourceUsage,
  startedAt: z.number(),
  endedAt: z.number(),
  /** A debug run's estimate of the full run's time, corrected by the GPU node's cost model (gpu-node/cost-model.ts) … */
  estimatedFullMs: z.number().nullable(),
  /** … and as the job printed it (the raw extrapolation the cost model learns to correct). */
  rawEstimatedFullMs: z.number().nullable().optional(),
  /**
   * The part of the raw estimate that wall-clock allowances bound (a budgeted search's time allowance per fold): the
   * correction leaves it as it is, since the job stops that work at the allowance whatever the machine's pace.
   */
  boundedEstimatedFullMs: z.number().nonnegative().optional(),
  /**
   * A full run stopped by the overrun watch (gpu-node/progress-watch.ts): the wall time its progress projected, which
   * the cost model learns from in place of the time it never finished in. Absent otherwise.
   */
  projectedMs: z.number().nullable().optional(),
  scores: ScoresTable.nullable(),
  feedback: PipelineFeedback.nullable(),
  submission: SubmissionCheck.nullable(),
  /** Absolute path of the job workspace (code, outputs); for archiving and debugging. */
  workdir: z.string(),
  sandbox: z.string(),
  /** The job's limit was cut to the remaining budget (a timeout then is the budget's doing, not the code's). */
  budgetCapped: z.boolean().default(false),
  /**
   * Why admission control refused the job: the budget is gone, or the job's estimate does not fit in what is left
   * (or in its limit), which a smaller variant of the change could.
   */
  refusal: z.enum(['budget-exhausted', 'too-slow']).nullable().optional(),
  /** The harness's scores of the job's predictions; null when the job did not run to completion. */
  harness: HarnessScores.nullable().default(null),
  /** The artifact id (sha256) of the job's submission.csv, in the object store when the node is remote; null without one. */
  submissionId: z.string().nullable().optional(),
});
export type JobOutcome = z.infer<typeof JobOutcome>;

export const Budget = z.object({
  startedAt: z.number(),
  budgetMs: z.number().positive(),
  usedMs: z.number().nonnegative(),
  remainingMs: z.number(),
  /** Time lost to infrastructure failures, not charged to the budget. */
  refundedMs: z.number().nonnegative(),
  /**
   * Set by the GPU node once no scored job could be admitted any more (what is left beyond the final refit's reserve
   * cannot hold even the fastest full run measured): why, in a sentence. Absent or null while scored jobs can start.
   */
  closed: z.string().nullable().optional(),
  /**
   * Set by the GPU node once the coordinator asked it to hold a final refit's reserve: what it holds back from scored
   * jobs. That is the reserve asked, or 0 when, at the moment it was asked, it exceeded the budget left: that refit
   * cannot run, and holding time for it would only idle the node (the run's submission is then the fold models').
   */
  refitHeldMs: z.number().nonnegative().optional(),
});
export type Budget = z.infer<typeof Budget>;

/**
 * A brain's structured description of a pipeline (the offline brain's PipelineSpec), carried as data beside the
 * code it generated: opaque to every other role, which only pass it along.
 */
export const BrainSpec = z.record(z.string(), z.unknown());
export type BrainSpec = z.infer<typeof BrainSpec>;

/**
 * A finished full run's measured cost, which a brain plans changes from: its spec, wall time and feedback (the offline
 * brain's feedback gives each model's measured seconds). Memory sends the latest such run of each model family, so a
 * change to a family its base lacks is priced from what that family measured in this run.
 */
export const MeasuredRun = z.object({
  experiment: z.string(), spec: BrainSpec, runMs: z.number().nonnegative(), feedback: PipelineFeedback,
});
export type MeasuredRun = z.infer<typeof MeasuredRun>;

export const ExperimentStatus = z.enum(['accepted', 'rejected', 'failed']);
export const Experiment = z.object({
  id: z.string(),
  trace: z.string(),
  parent: z.string().nullable(),
  iteration: z.number().int().nonnegative(),
  stage: Stage,
  hypothesis: Hypothesis,
  code: z.string(),
  status: ExperimentStatus,
  level: z.enum(['L0', 'L1', 'L2', 'L3']),
  reasons: z.array(z.string()),
  blame: Blame,
  score: z.number().nullable(),
  cvStd: z.number().nullable(),
  trainScore: z.number().nullable(),
  attempts: z.number().int().positive(),
  wallMs: z.number().nonnegative(),
  submissionPath: z.string().nullable(),
  /** The submission's artifact id (fetched from the object store when the GPU node is on another host). */
  submissionId: z.string().nullable().optional(),
  ts: z.number(),
  /** Harness per-fold scores, held-back score, and what the job claimed about itself (information only). */
  folds: z.array(z.number()).default([]),
  holdout: z.number().nullable().default(null),
  selfReported: z.number().nullable().default(null),
  /** The full run's structured feedback (gome_feedback.json), kept for diagnosis. */
  feedback: PipelineFeedback.nullable().default(null),
  /** The brain's pipeline spec, as data beside the code (null for brains without one). */
  spec: BrainSpec.nullable().optional(),
  /** The validated full run's measured wall time (the cost basis of changes to this pipeline). */
  fullRunMs: z.number().nonnegative().nullable().optional(),
  /** Tree search: the operator that made it (a draft, an improvement of `parent`, or a fix of the buggy `parent`). */
  operator: TreeOperator.nullable().optional(),
  /** A merge's other parents: the other traces' best pipelines whose ideas it joined into `parent`. */
  mergedFrom: z.array(z.string()).optional(),
});
export type Experiment = z.infer<typeof Experiment>;

/** One node of a trace's experiment tree as a tree search sees it: no code, just what node selection reads. */
export const TreeNode = z.object({
  id: z.string(), parent: z.string().nullable(), status: ExperimentStatus, score: z.number().nullable(), blame: Blame,
  kind: z.string(), operator: TreeOperator.nullable(),
  /** Fixes in a row that led here (a debug of a debug of a buggy node is 2). */
  debugDepth: z.number().int().nonnegative(),
});
export type TreeNode = z.infer<typeof TreeNode>;

export const SuccessEntry = z.object({ kind: z.string(), component: Component, gain: z.number(), experiment: z.string(), ts: z.number() });
export type SuccessEntry = z.infer<typeof SuccessEntry>;
export const FailureEntry = z.object({ kind: z.string(), experiment: z.string(), level: z.string(), reason: z.string() });
export type FailureEntry = z.infer<typeof FailureEntry>;

export const SotaRef = z.object({
  experiment: z.string(), score: z.number(), code: z.string(), hypothesis: z.string(),
  cvStd: z.number().nullable(), trainScore: z.number().nullable(),
  /** The harness's per-fold scores (paired comparisons are made against these) and the held-back score. */
  folds: z.array(z.number()).default([]),
  holdout: z.number().nullable().default(null),
  /** The SOTA's full-run feedback (gome_feedback.json: model scores, importances, timings) for diagnosis. */
  feedback: PipelineFeedback.nullable().default(null),
  /** The SOTA's spec as data (brain-specific) and its measured full-run time. */
  spec: BrainSpec.nullable().optional(),
  fullRunMs: z.number().nonnegative().nullable().optional(),
});
export type SotaRef = z.infer<typeof SotaRef>;

export const TaskInfo = z.object({
  competition: z.string(),
  description: z.string(),
  metric: MetricName,
  lowerIsBetter: z.boolean(),
  idColumn: z.string(),
  targetColumns: z.array(z.string()).min(1),
  taskType: z.enum(['binary', 'multiclass', 'regression']),
  /** Absolute path of the competition's public/ folder (on the coordinating host: the brain reads it there). */
  dataDir: z.string(),
  /**
   * The jobs' data by artifact id (runtime/artifact-store.ts folderId: the sha256 of its manifest), which job.submit
   * carries instead of a path: a GPU node on another host fetches it from the object store. Absent in older logs.
   */
  data: z.string().optional(),
  nTrainRows: z.number().int().nonnegative(),
  /** Distinct labels in train (classification); null for regression. */
  nClasses: z.number().int().nonnegative().nullable(),
  /** Classification labels as train.csv spells them. Binary: [negative, positive]; multiclass: the submission's column order. */
  classes: z.array(z.string()).optional(),
  /** Binary probability targets: the label whose probability is submitted (the competition's resolved positive class). */
  positiveClass: z.string().optional(),
  /** Where positiveClass came from (--positive, competition.json, description.md, 0/1 convention). */
  positiveFrom: z.string().optional(),
  columns: z.array(z.object({ name: z.string(), dtype: z.enum(['numeric', 'categorical', 'text']), missingFrac: z.number() })),
  /**
   * The run's fixed split when the harness scores (dataDir then holds folds.csv and holdout.csv), with the acceptance
   * rule: a change is accepted only when its paired per-fold gain exceeds acceptK corrected standard errors.
   */
  harness: z.object({ folds: z.number().int().min(2), holdoutRows: z.number().int().nonnegative(), acceptK: z.number().nonnegative() }).nullable().default(null),
  /** Target statistics the harness computed from train.csv: the smallest class share (classification), the skewness (regression). */
  targetStats: z.object({ minorityFrac: z.number().nullable(), skew: z.number().nullable() }).default({ minorityFrac: null, skew: null }),
  /**
   * The features are one grey-scale image per row: side × side numeric pixel columns named prefix0..prefixN (or 1..N)
   * in row-major order, the first `side²` feature columns. Absent in logs recorded before images were recognised.
   */
  image: z.object({ side: z.number().int().min(8), channels: z.literal(1), prefix: z.string() }).nullable().optional(),
});
export type TaskInfo = z.infer<typeof TaskInfo>;
