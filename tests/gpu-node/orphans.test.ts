// Jobs never outlive Gome: when the process hosting the GPU node is killed with kill -9 (no handler runs), the
// running job (wrapper, python and all) is SIGKILLed by the kernel through its parent-death signal, in both sandboxes.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { jobMarker, processesMentioning, sleep } from './helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');

describe.each(['bwrap', 'none'] as const)('orphans (%s)', (sandbox) => {
  it(`gpu-node - a running job dies within a second of its host's kill -9 (${sandbox})`, async () => {
    const jobId = `orphan-${sandbox}-${process.pid}-${Date.now()}`;
    const host = spawn(process.execPath, [join(REPO, 'bin', 'run-ts.mjs'), join(REPO, 'tests/gpu-node/fixtures/orphan-host.ts'), sandbox, jobId], { stdio: 'ignore' });
    const marker = jobMarker(jobId);
    const end = Date.now() + 30_000;
    // the job's own python (not only its wrapper, whose command line also names main.py) is running
    while (!processesMentioning(marker).some((p) => /main\.py/.test(p.cmd) && !/job_wrapper/.test(p.cmd))) {
      if (Date.now() > end) throw new Error('the job never started');
      await sleep(100);
    }
    expect(processesMentioning(marker).length).toBeGreaterThanOrEqual(2); // the wrapper and the job's python
    host.kill('SIGKILL');
    await sleep(1000);
    expect(processesMentioning(marker).map((p) => p.cmd)).toEqual([]); // the job would otherwise sleep for 60 s
  }, 60_000);
});
