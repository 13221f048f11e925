// Test helper: gome processes as separate "hosts" (each in its own mount namespace, with the other hosts' folders
// hidden under an empty tmpfs), and what is seen of them from outside: /proc, and a GPU node's start log.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { STARTS_LOG } from '../../gpu-node/gpu-node.ts';
import { until } from './until.ts';

const GOME = join(resolve(import.meta.dirname, '../..'), 'bin', 'gome.mjs');

export interface Host { child: ChildProcess; output: () => string; exited: Promise<number | null> }

const started = new Set<ChildProcess>();

/** Kills every host process group still running (a test's afterAll: a failed test leaves none behind). */
export function killHosts(): void {
  for (const c of started) {
    if (c.exitCode === null && c.signalCode === null) { try { process.kill(-c.pid!, 'SIGKILL'); } catch { /* gone */ } }
  }
  started.clear();
}

/**
 * A gome process as its own "host": in a fresh mount namespace where every folder of `hide` is an empty tmpfs, and in
 * the network namespace `netns` when given (tests/helpers/netns.ts).
 */
export function host(cwd: string, hide: string[], args: string[], netns?: string): Host {
  const script = 'n=$1; shift; i=0; while [ "$i" -lt "$n" ]; do mount -t tmpfs -o size=1m gome-hidden "$1" || exit 97; shift; i=$((i+1)); done; exec "$@"';
  const inner = ['unshare', '--mount', '--propagation', 'private', '--', 'sh', '-c', script, 'sh', String(hide.length), ...hide, process.execPath, GOME, ...args];
  const argv = netns ? ['ip', 'netns', 'exec', netns, ...inner] : inner;
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  started.add(child);
  let output = '';
  child.stdout!.on('data', (d) => { output += String(d); });
  child.stderr!.on('data', (d) => { output += String(d); });
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, output: () => output, exited };
}

/** Command lines of the live processes that mention `text` (read from /proc, i.e. from outside every process). */
export function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(text) && !/^\s*$/.test(cmd)) found.push(`${pid}: ${cmd}`);
    } catch { /* gone */ }
  }
  return found;
}

/** Stops hosts as a signal does (SIGTERM), each exiting 0. */
export async function expectCleanStop(...hosts: Host[]): Promise<void> {
  for (const h of hosts) h.child.kill('SIGTERM');
  for (const h of hosts) expect(await h.exited).toBe(0);
}

/** How many times each job started, over the start logs of one or more GPU nodes' jobs folders. */
export function startCounts(...jobsDirs: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of jobsDirs) for (const j of starts(d)) counts.set(j, (counts.get(j) ?? 0) + 1);
  return counts;
}

/** How many job.result messages a run's log (messages.jsonl) holds per job: a job that completed once has one. */
export function resultCounts(runDir: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(join(runDir, 'messages.jsonl'), 'utf8').trim().split('\n')) {
    const body = (JSON.parse(line) as { body: { type: string; payload: { jobId?: string } } }).body;
    if (body.type === 'job.result' && body.payload.jobId) counts.set(body.payload.jobId, (counts.get(body.payload.jobId) ?? 0) + 1);
  }
  return counts;
}

/** `gome replay` of a run directory re-runs every machine actor with no divergence. */
export function expectExactReplay(runDir: string): void {
  const r = spawnSync(process.execPath, [GOME, 'replay', runDir], { encoding: 'utf8', timeout: 120_000 });
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(/every one equal to the log/);
}

/** Job ids in the node's start log, one per start. */
export function starts(jobsDir: string): string[] {
  const f = join(jobsDir, STARTS_LOG);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t')[0]!) : [];
}

/**
 * A full job running now on a GPU node, seen from outside: the last job its start log names (jobs run one at a time) is
 * a full run started after the first `after` starts and at least `minAgeMs` ago, and a process of its workspace is
 * alive. Jobs of a small competition take about a second, so a fixed wait after a start may land after the job ended.
 */
export async function fullJobRunning(jobsDir: string, ms: number, opts: { after?: number; minAgeMs?: number } = {}): Promise<string> {
  return until(() => {
    const f = join(jobsDir, STARTS_LOG);
    const lines = existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).slice(opts.after ?? 0) : [];
    const [jobId, , at] = lines.at(-1)?.split('\t') ?? [];
    if (!jobId?.endsWith('-full') || Date.now() - Number(at) < (opts.minAgeMs ?? 0)) return null;
    return processesMentioning(join(jobsDir, jobId)).length > 0 ? jobId : null;
  }, ms, 'a full run to be running on the GPU node');
}

/** The jobs folder of the run a GPU node's work folder holds, once the run has reached it. */
export async function jobsDirOn(gpuWork: string, ms: number): Promise<string> {
  const runs = join(gpuWork, 'runs');
  for (const end = Date.now() + ms; ;) {
    const d = existsSync(runs) ? readdirSync(runs)[0] : undefined;
    if (d) return join(runs, d, 'jobs');
    if (Date.now() > end) throw new Error(`timed out waiting for a run to reach the GPU node at ${gpuWork}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Each role a worker took up again, or over, was rebuilt from its actors' checkpoints (runtime/checkpoint.ts) and not
 * from the whole log alone: at least one actor of it from a checkpoint, and the log read from past the run's start
 * when every actor had one. Read from the worker's own log.
 */
export function expectTakenUpFromCheckpoints(workerLog: string): void {
  const attached = readFileSync(workerLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.msg === 'role attached' && Number(l.resumed) > 0);
  expect(new Set(attached.map((l) => l.role))).toEqual(new Set(['researcher', 'developer', 'validator', 'memory']));
  for (const l of attached) {
    expect(Number(l.fromCheckpoints), JSON.stringify(l)).toBeGreaterThan(0);
    if (l.fromCheckpoints === (l.actors as string[]).length) expect(Number(l.logFrom), JSON.stringify(l)).toBeGreaterThan(1);
  }
}
