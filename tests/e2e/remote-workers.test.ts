// A run across three "hosts": the coordinating host (gome run --remote: coordinator and brain), a worker (gome worker:
// researcher, developer, validator, memory) and a GPU node (gome gpu-node), each a process in its own mount namespace
// with the others' folders hidden. The worker is killed (its whole process group, as a lost host) mid-run and started
// again: it takes up its roles, each actor rebuilt from the run's log, and the run finishes with a valid submission;
// every job started exactly once (counted in the GPU node's start log, from outside), and replaying the run's log
// shows no divergence.
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../grading/helpers.ts';
import { writeNatsAuth } from '../../cli/commands/nats-auth.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { expectCleanStop, expectExactReplay, expectTakenUpFromCheckpoints, host, jobsDirOn, killHosts, starts, type Host } from '../helpers/hosts.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';
import { until } from '../helpers/until.ts';

const REPO = resolve(import.meta.dirname, '../..');

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); }, 30_000);
afterAll(async () => { killHosts(); await nats?.close(); });

/** The folders of three hosts, the bundled competition copied to the coordinating one. */
function threeHosts() {
  const gpuHost = tempDir('gome gpu host-');
  const workerHost = tempDir('gome worker host-');
  const runHost = tempDir('gome run host-');
  const comp = join(runHost, 'competitions', 'breast-cancer-diagnosis');
  cpSync(join(REPO, 'bench', 'breast-cancer-diagnosis'), comp, { recursive: true });
  const runs = join(runHost, 'runs');
  mkdirSync(runs, { recursive: true });
  return { gpuHost, workerHost, runHost, comp, runs };
}

describe('remote workers', () => {
  it('remote workers - on a NATS server with a user per host (gome nats-auth), each host only its roles\' subjects, a remote run completes', async () => {
    const h = threeHosts();
    const auth = writeNatsAuth(['owner=cli,coordinator,brain', 'worker-a=researcher,developer,validator,memory', 'gpu-host=gpu'], tempDir('gome-auth-'));
    // each host keeps its own seed, in its own folder
    const [ownerKey, workerKey, gpuKey] = [h.runHost, h.workerHost, h.gpuHost].map((dir, i) => {
      const key = join(dir, basename(auth.keys[i]!));
      copyFileSync(auth.keys[i]!, key);
      return key;
    }) as [string, string, string];
    const server = await EmbeddedNats.start({ storeDir: join(h.runHost, 'nats'), config: readFileSync(auth.conf, 'utf8') });
    try {
      const gpu = host(h.gpuHost, [h.runHost, h.workerHost], ['gpu-node', '--nats', server.url, '--nats-key', gpuKey, '--work', join(h.gpuHost, 'work')]);
      const worker = host(h.workerHost, [h.runHost, h.gpuHost], ['worker', '--nats', server.url, '--nats-key', workerKey, '--roles', 'researcher,developer,validator,memory', '--any', '--work', join(h.workerHost, 'work')]);
      await until(() => /serving runs/.test(gpu.output()), 30_000, `the gpu node to serve (${gpu.output()})`);
      await until(() => /hosting researcher/.test(worker.output()), 30_000, `the worker to serve (${worker.output()})`);
      const run = host(h.runHost, [h.gpuHost, h.workerHost], ['run', h.comp, '--budget', '45s', '--preset', 'quick', '--nats', server.url, '--nats-key', ownerKey, '--remote', '--runs', h.runs]);
      const code = await run.exited;
      expect(code, run.output() + gpu.output() + worker.output()).toBe(0);
      const [runId] = readdirSync(h.runs);
      expect(JSON.parse(readFileSync(join(h.runs, runId!, 'report.json'), 'utf8')).valid_submission).toBe(true);
      expect(readFileSync(join(h.gpuHost, 'work', 'gpu-node.log'), 'utf8')).not.toMatch(/[Pp]ermissions? [Vv]iolation/);
      const workerLog = readFileSync(join(h.workerHost, 'work', 'worker.log'), 'utf8');
      expect(workerLog).not.toMatch(/[Pp]ermissions? [Vv]iolation|checkpoint not written/);
      // its user may write its actors' checkpoints (runtime/checkpoint-store.ts)
      expect(workerLog).toMatch(/"actor":"researcher\.t0".*first checkpoint written/);
      await expectCleanStop(worker, gpu);
    } finally {
      await server.stop();
    }
  }, 240_000);

  it('remote workers - a worker host lost mid-run and restarted: its actors continue from the log, every job runs once, replay is exact', async () => {
    const { gpuHost, workerHost, runHost, comp, runs } = threeHosts();
    const url = nats.server.url;
    const gpu = host(gpuHost, [runHost, workerHost], ['gpu-node', '--nats', url, '--work', join(gpuHost, 'work')]);
    const startWorker = (): Host => host(workerHost, [runHost, gpuHost], ['worker', '--nats', url, '--roles', 'researcher,developer,validator,memory', '--any', '--work', join(workerHost, 'work')]);
    let worker = startWorker();
    await until(() => /serving runs/.test(gpu.output()), 30_000, `the gpu node to serve (${gpu.output()})`);
    await until(() => /hosting researcher/.test(worker.output()), 30_000, `the worker to serve (${worker.output()})`);

    const run = host(runHost, [gpuHost, workerHost], ['run', comp, '--budget', '90s', '--preset', 'quick', '--nats', url, '--remote', '--runs', runs]);
    const jobsDir = await jobsDirOn(join(gpuHost, 'work'), 60_000);
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
    expectTakenUpFromCheckpoints(join(workerHost, 'work', 'worker.log'));
    const [runId] = readdirSync(runs);
    const runDir = join(runs, runId!);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    // every job started exactly once, counted where the jobs ran
    const started = starts(jobsDir);
    expect(started.length, 'the restarted worker\'s actors went on submitting jobs').toBeGreaterThan(beforeLoss);
    expect(new Set(started).size, started.join(' ')).toBe(started.length);
    // the resumed actors are a continuation of the recorded ones: replay re-runs every machine with no divergence
    expectExactReplay(runDir);
    await expectCleanStop(worker, gpu);
  }, 300_000);

  it('remote workers - a worker host lost for good: another worker takes its roles over when its leases expire, and the run finishes with every job once', async () => {
    const { gpuHost, workerHost, runHost, comp, runs } = threeHosts();
    const otherHost = tempDir('gome other worker host-');
    const url = nats.server.url;
    const gpu = host(gpuHost, [runHost, workerHost, otherHost], ['gpu-node', '--nats', url, '--work', join(gpuHost, 'work')]);
    const workerOn = (dir: string, hide: string[]): Host => host(dir, hide, ['worker', '--nats', url, '--roles', 'researcher,developer,validator,memory', '--any', '--work', join(dir, 'work')]);
    const first = workerOn(workerHost, [runHost, gpuHost, otherHost]);
    await until(() => /serving runs/.test(gpu.output()), 30_000, `the gpu node to serve (${gpu.output()})`);
    await until(() => /hosting researcher/.test(first.output()), 30_000, `the worker to serve (${first.output()})`);
    const run = host(runHost, [gpuHost, workerHost, otherHost], ['run', comp, '--budget', '90s', '--preset', 'quick', '--nats', url, '--remote', '--runs', runs]);
    const jobsDir = await jobsDirOn(join(gpuHost, 'work'), 60_000);
    await until(() => starts(jobsDir).length >= 3, 60_000, 'three jobs to start');
    // a second worker joins after the roles were taken, then the first host is lost and never comes back
    const second = workerOn(otherHost, [runHost, gpuHost, workerHost]);
    await until(() => /hosting researcher/.test(second.output()), 30_000, `the second worker to serve (${second.output()})`);
    process.kill(-first.child.pid!, 'SIGKILL');
    await first.exited;
    const beforeLoss = starts(jobsDir).length;
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    const [runId] = readdirSync(runs);
    const runDir = join(runs, runId!);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    const log = readFileSync(join(otherHost, 'work', 'worker.log'), 'utf8');
    for (const role of ['researcher', 'developer', 'validator', 'memory']) expect(log).toMatch(new RegExp(`"role":"${role}".*took over a role whose worker was lost`));
    expectTakenUpFromCheckpoints(join(otherHost, 'work', 'worker.log'));
    const started = starts(jobsDir);
    expect(started.length, 'the roles went on on the second worker').toBeGreaterThan(beforeLoss);
    expect(new Set(started).size, started.join(' ')).toBe(started.length);
    expectExactReplay(runDir);
    await expectCleanStop(second, gpu);
  }, 300_000);

  it('remote workers - the coordinating host lost mid-run and the run resumed there (gome resume): the workers and the GPU node go on, the time it was down is not counted, every job runs once, replay is exact', async () => {
    const { gpuHost, workerHost, runHost, comp, runs } = threeHosts();
    const url = nats.server.url;
    const gpu = host(gpuHost, [runHost, workerHost], ['gpu-node', '--nats', url, '--work', join(gpuHost, 'work')]);
    const worker = host(workerHost, [runHost, gpuHost], ['worker', '--nats', url, '--roles', 'researcher,developer,validator,memory', '--any', '--work', join(workerHost, 'work')]);
    await until(() => /serving runs/.test(gpu.output()), 30_000, `the gpu node to serve (${gpu.output()})`);
    await until(() => /hosting researcher/.test(worker.output()), 30_000, `the worker to serve (${worker.output()})`);
    const run = host(runHost, [gpuHost, workerHost], ['run', comp, '--budget', '90s', '--preset', 'quick', '--nats', url, '--remote', '--runs', runs]);
    const jobsDir = await jobsDirOn(join(gpuHost, 'work'), 60_000);
    await until(() => starts(jobsDir).length >= 3, 60_000, 'three jobs to start');
    process.kill(-run.child.pid!, 'SIGKILL'); // the coordinating host is lost: the coordinator and the brain with it
    await run.exited;
    const [runId] = readdirSync(runs);
    const runDir = join(runs, runId!);
    await new Promise((r) => setTimeout(r, 5_000));
    const resumed = host(runHost, [gpuHost, workerHost], ['resume', runId!, '--runs', runs, '--nats', url]);
    const code = await resumed.exited;
    expect(code, resumed.output()).toBe(0);
    const meta = JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8'));
    expect(meta.resumes).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    // the GPU node kept the run, and did not count the time its coordinating host was down
    const uncounted = readFileSync(join(gpuHost, 'work', 'gpu-node.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .filter((l) => /the time it was down is not counted/.test(l.msg));
    expect(uncounted).toHaveLength(1);
    expect(uncounted[0].uncountedMs).toBeGreaterThan(4_000);
    // the archive holds every experiment the log records, once: those recorded while the host was down or being resumed too
    const recorded = readFileSync(join(runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).body)
      .filter((b) => b?.type === 'experiment.record').map((b) => b.payload.id as string);
    const archived = readFileSync(join(runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id as string);
    expect(archived.length).toBe(new Set(archived).size);
    expect(new Set(archived)).toEqual(new Set(recorded));
    const started = starts(jobsDir);
    expect(new Set(started).size, started.join(' ')).toBe(started.length);
    expectExactReplay(runDir);
    await expectCleanStop(worker, gpu);
  }, 300_000);
});
