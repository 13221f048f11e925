// The envelope that wraps every message on the bus (brief §4).
import { z } from 'zod';

export const ActorAddress = z.string().regex(/^[a-z][a-z-]*\.[A-Za-z0-9_-]+$/, 'address is role.instance');

export const EnvelopeHeader = z.object({
  v: z.number().int(),
  id: z.string().min(1),
  run: z.string().regex(/^[A-Za-z0-9_-]+$/),
  trace: z.string().regex(/^[A-Za-z0-9_-]+$/),
  from: ActorAddress,
  to: ActorAddress,
  type: z.string().min(1),
  seq: z.number().int().nonnegative(),
  causation: z.string().nullable(),
  correlation: z.string().min(1),
  ts: z.number().int().nonnegative(),
  payload: z.unknown(),
});
export type EnvelopeHeader = z.infer<typeof EnvelopeHeader>;
