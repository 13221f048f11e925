// The sandbox probe: runs gpu-node/sandbox_probe.py as a real job through a GpuNode (the same backend code path as
// every job) against a competition, with a sibling workspace, a run-dir file and a loopback listener as bait, and
// returns a typed report of what the job could and could not reach, including copies of the answers it could see.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino, { type Logger } from 'pino';
import { SystemClock } from '../runtime/clock.ts';
import { BudgetClock } from './budget-clock.ts';
import { SandboxProbeFailed } from './errors.ts';
import { GpuNode } from './gpu-node.ts';
import { REPO_ROOT } from './process-runner.ts';
import { pythonInstall } from './python-prefix.ts';
import type { SandboxKind } from './sandbox.ts';
import { R_LIBRARY_TREES, recordedSources, sealFor, type Seal } from './seal.ts';

export const PROBE_SCRIPT = fileURLToPath(new URL('./sandbox_probe.py', import.meta.url));
const REPORT_FILE = 'sandbox_probe.json';

/** Public addresses the probe tries to reach (no traffic leaves a sealed job: its network namespace has no route). */
export const PROBE_PUBLIC_ADDRESSES: readonly string[] = ['1.1.1.1', '8.8.8.8'];

/** NATS's default port on the host's loopback (the bus the actors talk over). */
const NATS_PORT = 4222;

/** Host sockets and socket dirs the probe tries (TCP: a listener of the probe's own on 127.0.0.1, and NATS_PORT). */
export const PROBE_SOCKETS: readonly string[] = ['/run', '/var/run', '/var/run/docker.sock', '/run/docker.sock',
  '/run/containerd/containerd.sock', '/tmp/.X11-unix', '/run/dbus/system_bus_socket'];

export interface ProbeCheck {
  /** what was tried: network, answers, competition folder, repo, other workspace, run dir, home, host socket,
   *  source dataset, masked library, data dir, workspace, environment, file walk */
  area: string;
  target: string;
  /** the job reached it (connected, read a byte, listed entries, wrote) */
  reached: boolean;
  /** reaching it (or, for the workspace, failing to) breaks the seal */
  leak: boolean;
  detail: string;
}

export interface SandboxProbeReport {
  competitionRoot: string;
  sandbox: string;
  /** the paths as the job saw them */
  view: { dataDir: string; outputDir: string; home: string | null; tmpdir: string | null; cwd: string };
  checks: ProbeCheck[];
  walk: { filesSeen: number; filesHashed: number; ms: number; matches: Array<{ path: string; copyOf: string }> };
  /** the secrets compared by the walk (answers, recorded sources) */
  secrets: Array<{ label: string; path: string; size: number }>;
  leaks: ProbeCheck[];
  ok: boolean;
}

export interface SandboxProbeOptions {
  competitionRoot: string;
  /** default /usr/bin/python3 */
  python?: string;
  /** default "bwrap" */
  sandbox?: SandboxKind;
  bwrap?: string;
  /** default sealFor(competitionRoot) */
  seal?: Seal;
  logger?: Logger;
  /** default 180 s */
  limitMs?: number;
  /** where the probe's run dir is made (default the OS temp dir) */
  workRoot?: string;
  /** keep the probe's run dir (for inspection) */
  keep?: boolean;
}

interface Secret { label: string; path: string; size: number; sha256: string }

function secretOf(label: string, path: string): Secret | null {
  try {
    const size = statSync(path).size;
    return { label, path, size, sha256: createHash('sha256').update(readFileSync(path)).digest('hex') };
  } catch { return null; }
}

function listenLoopback(): Promise<{ server: Server; port: number }> {
  return new Promise((res, rej) => {
    const server = createServer((s) => s.destroy());
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      res({ server, port: typeof a === 'object' && a ? a.port : 0 });
    });
  });
}

/** Runs the probe job in the real sandbox; rejects with SandboxUnavailable when the sandbox cannot start. */
export async function probeSandbox(opts: SandboxProbeOptions): Promise<SandboxProbeReport> {
  const comp = resolve(opts.competitionRoot);
  const python = opts.python ?? '/usr/bin/python3';
  const answers = join(comp, 'private', 'test.csv');
  const sources = recordedSources(comp);
  const secrets = [secretOf('private/test.csv (the answers)', answers),
    ...sources.map((p) => secretOf(`the source dataset ${p}`, p))].filter((s): s is Secret => s !== null);

  const root = mkdtempSync(join(opts.workRoot ?? tmpdir(), 'gome-probe-'));
  const runDir = join(root, 'run');
  const jobsRoot = join(runDir, 'jobs');
  const siblingFile = join(jobsRoot, 'other-job', 'secret.txt');
  const runFile = join(runDir, 'run_meta.json');
  mkdirSync(dirname(siblingFile), { recursive: true });
  writeFileSync(siblingFile, 'another job\'s workspace\n');
  writeFileSync(runFile, '{"probe": true}\n');
  const { server, port } = await listenLoopback();
  try {
    const config = {
      host: { answers, competitionRoot: comp, repoRoot: REPO_ROOT, repoFile: join(REPO_ROOT, 'package.json'), siblingFile, jobsRoot, runFile },
      homes: [...new Set([process.env.HOME, '/root', '/home'].filter((h): h is string => !!h))],
      sockets: PROBE_SOCKETS, sources, maskedDirs: R_LIBRARY_TREES, loopbackPorts: [port, NATS_PORT], publicAddresses: PROBE_PUBLIC_ADDRESSES,
      interpreterPrefixes: pythonInstall(python).prefixes,
      secrets: secrets.map(({ label, size, sha256 }) => ({ label, size, sha256 })),
    };
    const code = `CONFIG_B64 = "${Buffer.from(JSON.stringify(config)).toString('base64')}"\n${readFileSync(PROBE_SCRIPT, 'utf8')}`;
    const clock = new SystemClock();
    const node = new GpuNode({
      jobsRoot, budget: BudgetClock.start(clock, { budgetMs: 24 * 3_600_000 }), sandbox: opts.sandbox ?? 'bwrap',
      seal: opts.seal ?? sealFor(comp), python, bwrap: opts.bwrap, logger: opts.logger ?? pino({ level: 'silent' }), clock,
      cpus: 1, gpus: [],
    });
    try {
      await node.ready(); // SandboxUnavailable / BinaryNotFound surface here, typed
      const out = await node.submit({ jobId: 'sandbox-probe', mode: 'full', code, dataDir: join(comp, 'public'),
        limitMs: opts.limitMs ?? 180_000, estimatedMs: null, sampleSubmission: null });
      let raw: Omit<SandboxProbeReport, 'competitionRoot' | 'sandbox' | 'secrets' | 'leaks' | 'ok'>;
      try { raw = JSON.parse(readFileSync(join(out.workdir, REPORT_FILE), 'utf8')); } catch {
        throw new SandboxProbeFailed(out.status, out.reason ?? (out.stderrTail.trim().split('\n').pop() || 'no output'));
      }
      const leaks = raw.checks.filter((c) => c.leak);
      return { competitionRoot: comp, sandbox: out.sandbox, view: raw.view, checks: raw.checks, walk: raw.walk,
        secrets: secrets.map(({ label, path, size }) => ({ label, path, size })), leaks, ok: leaks.length === 0 };
    } finally {
      await node.close();
    }
  } finally {
    server.close();
    if (!opts.keep) rmSync(root, { recursive: true, force: true });
  }
}
