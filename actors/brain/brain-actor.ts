// A brain as an actor: brain.research.request / brain.develop.request in, replies out; replies are the recorded side effect.
import type { Envelope } from '../../protocols/messages.ts';
import type { Behavior } from '../../runtime/actor-host.ts';
import type { Outgoing } from '../../runtime/envelope-factory.ts';
import type { Brain } from './brain.ts';

export function brainBehavior(brain: Brain): Behavior {
  return {
    kind: 'service',
    concurrent: true, // traces think in parallel; an LLM endpoint takes concurrent requests
    async handle(env: Envelope): Promise<Outgoing[]> {
      switch (env.type) {
        case 'brain.research.request':
          return [{ to: env.from, type: 'brain.research.reply', payload: await brain.research(env.payload) }];
        case 'brain.develop.request':
          return [{ to: env.from, type: 'brain.develop.reply', payload: await brain.develop(env.payload) }];
        default:
          throw new Error(`brain does not handle ${env.type}`);
      }
    },
  };
}
