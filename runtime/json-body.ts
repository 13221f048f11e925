// JSON bodies of the deployment's request/reply subjects (a GPU node or a worker taking a run): encoded, and parsed
// against their schema into the value or a sentence naming what is wrong (never a raw validation dump).
import type { z } from 'zod';

/** A request's JSON body, checked: the parsed value, or a sentence naming what is wrong. */
export function parseBody<T>(schema: z.ZodType<T>, data: Uint8Array): { ok: true; value: T } | { ok: false; error: string } {
  let json: unknown;
  try { json = JSON.parse(new TextDecoder().decode(data)); } catch { return { ok: false, error: 'the request is not JSON' }; }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const first = r.error.issues[0]!;
  return { ok: false, error: `the request's ${first.path.join('.') || 'body'} is invalid (${first.message}); both hosts must run the same Gome version` };
}

export const encodeBody = (x: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(x));
