// Test helper: gome processes as separate "hosts" (each in its own mount namespace, with the other hosts' folders
// hidden under an empty tmpfs), and what is seen of them from outside: /proc, and a GPU node's start log.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { STARTS_LOG } from '../../gpu-node/gpu-node.ts';

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

/** Job ids in the node's start log, one per start. */
export function starts(jobsDir: string): string[] {
  const f = join(jobsDir, STARTS_LOG);
  return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split('\t')[0]!) : [];
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
