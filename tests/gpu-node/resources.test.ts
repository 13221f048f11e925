// Resource accounting and failure mapping: peak RSS and CPU of a real job, a crashing script, infra failures, close().
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixture, job, makeNode, sleep, type Fixture } from './helpers.ts';

let fx: Fixture;
afterEach(() => fx?.cleanup());

describe('resources', () => {
  it.each(['bwrap', 'none'] as const)('gpu-node - a job allocating ~200 MB reports peakRss >= 150 MB and cpuMs > 0 (%s)', async (sandbox) => {
    fx = fixture();
    const node = makeNode(fx, { sandbox });
    const code = "import time\nb = b'x' * (200 * 1024 * 1024)\ns = 0\nfor i in range(2_000_000):\n    s += i\ntime.sleep(0.3)\nprint(len(b), s)\n";
    const out = await node.submit(job(fx, code));
    expect(out.status).toBe('ok');
    expect(out.usage.peakRssKb).toBeGreaterThanOrEqual(150 * 1024);
    expect(out.usage.cpuMs).toBeGreaterThan(0);
    expect(out.usage.wallMs).toBeGreaterThan(300);
    await node.close();
  });

  it('gpu-node - memoryLimitMb caps the job address space (MemoryError is an error outcome)', async () => {
    fx = fixture();
    const node = makeNode(fx, { memoryLimitMb: 300 });
    const out = await node.submit(job(fx, "b = b'x' * (600 * 1024 * 1024)\n"));
    expect(out.status).toBe('error');
    expect(out.stderrTail).toContain('MemoryError');
    await node.close();
  });

  it('gpu-node - a crashing script gives status error with the traceback in stderrTail', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const out = await node.submit(job(fx, "def f():\n    raise ValueError('boom-123')\nf()\n"));
    expect(out.status).toBe('error');
    expect(out.exitCode).toBe(1);
    expect(out.stderrTail).toContain('Traceback (most recent call last)');
    expect(out.stderrTail).toContain("ValueError: boom-123");
    expect(out.reason).toBe('exit code 1: ValueError: boom-123');
    expect(readFileSync(join(out.workdir, 'stderr.log'), 'utf8')).toContain('boom-123');
    await node.close();
  });

  it('gpu-node - a job killed by a signal is an error naming the signal', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const out = await node.submit(job(fx, 'import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\n'));
    expect(out.status).toBe('error');
    expect(out.exitCode).toBeNull();
    expect(out.signal).toBe('SIGTERM');
    await node.close();
  });

  it('gpu-node - the job sees the contract environment', async () => {
    fx = fixture();
    const node = makeNode(fx, { cpus: 3 });
    const code = "import os, json\nkeys = ['GOME_DATA_DIR','GOME_MODE','GOME_OUTPUT_DIR','PYTHONHASHSEED','OMP_NUM_THREADS','MKL_NUM_THREADS','CUDA_VISIBLE_DEVICES']\nprint(json.dumps({k: os.environ.get(k) for k in keys} | {'cwd': os.getcwd()}))\n";
    const out = await node.submit(job(fx, code, { mode: 'debug' }));
    expect(out.status).toBe('ok');
    const env = JSON.parse(out.stdoutTail.trim()) as Record<string, string | null>;
    // sealed: the job sees its workspace and data at fixed inner paths, whatever the host paths
    expect(env).toEqual({
      GOME_DATA_DIR: '/gome/data', GOME_MODE: 'debug', GOME_OUTPUT_DIR: '/gome/work', PYTHONHASHSEED: '0',
      OMP_NUM_THREADS: '3', MKL_NUM_THREADS: '3', CUDA_VISIBLE_DEVICES: null, cwd: '/gome/work',
    });
    expect(out.workdir).toBe(join(fx.jobsRoot, out.jobId));
    expect(readFileSync(join(out.workdir, 'main.py'), 'utf8')).toBe(code);
    await node.close();
  });

  it('gpu-node - CUDA_VISIBLE_DEVICES is set when GPUs are present, in nvidia-smi\'s order (PCI bus)', async () => {
    fx = fixture();
    const node = makeNode(fx, { gpus: [{ index: 0, name: 'A', memoryMb: 1 }, { index: 1, name: 'B', memoryMb: 1 }] });
    const out = await node.submit(job(fx, "import os\nprint(os.environ['CUDA_VISIBLE_DEVICES'], os.environ['CUDA_DEVICE_ORDER'])\n"));
    expect(out.stdoutTail.trim()).toBe('0,1 PCI_BUS_ID');
    await node.close();
  });

  it('gpu-node - a missing interpreter is infra naming the python3 package, and its time is refunded', async () => {
    fx = fixture();
    const node = makeNode(fx, { python: '/nonexistent/python3' });
    const out = await node.submit(job(fx, 'print(1)'));
    expect(out.status).toBe('infra');
    expect(out.reason).toMatch(/apt-get install -y python3/);
    expect(node.stats().byStatus.infra).toBe(1);
    await node.close();
  });

  it('gpu-node - a missing data dir is infra and the job does not run', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const out = await node.submit(job(fx, 'print(1)', { dataDir: join(fx.root, 'nope') }));
    expect(out.status).toBe('infra');
    expect(out.reason).toMatch(/data dir .*nope/);
    expect(existsSync(out.workdir)).toBe(false);
    await node.close();
  });

  it('gpu-node - an unsafe job id is infra, not a path escape', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const out = await node.submit(job(fx, 'print(1)', { jobId: '../escape' }));
    expect(out.status).toBe('infra');
    expect(out.reason).toMatch(/safe directory name/);
    expect(existsSync(join(fx.root, 'escape'))).toBe(false);
    await node.close();
  });

  it('gpu-node - close() kills the running job (infra) and later submissions are infra', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const running = node.submit(job(fx, 'import time\ntime.sleep(1000)\n'));
    const queued = node.submit(job(fx, 'print(1)'));
    await sleep(500);
    const t0 = Date.now();
    await node.close();
    expect(Date.now() - t0).toBeLessThan(1500);
    const [a, b] = await Promise.all([running, queued]);
    expect(a.status).toBe('infra');
    expect(a.reason).toMatch(/closed/);
    expect(b.status).toBe('infra');
    expect((await node.submit(job(fx, 'print(1)'))).status).toBe('infra');
  });
});
