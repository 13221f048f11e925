// The offline "brain": a deterministic heuristic policy playing the Researcher's reasoning and the Developer's
// coding through the same payloads an LLM brain uses. Pure: no I/O, no clock, no randomness. Its reasoning can be
// degraded on purpose (reasoning-noise.ts): the noise is a hash of the run seed and the request, so runs replay.
import type { Payload } from '../../protocols/messages.ts';
import { develop } from './develop.ts';
import { research } from './research.ts';
import { NO_NOISE, noiseSuffix, type ReasoningNoise } from './reasoning-noise.ts';

export const OFFLINE_BRAIN_NAME = 'offline-heuristic-v1';

/** The offline brain's name: the noise level is part of it when > 0 (e.g. "offline-heuristic-v1+noise0.3"). */
export function offlineBrainName(level: number): string {
  return `${OFFLINE_BRAIN_NAME}${noiseSuffix(level)}`;
}

/** The offline brain, its research reasoning degraded by `noise` (NO_NOISE: the exact brain). */
export function offlineBrainWith(noise: ReasoningNoise) {
  return {
    name: offlineBrainName(noise.level),
    research(req: Payload<'brain.research.request'>): Payload<'brain.research.reply'> {
      return research(req, noise);
    },
    develop(req: Payload<'brain.develop.request'>): Payload<'brain.develop.reply'> {
      return develop(req);
    },
  } as const;
}

export const offlineBrain = offlineBrainWith(NO_NOISE);
