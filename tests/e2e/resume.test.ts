// Crash and resume, watched from outside: a real `gome run` is killed with kill -9 while a full run is on the GPU node,
// left down for a while, then `gome resume` continues it from its own log. It ends with a valid graded submission, no
// job has two results, the job that was running at the crash ran again exactly once, the time the run was down is not
// charged to the budget, and the whole log (the crashed part and the resumed part) replays with zero divergences.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { until } from '../helpers/until.ts';

const REPO = resolve(import.meta.dirname, '../..');
const GOME = join(REPO, 'bin', 'gome.mjs');
const COMP = join(REPO, 'bench', 'breast-cancer-diagnosis');
const BUDGET_MS = 50_000;
const DOWN_MS = 6_000;

function gome(cwd: string, args: string[]): { output: () => string; exited: Promise<number | null>; pid: number } {
  let output = '';
  const child = spawn(process.execPath, [GOME, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => { output += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { output += b.toString(); });
  const exited = new Promise<number | null>((r) => child.once('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
  return { output: () => output, exited, pid: child.pid! };
}

/** The full run in progress: its job directory exists and has no result in the log yet (gome.log says it started). */
function runningFullJob(runDir: string): string | null {
  const log = existsSync(join(runDir, 'gome.log')) ? readFileSync(join(runDir, 'gome.log'), 'utf8') : '';
  const lines = log.split('\n').filter(Boolean).map((l) => { try { return JSON.parse(l) as { msg?: string; jobId?: string; mode?: string }; } catch { return {}; } });
  const started = lines.filter((l) => l.msg === 'job started' && l.mode === 'full').map((l) => l.jobId!);
  const finished = new Set(lines.filter((l) => l.msg === 'job finished').map((l) => l.jobId));
  const experiments = existsSync(join(runDir, 'experiments.jsonl')) ? readFileSync(join(runDir, 'experiments.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0;
  const open = started.filter((j) => !finished.has(j));
  return experiments >= 1 && open.length ? open[open.length - 1]! : null;
}

describe('resume', () => {
  it('resume - kill -9 mid-job, then gome resume: valid submission, no job twice, the running job once more, downtime not charged, the whole log replays', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gome resume-')); // a space in the path on purpose
    const first = gome(cwd, ['run', COMP, '--budget', `${BUDGET_MS / 1000}s`, '--preset', 'quick']);
    const runDir = await until(() => { try { const [n] = readdirSync(join(cwd, 'runs')); return n ? join(cwd, 'runs', n) : null; } catch { return null; } }, 60_000, 'the run directory');
    const killedJob = await until(() => runningFullJob(runDir), 90_000, 'a full run after the first experiment');
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    const downAt = Date.now();
    await new Promise((r) => setTimeout(r, DOWN_MS));

    const second = gome(cwd, ['resume', runDir]);
    const code = await second.exited;
    const resumedAt = Date.parse(JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8')).resumes[0].at);
    expect(code, second.output()).toBe(0);
    expect(second.output()).toContain(`handled again (job ${killedJob})`);

    // a valid, graded submission and a finished run that says it was resumed
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8'));
    expect(report.valid_submission).toBe(true);
    expect(typeof report.score).toBe('number');
    const meta = JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8'));
    expect(meta.status).toBe('finished');
    expect(meta.resumes).toHaveLength(1);

    // the log: every job answered once; the job killed at the crash submitted once, answered once (after the resume)
    const log = readFileSync(join(runDir, 'messages.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l).body);
    const results = log.filter((b) => b?.type === 'job.result').map((b) => b.payload.jobId as string);
    expect(new Set(results).size).toBe(results.length);
    expect(results.filter((j) => j === killedJob)).toHaveLength(1);
    expect(log.filter((b) => b?.type === 'job.submit' && b.payload.jobId === killedJob)).toHaveLength(1);
    const resumes = log.filter((b) => b?.type === 'actor.resume');
    expect(resumes.find((b) => b.from === 'gpu.0')?.payload.redelivered).toHaveLength(1);
    expect(resumes.filter((b) => b.payload.machine !== null).map((b) => b.from).sort())
      .toEqual(['coordinator.0', 'developer.t0', 'memory.0', 'researcher.t0', 'validator.t0']);
    // no envelope id was used twice across the two lives
    const ids = log.filter((b) => b?.id).map((b) => b.id as string);
    expect(new Set(ids).size).toBe(ids.length);
    // the run went on after the resume: experiments were recorded in the second life
    const lastExperiment = log.filter((b) => b?.type === 'experiment.record').at(-1);
    expect(lastExperiment.ts).toBeGreaterThan(resumedAt);

    // the budget: charged time within the budget, and the time the run was down is not in it
    const budget = JSON.parse(readFileSync(join(runDir, 'budget.json'), 'utf8'));
    const wall = Date.parse(meta.finishedAt) - Date.parse(meta.startedAt);
    const down = resumedAt - downAt;
    expect(down).toBeGreaterThanOrEqual(DOWN_MS - 500);
    expect(budget.usedMs).toBeLessThanOrEqual(BUDGET_MS + 30_000); // the grace past the budget at most
    expect(budget.elapsedMs).toBeLessThanOrEqual(wall - down + 2_000); // at most the last persisted second lost on top
    // and the time it was up is: both lives are charged (less each life's start-up before its clock ran and the last
    // unpersisted second). The search ends when what is left is the refit's reserve, so the run need not reach the
    // budget: most of it, not all
    expect(budget.elapsedMs).toBeGreaterThan(wall - down - 6_000);
    expect(budget.elapsedMs).toBeGreaterThan(BUDGET_MS * 0.7);

    // replaying the crashed log followed by the resumed one, end to end: zero divergences
    const replay = spawnSync(process.execPath, [GOME, 'replay', runDir], { cwd, encoding: 'utf8' });
    expect(replay.status, replay.stderr).toBe(0);
    expect(replay.stdout).toContain('every one equal to the log');
  }, 300_000);

  it('resume - a run that already ended, or is not a run, is refused with the reason and what to do', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'gome-resume-refused-'));
    const runDir = join(cwd, 'runs', 'done');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(join(runDir, 'run_meta.json'), JSON.stringify({ status: 'finished', config: { runId: 'done' }, finished: { reason: 'budget' } }));
    const r = spawnSync(process.execPath, [GOME, 'resume', 'done'], { cwd, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('run done cannot be resumed: it already ended (finished)');
    expect(r.stderr).toContain('fix: start a new run with gome run');
    // a run whose actors ran here and its jobs on another host (--remote-gpu): not built yet, and said so
    const rg = join(cwd, 'runs', 'rg');
    mkdirSync(rg, { recursive: true });
    writeFileSync(join(rg, 'run_meta.json'), JSON.stringify({ status: 'running', config: { runId: 'rg' }, remoteGpu: true }));
    const remoteGpu = spawnSync(process.execPath, [GOME, 'resume', 'rg'], { cwd, encoding: 'utf8' });
    expect(remoteGpu.status).toBe(1);
    expect(remoteGpu.stderr).toContain('run rg cannot be resumed: its jobs ran on a GPU node on another host while its actors ran here (--remote-gpu)');
    expect(remoteGpu.stderr).toContain('a run started with --remote (actors on workers) can be resumed');
    const none = spawnSync(process.execPath, [GOME, 'resume', 'nothing-here'], { cwd, encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('there is no run "nothing-here"');
  });
});
