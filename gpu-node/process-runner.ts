// Runs one job process in its own process group under a hard limit: SIGKILLs the whole group at the deadline,
// measures wall/CPU/peak RSS (wrapper rusage stats, else /proc sampling of the group), tees stdout/stderr to log files and keeps tails.
import type { CommandLine, JobExecSpec } from './sandbox.ts';
import { spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync, type WriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { SpawnFailed } from './errors.ts';
import { dieWithParent } from '../runtime/die-with-parent.ts';
import { processStart } from '../runtime/process-identity.ts';

export const DEFAULT_TAIL_BYTES = 8 * 1024;
export const DEFAULT_SAMPLE_MS = 200;
const CLK_TCK = 100;

export interface RunSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  limitMs: number;
  stdoutPath: string;
  stderrPath: string;
  /** Where job_wrapper.py writes its rusage JSON; null when the command is not wrapped. */
  statsPath?: string | null;
  tailBytes?: number;
  sampleMs?: number;
  /** Aborting kills the process group (used by GpuNode.close() and the overrun watch). */
  signal?: AbortSignal;
  /** Each chunk of the job's stdout, as it comes (the GPU node's overrun watch). */
  onStdout?: (chunk: Buffer) => void;
  logger?: Logger;
}

/** What job_wrapper.py writes. */
export interface WrapperStats {
  returncode: number;
  user_s?: number;
  sys_s?: number;
  maxrss_kb?: number;
  wall_s?: number;
  error?: string;
}

export interface ProcessResult {
  pid: number;
  /** exit code of the job (the wrapped command when a wrapper reported it) */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  aborted: boolean;
  wallMs: number;
  cpuMs: number;
  peakRssKb: number;
  /** rusage: the wrapper's; proc: sampled from /proc; container: the engine's (wall time only, when the wrapper died). */
  usageSource: 'rusage' | 'proc' | 'container';
  /** The kernel's OOM killer ended the job inside its memory limit (container backends report it). */
  oomKilled?: boolean;
  stdoutTail: string;
  stderrTail: string;
  /** null when the wrapper wrote no stats (killed, crashed, or not wrapped) */
  wrapper: WrapperStats | null;
}

/** Keeps the last `max` bytes of a stream. */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max = DEFAULT_TAIL_BYTES) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.max) {
      this.size -= this.chunks.shift()!.length;
    }
  }
  toString(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8').replace(/^\uFFFD+/, '');
  }
}

interface ProcEntry { pid: number; ppid: number; pgrp: number; state: string; cpuTicks: number; startTime: string }

function readProcEntries(): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try { names = readdirSync('/proc'); } catch { return out; }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try { stat = readFileSync(`/proc/${name}/stat`, 'utf8'); } catch { continue; }
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const f = stat.slice(close + 2).split(' ');
    // fields after "(comm) ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime …
    out.push({ pid: Number(name), state: f[0] ?? '?', ppid: Number(f[1]), pgrp: Number(f[2]),
      cpuTicks: Number(f[11] ?? 0) + Number(f[12] ?? 0), startTime: f[19] ?? '' });
  }
  return out;
}

/** Processes of the job: same process group, or descendants of the root (catches children that called setsid). */
export function jobProcesses(rootPid: number, pgid: number, entries = readProcEntries()): ProcEntry[] {
  const children = new Map<number, ProcEntry[]>();
  for (const e of entries) {
    const list = children.get(e.ppid);
    if (list) list.push(e); else children.set(e.ppid, [e]);
  }
  const members = new Map<number, ProcEntry>();
  for (const e of entries) if (e.pgrp === pgid) members.set(e.pid, e);
  const stack = entries.filter((e) => e.pid === rootPid || e.pgrp === pgid);
  while (stack.length) {
    const e = stack.pop()!;
    members.set(e.pid, e);
    for (const c of children.get(e.pid) ?? []) if (!members.has(c.pid)) stack.push(c);
  }
  return [...members.values()];
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s*kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}

/** Live processes (not zombies) of a job's group/tree. */
export function liveJobProcesses(rootPid: number, pgid: number): number[] {
  return jobProcesses(rootPid, pgid).filter((e) => e.state !== 'Z' && e.state !== 'X').map((e) => e.pid);
}

/** Identity of a process across samples: pid plus start time (guards against pid reuse). */
export type KnownProcesses = Map<number, string>;

/**
 * SIGKILLs the process group and every straggler of the job's tree: members seen by earlier samples (`known`)
 * and the current tree, scanned before the group kill so that children which left the group via setsid are
 * still found through their parent.
 */
export function killJobTree(rootPid: number, pgid: number, known: KnownProcesses = new Map()): void {
  for (let round = 0; round < 3; round++) {
    for (const e of jobProcesses(rootPid, pgid)) if (e.state !== 'Z') known.set(e.pid, e.startTime);
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* group already gone */ }
    let alive = 0;
    for (const [pid, start] of known) {
      if (processStart(pid) !== start) { known.delete(pid); continue; }
      try { process.kill(pid, 'SIGKILL'); alive++; } catch { known.delete(pid); }
    }
    if (alive === 0) return;
  }
}

/** How long a finished job's killed group may take to be gone before the runner reports anyway. */
const GONE_WITHIN_MS = 2_000;

/**
 * Waits until nothing of the job's group or tree is alive (a SIGKILLed process goes on for a moment: it closes its
 * files, and so its pipes, before it is a zombie), killing again whatever still is; at most `ms`.
 */
async function jobTreeGone(rootPid: number, pgid: number, known: KnownProcesses, ms = GONE_WITHIN_MS): Promise<void> {
  for (const end = Date.now() + ms; liveJobProcesses(rootPid, pgid).length > 0 && Date.now() < end;) {
    killJobTree(rootPid, pgid, known);
    await new Promise((r) => setTimeout(r, 10));
  }
}

class UsageSampler {
  private cpuTicks = new Map<number, number>();
  /** every process ever seen in the job's tree (so that reparented setsid children can still be killed) */
  readonly known: KnownProcesses = new Map();
  peakRssKb = 0;
  constructor(private readonly rootPid: number, private readonly pgid: number) {}
  sample(): void {
    let rss = 0;
    for (const e of jobProcesses(this.rootPid, this.pgid)) {
      if (e.cpuTicks > (this.cpuTicks.get(e.pid) ?? 0)) this.cpuTicks.set(e.pid, e.cpuTicks);
      if (e.state !== 'Z') { rss += rssKb(e.pid); this.known.set(e.pid, e.startTime); }
    }
    if (rss > this.peakRssKb) this.peakRssKb = rss;
  }
  get cpuMs(): number {
    let t = 0;
    for (const v of this.cpuTicks.values()) t += v;
    return (t * 1000) / CLK_TCK;
  }
}

function signalName(n: number): string {
  for (const [name, num] of Object.entries(osConstants.signals)) if (num === n) return name;
  return `SIG${n}`;
}

/** How a job ended and what it used, as one backend or another measured it. */
export type JobUsage = Pick<ProcessResult, 'exitCode' | 'signal' | 'cpuMs' | 'peakRssKb' | 'usageSource'>;

/** A job's end measured from outside (the process group, the container), told more precisely by the wrapper's own
 * report when there is one: its child's return code or signal, rusage CPU time and the larger peak RSS. */
export function withWrapperStats(outside: JobUsage, wrapper: WrapperStats | null): JobUsage {
  if (!wrapper) return outside;
  const died = wrapper.returncode < 0;
  return {
    exitCode: died ? null : wrapper.returncode,
    signal: died ? signalName(-wrapper.returncode) : null,
    cpuMs: typeof wrapper.user_s === 'number' && typeof wrapper.sys_s === 'number' ? (wrapper.user_s + wrapper.sys_s) * 1000 : outside.cpuMs,
    peakRssKb: Math.max(outside.peakRssKb, wrapper.maxrss_kb ?? 0),
    usageSource: 'rusage',
  };
}

/** A container's exit status as a code or a signal (128 + n: its first process died of signal n). */
export function exitStatus(status: number): Pick<JobUsage, 'exitCode' | 'signal'> {
  return status > 128 ? { exitCode: null, signal: signalName(status - 128) } : { exitCode: status, signal: null };
}

export function readWrapperStats(path: string | null | undefined): WrapperStats | null {
  if (!path) return null;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as WrapperStats;
    return typeof s.returncode === 'number' ? s : null;
  } catch { return null; }
}

function closeStream(s: WriteStream): Promise<void> {
  return new Promise((resolve) => { if (s.writableEnded) resolve(); else s.end(() => resolve()); });
}

/** A job's two output streams: each teed to its log file and a tail kept in memory (stdout also to onStdout). */
export interface JobOutput {
  out: TailBuffer; err: TailBuffer;
  /** A chunk of the job's stdout: to its tail, its log and the spec's onStdout. */
  writeOut(chunk: Buffer): void;
  /** A chunk of the job's stderr: to its tail and its log. */
  writeErr(chunk: Buffer): void;
  /** Flushes and closes both log files (idempotent). */
  close(): Promise<void>;
}

export function openJobOutput(spec: { stdoutPath: string; stderrPath: string; tailBytes?: number; onStdout?: (chunk: Buffer) => void }): JobOutput {
  const tailBytes = spec.tailBytes ?? DEFAULT_TAIL_BYTES;
  const outLog = createWriteStream(spec.stdoutPath);
  const errLog = createWriteStream(spec.stderrPath);
  const out = new TailBuffer(tailBytes);
  const err = new TailBuffer(tailBytes);
  return {
    out, err,
    writeOut: (b) => { out.push(b); outLog.write(b); spec.onStdout?.(b); },
    writeErr: (b) => { err.push(b); errLog.write(b); },
    close: async () => { await Promise.all([closeStream(outLog), closeStream(errLog)]); },
  };
}

/** Spawns `spec.file` detached (own process group) and resolves when it has exited and its output is flushed. */
export function runProcess(spec: RunSpec): Promise<ProcessResult> {
  const io = openJobOutput(spec);
  const { out: outTail, err: errTail } = io;
  const t0 = performance.now();

  return new Promise<ProcessResult>((resolve, reject) => {
    const [file, args] = dieWithParent(spec.file, spec.args); // a job never outlives Gome, even after kill -9
    const child = spawn(file, args, {
      cwd: spec.cwd, env: spec.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let settled = false;
    child.once('error', (err) => {
      if (settled) return;
      settled = true;
      void io.close().then(() => reject(new SpawnFailed(spec.file, err.message)));
    });
    const pid = child.pid;
    if (pid === undefined) return; // 'error' follows
    const pgid = pid;
    const sampler = new UsageSampler(pid, pgid);
    let timedOut = false;
    let aborted = false;

    child.stdout!.on('data', (b: Buffer) => io.writeOut(b));
    child.stderr!.on('data', (b: Buffer) => io.writeErr(b));
    const ended = (s: NodeJS.ReadableStream) => new Promise<void>((r) => { s.once('end', r); s.once('close', r); s.once('error', () => r()); });
    const streamsDone = Promise.all([ended(child.stdout!), ended(child.stderr!)]);

    const kill = (why: 'timeout' | 'abort') => {
      if (why === 'timeout') timedOut = true; else aborted = true;
      try { sampler.sample(); } catch { /* best effort */ }
      killJobTree(pid, pgid, sampler.known);
      spec.logger?.warn({ pid, limitMs: spec.limitMs, why }, 'job process group killed');
    };
    const timer = setTimeout(() => kill('timeout'), Math.max(0, spec.limitMs));
    const sampling = setInterval(() => { try { sampler.sample(); } catch { /* best effort */ } }, spec.sampleMs ?? DEFAULT_SAMPLE_MS);
    const onAbort = () => kill('abort');
    if (spec.signal) {
      if (spec.signal.aborted) onAbort(); else spec.signal.addEventListener('abort', onAbort, { once: true });
    }

    child.once('exit', (code, sig) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      clearInterval(sampling);
      spec.signal?.removeEventListener('abort', onAbort);
      // the job is over: nothing of its group may outlive it (daemonised grandchildren included)
      killJobTree(pid, pgid, sampler.known);
      // a grandchild that escaped may still hold the pipes: wait briefly, then stop reading
      const grace = new Promise<void>((r) => setTimeout(r, 500).unref());
      void Promise.race([streamsDone, grace]).then(async () => {
        await jobTreeGone(pid, pgid, sampler.known); // when the runner reports, none of the job runs any more
        child.stdout!.destroy();
        child.stderr!.destroy();
        await io.close();
        const wrapper = timedOut || aborted ? null : readWrapperStats(spec.statsPath);
        const usage = withWrapperStats({ exitCode: code, signal: sig, cpuMs: sampler.cpuMs, peakRssKb: sampler.peakRssKb, usageSource: 'proc' }, wrapper);
        settled = true;
        resolve({
          pid, ...usage, timedOut, aborted, wallMs,
          stdoutTail: outTail.toString(), stderrTail: errTail.toString(), wrapper,
        });
      });
    });
  });
}

/** Absolute host path of job_wrapper.py (the bwrap backend binds it read-only at a fixed inner path). */
export const JOB_WRAPPER = fileURLToPath(new URL('./job_wrapper.py', import.meta.url));

/** The Gome checkout these sources run from (a sealed job must not see it). */
export const REPO_ROOT = dirname(dirname(JOB_WRAPPER));

/** argv that runs `python script` under job_wrapper.py (at `wrapper`), which records rusage to `statsPath`. */
export function wrappedPythonArgv(python: string, script: string, statsPath: string, memoryLimitMb: number | null = null, wrapper = JOB_WRAPPER): string[] {
  return [python, wrapper, '--stats', statsPath, ...(memoryLimitMb ? ['--mem-mb', String(memoryLimitMb)] : []), '--', python, script];
}

/** Runs a process backend's command line for a job spec (shared by the bubblewrap and subprocess backends). */
export function runCommandLine(cmd: CommandLine, spec: JobExecSpec): Promise<ProcessResult> {
  return runProcess({
    file: cmd.file, args: cmd.args, env: spec.env, cwd: spec.workdir, limitMs: spec.limitMs,
    stdoutPath: spec.stdoutPath, stderrPath: spec.stderrPath, statsPath: spec.statsPath,
    tailBytes: spec.tailBytes, sampleMs: spec.sampleMs, signal: spec.signal, onStdout: spec.onStdout, logger: spec.logger,
  });
}
