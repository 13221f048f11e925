// Sandbox selection: the backend interface (the sealed bwrap backend and the explicitly unsealed "none" backend),
// binary checks with typed errors, and the cached bwrap start-up probe. There is no silent fallback.
import { spawn } from 'node:child_process';
import { which } from '../runtime/which.ts';
import type { Logger } from 'pino';
import type { ProcessResult } from './process-runner.ts';
import { BinaryNotFound, SandboxUnavailable } from './errors.ts';
import { BwrapSandbox } from './sandbox-bwrap.ts';
import { SubprocessSandbox } from './sandbox-subprocess.ts';
import { resolveDocker } from './docker-engine.ts';
import type { GpuInfo } from './gpu-detect.ts';

/** "bwrap": sealed (default). "docker": sealed in a container of the job image. "none": a plain subprocess that sees
 * the whole host; only when asked for. */
export type SandboxKind = 'bwrap' | 'docker' | 'none';

/** Everything a backend needs to run one job (main.py in its workspace). Paths are HOST paths. */
export interface JobExecSpec {
  jobId: string;
  /** the job workspace: writable, cwd, GOME_OUTPUT_DIR */
  workdir: string;
  /** the competition's public/ dir: read-only inside the sandbox */
  dataDir: string;
  /** host files/dirs a sealed backend hides when they are visible through a bound system path (see seal.ts) */
  maskPaths?: readonly string[];
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
  /** The node's GPUs, given to the job (bwrap: their device nodes; Docker: a device request); none: no GPU. */
  gpus?: readonly GpuInfo[];
  tailBytes?: number;
  sampleMs?: number;
  signal?: AbortSignal;
  /** Each chunk of the job's stdout, as it comes (the GPU node's overrun watch). */
  onStdout?: (chunk: Buffer) => void;
  logger?: Logger;
}

/**
 * A sandbox backend. Process backends build a command line and hand it to runProcess(); a container backend
 * (dockerode) implements execute() itself: create the container with the binds, kill it at the limit, report stats.
 */
export interface SandboxBackend {
  readonly name: string;
  /** Whether the job is sealed: no network, nothing of the host beyond its allow-list. */
  readonly isolated: boolean;
  /** The memory limit the backend itself enforces on every job (a container's), in MB; absent: none of its own. */
  readonly memoryLimitMb?: number | null;
  /** The paths as the job sees them (its environment carries these), given the host workspace and data dir. */
  view(host: { workdir: string; dataDir: string }): JobView;
  execute(spec: JobExecSpec): Promise<ProcessResult>;
}

/** Paths inside the sandbox: what GOME_OUTPUT_DIR, GOME_DATA_DIR, HOME and TMPDIR hold. */
export interface JobView {
  workdir: string;
  dataDir: string;
  home: string;
  tmpdir: string;
}

/** A backend that runs a local command line. */
export interface CommandLine { file: string; args: string[] }

/** The python interpreter as an absolute path, or a typed error naming the Debian package. */
export function requirePython(python: string): string {
  const found = which(python);
  if (!found) throw new BinaryNotFound(python, 'python3');
  return found;
}

export type BwrapProbe = { ok: true; path: string } | { ok: false; missing: boolean; detail: string };

const probeCache = new Map<string, Promise<BwrapProbe>>();

/** Checks once per binary (cached) that bwrap can build the sealed sandbox the node uses (same namespaces and system view). */
export function probeBwrap(binary = 'bwrap'): Promise<BwrapProbe> {
  const cached = probeCache.get(binary);
  if (cached) return cached;
  const p = new Promise<BwrapProbe>((resolve) => {
    const path = which(binary);
    if (!path) { resolve({ ok: false, missing: true, detail: `${binary} not found` }); return; }
    const trueBin = '/usr/bin/true';
    const child = spawn(path, [...BwrapSandbox.probeArgs(), '--', trueBin], { stdio: ['ignore', 'ignore', 'pipe'] });
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
 * Picks the backend: "none" is the explicitly unsealed subprocess; "bwrap" must work here, else SandboxUnavailable
 * (naming the cause and the fixes) — never a silent fallback to an unsealed job.
 */
export async function resolveSandbox(kind: SandboxKind, opts: { logger?: Logger; bwrap?: string } = {}): Promise<SandboxBackend> {
  if (kind === 'docker') return resolveDocker({ logger: opts.logger });
  if (kind === 'none') {
    opts.logger?.warn('sandbox "none": jobs run unsealed and can read the answers, the repository and the home directory');
    return new SubprocessSandbox();
  }
  if (kind !== 'bwrap') throw new SandboxUnavailable(String(kind), 'unknown sandbox kind; use "bwrap" (sealed), "docker" (sealed, in containers) or "none" (unsealed)');
  const probe = await probeBwrap(opts.bwrap ?? 'bwrap');
  if (probe.ok) return new BwrapSandbox(probe.path);
  throw new SandboxUnavailable('bwrap', probe.detail, probe.missing);
}
