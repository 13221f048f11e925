// Sandbox selection: the backend interface (process backends bwrap/subprocess now; a dockerode backend can implement
// the same interface), binary checks with typed errors, and the cached bwrap probe behind sandbox "auto".
import { spawn } from 'node:child_process';
import { which } from '../runtime/which.ts';
import type { Logger } from 'pino';
import type { ProcessResult } from './process-runner.ts';
import { BinaryNotFound, SandboxUnavailable } from './errors.ts';
import { BwrapSandbox } from './sandbox-bwrap.ts';
import { SubprocessSandbox } from './sandbox-subprocess.ts';

export type SandboxKind = 'auto' | 'bwrap' | 'subprocess';

/** Everything a backend needs to run one job (main.py in its workspace). */
export interface JobExecSpec {
  jobId: string;
  /** the job workspace: writable, cwd, GOME_OUTPUT_DIR */
  workdir: string;
  /** the competition's public/ dir: read-only inside the sandbox */
  dataDir: string;
  python: string;
  /** absolute path of main.py (inside workdir) */
  script: string;
  env: Record<string, string>;
  limitMs: number;
  stdoutPath: string;
  stderrPath: string;
  /** where the wrapper writes rusage stats (inside workdir) */
  statsPath: string;
  memoryLimitMb: number | null;
  tailBytes?: number;
  sampleMs?: number;
  signal?: AbortSignal;
  logger?: Logger;
}

/**
 * A sandbox backend. Process backends build a command line and hand it to runProcess(); a container backend
 * (dockerode) implements execute() itself: create the container with the binds, kill it at the limit, report stats.
 */
export interface SandboxBackend {
  readonly name: string;
  /** Whether the job sees no network and a read-only data dir. */
  readonly isolated: boolean;
  execute(spec: JobExecSpec): Promise<ProcessResult>;
}

/** A backend that runs a local command line. */
export interface CommandLine { file: string; args: string[] }

/** Resolves a program name (absolute, or on PATH) to an executable path, or null. */

/** The python interpreter as an absolute path, or a typed error naming the Debian package. */
export function requirePython(python: string): string {
  const found = which(python);
  if (!found) throw new BinaryNotFound(python, 'python3');
  return found;
}

export type BwrapProbe = { ok: true; path: string } | { ok: false; missing: boolean; detail: string };

const probeCache = new Map<string, Promise<BwrapProbe>>();

/** Checks once per binary (cached) that bwrap can build the sandbox the node uses. */
export function probeBwrap(binary = 'bwrap'): Promise<BwrapProbe> {
  const cached = probeCache.get(binary);
  if (cached) return cached;
  const p = new Promise<BwrapProbe>((resolve) => {
    const path = which(binary);
    if (!path) { resolve({ ok: false, missing: true, detail: `${binary} not found` }); return; }
    const trueBin = which('true') ?? '/bin/true';
    const child = spawn(path, [...BwrapSandbox.isolationArgs(), '--', trueBin], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('error', (e) => { clearTimeout(timer); resolve({ ok: false, missing: false, detail: e.message }); });
    child.once('close', (code, sig) => {
      clearTimeout(timer);
      resolve(code === 0 ? { ok: true, path }
        : { ok: false, missing: false, detail: `probe exited ${code ?? sig}: ${err.trim() || 'no output'}` });
    });
  });
  probeCache.set(binary, p);
  return p;
}

/** Forgets cached probe answers (tests). */
export function clearSandboxProbeCache(): void { probeCache.clear(); }

/**
 * Picks the backend: "bwrap" must work (typed error otherwise), "subprocess" is unisolated,
 * "auto" uses bwrap when the probe passes, else subprocess with a logged warning.
 */
export async function resolveSandbox(kind: SandboxKind, opts: { logger?: Logger; bwrap?: string } = {}): Promise<SandboxBackend> {
  if (kind === 'subprocess') return new SubprocessSandbox();
  const probe = await probeBwrap(opts.bwrap ?? 'bwrap');
  if (probe.ok) return new BwrapSandbox(probe.path);
  const error = probe.missing ? new BinaryNotFound(opts.bwrap ?? 'bwrap', 'bubblewrap') : new SandboxUnavailable('bwrap', probe.detail);
  if (kind === 'bwrap') throw error;
  opts.logger?.warn({ err: error.message }, 'bwrap sandbox unavailable; falling back to a plain subprocess (no network or filesystem isolation)');
  return new SubprocessSandbox();
}
