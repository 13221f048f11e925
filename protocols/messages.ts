// Every message type on the bus, as one tagged union keyed by `type`, with its payload schema.
import { z } from 'zod';
import {
  Blame, BrainSpec, Budget, Experiment, FailureEntry, Hypothesis, JobMode, JobOutcome, MeasuredRun, PipelineFeedback, Problem,
  ScoredHypothesis,
  SotaRef, Stage, SuccessEntry, TaskInfo, TreeNode, TreeOperator,
} from './domain.ts';
import { RunConfig } from './config.ts';
import { JudgeAnswer, LlmCall, SelectAnswer } from './llm.ts';
import { Route } from './route.ts';

const Verdict = z.enum(['accept', 'reject']);
const Level = z.enum(['L0', 'L1', 'L2', 'L3']);

export const payloads = {
  // ── coordinator ───────────────────────────────────────────────
  'run.start': z.object({ config: RunConfig, task: TaskInfo }),
  'run.stop': z.object({ reason: z.string() }),
  'run.finished': z.object({
    reason: z.enum(['budget', 'stopped', 'iterations', 'error']),
    best: z.object({ experiment: z.string(), trace: z.string(), score: z.number(), submissionPath: z.string().nullable() }).nullable(),
    iterations: z.number().int().nonnegative(),
    /**
     * How `best` was chosen: the best harness-validated pipeline, or the LLM final selector's pick among the traces'
     * best pipelines (its reason; bestValidated names the one it was chosen over, so the held-back slice can compare).
     */
    selection: z.object({ by: z.enum(['best-validated', 'llm']), reason: z.string().nullable(), bestValidated: z.string().nullable() }).optional(),
  }),
  'research.request': z.object({
    iteration: z.number().int().nonnegative(), budget: Budget,
    /** Budget held back from every change (the final refit's reserve): a change plans with remainingMs − reserveMs. */
    reserveMs: z.number().nonnegative().optional(),
    /**
     * The iterations in flight once this one starts, itself included: the traces whose jobs share the GPU node's queue
     * from now on. A change plans with its share of what is left, (remainingMs − reserveMs) / sharers; without it, 1.
     */
    sharers: z.number().int().positive().optional(),
    /** Inside the merge window: this trace (the one with the best pipeline) merges the other traces' best ideas. */
    merge: z.boolean().optional(),
  }),
  // ── researcher ⇄ memory, researcher ⇄ brain ───────────────────
  'memory.context.request': z.object({
    trace: z.string(),
    /**
     * Tree search: the node the next change starts from. With operator improve, the context's sota is that node; with
     * debug, it is the buggy node's parent (what the fix is compared against) and `node` carries the buggy node.
     */
    node: z.string().optional(), operator: TreeOperator.optional(),
    /** A merge: the context also carries the other traces' best pipelines (mergeFrom). */
    merge: z.boolean().optional(),
  }),
  /** Tree search: the trace's experiment tree, for node selection. */
  'memory.tree.request': z.object({ trace: z.string() }),
  'memory.tree': z.object({ nodes: z.array(TreeNode) }),
  /** A trace announces the hypothesis it is about to try, so siblings steer away from it (forced diversity). */
  'memory.claim': z.object({ trace: z.string(), experiment: z.string(), kind: z.string() }),
  'memory.context': z.object({
    sota: SotaRef.nullable(),
    successes: z.array(SuccessEntry),
    failures: z.array(FailureEntry),
    bias: z.record(z.string(), z.number()),
    crossTrace: z.array(z.object({ trace: z.string(), hypothesis: z.string(), score: z.number() })),
    /** The distinct hypothesis kinds this trace has tried, in first-tried order. */
    tried: z.array(z.string()),
    /** Other traces' latest hypothesis kinds, injected until this trace has its own SOTA (forced diversity). */
    siblings: z.array(z.string()),
    experiments: z.number().int().nonnegative(),
    /** A merge: the other traces' best pipelines, best first. */
    mergeFrom: z.array(SotaRef.extend({ trace: z.string(), kind: z.string() })).optional(),
    /** The latest measured full run of each model family in this run (any trace): what changes are priced from. */
    measured: z.array(MeasuredRun).optional(),
    /** The node a tree-search operator works on (its code, spec, hypothesis and why it failed). */
    node: z.object({
      experiment: z.string(), code: z.string(), spec: BrainSpec.nullable(), hypothesis: Hypothesis, reasons: z.array(z.string()),
    }).nullable().optional(),
  }),
  'brain.research.request': z.object({
    task: TaskInfo, stage: Stage, budgetUsedFrac: z.number().min(0),
    sota: SotaRef.nullable(), successes: z.array(SuccessEntry), failures: z.array(FailureEntry),
    siblings: z.array(z.string()), tried: z.array(z.string()), lastFeedback: z.string().nullable(),
    /**
     * What a change may plan with when the request is made (cost-aware feasibility): the run's budget left less the
     * refit's reserve, divided among the iterations in flight (research.request sharers); null when unknown.
     */
    remainingMs: z.number().nullable().optional(),
    /** Measured full runs of this run, one per model family (memory.context measured): what changes are priced from. */
    measured: z.array(MeasuredRun).optional(),
    /**
     * Tree search: the operator to propose for (a draft, or an improvement of `sota`, the selected node). The brain
     * answers with its own proposals for it, without diagnosis, five-axis weighting or momentum.
     */
    operator: TreeOperator.optional(),
    /** Other traces' best pipelines: with operator merge, the ones to merge into `sota` (best first); otherwise their summary. */
    crossTrace: z.array(z.object({ trace: z.string(), hypothesis: z.string(), score: z.number() })).optional(),
    mergeFrom: z.array(SotaRef.extend({ trace: z.string(), kind: z.string() })).optional(),
  }),
  'brain.research.reply': z.object({ diagnosis: z.array(Problem), hypotheses: z.array(Hypothesis).min(1).max(5), brain: z.string() }),
  'research.hypothesis': z.object({
    experiment: z.string(), iteration: z.number().int().nonnegative(), stage: Stage,
    parent: SotaRef.nullable(), chosen: ScoredHypothesis, candidates: z.array(ScoredHypothesis),
    diagnosis: z.array(Problem), draw: z.object({ u: z.number(), index: z.number().int() }),
    /** What the change may plan with when the iteration started (its share of the budget left): the Developer shapes
     * the change to fit it. */
    remainingMs: z.number().nullable().optional(),
    /** Measured full runs of this run, one per model family: the Developer's estimates are priced from them too. */
    measured: z.array(MeasuredRun).optional(),
    /** Tree search: the operator that chose this change. */
    operator: TreeOperator.optional(),
    /** A debug operator: the buggy node to fix (its code and spec, and why it failed); `parent` is its parent. */
    debug: z.object({ experiment: z.string(), code: z.string(), spec: BrainSpec.nullable(), error: z.string() }).optional(),
    /** A merge: the other parents, the other traces' best pipelines it joins into `parent`. */
    mergedFrom: z.array(z.string()).optional(),
  }),
  // ── developer ⇄ brain, developer ⇄ validator ──────────────────
  'brain.develop.request': z.object({
    task: TaskInfo, hypothesis: Hypothesis, baseCode: z.string().nullable(), attempt: z.number().int().positive(),
    error: z.string().nullable(), previousCode: z.string().nullable(),
    /** The specs beside baseCode and previousCode (brain-specific data; null when the brain keeps none). */
    baseSpec: BrainSpec.nullable().optional(), previousSpec: BrainSpec.nullable().optional(),
    /**
     * The time the change's full run may take: the budget left, and the base pipeline's measured full-run time.
     * A brain reshapes a change that would not fit (fewer rounds, fewer seeds, a row subsample, fewer members).
     */
    remainingMs: z.number().nullable().optional(), baseRunMs: z.number().nullable().optional(),
    /** The limit of one full run: a change must fit in it too, with admission control's margin (absent: no limit known). */
    fullLimitMs: z.number().positive().optional(),
    /** The base pipeline's full-run feedback: its measured time per model, which a change's estimate starts from. */
    baseFeedback: PipelineFeedback.nullable().optional(),
    /** Other measured full runs of this run, one per model family: a model family the base lacks is priced from them. */
    measured: z.array(MeasuredRun).optional(),
  }),
  'brain.develop.reply': z.object({
    code: z.string(), summary: z.string(), brain: z.string(),
    /** The pipeline's spec as data beside its code (null for brains without one). */
    spec: BrainSpec.nullable().optional(),
    /** The brain's own estimate of the full run's time (its plan, from the base pipeline's measured run); null: none. */
    plannedMs: z.number().nullable().optional(),
  }),
  // ── validator ⇄ brain: the final judgement of a candidate the harness accepted (LLM brains with a judge model) ──
  'brain.judge.request': z.object({
    experiment: z.string(), task: TaskInfo, code: z.string(), baseCode: z.string().nullable(),
    /** The harness's scores (the held-back score is not given: no selection may see it) and its decision's reasons. */
    score: z.number(), folds: z.array(z.number()), cvStd: z.number().nullable(), trainScore: z.number().nullable(),
    sota: z.object({ score: z.number(), folds: z.array(z.number()) }).nullable(), harnessReasons: z.array(z.string()),
  }),
  'brain.judge.reply': JudgeAnswer.extend({ brain: z.string() }),
  // ── coordinator ⇄ brain: the final choice among the traces' best pipelines (LLM brains with a selector model) ──
  'brain.select.request': z.object({
    task: TaskInfo,
    /** Each trace's SOTA with its harness figures (never the held-back score: the choice is confirmed on it afterwards). */
    candidates: z.array(z.object({
      experiment: z.string(), trace: z.string(), hypothesis: z.string(), score: z.number(), folds: z.array(z.number()),
      cvStd: z.number().nullable(), trainScore: z.number().nullable(), code: z.string(),
    })).min(1),
  }),
  'brain.select.reply': SelectAnswer.extend({ brain: z.string() }),
  'validate.request': z.object({
    experiment: z.string(), code: z.string(), baseCode: z.string().nullable(), attempt: z.number().int().positive(),
    /** The SOTA's harness score and per-fold scores, for the paired comparison; null for a first pipeline. */
    sota: z.object({ score: z.number(), folds: z.array(z.number()) }).nullable(), task: TaskInfo,
    /** The brain's planned full-run time (brain.develop.reply plannedMs): admission weighs it beside the debug run's. */
    plannedMs: z.number().nullable().optional(),
  }),
  'validate.result': z.object({
    experiment: z.string(), verdict: Verdict, level: Level, reasons: z.array(z.string()), repairable: z.boolean(), blame: Blame,
    /** Harness scores: the mean per-fold score, its spread, the per-fold scores and the held-back score. */
    score: z.number().nullable(), cvStd: z.number().nullable(), trainScore: z.number().nullable(),
    folds: z.array(z.number()).default([]), holdout: z.number().nullable().default(null),
    /** What the job's scores.csv claimed (information only). */
    selfReported: z.number().nullable().default(null),
    debug: JobOutcome.nullable(), full: JobOutcome.nullable(),
  }),
  // ── validator ⇄ gpu node ──────────────────────────────────────
  'job.submit': z.object({
    jobId: z.string(), mode: JobMode, code: z.string(),
    /** The data on the sending host (used by a GPU node on the same host when `data` is absent, as in older logs) … */
    dataDir: z.string(),
    /** … and by artifact id (a folder's manifest): what a GPU node resolves to its own copy, on any host. */
    data: z.string().optional(),
    limitMs: z.number().int().positive(), estimatedMs: z.number().nullable(),
    /** For a full run: the debug run's raw estimate (the cost model learns from it against the measured time) … */
    rawEstimatedMs: z.number().nullable().optional(),
    /** … the part of it wall-clock allowances bound (the cost model learns from the rest) … */
    boundedEstimatedMs: z.number().nonnegative().optional(),
    /** … and the debug run's job id (a refused full run makes that debug run wasted time). */
    after: z.string().nullable().optional(),
    /** Where estimatedMs comes from: the debug run (default), or the brain's plan where that is the larger. */
    estimateFrom: z.enum(['debug', 'plan']).optional(),
    sampleSubmission: z.string().nullable(),
    /** Score the predictions with the run's harness (false only for the final refit on all rows, after every selection). */
    score: z.boolean().optional(),
  }),
  'job.result': JobOutcome,
  'budget.request': z.object({
    /**
     * The coordinator's reserve for the final refit, sent with every budget request: from then on the GPU node admits
     * a scored job only when its estimate fits in the remaining budget less this reserve (the refit itself is unscored).
     */
    refitReserveMs: z.number().nonnegative().optional(),
  }),
  'budget.status': Budget,
  // ── memory ────────────────────────────────────────────────────
  'experiment.record': Experiment,
  'iteration.done': z.object({
    experiment: z.string(), trace: z.string(), status: z.enum(['accepted', 'rejected', 'failed']),
    score: z.number().nullable(), improved: z.boolean(), sota: SotaRef.nullable(),
    /** Why an iteration ended without an experiment record (a request failed on the way). */
    reason: z.string().nullable().default(null),
  }),
  // ── the journal (gome.<run>._journal): what replay needs beyond the messages themselves ──
  /** A machine actor started: which machine (its xstate id) and the input it was built with. */
  'actor.start': z.object({
    machine: z.string(), input: z.unknown(),
    /** The routes its host applied to what it sent (a custom role intercepting messages on their way): replay applies them too. */
    routes: z.array(Route).optional(),
  }),
  /** A machine actor stopped: how many messages its machine had been given, so replay feeds it no more. */
  'actor.stop': z.object({ consumed: z.number().int().nonnegative() }),
  /**
   * An actor continued in a resumed run (gome resume): a machine rebuilt from the log before this record (machine set,
   * having consumed `consumed` messages in all), or a service (machine null); `unsent` messages the machine owed at the
   * crash go out now, and `redelivered` names the requests the service had not answered (a job running at the crash).
   */
  'actor.resume': z.object({
    machine: z.string().nullable(), consumed: z.number().int().nonnegative(), unsent: z.number().int().nonnegative(),
    redelivered: z.array(z.string()),
    /**
     * The stream sequence of the last message to it that its resumed state holds: messages to it after that one and
     * before this record are consumed after it (absent in logs recorded before it: every message before the record).
     */
    through: z.number().int().nonnegative().optional(),
  }),
  /** A brain's call to a model (the rendered prompt, the reply, tokens, cost): recorded, served by replay and cassettes. */
  'llm.call': LlmCall,
  // ── any requester ─────────────────────────────────────────────
  /**
   * A request got no answer: the service crashed on it, it was poison, or its deadline passed. Sent by the
   * failing service's host, or by the requester's own host at the deadline, so the requester moves on and the
   * failure is in the log.
   */
  'request.failed': z.object({
    request: z.string(),
    requestId: z.string(),
    to: z.string(),
    /** deadline: no answer in time; crash: the service crashed on it; failed: the service answered that it could not (a typed failure, e.g. an LLM reply that never matched its schema). */
    code: z.enum(['deadline', 'crash', 'failed']),
    reason: z.string(),
  }),
} as const;

export type MessageType = keyof typeof payloads;
export type Payload<T extends MessageType> = z.infer<(typeof payloads)[T]>;
export const MESSAGE_TYPES = Object.keys(payloads) as MessageType[];

export function isMessageType(t: unknown): t is MessageType {
  return typeof t === 'string' && Object.prototype.hasOwnProperty.call(payloads, t);
}

/** A decoded, validated envelope: a tagged union over `type`. */
export type Envelope<T extends MessageType = MessageType> = {
  [K in T]: {
    v: number; id: string; run: string; trace: string; from: string; to: string;
    type: K; seq: number; causation: string | null; correlation: string; ts: number;
    payload: Payload<K>;
  }
}[T];
