// The .gomelog file: a run's recorded messages, framed msgpack. "GOMELOG\n", then frames of a 4-byte big-endian length
// and a msgpack body: the header first (format version, run id, config, topology, Gome and protocol versions), then one
// frame per recorded message: its stream sequence, its subject and its decoded body (msgpack values as published, so
// Infinity stays Infinity). Anything large is stored once: a string of 512+ characters (pipeline code, job logs) as a
// deflated text blob, and an object or array whose encoding takes 512+ bytes (the task, a SOTA reference) as a value
// blob, each named by its sha256 and written before the first message that uses it; messages refer to it. The same
// code and task travel in many messages, so this keeps a log an order of magnitude smaller.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { Packr } from 'msgpackr';
import { PROTOCOL_VERSION } from '../protocols/version.ts';
import { GomeError } from './errors.ts';

export const GOMELOG_VERSION = 1;
/** Every format version this build reads (older ones would be converted here). */
export const GOMELOG_READABLE: readonly number[] = [1];
const MAGIC = Buffer.from('GOMELOG\n', 'latin1');
/** The same options as the wire codec (protocols/codec.ts). */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
/** Strings of at least this many characters, and values encoding to at least this many bytes, are stored once. */
const BLOB_MIN = 512;
/** A blob reference in a message body: this prefix (a NUL, which no payload string starts with) and the sha256. */
const BLOB_REF = '\u0000gome-blob:';

export interface GomelogHeader {
  format: 'gomelog';
  version: number;
  run: string;
  /** The protocol version of the envelopes inside. */
  protocol: number;
  gome: string;
  /** The run's resolved configuration and topology (from its run.start), null when the log has none. */
  config: unknown;
  topology: unknown;
}

/**
 * One recorded message: its sequence in the run's stream, its subject, and its body as decoded from the bytes
 * published (an envelope, or a dead-letter record); bytes that were not msgpack stay a Uint8Array.
 */
export interface LoggedMessage { seq: number; subject: string; body: unknown }

/** The body of published bytes, as a LoggedMessage holds it. */
export function bodyOf(data: Uint8Array): unknown {
  try { return packr.unpack(data); } catch { return data; }
}

export class GomelogUnreadable extends GomeError {
  constructor(readonly file: string, reason: string, fix: string) {
    super(`cannot read the log ${file}: ${reason}`, fix);
  }
}

export class GomelogWriter {
  private readonly fd: number;
  private count = 0;
  private readonly blobs = new Set<string>();
  private bytes = 0;
  constructor(readonly file: string, header: Omit<GomelogHeader, 'format' | 'version' | 'protocol'>) {
    this.fd = openSync(file, 'w');
    writeSync(this.fd, MAGIC);
    this.bytes = MAGIC.length;
    this.frame({ format: 'gomelog', version: GOMELOG_VERSION, protocol: PROTOCOL_VERSION, ...header });
  }

  append(m: LoggedMessage): void {
    this.frame(m.body instanceof Uint8Array ? { seq: m.seq, subject: m.subject, data: m.body } : { seq: m.seq, subject: m.subject, body: this.shrink(m.body, true) });
    this.count++;
  }

  get written(): number { return this.count; }
  get size(): number { return this.bytes; }

  close(): void { closeSync(this.fd); }

  /** The value with every large string, object and array replaced by a reference to its blob (written first when new). */
  private shrink(v: unknown, top = false): unknown {
    if (typeof v === 'string') {
      if (v.length < BLOB_MIN) return v;
      return this.blob(createHash('sha256').update(v).digest('hex'), () => ({ deflated: deflateRawSync(Buffer.from(v, 'utf8')) }));
    }
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
    let small: unknown;
    if (Array.isArray(v)) small = v.map((x) => this.shrink(x));
    else {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = this.shrink(x);
      small = o;
    }
    if (top) return small; // the envelope itself is the message
    const packed = packr.pack(small);
    if (packed.length < BLOB_MIN) return small;
    return this.blob(createHash('sha256').update(packed).digest('hex'), () => ({ value: packed }));
  }

  private blob(hash: string, content: () => Record<string, unknown>): string {
    if (!this.blobs.has(hash)) {
      this.blobs.add(hash);
      this.frame({ blob: hash, ...content() });
    }
    return BLOB_REF + hash;
  }

  private frame(body: unknown): void {
    const bytes = packr.pack(body);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length, 0);
    writeSync(this.fd, len);
    writeSync(this.fd, bytes);
    this.bytes += 4 + bytes.length;
  }
}

/** Reads a whole .gomelog file; refuses a file that is not one, is cut short, or has a format version this build does not read. */
export function readGomelog(file: string): { header: GomelogHeader; messages: LoggedMessage[] } {
  let buf: Buffer;
  try { buf = readFileSync(file); } catch (e) {
    throw new GomelogUnreadable(file, (e as Error).message, 'check the path (a run directory holds its log as run.gomelog)');
  }
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new GomelogUnreadable(file, 'it is not a Gome message log (it does not start with GOMELOG)', 'pass a file written by gome log export, or a run directory');
  }
  const frames: unknown[] = [];
  let at = MAGIC.length;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw truncated(file, frames.length);
    const len = buf.readUInt32BE(at);
    if (at + 4 + len > buf.length) throw truncated(file, frames.length);
    try { frames.push(packr.unpack(buf.subarray(at + 4, at + 4 + len))); } catch (e) {
      throw new GomelogUnreadable(file, `frame ${frames.length} is not msgpack (${(e as Error).message})`, 'the file is damaged: export the run again');
    }
    at += 4 + len;
  }
  const header = frames[0] as Partial<GomelogHeader> | undefined;
  if (!header || header.format !== 'gomelog' || typeof header.version !== 'number') {
    throw new GomelogUnreadable(file, 'its header is missing or malformed', 'the file is damaged: export the run again');
  }
  if (!GOMELOG_READABLE.includes(header.version)) {
    throw new GomelogUnreadable(file, `it was written in log format version ${header.version}, and this Gome reads version${GOMELOG_READABLE.length > 1 ? 's' : ''} ${GOMELOG_READABLE.join(', ')}`,
      header.version > GOMELOG_VERSION ? 'use the Gome version that wrote it (or a newer one)' : 'convert it with the Gome version that wrote it: gome log export');
  }
  const blobs = new Map<string, unknown>();
  const messages: LoggedMessage[] = [];
  const expand = (v: unknown, frame: number): unknown => {
    if (typeof v === 'string') {
      if (!v.startsWith(BLOB_REF)) return v;
      if (!blobs.has(v.slice(BLOB_REF.length))) throw new GomelogUnreadable(file, `frame ${frame} refers to a blob that is not in the file`, 'the file is damaged: export the run again');
      return blobs.get(v.slice(BLOB_REF.length));
    }
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map((x) => expand(x, frame));
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) o[k] = expand(x, frame);
    return o;
  };
  for (const [i, f] of (frames.slice(1) as Array<Record<string, unknown>>).entries()) {
    if (typeof f.blob === 'string') {
      // a value blob is expanded once, here; the messages that refer to it share it (replay does not mutate them)
      blobs.set(f.blob, 'deflated' in f ? inflateRawSync(f.deflated as Uint8Array).toString('utf8') : expand(packr.unpack(f.value as Uint8Array), i + 1));
      continue;
    }
    messages.push({ seq: f.seq as number, subject: f.subject as string, body: 'body' in f ? expand(f.body, i + 1) : f.data });
  }
  return { header: header as GomelogHeader, messages };
}

function truncated(file: string, frames: number): GomelogUnreadable {
  return new GomelogUnreadable(file, `it ends in the middle of frame ${frames} (the file was cut short)`, 'export the run again; a crashed run is exported by gome log export RUN');
}
