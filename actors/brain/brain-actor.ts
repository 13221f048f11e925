// A brain as an actor: brain.research.request / brain.develop.request in, replies out; replies are the recorded side
// effect, and an LLM brain's calls go in the journal (llm.call). A brain that cannot answer (an LLM reply that never
// matched its schema, a refused key, a cap reached) answers with a typed failure, so the loop records it and goes on.
import type { Envelope } from '../../protocols/messages.ts';
import type { Behavior } from '../../runtime/actor-host.ts';
import type { Outgoing } from '../../runtime/envelope-factory.ts';
import type { Brain, BrainIo } from './brain.ts';
import { LlmFailure } from './llm/llm-errors.ts';

export function brainBehavior(brain: Brain): Behavior {
  return {
    kind: 'service',
    concurrent: true, // traces think in parallel; an LLM endpoint takes concurrent requests
    async handle(env: Envelope, ctx): Promise<Outgoing[]> {
      const io: BrainIo = { trace: env.trace, record: (call) => ctx.journal({ to: ctx.address, type: 'llm.call', payload: call }) };
      try {
        switch (env.type) {
          case 'brain.research.request':
            return [{ to: env.from, type: 'brain.research.reply', payload: await brain.research(env.payload, io) }];
          case 'brain.develop.request':
            return [{ to: env.from, type: 'brain.develop.reply', payload: await brain.develop(env.payload, io) }];
          case 'brain.judge.request':
            if (!brain.judge) throw new Error(`the ${brain.name} brain has no judge: the run asked for a final judgement it cannot give`);
            return [{ to: env.from, type: 'brain.judge.reply', payload: await brain.judge(env.payload, io) }];
          case 'brain.select.request':
            if (!brain.select) throw new Error(`the ${brain.name} brain has no selector: the run asked for a final selection it cannot make`);
            return [{ to: env.from, type: 'brain.select.reply', payload: await brain.select(env.payload, io) }];
          default:
            throw new Error(`brain does not handle ${env.type}`);
        }
      } catch (e) {
        if (!(e instanceof LlmFailure)) throw e;
        ctx.logger.warn({ type: env.type, code: e.code, err: e.message }, 'the brain could not answer');
        return [{ to: env.from, type: 'request.failed', payload: { request: env.type, requestId: env.id, to: env.to, code: 'failed', reason: `${e.name}: ${e.message}` } }];
      }
    },
  };
}
