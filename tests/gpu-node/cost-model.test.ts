// The GPU node's cost model on real sandboxed jobs: a debug run's printed estimate is corrected by the measured ratio
// of earlier full runs, and admission refuses with a typed 'too-slow' refusal the validator can have reshaped.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, job, makeNode, type Fixture } from './helpers.ts';
import type { GpuNode } from '../../gpu-node/index.ts';

const debugCode = (seconds: number): string => `print("GOME_ESTIMATED_FULL_SECONDS=${seconds}")\n`;
const fullCode = (sleepS: number): string => `import time\ntime.sleep(${sleepS})\nprint("done")\n`;

describe('cost model on the GPU node', () => {
  let fx: Fixture;
  let node: GpuNode;
  beforeAll(() => { fx = fixture(); node = makeNode(fx); });
  afterAll(async () => { await node.close(); fx.cleanup(); });

  it('cost-model - debug estimates are corrected by the measured ratio of earlier full runs', async () => {
    const d1 = await node.submit(job(fx, debugCode(20), { mode: 'debug' }));
    expect(d1.status).toBe('ok');
    expect(d1.rawEstimatedFullMs).toBe(20_000);
    expect(d1.estimatedFullMs).toBe(20_000); // nothing measured yet: taken as printed
    // the full run takes ~1.5 s of the 20 s estimated (and within its limit: admitted)
    const f1 = await node.submit(job(fx, fullCode(1.5), { mode: 'full', estimatedMs: d1.estimatedFullMs, rawEstimatedMs: d1.rawEstimatedFullMs, after: d1.jobId }));
    expect(f1.status).toBe('ok');
    const { factor, pairs } = node.costCorrection();
    expect(pairs).toBe(1);
    expect(factor).toBeCloseTo(Math.sqrt(f1.usage.wallMs / 20_000), 6);
    const d2 = await node.submit(job(fx, debugCode(20), { mode: 'debug' }));
    expect(d2.rawEstimatedFullMs).toBe(20_000);
    expect(d2.estimatedFullMs).toBe(Math.round(20_000 * factor));
    expect(d2.estimatedFullMs!).toBeLessThan(10_000);
  });

  it('admission - an estimate beyond the job limit is refused with the typed refusal too-slow', async () => {
    const r = await node.submit(job(fx, fullCode(0), { mode: 'full', limitMs: 5_000, estimatedMs: 9_000 }));
    expect(r.status).toBe('refused');
    expect(r.refusal).toBe('too-slow');
    expect(r.reason).toMatch(/estimated runtime 9\.0 s \(from the debug run\) with a 1\.5× safety margin exceeds the job limit 5\.0 s/);
  });
});
