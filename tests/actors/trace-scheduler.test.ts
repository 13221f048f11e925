// The PUCT trace scheduler: priorities follow Q + c·P·sqrt(N)/(1 + n) over the traces' normalised best scores, and
// under a concurrency limit the coordinator starts the idle trace with the highest one.
import { describe, expect, it } from 'vitest';
import { puctOrder, puctPriorities } from '../../actors/coordinator/trace-scheduler.ts';
import { coordinatorMachine } from '../../actors/coordinator/coordinator-machine.ts';
import { addr } from '../../actors/addresses.ts';
import { samples } from '../helpers/envelopes.ts';
import { budget, loglossTask, ofType, Sim, sotaRef } from './harness.ts';

describe('trace scheduler', () => {
  it('trace scheduler - PUCT priorities are the normalised best score plus c·P·sqrt(N)/(1 + n), in either metric direction', () => {
    const stats = { started: { t0: 4, t1: 1, t2: 0 }, best: { t0: 0.9, t1: 0.8 }, lowerIsBetter: false };
    const p = puctPriorities(['t0', 't1', 't2'], stats, 1.5);
    const u = (n: number) => 1.5 * (1 / 3) * Math.sqrt(5) / (1 + n);
    expect(p.map((x) => x.q)).toEqual([1, 0, 0]);
    p.forEach((x, i) => expect(x.u).toBeCloseTo(u([4, 1, 0][i]!), 12));
    expect(p.map((x) => x.priority)).toEqual([p[0]!.q + p[0]!.u, p[1]!.q + p[1]!.u, Infinity]); // t2 was never started: it comes first
    // a log loss: lower is better, so t1 (0.2) leads and t0 (0.5) is the worst
    const lower = puctPriorities(['t0', 't1', 't2'], { started: { t0: 1, t1: 1, t2: 1 }, best: { t0: 0.5, t1: 0.2, t2: 0.35 }, lowerIsBetter: true }, 0);
    expect(lower.map((x) => x.q)).toEqual([0, 1, expect.closeTo(0.5, 12)]);
    // exploitation with a small c, exploration with a large one (among traces started once at least)
    const tried = { ...stats, started: { t0: 4, t1: 1, t2: 1 } };
    expect(puctOrder(['t0', 't1', 't2'], ['t0', 't1', 't2'], tried, 0.1)[0]).toBe('t0');
    expect(puctOrder(['t0', 't1', 't2'], ['t0', 't1', 't2'], tried, 10)[0]).toBe('t1');
    expect(puctOrder(['t0', 't1', 't2'], ['t0', 't1', 't2'], stats, 0.1)[0]).toBe('t2');
    // ties keep the given order
    expect(puctOrder(['t2', 't1'], ['t1', 't2'], { started: {}, best: {}, lowerIsBetter: false }, 1)).toEqual(['t2', 't1']);
  });

  it('trace scheduler - with one slot for three traces the coordinator starts the trace PUCT ranks first', () => {
    const run = (c: number) => {
      const sim = new Sim(coordinatorMachine, { traces: ['t0', 't1', 't2'], maxIterations: null, minRemainingFrac: 0.02, concurrency: 1, scheduler: { kind: 'puct', c } }, addr.coordinator, { trace: 'run' });
      sim.send(addr.cli, 'run.start', { ...samples['run.start'], task: loglossTask });
      const started: string[] = [];
      const go = (used: number) => started.push(...ofType(sim.send(addr.gpu, 'budget.status', budget(used)), 'research.request').map((o) => o.trace!));
      go(0.05);
      // every trace gets one iteration first (an untried trace's exploration term is the largest); t1 ends with the best log loss
      const loss: Record<string, number> = { t0: 0.5, t1: 0.2, t2: 0.4 };
      for (let i = 0; i < 8; i++) {
        const t = started[started.length - 1]!;
        sim.clock.advance(1000);
        sim.send(addr.memory, 'iteration.done', { experiment: `${t}-e${i}`, trace: t, status: 'accepted', score: loss[t]!, improved: true, sota: sotaRef({ experiment: `${t}-e${i}`, score: loss[t]! }), reason: null }, t);
        go(0.1 + i * 0.05);
      }
      return started;
    };
    const greedy = run(0.05);
    expect(greedy.slice(0, 3)).toEqual(['t0', 't1', 't2']); // every trace once, in order
    expect(greedy.slice(3).every((t) => t === 't1')).toBe(true); // then the leading trace only
    const explore = run(20);
    const count = (t: string) => explore.slice(3).filter((x) => x === t).length;
    expect(Math.max(count('t0'), count('t1'), count('t2')) - Math.min(count('t0'), count('t1'), count('t2'))).toBeLessThanOrEqual(1); // in turn
    const mid = run(2);
    const midCount = (t: string) => mid.slice(3).filter((x) => x === t).length;
    expect(midCount('t1')).toBeGreaterThan(midCount('t2')); // the leader most, the runner-up (t2) before the last (t0)
    expect(midCount('t2')).toBeGreaterThanOrEqual(midCount('t0'));
  });
});
