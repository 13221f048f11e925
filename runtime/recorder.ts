// Records every envelope of a run in a JetStream stream, reads it back in order, and exports it as a JSONL log (for
// people) and a .gomelog file (for replay).
import { AckPolicy, DeliverPolicy, DiscardPolicy, nanos, RetentionPolicy, StorageType, type NatsConnection } from 'nats';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { decodeRaw } from '../protocols/codec.ts';
import { subjects } from '../protocols/subjects.ts';
import { decodeDeadLetter } from './dead-letters.ts';
import { bodyOf, GomelogWriter } from './gomelog.ts';

export interface RecordedMessage {
  seq: number;
  subject: string;
  /** The decoded envelope, or the dead-letter record, or { undecodable } for bytes that never were an envelope. */
  body: unknown;
  deadLetter: boolean;
}

/** How long one JetStream API call may wait before it is tried again. */
const API_ATTEMPT_MS = 1_000;
/** How long reads keep trying while a cluster elects a new leader for the run's stream (a lost node's streams). */
export const API_PATIENCE_MS = 20_000;

/** A JetStream API failure worth another try: a timeout or no responder while a stream or its leader moves. */
function transient(e: unknown): boolean {
  const code = String((e as { code?: unknown }).code ?? '');
  const msg = (e as Error).message ?? '';
  return code === 'TIMEOUT' || code === '503' || /temporarily unavailable|no responders|leader/i.test(msg);
}

/** Runs a JetStream API call, again and again while it fails transiently, until API_PATIENCE_MS have passed. */
export async function patiently<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + API_PATIENCE_MS;
  for (let wait = 100; ; wait = Math.min(1_000, wait * 2)) {
    try { return await fn(); } catch (e) {
      if (!transient(e) || Date.now() + wait > deadline) throw e;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * The consumer a host serving `role` reads a run's log with: one name per role and run (its NATS user may use no other,
 * runtime/nats-permissions.ts); a reader left by a crash is removed before the next read.
 */
export function readerName(role: string): string { return `${role}_read`; }

/** What a .gomelog's header says of its run besides the run id. */
export interface LogHeader { config: unknown; topology: unknown; gome: string }

export class Recorder {
  private constructor(private readonly nc: NatsConnection, readonly run: string, readonly stream: string) {}

  /** Creates (or reuses) the run's stream so every message on gome.<run>.> is persisted. */
  static async ensure(nc: NatsConnection, run: string, opts: { replicas?: number; memory?: boolean; maxBytes?: number; maxAgeMs?: number } = {}): Promise<Recorder> {
    const jsm = await nc.jetstreamManager();
    const name = subjects.streamName(run);
    try {
      await jsm.streams.info(name);
    } catch {
      await jsm.streams.add({
        name,
        subjects: [subjects.all(run)],
        storage: opts.memory ? StorageType.Memory : StorageType.File,
        retention: RetentionPolicy.Limits,
        num_replicas: opts.replicas ?? 1,
        max_msg_size: 8 * 1024 * 1024,
        // past a limit the oldest messages go first (a run's stream must keep taking its newest messages)
        discard: DiscardPolicy.Old,
        ...(opts.maxBytes ? { max_bytes: opts.maxBytes } : {}),
        ...(opts.maxAgeMs ? { max_age: nanos(opts.maxAgeMs) } : {}),
      });
    }
    return new Recorder(nc, run, name);
  }

  async count(): Promise<number> {
    return patiently(async () => {
      const jsm = await this.nc.jetstreamManager({ timeout: API_ATTEMPT_MS });
      return (await jsm.streams.info(this.stream)).state.messages;
    });
  }

  /** Waits until the stream holds at least n messages (or the timeout passes); returns the count seen. */
  async waitFor(n: number, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    let c = await this.count();
    while (c < n && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      c = await this.count();
    }
    return c;
  }

  /**
   * Reads the whole stream in order through an ordered consumer (or only the subjects `filter` matches): each message's
   * sequence, subject and bytes. `name` names the reading consumer (a host whose NATS user may create only consumers
   * named after its role, runtime/nats-permissions.ts, passes `<role>_…`). `fromSeq`: from that stream sequence on.
   */
  async *readRaw(filter?: string, name?: string, fromSeq = 1): AsyncGenerator<{ seq: number; subject: string; data: Uint8Array }> {
    if (!filter && (await this.count()) === 0) return;
    const jsm = await this.nc.jetstreamManager({ timeout: API_ATTEMPT_MS });
    if (name) await jsm.consumers.delete(this.stream, name).catch(() => undefined); // a named reader starts at the beginning
    const info = await patiently(() => jsm.consumers.add(this.stream, {
      ack_policy: AckPolicy.None, inactive_threshold: nanos(60_000), mem_storage: true,
      // a reader needs no copies: on an R3 stream a replicated consumer waits for its own election (seconds after a
      // node is lost)
      num_replicas: 1,
      ...(filter ? { filter_subject: filter } : {}),
      ...(name ? { name } : {}),
      ...(fromSeq > 1 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq } : { deliver_policy: DeliverPolicy.All }),
    }));
    const total = info.num_pending;
    if (total === 0) { await jsm.consumers.delete(this.stream, info.name).catch(() => undefined); return; }
    const consumer = await patiently(() => this.nc.jetstream().consumers.get(this.stream, info.name));
    let seen = 0;
    let lastSeq = 0;
    let empty = 0;
    while (seen < total && empty < 3) {
      const batch = await consumer.fetch({ max_messages: Math.min(1000, total - seen), expires: 2000 });
      let got = 0;
      for await (const m of batch) {
        if (m.seq <= lastSeq) continue; // an ordered consumer may redeliver after a reset
        lastSeq = m.seq;
        got++; seen++;
        yield { seq: m.seq, subject: m.subject, data: m.data };
      }
      empty = got === 0 ? empty + 1 : 0;
    }
    await jsm.consumers.delete(this.stream, info.name).catch(() => undefined);
  }

  /** Reads the whole stream in order, decoded. */
  async *read(): AsyncGenerator<RecordedMessage> {
    for await (const m of this.readRaw()) yield this.toRecorded(m.seq, m.subject, m.data);
  }

  /** Writes the log as a .gomelog file (runtime/gomelog.ts): the messages' own bytes, framed. Returns the message count. */
  async exportLog(file: string, header: LogHeader): Promise<number> {
    return this.exportTo({ log: { file, header } });
  }

  private toRecorded(seq: number, subject: string, data: Uint8Array): RecordedMessage {
    const dead = subjects.isDeadLetter(subject);
    let body: unknown;
    try {
      body = dead ? summariseDeadLetter(decodeDeadLetter(data)) : decodeRaw(data);
    } catch (e) {
      body = { undecodable: (e as Error).message };
    }
    return { seq, subject, body, deadLetter: dead };
  }

  async readAll(): Promise<RecordedMessage[]> {
    const out: RecordedMessage[] = [];
    for await (const m of this.read()) out.push(m);
    return out;
  }

  /** Writes the log as JSON lines (one recorded message per line). Returns the number of lines. */
  async export(file: string): Promise<number> {
    return this.exportTo({ jsonl: file });
  }

  /**
   * One read of the stream, written as JSON lines for people (jsonl) and/or as a .gomelog for replay (log). Returns the
   * message count.
   */
  async exportTo(to: { jsonl?: string; log?: { file: string; header: LogHeader } }): Promise<number> {
    const ws = to.jsonl ? createWriteStream(to.jsonl) : null;
    const w = to.log ? new GomelogWriter(to.log.file, { run: this.run, ...to.log.header }) : null;
    let n = 0;
    try {
      for await (const m of this.readRaw()) {
        w?.append({ seq: m.seq, subject: m.subject, body: bodyOf(m.data) });
        if (ws && !ws.write(JSON.stringify(this.toRecorded(m.seq, m.subject, m.data)) + '\n')) await once(ws, 'drain');
        n++;
      }
    } finally {
      w?.close();
      if (ws) { ws.end(); await once(ws, 'finish'); }
    }
    return n;
  }
}

function summariseDeadLetter(d: ReturnType<typeof decodeDeadLetter>): unknown {
  return { ...d, raw: Buffer.from(d.raw).toString('base64') };
}
