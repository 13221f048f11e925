// The offline "brain": a deterministic heuristic policy playing the Researcher's reasoning and the Developer's
// coding through the same payloads an LLM brain uses. Pure: no I/O, no clock, no randomness.
import type { Payload } from '../../protocols/messages.ts';
import { develop } from './develop.ts';
import { research } from './research.ts';

export const OFFLINE_BRAIN_NAME = 'offline-heuristic-v1';

export const offlineBrain = {
  name: OFFLINE_BRAIN_NAME,
  research(req: Payload<'brain.research.request'>): Payload<'brain.research.reply'> {
    return research(req);
  },
  develop(req: Payload<'brain.develop.request'>): Payload<'brain.develop.reply'> {
    return develop(req);
  },
} as const;
