// A run across three hosts that are network namespaces (ip netns, veth into one bridge), each also its own mount
// namespace with the others' folders hidden: a NATS cluster node on each (the shipped deploy/nats files, JetStream R3),
// the GPU node on one, a worker on another and the coordinating gome run on the third. Mid-run the worker's host is
// partitioned from the others by an nft drop rule for five seconds, and later the GPU host's NATS node is killed: the
// run finishes with a valid submission, and every job started exactly once (the GPU node's start log, from outside).
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../grading/helpers.ts';
import { host, jobsDirOn, killHosts, starts, type Host } from '../helpers/hosts.ts';
import { createNet, netnsUnavailable, type Net } from '../helpers/netns.ts';
import { until } from '../helpers/until.ts';

const REPO = resolve(import.meta.dirname, '../..');
const START = join(REPO, 'deploy', 'nats', 'start-node.sh');
const why = netnsUnavailable();
if (why) console.warn(`multi-host tests skipped: ${why}`);

let net: Net | null = null;
const natsNodes: ChildProcess[] = [];
afterAll(() => {
  killHosts();
  for (const p of natsNodes) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  net?.stop();
});

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
    const routes = n.hosts.map((h) => `${h.ip}:6222`);
    // a NATS node on each host, its store in that host's folder
    for (const [i, h] of n.hosts.entries()) {
      const folder = Object.values(dirs)[i]!;
      const p = spawn('ip', ['netns', 'exec', h.ns, START, ['a', 'b', 'c'][i]!, join(folder, 'nats'), ...routes], { env: { ...process.env, GOME_NATS_HOST: h.ip }, stdio: 'ignore' });
      natsNodes.push(p);
    }
    for (const h of n.hosts) await healthy(h.ip, 30_000);
    const url = n.hosts.map((h) => `nats://${h.ip}:4222`).join(',');
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
    for (const h of [worker, gpu]) h.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    expect(await gpu.exited).toBe(0);
  }, 420_000);
});
