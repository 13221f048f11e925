// The GPU node's circuit breaker on real processes: a broken interpreter or sandbox fails every job as an
// infrastructure failure; after five in a row the node stops taking jobs and names the failing part and its fix.
import { afterEach, describe, expect, it } from 'vitest';
import { CircuitBreaker, InfrastructureFailing, MAX_CONSECUTIVE_INFRA, classifyInfra } from '../../gpu-node/circuit-breaker.ts';
import { BinaryNotFound, SandboxUnavailable, WorkspaceFailed } from '../../gpu-node/errors.ts';
import { fixture, job, makeNode, type Fixture } from './helpers.ts';

let fx: Fixture | null = null;
afterEach(() => { fx?.cleanup(); fx = null; });

describe('circuit breaker', () => {
  it('circuit-breaker - five infrastructure failures in a row open it once, with the failing part named', async () => {
    fx = fixture();
    const opened: InfrastructureFailing[] = [];
    // a "python" that exits at once without running the job wrapper: every job is an infrastructure failure
    const node = makeNode(fx, { sandbox: 'none', python: '/bin/false', onBreakerOpen: (e) => opened.push(e) });
    const t0 = Date.now();
    for (let i = 0; i < MAX_CONSECUTIVE_INFRA; i++) {
      const r = await node.submit(job(fx, 'print(1)'));
      expect(r.status).toBe('infra');
    }
    expect(opened).toHaveLength(1);
    expect(opened[0]).toBeInstanceOf(InfrastructureFailing);
    expect(opened[0]!.part).toBe('interpreter');
    expect(opened[0]!.message).toMatch(/5 infrastructure failures in a row; the failing part is the interpreter.*fix: .*gome doctor/);
    // once open, jobs are refused at once, without running, and without a second notification
    const after = await node.submit(job(fx, 'print(1)'));
    expect(after.status).toBe('infra');
    expect(after.reason).toMatch(/infrastructure failures in a row/);
    expect(opened).toHaveLength(1);
    expect(Date.now() - t0).toBeLessThan(20_000);
    expect(node.breakerOpen).toBe(opened[0]);
    await node.close();
  });

  it('circuit-breaker - a job that runs (even one that fails by its own fault) resets the streak', async () => {
    fx = fixture();
    const node = makeNode(fx, { sandbox: 'none' });
    const b = new CircuitBreaker(3);
    expect(b.failure('sandbox', 'x')).toBeNull();
    expect(b.failure('sandbox', 'x')).toBeNull();
    b.success();
    expect(b.failure('sandbox', 'x')).toBeNull();
    expect(b.failure('sandbox', 'x')).toBeNull();
    expect(b.failure('disk', 'ENOSPC')?.part).toBe('disk');
    const r = await node.submit(job(fx, 'raise SystemExit(3)'));
    expect(r.status).toBe('error'); // the job's own fault: not infrastructure
    expect(node.breakerOpen).toBeNull();
    await node.close();
  });

  it('circuit-breaker - failures are attributed to the part that broke', () => {
    expect(classifyInfra(new SandboxUnavailable('bwrap', 'no user namespaces'), '')).toBe('sandbox');
    expect(classifyInfra(new BinaryNotFound('bwrap', 'bubblewrap'), '')).toBe('sandbox');
    expect(classifyInfra(new BinaryNotFound('/usr/bin/python3', 'python3'), '')).toBe('interpreter');
    expect(classifyInfra(new WorkspaceFailed('/runs/x/jobs/j', 'EACCES'), '')).toBe('disk');
    expect(classifyInfra(null, "python3: can't open file '/work/gpu-node/job_wrapper.py': [Errno 2] No such file or directory")).toBe('sandbox');
    expect(classifyInfra(null, 'bwrap: Can\'t mount tmpfs on /newroot: Operation not permitted')).toBe('sandbox');
    expect(classifyInfra(null, 'write failed: ENOSPC: no space left on device')).toBe('disk');
  });
});
