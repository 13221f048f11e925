// A real `gome run` process under signals, watched from outside through /proc: Ctrl-C stops it within seconds
// with a complete run directory and nothing left running; after kill -9 its helpers die with it, and the next
// gome command marks the run crashed.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { processStart } from '../../runtime/process-identity.ts';
import { until } from '../helpers/until.ts';

const REPO = resolve(import.meta.dirname, '../..');
const GOME = join(REPO, 'bin', 'gome.mjs');
const COMP = join(REPO, 'bench', 'breast-cancer-diagnosis');

interface Proc { pid: number; ppid: number; start: string; cmd: string }

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (f[0] === 'Z' || f[0] === 'X') continue;
      out.push({ pid: Number(name), ppid: Number(f[1]), start: f[19]!, cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch { /* gone */ }
  }
  return out;
}

/** Every live process below `root` (children, grandchildren, …), with its start time. */
function descendants(root: number): Proc[] {
  const all = processes();
  const found: Proc[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    for (const c of all.filter((x) => x.ppid === p)) { found.push(c); stack.push(c.pid); }
  }
  return found;
}

const alive = (ps: Proc[]) => ps.filter((p) => processStart(p.pid) === p.start);

function startRun(cwd: string, sandbox = 'bwrap'): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = '';
  const child = spawn(process.execPath, [GOME, 'run', COMP, '--budget', '90s', '--preset', 'quick', '--sandbox', sandbox], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { output += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
  return { child, output: () => output, exited };
}

/** Waits until a sandboxed job runs, and returns the run's whole process tree at that moment. */
async function treeWithJob(pid: number): Promise<Proc[]> {
  return until(() => { const d = descendants(pid); return d.some((p) => /job_wrapper/.test(p.cmd)) && d.some((p) => /nats-server/.test(p.cmd)) ? d : null; }, 60_000, 'a running job');
}

function runDirOf(cwd: string): string {
  const runs = join(cwd, 'runs');
  const [name] = readdirSync(runs);
  return join(runs, name!);
}

describe('signals', () => {
  it('signals - Ctrl-C mid-run stops within seconds: status stopped, reports written, no nats-server or job left', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gome-sigint-'));
    const run = startRun(cwd);
    const tree = await treeWithJob(run.child.pid!);
    const t0 = Date.now();
    run.child.kill('SIGINT');
    const code = await run.exited;
    const took = Date.now() - t0;
    expect(code).toBe(130);
    expect(took).toBeLessThan(10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(alive(tree).map((p) => p.cmd)).toEqual([]);
    const runDir = runDirOf(cwd);
    expect(processes().filter((p) => p.cmd.includes(runDir)).map((p) => p.cmd)).toEqual([]);
    const meta = JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8'));
    expect(meta.status).toBe('stopped');
    expect(meta.stopReason).toMatch(/SIGINT/);
    for (const f of ['report.json', 'metrics.json', 'report.html', 'messages.jsonl', 'budget.json']) expect(existsSync(join(runDir, f)), f).toBe(true);
    expect(existsSync(join(runDir, 'gome.pid'))).toBe(false);
    const log = readFileSync(join(runDir, 'messages.jsonl'), 'utf8');
    expect(log).toMatch(/"type":"run\.stop"/);
    // the best submission so far is kept when one was valid
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8'));
    expect(report.submission_exists).toBe(existsSync(join(runDir, 'submission.csv')));
  }, 120_000);

  // (a job dying with its host, in both sandboxes, is tested on its own in tests/gpu-node/orphans.test.ts)
  it('signals - after kill -9 the run\'s nats-server and jobs die with it, and the next gome command marks it crashed', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gome-kill9-'));
    const run = startRun(cwd);
    const tree = await treeWithJob(run.child.pid!);
    run.child.kill('SIGKILL');
    await run.exited;
    await until(() => alive(tree).length === 0, 5_000, 'the run\'s processes to die with it');
    const runDir = runDirOf(cwd);
    expect(JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8')).status).toBe('running');
    expect(existsSync(join(runDir, 'gome.pid'))).toBe(true);
    const next = spawnSync(process.execPath, [GOME, 'grade', '--leaderboard', join(COMP, 'leaderboard.csv'), '0.99'], { cwd, encoding: 'utf8' });
    expect(next.status).toBe(0);
    expect(next.stderr).toContain(`reaped a run that was killed: ${runDir}`);
    const meta = JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8'));
    expect(meta.status).toBe('crashed');
    expect(meta.error).toMatch(/died without finishing/);
    expect(existsSync(join(runDir, 'gome.pid'))).toBe(false);
  }, 120_000);
});
