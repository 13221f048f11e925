// A run whose jobs run on a GPU node in another process with its own filesystem (gome gpu-node): the two "hosts" are
// processes in separate mount namespaces, each with the other's folders hidden under an empty tmpfs, so neither can
// read the other's files; data, held-back labels and submissions travel through the NATS object store. Killing the
// GPU node (its whole process group, as a lost host) mid-job and starting it again: the job runs again once, its lost
// time is refunded, and the run finishes. Job starts are counted from outside, in the node's start log.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../grading/helpers.ts';
import { expectCleanStop, fullJobRunning, host, jobsDirOn, resultCounts, startCounts, killHosts, processesMentioning, starts, type Host } from '../helpers/hosts.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';
import { until } from '../helpers/until.ts';

const REPO = resolve(import.meta.dirname, '../..');

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); }, 30_000);
afterAll(async () => { killHosts(); await nats?.close(); });

/**
 * Two hosts' folders and a competition on the run host: breast-cancer-diagnosis (jobs of about a second), or
 * letter-recognition where a job must still be running seconds after it started (full runs of 8–10 s), so that the
 * lost node's clock had charged it something to refund.
 */
function setUp(competition = 'breast-cancer-diagnosis'): { gpuHost: string; runHost: string; work: string; runs: string; comp: string } {
  const gpuHost = tempDir('gome gpu host-');
  const runHost = tempDir('gome run host-');
  const comp = join(runHost, 'competitions', competition);
  cpSync(join(REPO, 'bench', competition), comp, { recursive: true });
  const work = join(gpuHost, 'work');
  const runs = join(runHost, 'runs');
  mkdirSync(runs, { recursive: true });
  return { gpuHost, runHost, work, runs, comp };
}

/** How long a job has run when its node is lost: past a lease renewal (2 s) and a save of the budget clock (1 s). */
const LOST_AFTER_MS = 3_000;

const gpuNode = (s: ReturnType<typeof setUp>): Host => host(s.gpuHost, [s.runHost], ['gpu-node', '--nats', nats.server.url, '--work', s.work]);
const serving = (h: Host) => until(() => /serving runs/.test(h.output()), 30_000, `the gpu node to serve (${h.output()})`);

function runDirOf(runs: string): string {
  const [id] = readdirSync(runs).filter((d) => !d.startsWith('.'));
  return join(runs, id!);
}

describe('remote gpu node', () => {
  it('remote gpu - a run on a GPU node with its own filesystem finishes with a valid submission; every job runs there once', async () => {
    const s = setUp();
    const node = gpuNode(s);
    await serving(node);
    const run = host(s.runHost, [s.gpuHost], ['run', s.comp, '--budget', '60s', '--preset', 'quick', '--nats', nats.server.url, '--remote-gpu', '--runs', s.runs]);
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    expect(run.output()).toMatch(/GPU node \S+ took the run \(sandbox bwrap/);
    const runDir = runDirOf(s.runs);
    const runId = runDir.slice(s.runs.length + 1);
    const report = JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8'));
    expect(report.valid_submission).toBe(true);
    expect(existsSync(join(runDir, 'jobs')), 'no job ran on the coordinating host').toBe(false);
    const meta = JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8'));
    expect(meta.finalizeProblems).toBeUndefined();
    expect(meta.gpu.jobs).toBeGreaterThan(0);
    // every job ran on the GPU host, once; its workspaces are there, and the submissions came back by id
    const jobsDir = join(s.work, 'runs', runId, 'jobs');
    const started = starts(jobsDir);
    expect(started.length).toBe(meta.gpu.jobs - (meta.gpu.byStatus.refused ?? 0)); // a refused job never starts
    expect(new Set(started).size).toBe(started.length);
    const experiments = readFileSync(join(runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const withSubmission = experiments.filter((e) => e.submissionId);
    expect(withSubmission.length).toBeGreaterThan(0);
    for (const e of withSubmission) {
      expect(e.submissionPath.startsWith(jobsDir)).toBe(true);
      expect(existsSync(join(runDir, 'submissions', `${e.id}.csv`))).toBe(true);
    }
    expect(existsSync(join(s.work, 'runs', runId, 'detached.json')), 'the run detached from the node').toBe(true);
    await expectCleanStop(node);
  }, 180_000);

  it('remote gpu - the GPU node killed mid-job and started again: the job runs once more, its lost time is refunded, and the run finishes', async () => {
    const s = setUp('letter-recognition');
    let node = gpuNode(s);
    await serving(node);
    const run = host(s.runHost, [s.gpuHost], ['run', s.comp, '--budget', '90s', '--preset', 'quick', '--nats', nats.server.url, '--remote-gpu', '--runs', s.runs]);
    const jobsDir = await jobsDirOn(s.work, 60_000);
    const killed = await fullJobRunning(jobsDir, 90_000, { minAgeMs: LOST_AFTER_MS });
    process.kill(-node.child.pid!, 'SIGKILL'); // the GPU host is lost: the node and every process of its group
    await node.exited;
    // the lost host's job died with it (bubblewrap dies with its parent): nothing of the GPU host's work runs
    await until(() => processesMentioning(s.work).length === 0, 10_000, `the lost node's job to die (${processesMentioning(s.work).join('; ')})`);
    node = gpuNode(s);
    await serving(node);
    expect(node.output()).toMatch(/taken up again/);
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    const runDir = runDirOf(s.runs);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    const counts = startCounts(jobsDir);
    expect(counts.get(killed), `${killed} ran again once`).toBe(2);
    for (const [j, n] of counts) if (j !== killed) expect(n, `${j} ran once`).toBe(1);
    // one result per job reached the run (the lost attempt sent none)
    expect(resultCounts(runDir).get(killed)).toBe(1);
    // what the lost life had charged for the attempt (its clock is saved every second) is refunded by the next life
    const refunds = readFileSync(join(s.work, 'gpu-node.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .filter((l) => l.jobId === killed && /its time is refunded/.test(l.msg));
    expect(refunds).toHaveLength(1);
    expect(refunds[0].refundedMs).toBeGreaterThan(0);
    const budget = JSON.parse(readFileSync(join(jobsDir, '..', 'budget.json'), 'utf8'));
    expect(budget.refundedMs).toBeGreaterThanOrEqual(refunds[0].refundedMs);
    await expectCleanStop(node);
  }, 300_000);

  it('remote gpu - a GPU node lost for good mid-job: another node takes the run over with its budget, runs the job again with the lost time refunded, and the run finishes', async () => {
    const s = setUp('letter-recognition');
    const otherHost = tempDir('gome other gpu host-');
    const otherWork = join(otherHost, 'work');
    const nodes = [gpuNode(s), host(otherHost, [s.runHost, s.gpuHost], ['gpu-node', '--nats', nats.server.url, '--work', otherWork])];
    for (const n of nodes) await serving(n);
    const run = host(s.runHost, [s.gpuHost, otherHost], ['run', s.comp, '--budget', '90s', '--preset', 'quick', '--nats', nats.server.url, '--remote-gpu', '--runs', s.runs]);
    const works = [s.work, otherWork];
    const taken = await until(() => {
      const i = works.findIndex((w) => existsSync(join(w, 'runs')) && readdirSync(join(w, 'runs')).length > 0);
      return i >= 0 ? { i, runId: readdirSync(join(works[i]!, 'runs'))[0]! } : null;
    }, 60_000, 'a node to take the run');
    const lostJobs = join(works[taken.i]!, 'runs', taken.runId, 'jobs');
    const takerJobs = join(works[1 - taken.i]!, 'runs', taken.runId, 'jobs');
    const killed = await fullJobRunning(lostJobs, 90_000, { minAgeMs: LOST_AFTER_MS });
    process.kill(-nodes[taken.i]!.child.pid!, 'SIGKILL'); // this GPU host is lost and never comes back
    await nodes[taken.i]!.exited;
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    const runDir = runDirOf(s.runs);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    const takerLog = readFileSync(join(works[1 - taken.i]!, 'gpu-node.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(takerLog.some((l) => /took over a run whose GPU node was lost/.test(l.msg) && l.running === killed)).toBe(true);
    // the job the lost node was running ran once more, on the node that took over; every other job ran once in all
    const counts = startCounts(lostJobs, takerJobs);
    expect(counts.get(killed), `${killed} ran again once`).toBe(2);
    expect(starts(takerJobs)).toContain(killed);
    for (const [j, n] of counts) if (j !== killed) expect(n, `${j} ran once`).toBe(1);
    // the taken-over budget went on from the lease, with what the lost node charged for the job refunded
    const refund = takerLog.find((l) => l.jobId === killed && /its time is refunded/.test(l.msg));
    expect(refund?.refundedMs).toBeGreaterThan(0);
    const budget = JSON.parse(readFileSync(join(takerJobs, '..', 'budget.json'), 'utf8'));
    expect(budget.elapsedMs, 'the budget went on from what the lost node had charged').toBeGreaterThan(5_000);
    await expectCleanStop(nodes[1 - taken.i]!);
  }, 300_000);
});
