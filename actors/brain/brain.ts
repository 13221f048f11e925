// The Brain interface shared by the offline heuristic brain and LLM brains (async, since LLM calls are).
import type { Payload } from '../../protocols/messages.ts';
import type { LlmCall } from '../../protocols/llm.ts';
import { offlineBrain, offlineBrainWith } from './offline-brain.ts';

export type ResearchRequest = Payload<'brain.research.request'>;
export type ResearchReply = Payload<'brain.research.reply'>;
export type DevelopRequest = Payload<'brain.develop.request'>;
export type DevelopReply = Payload<'brain.develop.reply'>;
export type JudgeRequest = Payload<'brain.judge.request'>;
export type JudgeReply = Payload<'brain.judge.reply'>;
export type SelectRequest = Payload<'brain.select.request'>;
export type SelectReply = Payload<'brain.select.reply'>;

/** What a brain gets with each request: the asking trace, and where its calls to a model are recorded. */
export interface BrainIo {
  trace: string;
  /** Records one model call in the run's journal (llm.call): replay and cassettes serve it back. */
  record(call: LlmCall): void;
}

/** For calls outside a run (tests, tools): trace "run", nothing recorded. */
export const NO_IO: BrainIo = { trace: 'run', record: () => {} };

export interface Brain {
  name: string;
  research(req: ResearchRequest, io?: BrainIo): Promise<ResearchReply>;
  develop(req: DevelopRequest, io?: BrainIo): Promise<DevelopReply>;
  /** The final judgement of a change the harness accepted (brains with a judge model only). */
  judge?(req: JudgeRequest, io?: BrainIo): Promise<JudgeReply>;
  /** The final choice among the traces' best pipelines (brains with a selector model only). */
  select?(req: SelectRequest, io?: BrainIo): Promise<SelectReply>;
  /** Cancels calls in flight and frees what the brain holds (LLM brains); the run calls it when it stops. */
  close?(): void;
}

/** Wraps a synchronous brain (such as the offline one) into the async Brain interface. */
export function asyncBrain(b: {
  name: string;
  research(req: ResearchRequest): ResearchReply;
  develop(req: DevelopRequest): DevelopReply;
}): Brain {
  return {
    name: b.name,
    research: async (req) => b.research(req),
    develop: async (req) => b.develop(req),
  };
}

/** The offline heuristic brain behind the async Brain interface. */
export const offlineAsyncBrain: Brain = asyncBrain(offlineBrain);

/**
 * The offline brain; `noise` (0 … 1, default 0) degrades its reasoning deterministically from `seed` (the run's seed,
 * default 0), and its name then says the level (e.g. "offline-heuristic-v1+noise0.3").
 */
export function createOfflineBrain(opts: { noise?: number; seed?: number } = {}): Brain {
  const level = opts.noise ?? 0;
  if (!Number.isFinite(level) || level < 0 || level > 1) throw new RangeError(`the offline brain's noise must be between 0 and 1, not ${level}`);
  if (level === 0) return asyncBrain(offlineBrain);
  return asyncBrain(offlineBrainWith({ level, seed: opts.seed ?? 0 }));
}
