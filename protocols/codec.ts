// msgpackr codec for envelopes: encode() validates before it sends, decode() validates what arrives.
import { Packr } from 'msgpackr';
import { headerIssues } from './envelope.ts';
import { InvalidEnvelope, InvalidPayload, Undecodable, UnknownType, UnknownVersion } from './errors.ts';
import { isMessageType, payloads, type Envelope } from './messages.ts';
import { upgradeConfig } from './config.ts';
import { customSchema } from './message-registry.ts';
import { SUPPORTED_VERSIONS } from './version.ts';
import type { z } from 'zod';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

function issues(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
}

/**
 * Checks an already-decoded object's version, type and header, not its payload: for envelopes that were validated
 * when they were published (a recorded log). Throws a ProtocolError.
 */
export function checkHeader(obj: unknown): Envelope {
  if (obj === null || typeof obj !== 'object') throw new InvalidEnvelope(['not an object']);
  const v = (obj as { v?: unknown }).v;
  if (typeof v !== 'number' || !SUPPORTED_VERSIONS.includes(v)) throw new UnknownVersion(v, SUPPORTED_VERSIONS);
  const type = (obj as { type?: unknown }).type;
  // a built-in type, or one a custom role registered (protocols/message-registry.ts); anything else is unknown
  if (!isMessageType(type) && !customSchema(type)) throw new UnknownType(type);
  const bad = headerIssues(obj as Record<string, unknown>);
  if (bad.length) throw new InvalidEnvelope(bad);
  return obj as Envelope;
}

/** Validates an already-decoded object as an envelope of a known version and type. Throws a ProtocolError. */
export function validate(obj: unknown): Envelope {
  const head = checkHeader(obj) as unknown as Record<string, unknown>;
  const type = head.type as Envelope['type'];
  // a run.start recorded by an older Gome carries its config in the old shape (replay reads old logs)
  const payload = type === 'run.start' && head.payload && typeof head.payload === 'object'
    ? { ...(head.payload as object), config: upgradeConfig((head.payload as { config?: unknown }).config) } : head.payload;
  const schema = isMessageType(type) ? payloads[type] : customSchema(type)!;
  const body = schema.safeParse(payload);
  if (!body.success) throw new InvalidPayload(type, issues(body.error));
  return { ...(head as object), payload: body.data } as Envelope;
}

export function encode(env: Envelope): Uint8Array {
  return packr.pack(validate(env));
}

/** Encodes without validation — only for tests and tools that must produce bad input on purpose. */
export function encodeRaw(obj: unknown): Uint8Array {
  return packr.pack(obj);
}

export function decodeRaw(bytes: Uint8Array): unknown {
  try {
    return packr.unpack(bytes);
  } catch (e) {
    throw new Undecodable((e as Error).message);
  }
}

export function decode(bytes: Uint8Array): Envelope {
  return validate(decodeRaw(bytes));
}
