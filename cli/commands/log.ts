// gome log export|import|show: a run's message log as a .gomelog file — exported from the run's own NATS store (so a
// crashed run's log is not lost), loaded back into a NATS server, and inspected with filters as a table, JSON lines or
// a Mermaid sequence diagram of one trace.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeRaw } from '../../protocols/codec.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { subjects } from '../../protocols/subjects.ts';
import { formatScore } from '../../protocols/score-format.ts';
import { Bus } from '../../runtime/bus.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { GomeError } from '../../runtime/errors.ts';
import { readGomelog, type LoggedMessage } from '../../runtime/gomelog.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { RUN_LOG_FILE } from '../run/run-finalize.ts';
import { GOME_VERSION } from '../version.ts';
import { resolveRunDir } from './export.ts';
import { logPath } from './replay.ts';

export class LogCommandError extends GomeError {}

/** Writes RUN's log to `out`: read from the run's own NATS store when it has one (a crashed run too), else its run.gomelog. */
export async function exportLog(run: string, runsRoot: string, out: string): Promise<{ messages: number; from: string }> {
  const runDir = resolveRunDir(run, runsRoot);
  const meta = JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8')) as { config?: { runId?: string; topology?: unknown } };
  const runId = meta.config?.runId;
  const store = join(runDir, 'nats');
  if (runId && existsSync(store)) {
    const nats = await EmbeddedNats.start({ storeDir: store });
    try {
      const bus = await Bus.connect({ servers: nats.url, name: 'gome-log-export' });
      try {
        const rec = await Recorder.ensure(bus.nc, runId);
        const n = await rec.exportLog(out, { config: meta.config ?? null, topology: meta.config?.topology ?? null, gome: GOME_VERSION });
        if (n > 0) return { messages: n, from: `the run's NATS store (${store})` };
      } finally { await bus.close(); }
    } finally { await nats.stop(); }
  }
  const file = join(runDir, RUN_LOG_FILE);
  if (!existsSync(file)) {
    throw new LogCommandError(`run ${runDir} has neither a NATS store with its messages nor a ${RUN_LOG_FILE}`, 'the run was started with --nats URL: export it from that server, or the run directory was cleaned');
  }
  copyFileSync(file, out);
  return { messages: readGomelog(out).messages.length, from: file };
}

/** Loads a .gomelog into the NATS server at `url`, into the run's stream (which must not hold messages yet). */
export async function importLog(file: string, url: string): Promise<{ run: string; messages: number }> {
  const { header, messages } = readGomelog(file);
  const bus = await Bus.connect({ servers: url, name: 'gome-log-import' });
  try {
    const rec = await Recorder.ensure(bus.nc, header.run);
    const held = await rec.count();
    if (held > 0) {
      throw new LogCommandError(`the NATS server at ${url} already holds ${held} messages of run ${header.run}`,
        `delete its stream first (nats stream rm ${subjects.streamName(header.run)}) or import into another server`);
    }
    const js = bus.nc.jetstream();
    for (const m of messages) await js.publish(m.subject, m.body instanceof Uint8Array ? m.body : encodeRaw(m.body));
    return { run: header.run, messages: messages.length };
  } finally { await bus.close(); }
}

export type LogFormat = 'table' | 'jsonl' | 'mermaid';
export const LOG_FORMATS: readonly LogFormat[] = ['table', 'jsonl', 'mermaid'];

export interface LogFilter {
  /** Messages from or to this actor. */
  actor?: string;
  types?: string[];
  trace?: string;
  /** Stream sequence range, inclusive. */
  fromSeq?: number;
  toSeq?: number;
  /** Time range in ms after the log's first message, inclusive. */
  fromMs?: number;
  toMs?: number;
}

interface Row { seq: number; subject: string; env: Envelope | null; dead: Record<string, unknown> | null }

/** The log's messages that pass the filter (dead letters only when no actor, type or trace filter is given). */
export function selectMessages(messages: readonly LoggedMessage[], f: LogFilter): { rows: Row[]; t0: number } {
  const rows: Row[] = messages.map((m) => {
    const b = m.body as Record<string, unknown> | null;
    const dead = subjects.isDeadLetter(m.subject) ? (b ?? {}) : null;
    return { seq: m.seq, subject: m.subject, env: !dead && b && typeof b === 'object' && 'type' in b ? (b as unknown as Envelope) : null, dead };
  });
  const t0 = Math.min(...rows.map((r) => r.env?.ts ?? Infinity));
  const ok = (r: Row): boolean => {
    if (f.fromSeq !== undefined && r.seq < f.fromSeq) return false;
    if (f.toSeq !== undefined && r.seq > f.toSeq) return false;
    const t = r.env ? r.env.ts - t0 : r.dead && typeof r.dead.ts === 'number' ? r.dead.ts - t0 : null;
    if (f.fromMs !== undefined && (t === null || t < f.fromMs)) return false;
    if (f.toMs !== undefined && (t === null || t > f.toMs)) return false;
    if (!r.env) return f.actor === undefined && f.types === undefined && f.trace === undefined;
    if (f.actor !== undefined && r.env.from !== f.actor && r.env.to !== f.actor) return false;
    if (f.types !== undefined && !f.types.includes(r.env.type)) return false;
    if (f.trace !== undefined && r.env.trace !== f.trace) return false;
    return true;
  };
  return { rows: rows.filter(ok), t0 };
}

/** The log rendered in a format: a table for people, JSON lines for tools, or a Mermaid sequence diagram of one trace. */
export function renderLog(messages: readonly LoggedMessage[], f: LogFilter, format: LogFormat): string[] {
  if (format === 'mermaid' && f.trace === undefined) {
    throw new LogCommandError('a Mermaid diagram is drawn for one trace', 'add --trace T (t0, t1, … or run for the run-wide actors)');
  }
  const { rows, t0 } = selectMessages(messages, f);
  if (format === 'jsonl') {
    return rows.map((r) => JSON.stringify({ stream: r.seq, subject: r.subject, ...(r.env ?? { deadLetter: { ...r.dead, raw: undefined } }) }, (_k, v) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v)));
  }
  if (format === 'mermaid') return mermaid(rows);
  const lines = [`${'seq'.padStart(6)}  ${'time'.padStart(9)}  ${'from'.padEnd(15)} ${'to'.padEnd(15)} ${'type'.padEnd(24)} ${'trace'.padEnd(5)} summary`];
  for (const r of rows) {
    if (!r.env) { lines.push(`${String(r.seq).padStart(6)}  ${''.padStart(9)}  dead letter: ${String(r.dead?.code ?? '')} ${String(r.dead?.reason ?? '').slice(0, 100)}`); continue; }
    const e = r.env;
    lines.push(`${String(r.seq).padStart(6)}  ${`+${((e.ts - t0) / 1000).toFixed(1)}s`.padStart(9)}  ${e.from.padEnd(15)} ${e.to.padEnd(15)} ${e.type.padEnd(24)} ${e.trace.padEnd(5)} ${summary(e)}`);
  }
  lines.push(`${rows.length} of ${messages.length} messages`);
  return lines;
}

/** A few scalar fields of the payload, so a row says what the message decided. */
function summary(e: Envelope): string {
  const p = e.payload as Record<string, unknown>;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(p ?? {})) {
    if (Array.isArray(v) && v.length && v.length <= 3 && v.every((x) => typeof x === 'string')) { parts.push(`${k}=[${v.join(',')}]`); continue; }
    if (v === null || v === undefined || typeof v === 'object') continue;
    const s = typeof v === 'string' ? (v.length > 40 ? `${v.slice(0, 37)}...` : v) : typeof v === 'number' ? formatScore(v) : String(v);
    if (k === 'code' || k === 'stdoutTail' || k === 'stderrTail') continue;
    parts.push(`${k}=${s}`);
    if (parts.length >= 4) break;
  }
  return parts.join(' ');
}

function mermaid(rows: Row[]): string[] {
  const envs = rows.filter((r) => r.env && !subjects.isJournal(r.subject)) as Array<Row & { env: Envelope }>;
  const ids = new Map<string, string>();
  const id = (a: string): string => { if (!ids.has(a)) ids.set(a, `A${ids.size}`); return ids.get(a)!; };
  for (const r of envs) { id(r.env.from); id(r.env.to); }
  return [
    'sequenceDiagram',
    ...[...ids].map(([a, i]) => `  participant ${i} as ${a}`),
    ...envs.map((r) => `  ${id(r.env.from)}->>${id(r.env.to)}: ${r.env.type} #${r.seq}`),
  ];
}

export function loadForShow(target: string, runsRoot: string): LoggedMessage[] {
  return readGomelog(logPath(target, runsRoot)).messages;
}
