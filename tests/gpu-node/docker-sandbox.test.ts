// The Docker job backend against a real dockerd (Debian's docker.io, started by the test with its own data root and
// socket, --bridge=none --iptables=false) and the job image built from deploy/job-image: sealing, the memory limit,
// kills at the limit, container removal and the start-up sweep. Where no engine can start, every test skips and the
// reason is printed.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox, OWNER_LABEL, sweepContainers } from '../../gpu-node/sandbox-docker.ts';
import { REPO_ROOT } from '../../gpu-node/process-runner.ts';
import { sealFor } from '../../gpu-node/seal.ts';
import { startTestEngine, type TestEngine } from '../helpers/dockerd.ts';
import { fixture, job, makeNode, type Fixture } from './helpers.ts';

let engine: TestEngine | null = null;
let unavailable = '';
let fx: Fixture | null = null;

beforeAll(async () => {
  const r = await startTestEngine();
  if (r.ok) { engine = r.engine; process.env['DOCKER_HOST'] = engine.host; } else {
    unavailable = r.reason;
    console.warn(`docker tests skipped: ${r.reason}`);
  }
}, 1_900_000);

afterEach(() => { fx?.cleanup(); fx = null; });

afterAll(async () => {
  if (!engine) return;
  // nothing of ours is left, whatever the tests did
  const left = await engine.docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  await engine.stop();
  expect(left.map((c) => c.Id)).toEqual([]);
}, 60_000);

const gomeContainers = async () => (await engine!.docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } })).map((c) => c.Id);

describe('docker sandbox', () => {
  it('docker - a job runs sealed: no network, read-only data and root, none of the host, no source dataset; its outputs land in its workspace', async (ctx) => {
    if (!engine) return ctx.skip(unavailable);
    fx = fixture();
    // the seal of a bundled competition: its recorded source (sklearn's breast_cancer.csv, which the image ships too)
    const seal = sealFor(join(REPO_ROOT, 'bench', 'breast-cancer-diagnosis'));
    const source = seal.maskPaths.find((p) => p.endsWith('breast_cancer.csv'))!;
    expect(source).toBeTruthy();
    const node = makeNode(fx, { sandbox: 'docker', seal });
    const probe = [
      'import json, os, socket',
      'seen = {}',
      'def attempt(name, fn):',
      '    try:',
      '        fn(); seen[name] = "reached"',
      '    except Exception as e:',
      '        seen[name] = type(e).__name__',
      'attempt("network", lambda: socket.create_connection(("1.1.1.1", 53), timeout=2))',
      'attempt("write data", lambda: open(os.environ["GOME_DATA_DIR"] + "/x.csv", "w"))',
      'attempt("write root", lambda: open("/usr/x", "w"))',
      `attempt("repository", lambda: os.stat(${JSON.stringify(REPO_ROOT)}))`,
      'seen["train rows"] = len(open(os.environ["GOME_DATA_DIR"] + "/train.csv").read().splitlines()) - 1',
      'try:',
      `    seen["source bytes"] = len(open(${JSON.stringify(source)}).read())`,
      'except Exception as e:',
      '    seen["source bytes"] = type(e).__name__',
      'seen["interfaces"] = sorted(n for _, n in socket.if_nameindex())',
      'import sklearn, xgboost, torch',
      'open(os.environ["GOME_OUTPUT_DIR"] + "/probe.json", "w").write(json.dumps(seen))',
    ].join('\n');
    const out = await node.submit(job(fx, probe));
    expect(out.status, out.reason ?? '').toBe('ok');
    expect(out.sandbox).toBe('docker');
    const seen = JSON.parse(readFileSync(join(out.workdir, 'probe.json'), 'utf8'));
    expect(seen['network']).not.toBe('reached');
    expect(seen['interfaces']).toEqual(['lo']);
    expect(seen['write data']).toMatch(/OSError|PermissionError/);
    expect(seen['write root']).toMatch(/OSError|PermissionError/);
    expect(seen['repository']).toBe('FileNotFoundError');
    expect(seen['train rows']).toBe(4);
    // the dataset the answers were cut from is hidden (before: a job read all 569 labelled rows of it)
    expect(seen['source bytes'] === 0 || typeof seen['source bytes'] === 'string', String(seen['source bytes'])).toBe(true);
    expect(out.usage.cpuMs).toBeGreaterThan(0); // the wrapper's rusage, from inside the container
    await node.close();
    expect(await gomeContainers()).toEqual([]);
  });

  it('docker - a job over its memory limit is killed by the kernel and reported as such, not as an infrastructure failure', async (ctx) => {
    if (!engine) return ctx.skip(unavailable);
    fx = fixture();
    const node = makeNode(fx, { sandbox: 'docker', memoryLimitMb: 256 });
    const out = await node.submit(job(fx, 'import numpy as np\nblocks = [np.ones(50_000_000) for _ in range(8)]\nprint(len(blocks))\n'));
    expect(out.status).toBe('error');
    expect(out.reason).toMatch(/killed for exceeding its memory limit of 256 MB \(out of memory\)/);
    expect(node.stats().byStatus.infra).toBe(0);
    expect(node.stats().byStatus.error).toBe(1);
    await node.close();
    expect(await gomeContainers()).toEqual([]);
  });

  it('docker - a job past its time limit is killed and its container removed; so is one whose node closes mid-job', async (ctx) => {
    if (!engine) return ctx.skip(unavailable);
    fx = fixture();
    const node = makeNode(fx, { sandbox: 'docker' });
    const t0 = Date.now();
    const slow = await node.submit(job(fx, 'import time\ntime.sleep(120)\n', { limitMs: 3_000 }));
    expect(slow.status).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(await gomeContainers()).toEqual([]);
    const running = node.submit(job(fx, 'import time\ntime.sleep(120)\n', { limitMs: 100_000 }));
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await gomeContainers()).length).toBe(1);
    await node.close();
    expect((await running).status).toBe('infra');
    expect(await gomeContainers()).toEqual([]);
  });

  it('docker - a full run whose progress projects it past its limit is stopped early and its container removed', async (ctx) => {
    if (!engine) return ctx.skip(unavailable);
    fx = fixture();
    const node = makeNode(fx, { sandbox: 'docker' });
    // ten folds of 2 s against a 10 s limit: the watch reads the container's stdout and stops it after a fold or two
    const code = "import time\nprint('GOME_PROGRESS=0/10', flush=True)\nfor k in range(10):\n    time.sleep(2)\n    print(f'GOME_PROGRESS={k + 1}/10', flush=True)\n";
    const out = await node.submit(job(fx, code, { limitMs: 10_000 }));
    expect(out.status).toBe('timeout');
    expect(out.reason).toMatch(/units of its work: its pace projected \d+\.\d s, past its limit of 10\.0 s/);
    expect(out.usage.wallMs).toBeLessThan(8_000);
    expect(await gomeContainers()).toEqual([]);
    await node.close();
  });

  it('docker - the start-up sweep removes the containers of a dead owner and leaves those of a live one', async (ctx) => {
    if (!engine) return ctx.skip(unavailable);
    const make = (owner: string) => engine!.docker.createContainer({ Image: engine!.image, Cmd: ['/bin/true'], Labels: { [OWNER_LABEL]: owner }, HostConfig: { NetworkMode: 'none' } });
    const dead = await make(`${hostname()}:999999:1`); // no such process
    const elsewhere = await make('another-host:1:1'); // another host's: not ours to judge
    const live = await make(`${hostname()}:${process.pid}:${readFileSync(`/proc/${process.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]}`);
    const removed = await sweepContainers(engine.docker, pino({ level: 'silent' }));
    expect(removed).toEqual([dead.id]);
    const left = await gomeContainers();
    expect(left).toContain(live.id);
    expect(left).toContain(elsewhere.id);
    await live.remove({ force: true });
    await elsewhere.remove({ force: true });
  });

  it('docker - gome doctor names the engine and whether the job image is built', (ctx) => {
    if (!engine) return ctx.skip(unavailable);
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/gome.mjs'), 'doctor'], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: engine.host }, timeout: 60_000 });
    expect(r.stdout + r.stderr).toMatch(new RegExp(`ok +Docker engine and job image .*at ${engine.host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}; job image ${engine.image} present`));
  });

  it('docker - the container is asked for no network, a read-only root, dropped capabilities and the limits', (ctx) => {
    if (!engine) return ctx.skip(unavailable);
    fx = fixture();
    const sb = new DockerSandbox({ docker: engine.docker, image: engine.image, cpus: 1.5, defaultMemoryMb: 512 });
    const workdir = join(fx.jobsRoot, 'j1');
    mkdirSync(join(workdir, '.gome'), { recursive: true });
    writeFileSync(join(workdir, 'main.py'), '');
    const spec = sb.containerSpec({ jobId: 'j1', workdir, dataDir: fx.dataDir, python: '/usr/bin/python3', script: join(workdir, 'main.py'), env: {},
      limitMs: 1000, stdoutPath: join(workdir, 'o'), stderrPath: join(workdir, 'e'), statsPath: join(workdir, '.gome', 's.json'), memoryLimitMb: null });
    expect(spec.HostConfig).toMatchObject({ NetworkMode: 'none', ReadonlyRootfs: true, CapDrop: ['ALL'], Memory: 512 * 2 ** 20, MemorySwap: 512 * 2 ** 20, NanoCpus: 1.5e9 });
    expect(spec.HostConfig!.Binds).toEqual([`${workdir}:/gome/work:rw`, `${fx.dataDir}:/gome/data:ro`, expect.stringMatching(/job_wrapper\.py:\/gome\/wrapper\/job_wrapper\.py:ro$/)]);
    expect(spec.Cmd).toEqual(['/usr/bin/python3', '/gome/wrapper/job_wrapper.py', '--stats', '/gome/work/.gome/s.json', '--', '/usr/bin/python3', '/gome/work/main.py']);
  });
});
