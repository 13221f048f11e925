// A route sends a message type addressed to one actor through another first: a custom role that intercepts, say,
// research.hypothesis on its way to developer.t0 gets it at critic.t0 and forwards (or vetoes) it. Hosts apply their
// routes to what they send and record them in actor.start, so replay re-applies exactly the routes the run used.
import { z } from 'zod';

export const Route = z.object({
  /** The message type routed. */
  type: z.string().min(1),
  /** The address it was sent to … */
  to: z.string().min(1),
  /** … and the address it goes to instead (the intercepting actor, whose own sends of it are not routed). */
  via: z.string().min(1),
  /** Only messages of this trace (absent: every trace). */
  trace: z.string().optional(),
});
export type Route = z.infer<typeof Route>;

/** Where an envelope `self` sends goes: through the first route that matches it, else where it was addressed. */
export function routedTo<E extends { type: string; to: string; trace: string }>(routes: readonly Route[] | undefined, self: string, env: E): E {
  if (!routes?.length) return env;
  for (const r of routes) {
    if (r.type === env.type && r.to === env.to && r.via !== self && (r.trace === undefined || r.trace === env.trace)) return { ...env, to: r.via };
  }
  return env;
}
