// The overrun watch: a full run whose GOME_PROGRESS lines project it past its limit is stopped then (a timeout that
// wasted one unit of work, not the whole limit); a run on pace, a debug run and a run printing no progress are not.
import { afterEach, describe, expect, it } from 'vitest';
import { OVERRUN_MARGIN, parseProgress, ProgressWatch, projectedMs, type Overrun } from '../../gpu-node/progress-watch.ts';
import { fixture, job, jobMarker, makeNode, processesMentioning, type Fixture } from './helpers.ts';

let fx: Fixture;
afterEach(() => fx?.cleanup());

describe('progress watch', () => {
  it('progress-watch - parses progress lines and rejects malformed ones', () => {
    expect(parseProgress('GOME_PROGRESS=2/5')).toEqual({ done: 2, total: 5 });
    expect(parseProgress('  GOME_PROGRESS=0/3 \r')).toEqual({ done: 0, total: 3 });
    for (const bad of ['GOME_PROGRESS=6/5', 'GOME_PROGRESS=1/0', 'GOME_PROGRESS=-1/5', 'GOME_PROGRESS=1.5/5', 'fold 1 GOME_PROGRESS=1/5', 'GOME_PROGRESS=1/5 extra']) {
      expect(parseProgress(bad), bad).toBeNull();
    }
  });

  it('progress-watch - projects from the first line at the measured pace; nothing before a unit is done', () => {
    // loading took 10 s (first line at 10 s), two folds of 20 s each: three more folds to go → 50 + 60 = 110 s
    expect(projectedMs({ atMs: 10_000, done: 0 }, 50_000, { done: 2, total: 5 })).toBe(110_000);
    expect(projectedMs({ atMs: 10_000, done: 0 }, 12_000, { done: 0, total: 5 })).toBeNull();
    // a watch that first saw a later line counts the pace from there
    expect(projectedMs({ atMs: 30_000, done: 1 }, 50_000, { done: 2, total: 5 })).toBe(110_000);
  });

  it('progress-watch - fires once, when the projection first exceeds the limit by the margin, across split chunks', () => {
    let t = 0;
    const fired: Overrun[] = [];
    const w = new ProgressWatch(100_000, () => t, (o) => fired.push(o));
    t = 5_000; w.feed('loading...\nGOME_PRO');
    w.feed('GRESS=0/5\n');
    // fold 1 at 25 s: projected 25 + 4 x 20 = 105 s, within 100 x margin
    t = 25_000; w.feed('fold 0 done\nGOME_PROGRESS=1/5\n');
    expect(105_000).toBeLessThan(100_000 * OVERRUN_MARGIN);
    expect(fired).toHaveLength(0);
    // fold 2 slower, at 60 s: pace 27.5 s per fold → 60 + 3 x 27.5 = 142.5 s: fires
    t = 60_000; w.feed('GOME_PROGRESS=2/5\n');
    expect(fired).toHaveLength(1);
    expect(fired[0]).toEqual({ projectedMs: 142_500, atMs: 60_000, progress: { done: 2, total: 5 } });
    t = 70_000; w.feed('GOME_PROGRESS=3/5\n');
    expect(fired).toHaveLength(1);
    expect(w.overrun).toEqual(fired[0]);
  });

  it('progress-watch - output without newlines or progress lines never fires and keeps little', () => {
    let t = 0;
    const w = new ProgressWatch(1_000, () => t, () => { throw new Error('fired'); });
    for (let i = 0; i < 1000; i++) { t += 100; w.feed('x'.repeat(100)); }
    w.feed('\nGOME_PROGRESS=1/100\n'); // no first line: this one becomes the start
    expect(w.overrun).toBeNull();
  });
});

// a job that prints its progress as a pipeline's folds do, each fold `foldS` seconds of sleep
const folds = (n: number, foldS: number): string => `
import time
print('GOME_PROGRESS=0/${n}', flush=True)
for k in range(${n}):
    time.sleep(${foldS})
    print(f'GOME_PROGRESS={k + 1}/${n}', flush=True)
print('done', flush=True)
`;

describe.each(['bwrap', 'none'] as const)('overrun (%s)', (sandbox) => {
  it(`gpu-node - a full run projected past its limit is stopped after its first fold, as a timeout that says why (${sandbox})`, async () => {
    fx = fixture();
    const node = makeNode(fx, { sandbox });
    // ten folds of 1 s against a 4 s limit: projected ~10 s after the first fold
    const j = job(fx, folds(10, 1), { limitMs: 4_000, rawEstimatedMs: 2_000 });
    const out = await node.submit(j);
    expect(out.status).toBe('timeout');
    expect(out.reason).toMatch(/stopped at \d+\.\d s, after 1 of 10 units of its work: its pace projected \d+\.\d s, past its limit of 4\.0 s/);
    expect(out.usage.wallMs).toBeLessThan(3_000); // not the whole 4 s limit
    // the projection (~10 s) is in the outcome, and the cost model learns from it: its debug run said 2 s
    expect(out.projectedMs!).toBeGreaterThan(4_000 * OVERRUN_MARGIN);
    expect(out.projectedMs!).toBeLessThan(20_000);
    const learned = node.costCorrection();
    expect(learned.pairs).toBe(1);
    expect(learned.factor).toBeCloseTo(Math.sqrt(out.projectedMs! / 2_000), 6); // one pair, shrunk halfway to 1
    // a resumed node learns the same from the log
    const again = makeNode(fx, { sandbox });
    again.restore([{ submit: j, result: out }], null);
    expect(again.costCorrection()).toEqual(learned);
    await again.close();
    expect(out.stdoutTail).toContain('GOME_PROGRESS=1/10');
    expect(out.stdoutTail).not.toContain('done');
    expect(processesMentioning(jobMarker(j.jobId))).toEqual([]);
    // the node goes on: the next job runs
    const next = await node.submit(job(fx, folds(2, 0.2), { limitMs: 4_000 }));
    expect(next.status).not.toBe('infra');
    expect(next.stdoutTail).toContain('done');
    await node.close();
  });

  it(`gpu-node - a run on pace, a debug run and a run without progress lines are not stopped by the watch (${sandbox})`, async () => {
    fx = fixture();
    const node = makeNode(fx, { sandbox });
    // on pace: four folds of 0.5 s against a 6 s limit
    const onPace = await node.submit(job(fx, folds(4, 0.5), { limitMs: 6_000 }));
    expect(onPace.stdoutTail).toContain('done');
    expect(onPace.reason ?? '').not.toMatch(/projected/);
    // a debug run is not watched: it is killed at its limit only
    const debug = await node.submit(job(fx, folds(10, 0.5), { mode: 'debug', limitMs: 2_000 }));
    expect(debug.status).toBe('timeout');
    expect(debug.reason).toMatch(/killed at its limit of 2\.0 s/);
    // no progress lines: the limit kills it
    const silent = await node.submit(job(fx, 'import time\ntime.sleep(100)\n', { limitMs: 1_500 }));
    expect(silent.status).toBe('timeout');
    expect(silent.reason).toMatch(/killed at its limit of 1\.5 s/);
    await node.close();
  });
});
