// Serialisation: one job at a time in FIFO order, with queue length and utilisation figures; GPU detection.
import { afterEach, describe, expect, it } from 'vitest';
import { JobQueue, detectGpus, parseNvidiaSmi, cudaVisibleDevices } from '../../gpu-node/index.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { fixture, job, makeNode, sleep, type Fixture } from './helpers.ts';

let fx: Fixture;
afterEach(() => fx?.cleanup());

describe('job queue', () => {
  it('job-queue - tasks run one at a time in FIFO order and failures do not block the queue', async () => {
    const clock = new ManualClock(0);
    const q = new JobQueue(clock);
    const log: string[] = [];
    let active = 0;
    const task = (name: string, ms: number, fail = false) => q.run(async () => {
      active++;
      expect(active).toBe(1);
      log.push(`start ${name}`);
      await sleep(ms);
      clock.advance(ms);
      log.push(`end ${name}`);
      active--;
      if (fail) throw new Error(name);
      return name;
    });
    const a = task('a', 30);
    const b = task('b', 10, true);
    const c = task('c', 5);
    expect(q.length).toBe(3);
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    clock.advance(45); // idle time lowers utilisation
    expect(q.stats()).toEqual({ queueLength: 0, running: false, jobsRun: 3, busyMs: 45, elapsedMs: 90, utilisation: 0.5 });
  });

  it('gpu-node - two submitted jobs never overlap (timestamps)', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const code = "import time\nt0 = time.time()\ntime.sleep(0.4)\nprint(t0, time.time())\n";
    const p1 = node.submit(job(fx, code));
    const p2 = node.submit(job(fx, code));
    expect(node.stats().queueLength).toBeGreaterThanOrEqual(1);
    const [a, b] = await Promise.all([p1, p2]);
    expect(a.status).toBe('ok');
    expect(b.status).toBe('ok');
    expect(a.endedAt).toBeLessThanOrEqual(b.startedAt);
    const [a0, a1] = a.stdoutTail.trim().split(' ').map(Number);
    const [b0, b1] = b.stdoutTail.trim().split(' ').map(Number);
    expect(a1!).toBeLessThanOrEqual(b0!);
    expect(a0!).toBeLessThan(a1!);
    expect(b0!).toBeLessThan(b1!);
    const s = node.stats();
    expect(s.jobsRun).toBe(2);
    expect(s.queueLength).toBe(0);
    expect(s.utilisation).toBeGreaterThan(0.9);
    expect(s.byStatus.ok).toBe(2);
    await node.close();
  });
});

describe('gpu detection', () => {
  it('gpu-detect - parses nvidia-smi csv and returns [] without nvidia-smi', async () => {
    expect(parseNvidiaSmi('0, NVIDIA A100-SXM4-40GB, 40960 MiB\n1, Tesla T4, 15360 MiB\n')).toEqual([
      { index: 0, name: 'NVIDIA A100-SXM4-40GB', memoryMb: 40960 }, { index: 1, name: 'Tesla T4', memoryMb: 15360 },
    ]);
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
    expect(await detectGpus({ nvidiaSmi: '/nonexistent/nvidia-smi' })).toEqual([]);
    expect(await detectGpus()).toEqual([]); // none on this machine
    expect(cudaVisibleDevices([])).toBeNull();
  });
});
