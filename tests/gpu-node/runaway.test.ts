// Runaway jobs: a busy loop with a `sleep 1000` child is killed with its whole process group within 1 s of its limit.
import { afterEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { runProcess, liveJobProcesses } from '../../gpu-node/index.ts';
import { fixture, job, jobMarker, makeNode, processesMentioning, sleep, type Fixture } from './helpers.ts';
import { join } from 'node:path';

const RUNAWAY = `
import subprocess
subprocess.Popen(['sleep', '1000'])
print('spawned', flush=True)
x = 0
while True:
    x += 1
`;

let fx: Fixture;
afterEach(() => fx?.cleanup());

describe.each(['bwrap', 'none'] as const)('runaway (%s)', (sandbox) => {
  it(`gpu-node - runaway job is killed within 1s of its limit (${sandbox})`, async () => {
    fx = fixture();
    const node = makeNode(fx, { sandbox });
    const j = job(fx, RUNAWAY, { limitMs: 1500 });
    const marker = jobMarker(j.jobId);
    const pending = node.submit(j);
    // while it runs, the job's processes (wrapper, python, sleep) are visible and carry the job id
    await sleep(1000);
    const during = processesMentioning(marker);
    expect(during.some((p) => p.cmd.startsWith('sleep 1000'))).toBe(true);
    const out = await pending;
    expect(out.status).toBe('timeout');
    expect(out.sandbox).toBe(sandbox);
    expect(out.usage.wallMs).toBeGreaterThanOrEqual(1400);
    expect(out.usage.wallMs).toBeLessThan(1500 + 1000);
    expect(out.endedAt - out.startedAt).toBeLessThan(1500 + 1000);
    expect(out.reason).toMatch(/limit of 1\.5 s/);
    expect(out.stdoutTail).toContain('spawned');
    expect(out.usage.cpuMs).toBeGreaterThan(0);
    // nothing of the job survives: no live process carries its id (the sleep child inherited GOME_JOB_ID)
    expect(processesMentioning(marker)).toEqual([]);
    await node.close();
  });

  it(`gpu-node - a child that leaves the process group with setsid is killed too (${sandbox})`, async () => {
    fx = fixture();
    const node = makeNode(fx, { sandbox });
    const j = job(fx, "import subprocess, time\nsubprocess.Popen(['sleep', '1000'], start_new_session=True)\ntime.sleep(1000)\n", { limitMs: 1000 });
    const out = await node.submit(j);
    expect(out.status).toBe('timeout');
    expect(processesMentioning(jobMarker(j.jobId))).toEqual([]);
    await node.close();
  });
});

describe('process runner', () => {
  it('process-runner - the process group is SIGKILLed at the deadline and no member survives', async () => {
    fx = fixture();
    const t0 = Date.now();
    const res = await runProcess({
      file: '/bin/sh', args: ['-c', 'sleep 1000 & sleep 1000 & while :; do :; done'], env: { PATH: '/usr/bin:/bin' },
      cwd: fx.root, limitMs: 800, stdoutPath: join(fx.root, 'o.log'), stderrPath: join(fx.root, 'e.log'),
    });
    const took = Date.now() - t0;
    expect(res.timedOut).toBe(true);
    expect(res.signal).toBe('SIGKILL');
    expect(took).toBeLessThan(800 + 1000);
    expect(res.usageSource).toBe('proc');
    expect(res.cpuMs).toBeGreaterThan(0);
    // no process of the group is alive any more
    const inGroup = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((n) => {
      try {
        const s = readFileSync(`/proc/${n}/stat`, 'utf8');
        const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
        return Number(f[2]) === res.pid && f[0] !== 'Z';
      } catch { return false; }
    });
    expect(inGroup).toEqual([]);
    expect(liveJobProcesses(res.pid, res.pid)).toEqual([]);
  });

  it('process-runner - tails keep the last bytes and full logs go to files', async () => {
    fx = fixture();
    const res = await runProcess({
      file: '/usr/bin/python3', args: ['-c', 'import sys\nfor i in range(5000): print("line", i)\nsys.stderr.write("bad\\n")'],
      env: { PATH: '/usr/bin:/bin' }, cwd: fx.root, limitMs: 10_000, tailBytes: 100,
      stdoutPath: join(fx.root, 'o.log'), stderrPath: join(fx.root, 'e.log'),
    });
    expect(res.exitCode).toBe(0);
    expect(res.stdoutTail.length).toBeLessThanOrEqual(100);
    expect(res.stdoutTail.endsWith('line 4999\n')).toBe(true);
    expect(res.stderrTail).toBe('bad\n');
    const full = readFileSync(join(fx.root, 'o.log'), 'utf8');
    expect(full.startsWith('line 0\n')).toBe(true);
    expect(full.split('\n').length).toBe(5001);
  });
});
