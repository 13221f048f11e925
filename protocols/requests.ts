// Which messages are requests: what answers each, and its deadline. The actor host uses this to give every
// request a deadline and to tell a reply (or a late reply) from any other message. One table, every layer reads it.
import type { Envelope, MessageType, Payload } from './messages.ts';
import type { Limits } from './config.ts';

/** What a requester's deadlines are computed from (the run's limits and budget). */
export interface DeadlineContext { limits: Limits; budgetMs: number }

export interface RequestSpec<T extends MessageType = MessageType> {
  /** The message types that answer it (besides request.failed). */
  replies: readonly MessageType[];
  /** Does `reply` answer this request? (`req` is the request envelope as sent.) */
  answers(req: Envelope<T>, reply: Envelope): boolean;
  /** How long the requester waits before its host records a request.failed with code "deadline". */
  deadlineMs(payload: Payload<T>, ctx: DeadlineContext): number;
}

const fromAsked = (req: Envelope, reply: Envelope): boolean => reply.from === req.to || reply.causation === req.id;

type Registry = { [K in MessageType]?: RequestSpec<K> };

export const REQUESTS: Registry = {
  'memory.context.request': { replies: ['memory.context'], answers: fromAsked, deadlineMs: (_p, c) => c.limits.replyMs },
  'memory.tree.request': { replies: ['memory.tree'], answers: fromAsked, deadlineMs: (_p, c) => c.limits.replyMs },
  'budget.request': { replies: ['budget.status'], answers: fromAsked, deadlineMs: (_p, c) => c.limits.replyMs },
  'brain.research.request': { replies: ['brain.research.reply'], answers: fromAsked, deadlineMs: (_p, c) => c.limits.brainMs },
  'brain.develop.request': { replies: ['brain.develop.reply'], answers: fromAsked, deadlineMs: (_p, c) => c.limits.brainMs },
  'brain.judge.request': { replies: ['brain.judge.reply'], answers: fromAsked, deadlineMs: (_p, c) => c.limits.brainMs },
  'brain.select.request': { replies: ['brain.select.reply'], answers: fromAsked, deadlineMs: (_p, c) => c.limits.brainMs },
  // A job may wait in the GPU queue behind other traces' jobs, but never past the run's budget.
  'job.submit': {
    replies: ['job.result'],
    answers: (req, reply) => reply.type === 'job.result' && reply.payload.jobId === req.payload.jobId,
    deadlineMs: (p, c) => p.limitMs + c.budgetMs,
  },
  'validate.request': {
    replies: ['validate.result'],
    answers: (req, reply) => reply.type === 'validate.result' && reply.payload.experiment === req.payload.experiment,
    deadlineMs: (_p, c) => c.limits.debugMs + c.limits.fullMs + c.budgetMs,
  },
  // An iteration ends when memory reports it done for the trace (or the researcher reports that it failed).
  'research.request': {
    replies: ['iteration.done'],
    answers: (req, reply) => reply.type === 'iteration.done' && reply.payload.trace === req.trace,
    deadlineMs: (p, c) => p.budget.remainingMs + c.limits.debugMs + c.limits.fullMs + c.limits.brainMs * 2,
  },
};

export function requestSpec(type: MessageType): RequestSpec | undefined {
  return REQUESTS[type] as RequestSpec | undefined;
}

/** Is `reply` an answer to `req` (one of its reply types and matching it, or a request.failed about it)? */
export function isAnswer(req: Envelope, reply: Envelope): boolean {
  if (reply.type === 'request.failed') return reply.payload.requestId === req.id;
  const spec = requestSpec(req.type);
  return !!spec && spec.replies.includes(reply.type) && spec.answers(req as never, reply);
}
