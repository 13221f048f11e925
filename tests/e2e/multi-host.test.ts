// A run across three hosts that are network namespaces (ip netns, veth into one bridge), each also its own mount
// namespace with the others' folders hidden: a NATS cluster node on each (the shipped deploy/nats files, JetStream R3),
// the GPU node on one, a worker on another and the coordinating gome run on the third. Mid-run the worker's host is
// partitioned from the others by an nft drop rule for five seconds, and later the GPU host's NATS node is killed: the
// run finishes with a valid submission, and every job started exactly once (the GPU node's start log, from outside).
// In a second run on four such hosts, every process of the worker's namespace is killed (a second worker's host takes
// its roles over, from their checkpoints) and later the GPU node is killed mid-job and started again.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../grading/helpers.ts';
import { expectCleanStop, expectExactReplay, expectTakenUpFromCheckpoints, fullJobRunning, host, resultCounts, startCounts, jobsDirOn, killHosts, processesMentioning, starts, type Host } from '../helpers/hosts.ts';
import { createNet, netnsUnavailable, type Net, type NetHost } from '../helpers/netns.ts';
import { until } from '../helpers/until.ts';

const REPO = resolve(import.meta.dirname, '../..');
const START = join(REPO, 'deploy', 'nats', 'start-node.sh');
const why = netnsUnavailable();
if (why) console.warn(`multi-host tests skipped: ${why}`);

let net: Net | null = null;
const nets: Net[] = [];
const natsNodes: ChildProcess[] = [];
afterAll(() => {
  killHosts();
  for (const p of natsNodes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  net?.stop();
  for (const n of nets) n.stop();
});

/** A node of the shipped three-node cluster (deploy/nats) on each of `on`, its store in that host's folder; the URLs. */
async function natsCluster(on: Array<{ net: NetHost; dir: string }>): Promise<string> {
  const routes = on.map((h) => `${h.net.ip}:6222`);
  for (const [i, h] of on.entries()) {
    natsNodes.push(spawn('ip', ['netns', 'exec', h.net.ns, START, ['a', 'b', 'c'][i]!, join(h.dir, 'nats'), ...routes], { env: { ...process.env, GOME_NATS_HOST: h.net.ip }, stdio: 'ignore' }));
  }
  for (const h of on) await healthy(h.net.ip, 30_000);
  return on.map((h) => `nats://${h.net.ip}:4222`).join(',');
}

/** SIGKILLs every process in a network namespace (a host lost), seen from outside. */
function killNamespace(ns: string): number {
  const pids = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number);
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  return pids.length;
}

async function healthy(ip: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try { if (((await (await fetch(`http://${ip}:8222/healthz`)).json()) as { status?: string }).status === 'ok') return; } catch { /* not yet */ }
    if (Date.now() > end) throw new Error(`the NATS node at ${ip} did not become healthy`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(why !== null)('multi-host', () => {
  beforeAll(() => { net = createNet(['gpu', 'worker', 'coord']); });

  it('multi-host - three hosts in network namespaces: the worker host partitioned for 5 s and a NATS node killed mid-run, the run finishes and every job starts once', async () => {
    const n = net!;
    const [gpuNet, workerNet, coordNet] = n.hosts as [typeof n.hosts[0], typeof n.hosts[0], typeof n.hosts[0]];
    const dirs = { gpu: tempDir('gome gpu host-'), worker: tempDir('gome worker host-'), coord: tempDir('gome coord host-') };
    // a NATS node on each host, its store in that host's folder
    const url = await natsCluster(n.hosts.map((h, i) => ({ net: h, dir: Object.values(dirs)[i]! })));
    const comp = join(dirs.coord, 'competitions', 'breast-cancer-diagnosis');
    cpSync(join(REPO, 'bench', 'breast-cancer-diagnosis'), comp, { recursive: true });
    const runs = join(dirs.coord, 'runs');
    mkdirSync(runs, { recursive: true });
    const others = (mine: string) => Object.values(dirs).filter((d) => d !== mine);
    const gpu = host(dirs.gpu, others(dirs.gpu), ['gpu-node', '--nats', url, '--work', join(dirs.gpu, 'work')], gpuNet.ns);
    const worker: Host = host(dirs.worker, others(dirs.worker), ['worker', '--nats', url, '--roles', 'researcher,developer,validator,memory', '--any', '--work', join(dirs.worker, 'work')], workerNet.ns);
    await until(() => /serving runs/.test(gpu.output()), 30_000, `the gpu node to serve (${gpu.output()})`);
    await until(() => /hosting researcher/.test(worker.output()), 30_000, `the worker to serve (${worker.output()})`);
    const run = host(dirs.coord, others(dirs.coord), ['run', comp, '--budget', '120s', '--preset', 'quick', '--nats', url, '--remote', '--runs', runs], coordNet.ns);
    const jobsDir = await jobsDirOn(join(dirs.gpu, 'work'), 90_000);
    await until(() => starts(jobsDir).length >= 3, 90_000, 'three jobs to start');
    n.partition(workerNet);
    await new Promise((r) => setTimeout(r, 5_000));
    n.heal(workerNet);
    const afterHeal = starts(jobsDir).length;
    await new Promise((r) => setTimeout(r, 5_000));
    natsNodes[0]!.kill('SIGKILL'); // the GPU host's NATS node is lost
    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    const [runId] = readdirSync(runs);
    const runDir = join(runs, runId!);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    expect(readFileSync(join(runDir, 'gome.log'), 'utf8')).toMatch(/"replicas":3,"clusterSize":3/);
    // every submission came back through the object store despite the partition and the lost node
    expect(JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8')).finalizeProblems).toBeUndefined();
    const started = starts(jobsDir);
    expect(started.length, 'the loop went on after the partition healed').toBeGreaterThan(afterHeal);
    expect(new Set(started).size, started.join(' ')).toBe(started.length);
    await expectCleanStop(worker, gpu);
  }, 420_000);

  it('multi-host - hosts lost in network namespaces: every process of the worker\'s killed, another worker host takes its roles over from their checkpoints; the GPU node killed mid-job and started again; every job once, replay exact', async () => {
    const n = createNet(['gpu', 'worker', 'spare', 'coord']);
    nets.push(n);
    const [gpuNet, workerNet, spareNet, coordNet] = n.hosts as [NetHost, NetHost, NetHost, NetHost];
    const dirs = { gpu: tempDir('gome gpu host-'), worker: tempDir('gome worker host-'), spare: tempDir('gome spare host-'), coord: tempDir('gome coord host-') };
    // the cluster's nodes on the GPU, spare and coordinating hosts: the lost worker host takes none with it
    const url = await natsCluster([{ net: gpuNet, dir: dirs.gpu }, { net: spareNet, dir: dirs.spare }, { net: coordNet, dir: dirs.coord }]);
    const comp = join(dirs.coord, 'competitions', 'breast-cancer-diagnosis');
    cpSync(join(REPO, 'bench', 'breast-cancer-diagnosis'), comp, { recursive: true });
    const runs = join(dirs.coord, 'runs');
    mkdirSync(runs, { recursive: true });
    const others = (mine: string) => Object.values(dirs).filter((d) => d !== mine);
    const gpuNode = () => host(dirs.gpu, others(dirs.gpu), ['gpu-node', '--nats', url, '--work', join(dirs.gpu, 'work')], gpuNet.ns);
    const workerOn = (dir: string, ns: string) => host(dir, others(dir), ['worker', '--nats', url, '--roles', 'researcher,developer,validator,memory', '--any', '--work', join(dir, 'work')], ns);
    let gpu = gpuNode();
    const worker = workerOn(dirs.worker, workerNet.ns);
    await until(() => /serving runs/.test(gpu.output()), 30_000, `the gpu node to serve (${gpu.output()})`);
    await until(() => /hosting researcher/.test(worker.output()), 30_000, `the worker to serve (${worker.output()})`);
    const run = host(dirs.coord, others(dirs.coord), ['run', comp, '--budget', '150s', '--preset', 'quick', '--nats', url, '--remote', '--runs', runs], coordNet.ns);
    const jobsDir = await jobsDirOn(join(dirs.gpu, 'work'), 90_000);
    await until(() => starts(jobsDir).length >= 3, 90_000, 'three jobs to start');
    const spare = workerOn(dirs.spare, spareNet.ns);
    await until(() => /hosting researcher/.test(spare.output()), 30_000, `the spare worker to serve (${spare.output()})`);

    // the worker host is lost: every process in its namespace, killed from outside
    const killedProcesses = killNamespace(workerNet.ns);
    expect(killedProcesses).toBeGreaterThan(0);
    const atWorkerLoss = starts(jobsDir).length;
    await worker.exited;
    const spareLog = () => (existsSync(join(dirs.spare, 'work', 'worker.log')) ? readFileSync(join(dirs.spare, 'work', 'worker.log'), 'utf8') : '');
    await until(() => (spareLog().match(/took over a role whose worker was lost/g) ?? []).length >= 4, 60_000, 'the spare worker to take the four roles over');
    const afterTakeover = starts(jobsDir).length;

    // the GPU host's node is lost mid-job and started again
    const killed = await fullJobRunning(jobsDir, 90_000, { after: afterTakeover });
    process.kill(-gpu.child.pid!, 'SIGKILL');
    await gpu.exited;
    await until(() => processesMentioning(join(dirs.gpu, 'work')).length === 0, 10_000, 'the lost node\'s job to die');
    gpu = gpuNode();
    await until(() => /taken up again/.test(gpu.output()), 60_000, `the gpu node to take the run up again (${gpu.output()})`);

    const code = await run.exited;
    expect(code, run.output()).toBe(0);
    const [runId] = readdirSync(runs);
    const runDir = join(runs, runId!);
    expect(JSON.parse(readFileSync(join(runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    expectTakenUpFromCheckpoints(join(dirs.spare, 'work', 'worker.log'));
    // every job started once, counted where the jobs ran; the one killed with the GPU node twice, and charged once
    const counts = startCounts(jobsDir);
    const results = resultCounts(runDir);
    // the GPU host's start log and the run's results, as the closing note shows them
    console.log(`worker-loss run ${runId}: every process of the worker host (${killedProcesses}) SIGKILLed after ${atWorkerLoss} job starts, its four roles taken over by the spare; ` +
      `${counts.size} jobs started on the GPU host (its start log, jobs/.starts.log):\n` +
      [...counts].map(([j, c]) => `  ${j}  started ${c}×, completed ${results.get(j) ?? 0}×${j === killed ? ' (killed with the GPU node mid-run, run again, charged once)' : ''}`).join('\n'));
    expect(counts.get(killed), `${killed} ran again once`).toBe(2);
    for (const [j, c] of counts) if (j !== killed) expect(c, `${j} ran once`).toBe(1);
    // every job completed exactly once: one result each reached the run (the killed attempt sent none)
    for (const j of counts.keys()) expect(results.get(j) ?? 0, `${j} completed once`).toBe(1);
    const refunds = readFileSync(join(dirs.gpu, 'work', 'gpu-node.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .filter((l) => l.jobId === killed && /its time is refunded/.test(l.msg));
    expect(refunds).toHaveLength(1);
    expectExactReplay(runDir);
    await expectCleanStop(spare, gpu);
  }, 480_000);
});
