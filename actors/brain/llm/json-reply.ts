// Reads a model's reply as one JSON object checked against its answer schema. Endpoints without structured output
// wrap JSON in prose or Markdown fences: the object is found in the text. What is wrong is said in sentences that go
// back to the model (and into the log), never as a raw validation dump.
import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** The JSON object in a reply: the whole text, a fenced ```json block, or the outermost {...}. */
export function extractJson(text: string): unknown {
  const trimmed = text.trim();
  const tries: string[] = [trimmed];
  const fence = /```(?:json)?\s*\n([\s\S]*?)\n?```/i.exec(trimmed);
  if (fence) tries.push(fence[1]!);
  const a = trimmed.indexOf('{'); const b = trimmed.lastIndexOf('}');
  if (a >= 0 && b > a) tries.push(trimmed.slice(a, b + 1));
  let last: Error | null = null;
  for (const t of tries) {
    try { return JSON.parse(t); } catch (e) { last = e as Error; }
  }
  throw new SyntaxError(last ? last.message : 'no JSON object found');
}

/** Where in the reply a zod issue is, as a reader would say it: hypotheses[0].scores.impact. */
function where(path: ReadonlyArray<PropertyKey>): string {
  if (!path.length) return 'the reply';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

export function parseReply<S extends z.ZodType>(schema: S, text: string): Parsed<z.infer<S>> {
  if (!text.trim()) return { ok: false, error: 'the reply was empty.' };
  let json: unknown;
  try { json = extractJson(text); } catch (e) {
    return { ok: false, error: `the reply is not valid JSON (${(e as Error).message}).` };
  }
  const r = schema.safeParse(json);
  if (r.success) return { ok: true, value: r.data };
  const issues = r.error.issues.slice(0, 6).map((i) => `${where(i.path)}: ${i.message}`);
  const more = r.error.issues.length > 6 ? ` (and ${r.error.issues.length - 6} more)` : '';
  return { ok: false, error: `the reply does not match the schema: ${issues.join('; ')}${more}.` };
}
