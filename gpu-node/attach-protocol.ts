// How a run reaches a GPU node on another host (gome gpu-node): the coordinating host puts the run's data in the object
// store and asks, on gome._gpu.attach, for a node to serve the run; the node that takes it fetches the data by id,
// scores with the held-back labels it is given (never the test answers), and hosts the run's gpu actor on a durable
// inbox until gome._gpu.detach. Both are request/reply with a deadline; every reply says ok or why not in a sentence.
import { z } from 'zod';
import { MetricName } from '../protocols/domain.ts';
export { encodeBody, parseBody } from '../runtime/json-body.ts';

export const GPU_SUBJECTS = {
  /** A run asks for a GPU node (a queue group: one node takes it). */
  attach: 'gome._gpu.attach',
  /** A run is over: its node kills what still runs, stops its gpu actor and answers with its figures. */
  detach: 'gome._gpu.detach',
} as const;

/** The queue group GPU nodes answer attach requests in: each run is served by one of them. */
export const GPU_QUEUE = 'gome-gpu-nodes';

/** How long a run waits for a GPU node to take it (fetching the data included). */
export const ATTACH_TIMEOUT_MS = 120_000;
export const DETACH_TIMEOUT_MS = 30_000;

/** What the scorer needs of the competition: its public description (no path, no answers). */
export const GradingSpec = z.object({
  id: z.string(), title: z.string(), metric: MetricName, taskType: z.enum(['binary', 'multiclass', 'regression']),
  idColumn: z.string(), targetColumns: z.array(z.string()).min(1), classes: z.array(z.string()).optional(),
  positiveClass: z.string().optional(), answerColumn: z.string().optional(),
});
export type GradingSpec = z.infer<typeof GradingSpec>;

export const GpuAttach = z.object({
  run: z.string(),
  budgetMs: z.number().positive(),
  /** The jobs' data (the run's split) and the final refit's data (every labelled row), as folder artifact ids. */
  data: z.string(),
  fullData: z.string(),
  /** The held-back slice's labels (a file artifact), which the node's scorer reads outside every sandbox. */
  holdoutLabels: z.string().nullable(),
  folds: z.number().int().min(2),
  competition: GradingSpec,
  /** Paths jobs must not see beyond the sandbox's allow-list (the competition's recorded sources: system paths). */
  maskPaths: z.array(z.string()),
});
export type GpuAttach = z.infer<typeof GpuAttach>;

export const GpuAttachReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), node: z.string(), sandbox: z.string(), gpus: z.number().int().nonnegative(), resumed: z.boolean() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type GpuAttachReply = z.infer<typeof GpuAttachReply>;

export const GpuDetach = z.object({ run: z.string() });

/** What the node measured over the run: its queue's figures, job counts and the budget it kept. */
export const GpuNodeFigures = z.object({
  busyMs: z.number(), elapsedMs: z.number(), jobs: z.number(),
  sandbox: z.string().nullable(), gpus: z.number().nullable(),
  byStatus: z.record(z.string(), z.number()),
  usedMs: z.number(), refundedMs: z.number(),
});
export type GpuNodeFigures = z.infer<typeof GpuNodeFigures>;

export const GpuDetachReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), node: z.string(), figures: GpuNodeFigures }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type GpuDetachReply = z.infer<typeof GpuDetachReply>;
