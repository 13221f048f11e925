// The GPU node as an actor on the bus: job.submit → job.result and budget.request → budget.status, back to the sender.
import type { Envelope } from '../protocols/messages.ts';
import type { Behavior } from '../runtime/actor-host.ts';
import type { Outgoing } from '../runtime/envelope-factory.ts';
import type { GpuNode } from './gpu-node.ts';

export function gpuNodeBehavior(node: GpuNode): Behavior {
  return {
    kind: 'service',
    concurrent: true, // the node's own JobQueue serialises jobs; budget queries must not wait behind a job
    async handle(env: Envelope): Promise<Outgoing[]> {
      switch (env.type) {
        case 'job.submit': {
          const outcome = await node.submit(env.payload);
          return [{ to: env.from, type: 'job.result', payload: outcome }];
        }
        case 'budget.request':
          if (env.payload.refitReserveMs !== undefined) node.holdForRefit(env.payload.refitReserveMs);
          return [{ to: env.from, type: 'budget.status', payload: node.budget() }];
        default:
          throw new Error(`gpu node does not handle ${env.type}`);
      }
    },
  };
}
