// The Brain interface shared by the offline heuristic brain and LLM brains (async, since LLM calls are).
import type { Payload } from '../../protocols/messages.ts';
import { offlineBrain } from './offline-brain.ts';

export type ResearchRequest = Payload<'brain.research.request'>;
export type ResearchReply = Payload<'brain.research.reply'>;
export type DevelopRequest = Payload<'brain.develop.request'>;
export type DevelopReply = Payload<'brain.develop.reply'>;

export interface Brain {
  name: string;
  research(req: ResearchRequest): Promise<ResearchReply>;
  develop(req: DevelopRequest): Promise<DevelopReply>;
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

export function createOfflineBrain(): Brain {
  return asyncBrain(offlineBrain);
}
