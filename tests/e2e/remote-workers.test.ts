// A run across three "hosts": the coordinating host (gome run --remote: coordinator and brain), a worker (gome worker:
// researcher, developer, validator, memory) and a GPU node (gome gpu-node), each a process in its own mount namespace
// with the others' folders hidden. The worker is killed (its whole process group, as a lost host) mid-run and started
// again: it takes up its roles, each actor rebuilt from the run's log, and the run finishes with a valid submission;
// every job started exactly once (counted in the GPU node's start log, from outside), and replaying the run's log
// shows no divergence.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../grading/helpers.ts';
import { host, starts, type Host } from '../helpers/hosts.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';
import { until } from '../helpers/until.ts';

const REPO = resolve(import.meta.dirname, '../..');

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); }, 30_000);
afterAll(async () => { await nats?.close(); });

describe('remote workers', () => {
  it('remote workers - a worker host lost mid-run and restarted: its actors continue from the log, every job runs once, replay is exact', async () => {
    const gpuHost = tempDir('gome gpu host-');
    const workerHost = tempDir('gome worker host-');
    const runHost = tempDir('gome run host-');
    const comp = join(runHost, 'competitions', 'breast-cancer-diagnosis');
    cpSync(join(REPO, 'bench', 'breast-cancer-diagnosis'), comp, { recursive: true });
    const runs = join(runHost, 'runs');
    mkdirSync(runs, { recursive: true });
    const url = nats.server.url;
    const gpu = host(gpuHost, [runHost, workerHost], ['gpu-node', '--nats', url, '--work', join(gpuHost, 'work')]);
    const startWorker = (): Host => host(workerHost, [runHost, gpuHost], ['worker', '--nats', url, '--roles', 'researcher,developer,validator,memory', '--any', '--work', join(workerHost, 'work')]);
    let worker = startWorker();
    await until(() => /serving runs/.test(gpu.output()), 30_000, `the gpu node to serve (${gpu.output()})`);
    await until(() => /hosting researcher/.test(worker.output()), 30_000, `the worker to serve (${worker.output()})`);

    const run = host(runHost, [gpuHost, workerHost], ['run', comp, '--budget', '90s', '--preset', 'quick', '--nats', url, '--remote', '--runs', runs]);
    const gpuRuns = join(gpuHost, 'work', 'runs');
    const jobsDir = await until(() => {
      const d = existsSync(gpuRuns) ? readdirSync(gpuRuns)[0] : undefined;
      return d ? join(gpuRuns, d, 'jobs') : null;
    }, 60_000, 'the run to reach the gpu node');
    await until(() => starts(jobsDir).length >= 3, 60_000, 'three jobs to start');
    process.kill(-worker.child.pid!, 'SIGKILL'); // the worker host is lost
    await worker.exited;
    const beforeLoss = starts(jobsDir).length;
    await new Promise((r) => setTimeout(r, 2_000));
    worker = startWorker();
    await until(() => /taken up again: .*researcher\.t0/.test(worker.output()), 60_000, `the worker to take its roles up again (${worker.output()})`);

    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toMatch(/worker \S+ took the researcher role/);
    const [runId] = readdirSync(runs);
    const runDir = join(runs, runId!);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    // every job started exactly once, counted where the jobs ran
    const started = starts(jobsDir);
    expect(started.length, 'the restarted worker\'s actors went on submitting jobs').toBeGreaterThan(beforeLoss);
    expect(new Set(started).size, started.join(' ')).toBe(started.length);
    // the resumed actors are a continuation of the recorded ones: replay re-runs every machine with no divergence
    const replay = spawnSync(process.execPath, [join(REPO, 'bin', 'gome.mjs'), 'replay', runDir], { encoding: 'utf8', timeout: 120_000 });
    expect(replay.status, replay.stdout + replay.stderr).toBe(0);
    expect(replay.stdout).toMatch(/every one equal to the log/);
    for (const h of [worker, gpu]) h.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await gpu.exited).toBe(0);
  }, 300_000);
});
