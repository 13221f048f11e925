// The envelope that wraps every message on the bus (brief §4), and its header check.
// The header is checked by hand (it is on every message's hot path); payloads use zod schemas (messages.ts).

export const ADDRESS = /^[a-z][a-z-]*\.[A-Za-z0-9_-]+$/;
export const TOKEN = /^[A-Za-z0-9_-]+$/;

export interface EnvelopeHeader {
  v: number; id: string; run: string; trace: string; from: string; to: string; type: string;
  seq: number; causation: string | null; correlation: string; ts: number; payload: unknown;
}

const isNonNegInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
const isNonEmpty = (x: unknown): x is string => typeof x === 'string' && x.length > 0;

/** Returns the list of header problems (empty when the header is valid). */
export function headerIssues(o: Record<string, unknown>): string[] {
  const bad: string[] = [];
  if (!Number.isInteger(o.v)) bad.push('v: must be an integer');
  if (!isNonEmpty(o.id)) bad.push('id: must be a non-empty string');
  if (typeof o.run !== 'string' || !TOKEN.test(o.run)) bad.push('run: must be a subject token ([A-Za-z0-9_-]+)');
  if (typeof o.trace !== 'string' || !TOKEN.test(o.trace)) bad.push('trace: must be a subject token ([A-Za-z0-9_-]+)');
  if (typeof o.from !== 'string' || !ADDRESS.test(o.from)) bad.push('from: address is role.instance');
  if (typeof o.to !== 'string' || !ADDRESS.test(o.to)) bad.push('to: address is role.instance');
  if (!isNonEmpty(o.type)) bad.push('type: must be a non-empty string');
  if (!isNonNegInt(o.seq)) bad.push('seq: must be a non-negative integer');
  if (o.causation !== null && typeof o.causation !== 'string') bad.push('causation: must be a string or null');
  if (!isNonEmpty(o.correlation)) bad.push('correlation: must be a non-empty string');
  if (!isNonNegInt(o.ts)) bad.push('ts: must be a non-negative integer');
  if (!('payload' in o)) bad.push('payload: missing');
  const extra = Object.keys(o).filter((k) => !HEADER_KEYS.has(k));
  if (extra.length) bad.push(`unknown fields: ${extra.join(', ')}`);
  return bad;
}

const HEADER_KEYS = new Set(['v', 'id', 'run', 'trace', 'from', 'to', 'type', 'seq', 'causation', 'correlation', 'ts', 'payload']);
