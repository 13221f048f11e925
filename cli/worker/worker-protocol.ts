// How a run reaches workers on other hosts (gome worker): for each role it does not host, the coordinating host asks on
// gome._workers.<run>.attach.<role> (a worker started with --run RUN) and then on gome._workers.any.attach.<role> (a
// queue group of workers started with --any); the worker that takes the role builds that role's actors from the run's
// configuration and task, exactly as the coordinating host would, and hosts them on durable inboxes. Request/reply with
// a deadline; every reply says ok or why not in a sentence.
import { z } from 'zod';
import { RunConfig } from '../../protocols/config.ts';
import { TaskInfo } from '../../protocols/domain.ts';

/** The roles a worker can host: the machine actors of every trace and the shared memory. */
export const WORKER_ROLES = ['researcher', 'developer', 'validator', 'memory'] as const;
export type WorkerRole = typeof WORKER_ROLES[number];

export const workerSubjects = {
  /** A worker that serves this run only. */
  forRun: (run: string, role: string): string => `gome._workers.${run}.attach.${role}`,
  /** Workers that serve any run (a queue group per role: one of them takes it). */
  any: (role: string): string => `gome._workers.any.attach.${role}`,
  anyQueue: (role: string): string => `gome-workers-${role}`,
  /** A run is over: every worker hosting its actors stops them. */
  detach: 'gome._workers.detach',
};

export const WORKER_ATTACH_TIMEOUT_MS = 30_000;

export const WorkerAttach = z.object({
  run: z.string(),
  role: z.enum(WORKER_ROLES),
  config: RunConfig,
  task: TaskInfo,
  /** The run's experiment id prefix (researchers put it before every id). */
  idPrefix: z.string(),
  /** The brain gives final judgements: validators ask it after the harness accepts. */
  judge: z.boolean(),
});
export type WorkerAttach = z.infer<typeof WorkerAttach>;

export const WorkerAttachReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), worker: z.string(), actors: z.array(z.string()), resumed: z.boolean() }),
  z.object({ ok: z.literal(false), error: z.string() }),
]);
export type WorkerAttachReply = z.infer<typeof WorkerAttachReply>;
