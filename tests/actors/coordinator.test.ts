// Coordinator machine: budget polling, dispatch to idle traces, best tracking, and when the run ends.
import { describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import { addr } from '../../actors/addresses.ts';
import { coordinatorMachine, type CoordinatorInput } from '../../actors/coordinator/coordinator-machine.ts';
import type { Outgoing } from '../../runtime/envelope-factory.ts';
import { samples } from '../helpers/envelopes.ts';
import { budget, loglossTask, ofType, one, Sim, sotaRef, task } from './harness.ts';

function coordinator(over: Partial<CoordinatorInput> = {}, t: TaskInfo = task, requester = addr.cli): Sim<typeof coordinatorMachine> {
  const c = new Sim(coordinatorMachine, { traces: ['t0', 't1', 't2'], maxIterations: null, minRemainingFrac: 0.02, ...over }, addr.coordinator, { trace: 'run' });
  const outs = c.send(requester, 'run.start', { ...samples['run.start'], task: t });
  expect(outs).toEqual([{ to: addr.gpu, type: 'budget.request', payload: {} }]);
  return c;
}

const researchTargets = (outs: Outgoing[]) => ofType(outs, 'research.request').map((o) => o.to);

function done(c: Sim<typeof coordinatorMachine>, trace: string, sota: Payload<'iteration.done'>['sota'] = null, over: Partial<Payload<'iteration.done'>> = {}): Outgoing[] {
  c.clock.advance(60_000);
  return c.send(addr.memory, 'iteration.done', {
    experiment: `${trace}-e`, trace, status: sota ? 'accepted' : 'failed', score: sota?.score ?? null, improved: sota !== null, sota, reason: null, ...over,
  }, trace);
}

describe('coordinator', () => {
  it('coordinator - run.start asks the gpu node for the budget', () => {
    const c = coordinator();
    expect(c.value).toBe('running');
  });

  it('coordinator - budget.status starts research on every idle trace', () => {
    const c = coordinator();
    const b = budget(0.1);
    const outs = c.send(addr.gpu, 'budget.status', b);
    expect(outs).toHaveLength(3);
    expect(researchTargets(outs)).toEqual([addr.researcher('t0'), addr.researcher('t1'), addr.researcher('t2')]);
    for (const o of ofType(outs, 'research.request')) {
      // the three traces share the GPU node's time left: each change plans with a third of it
      expect(o.payload).toEqual({ iteration: 0, budget: b, sharers: 3 });
      expect(o.trace).toBe(o.to.replace('researcher.', ''));
    }
  });

  it('coordinator - a trace started while others are in flight plans with its share of the budget left', () => {
    const c = coordinator();
    c.send(addr.gpu, 'budget.status', budget(0.1));
    done(c, 't1');
    // t0 and t2 are still in flight: t1's next change shares what is left with them
    expect(one(c.send(addr.gpu, 'budget.status', budget(0.2)), 'research.request').payload.sharers).toBe(3);
    done(c, 't0');
    done(c, 't1');
    done(c, 't2');
    // every trace idle again: all three start, three ways
    for (const o of ofType(c.send(addr.gpu, 'budget.status', budget(0.3)), 'research.request')) expect(o.payload.sharers).toBe(3);
  });

  it('coordinator - busy traces are not started again', () => {
    const c = coordinator();
    c.send(addr.gpu, 'budget.status', budget(0.1));
    expect(c.send(addr.gpu, 'budget.status', budget(0.12))).toEqual([]);
    // t1 finishes: a budget check follows, and only t1 gets new work, with its next iteration number
    expect(done(c, 't1')).toEqual([{ to: addr.gpu, type: 'budget.request', payload: {} }]);
    const outs = c.send(addr.gpu, 'budget.status', budget(0.2));
    expect(researchTargets(outs)).toEqual([addr.researcher('t1')]);
    expect(one(outs, 'research.request').payload.iteration).toBe(1);
    done(c, 't0');
    done(c, 't1');
    const again = c.send(addr.gpu, 'budget.status', budget(0.3));
    expect(ofType(again, 'research.request').map((o) => [o.to, o.payload.iteration])).toEqual([
      [addr.researcher('t0'), 1], [addr.researcher('t1'), 2],
    ]);
  });

  it('coordinator - run ends on budget only when no trace is busy', () => {
    const c = coordinator({ traces: ['t0', 't1'] }, task, 'cli.7');
    c.send(addr.gpu, 'budget.status', budget(0.5));
    // the budget runs out while both traces are busy: nothing new starts, nothing ends yet
    const exhausted = { ...budget(0.99), remainingMs: 1_000 }; // 1% left < minRemainingFrac 2%
    expect(c.send(addr.gpu, 'budget.status', exhausted)).toEqual([]);
    expect(c.value).toBe('running');
    expect(ofType(done(c, 't0'), 'run.finished')).toEqual([]);
    expect(c.value).toBe('running');
    const last = done(c, 't1');
    const fin = one(last, 'run.finished');
    expect(fin.to).toBe('cli.7');
    expect(fin.payload).toEqual({ reason: 'budget', best: null, iterations: 2 });
    expect(c.value).toBe('done');
    expect(c.status).toBe('done');
  });

  it('coordinator - a budget check with nothing busy and no budget left ends the run', () => {
    const c = coordinator({ traces: ['t0'] });
    c.send(addr.gpu, 'budget.status', budget(0.5));
    done(c, 't0');
    const outs = c.send(addr.gpu, 'budget.status', { ...budget(1), remainingMs: 0 });
    expect(researchTargets(outs)).toEqual([]);
    expect(one(outs, 'run.finished').payload).toMatchObject({ reason: 'budget', iterations: 1 });
  });

  it('coordinator - a budget the GPU node reports closed to scored jobs ends the run instead of starting iterations it would refuse', () => {
    const c = coordinator({ traces: ['t0', 't1'] });
    c.send(addr.gpu, 'budget.status', budget(0.5));
    done(c, 't0');
    // half the budget is left, but the GPU node says not even the fastest full run measured would fit any more
    const closed = { ...budget(0.6), closed: 'budget nearly exhausted: 40.0 s left cannot hold even the fastest full run measured so far (30.0 s with a 1.5× safety margin)' };
    expect(researchTargets(c.send(addr.gpu, 'budget.status', closed))).toEqual([]);
    expect(c.value).toBe('running'); // t1 is still busy: its iteration is not cut off
    // the last report ends the run on the closed budget already known: no further budget check is needed
    expect(one(done(c, 't1'), 'run.finished').payload).toMatchObject({ reason: 'budget', iterations: 2 });
    expect(c.value).toBe('done');
  });

  it('coordinator - the budget threshold is a share of the whole budget', () => {
    const c = coordinator({ traces: ['t0'], minRemainingFrac: 0.25 });
    const outs = c.send(addr.gpu, 'budget.status', budget(0.74)); // 26% left: still runs
    expect(researchTargets(outs)).toEqual([addr.researcher('t0')]);
    done(c, 't0');
    const end = c.send(addr.gpu, 'budget.status', budget(0.75)); // 25% left: stop
    expect(researchTargets(end)).toEqual([]);
    expect(one(end, 'run.finished').payload.reason).toBe('budget');
  });

  it('coordinator - with a final refit planned, no iteration starts inside the refit reserve of the best pipeline', () => {
    // budget(frac) has a 100 s budget; the best pipeline's full run took 20 s: the refit is planned at 1.25 x 20 = 25 s
    const c = coordinator({ traces: ['t0'], refitFactor: 1.25 });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    const asked = done(c, 't0', sotaRef({ experiment: 't0-e0', score: 0.8, fullRunMs: 20_000 }));
    // the GPU node is told the reserve with the budget request, so in-flight changes cannot run into it either
    expect(asked).toEqual([{ to: addr.gpu, type: 'budget.request', payload: { refitReserveMs: 25_000 } }]);
    const go = c.send(addr.gpu, 'budget.status', budget(0.74)); // 26 s left
    expect(researchTargets(go)).toEqual([addr.researcher('t0')]);
    expect(one(go, 'research.request').payload.reserveMs).toBe(25_000); // the researcher plans changes without it
    done(c, 't0');
    const end = c.send(addr.gpu, 'budget.status', budget(0.76)); // 24 s left: inside the reserve
    expect(researchTargets(end)).toEqual([]);
    expect(one(end, 'run.finished').payload.reason).toBe('budget');
    // without a refit the same budget goes on to the 2% floor
    const plain = coordinator({ traces: ['t0'], refitFactor: null });
    plain.send(addr.gpu, 'budget.status', budget(0.1));
    done(plain, 't0', sotaRef({ experiment: 't0-e0', score: 0.8, fullRunMs: 20_000 }));
    expect(researchTargets(plain.send(addr.gpu, 'budget.status', budget(0.76)))).toEqual([addr.researcher('t0')]);
  });

  it('coordinator - a refit reserve the GPU node does not hold (that refit cannot fit in what is left) does not end the search', () => {
    // budget(frac) has a 100 s budget; the best pipeline's full run took 60 s: its refit is planned at 75 s
    const c = coordinator({ traces: ['t0'], refitFactor: 1.25 });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    expect(done(c, 't0', sotaRef({ experiment: 't0-e0', score: 0.8, fullRunMs: 60_000 })))
      .toEqual([{ to: addr.gpu, type: 'budget.request', payload: { refitReserveMs: 75_000 } }]);
    // 50 s are left when it is asked: the node holds none of it, and the search goes on to the 2% floor
    const go = c.send(addr.gpu, 'budget.status', { ...budget(0.5), refitHeldMs: 0 });
    expect(researchTargets(go)).toEqual([addr.researcher('t0')]);
    expect(one(go, 'research.request').payload.reserveMs).toBe(2_000); // the researcher plans with what is left
    done(c, 't0');
    expect(researchTargets(c.send(addr.gpu, 'budget.status', { ...budget(0.97), refitHeldMs: 0 }))).toEqual([addr.researcher('t0')]);
    done(c, 't0');
    expect(one(c.send(addr.gpu, 'budget.status', { ...budget(0.98), refitHeldMs: 0 }), 'run.finished').payload.reason).toBe('budget');
    // where the node holds the reserve, the search stops at it, as planned
    const held = coordinator({ traces: ['t0'], refitFactor: 1.25 });
    held.send(addr.gpu, 'budget.status', budget(0.1));
    done(held, 't0', sotaRef({ experiment: 't0-e0', score: 0.8, fullRunMs: 20_000 }));
    expect(researchTargets(held.send(addr.gpu, 'budget.status', { ...budget(0.76), refitHeldMs: 25_000 }))).toEqual([]);
  });

  it('coordinator - maxIterations is respected with several traces', () => {
    const c = coordinator({ traces: ['t0', 't1', 't2'], maxIterations: 4 });
    let started = researchTargets(c.send(addr.gpu, 'budget.status', budget(0.1)));
    expect(started).toHaveLength(3);
    done(c, 't0');
    // 1 done + 2 busy: one slot left
    const next = researchTargets(c.send(addr.gpu, 'budget.status', budget(0.2)));
    expect(next).toEqual([addr.researcher('t0')]);
    started = [...started, ...next];
    done(c, 't1');
    expect(researchTargets(c.send(addr.gpu, 'budget.status', budget(0.3)))).toEqual([]); // 2 done + 2 busy
    expect(ofType(done(c, 't2'), 'run.finished')).toEqual([]); // t0 is still busy
    const fin = one(done(c, 't0'), 'run.finished');
    expect(fin.payload).toEqual({ reason: 'iterations', best: null, iterations: 4 });
    expect(started).toHaveLength(4);
  });

  it('coordinator - maxIterations below the trace count starts only that many', () => {
    const c = coordinator({ traces: ['t0', 't1', 't2'], maxIterations: 2 });
    expect(researchTargets(c.send(addr.gpu, 'budget.status', budget(0.1)))).toEqual([addr.researcher('t0'), addr.researcher('t1')]);
    done(c, 't0');
    expect(researchTargets(c.send(addr.gpu, 'budget.status', budget(0.1)))).toEqual([]);
    expect(one(done(c, 't1'), 'run.finished').payload).toMatchObject({ reason: 'iterations', iterations: 2 });
  });

  it('coordinator - run.stop ends the run once busy traces finish and starts nothing new', () => {
    const c = coordinator({ traces: ['t0', 't1'] });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    expect(c.send('cli.0', 'run.stop', { reason: 'user' })).toEqual([]);
    done(c, 't0');
    expect(researchTargets(c.send(addr.gpu, 'budget.status', budget(0.2)))).toEqual([]);
    const fin = one(done(c, 't1'), 'run.finished');
    expect(fin.payload).toMatchObject({ reason: 'stopped', iterations: 2 });
  });

  it('coordinator - run.stop with nothing busy ends at once', () => {
    const c = coordinator();
    const outs = c.send('cli.0', 'run.stop', { reason: 'user' });
    expect(one(outs, 'run.finished').payload).toEqual({ reason: 'stopped', best: null, iterations: 0 });
    expect(c.value).toBe('done');
    // a finished run ignores further messages
    expect(c.send(addr.gpu, 'budget.status', budget(0.1))).toEqual([]);
  });

  it('coordinator - best is tracked by metric across traces', () => {
    // higher is better
    const hi = coordinator({ traces: ['t0', 't1'], maxIterations: 4 });
    hi.send(addr.gpu, 'budget.status', budget(0.1));
    done(hi, 't0', sotaRef({ experiment: 't0-e0', score: 0.8 }));
    done(hi, 't1', sotaRef({ experiment: 't1-e0', score: 0.9 }));
    hi.send(addr.gpu, 'budget.status', budget(0.2));
    done(hi, 't0', sotaRef({ experiment: 't0-e1', score: 0.85 })); // latest, but not best
    const fin = one(done(hi, 't1', sotaRef({ experiment: 't1-e0', score: 0.9 })), 'run.finished');
    expect(fin.payload.best).toEqual({ experiment: 't1-e0', trace: 't1', score: 0.9, submissionPath: null });
    // lower is better
    const lo = coordinator({ traces: ['t0', 't1'], maxIterations: 3 }, loglossTask);
    lo.send(addr.gpu, 'budget.status', budget(0.1));
    done(lo, 't0', sotaRef({ experiment: 't0-e0', score: 0.5 }));
    done(lo, 't1', sotaRef({ experiment: 't1-e0', score: 0.3 }));
    lo.send(addr.gpu, 'budget.status', budget(0.2));
    const end = one(done(lo, 't0', sotaRef({ experiment: 't0-e1', score: 0.4 })), 'run.finished');
    expect(end.payload).toMatchObject({ reason: 'iterations', iterations: 3, best: { experiment: 't1-e0', trace: 't1', score: 0.3 } });
  });

  it('coordinator - failed iterations count towards iterations but never become best', () => {
    const c = coordinator({ traces: ['t0'], maxIterations: 2 });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    done(c, 't0', null, { status: 'failed' });
    c.send(addr.gpu, 'budget.status', budget(0.2));
    const fin = one(done(c, 't0', null, { status: 'rejected', score: 0.99 }), 'run.finished');
    expect(fin.payload).toEqual({ reason: 'iterations', best: null, iterations: 2 });
  });
});

describe('coordinator (duplicates)', () => {
  it('coordinator - a duplicate iteration.done from a trace that is not busy is not counted', () => {
    const c = coordinator({ traces: ['t0'], maxIterations: 3 });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    const first = done(c, 't0');
    expect(ofType(first, 'budget.request')).toHaveLength(1);
    const dup = done(c, 't0');
    expect(dup).toEqual([]);
    expect((c.snapshot.context as { iterations: number }).iterations).toBe(1);
  });

  it('coordinator - an iteration whose research request failed frees its trace, counts, and the run goes on', () => {
    const c = coordinator({ traces: ['t0', 't1'] });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    const fail = { request: 'research.request', requestId: 'r1:coordinator.0:3', to: addr.researcher('t0'), code: 'deadline' as const, reason: 'no answer in time' };
    const outs = c.send(addr.coordinator, 'request.failed', fail, 't0');
    expect(outs).toEqual([{ to: addr.gpu, type: 'budget.request', payload: {} }]);
    expect(researchTargets(c.send(addr.gpu, 'budget.status', budget(0.2)))).toEqual([addr.researcher('t0')]);
    // a failure notice for a trace that is not busy (already reported) is not counted twice
    expect(c.send(addr.coordinator, 'request.failed', fail, 't1')).toEqual([{ to: addr.gpu, type: 'budget.request', payload: {} }]);
    expect(c.send(addr.coordinator, 'request.failed', fail, 't9')).toEqual([]);
  });

  it('coordinator - when the GPU node stops answering budget requests the run ends with reason error', () => {
    const c = coordinator();
    const outs = c.send(addr.coordinator, 'request.failed', { request: 'budget.request', requestId: 'x', to: addr.gpu, code: 'crash', reason: 'gpu.0 crashed' });
    expect(one(outs, 'run.finished').payload).toMatchObject({ reason: 'error', iterations: 0 });
  });

  it('coordinator - with the LLM selector the run ends only after the brain chose among the traces\' best pipelines, never shown their held-back scores', () => {
    const c = coordinator({ traces: ['t0', 't1'], selector: 'llm' });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    done(c, 't0', sotaRef({ experiment: 't0-e0', score: 0.91, cvStd: 0.03, holdout: 0.123457 }));
    done(c, 't1', sotaRef({ experiment: 't1-e0', score: 0.93, cvStd: 0.05, holdout: 0.654321 }));
    const outs = c.send(addr.gpu, 'budget.status', budget(1));
    expect(ofType(outs, 'run.finished')).toEqual([]);
    const ask = one(outs, 'brain.select.request');
    expect(ask.to).toBe(addr.brain);
    expect(ask.payload.candidates.map((x) => x.experiment)).toEqual(['t1-e0', 't0-e0']); // best validated first
    expect(JSON.stringify(ask.payload)).not.toMatch(/"holdout"|0\.123457|0\.654321/);
    expect(c.value).toBe('selecting');
    const fin = one(c.send(addr.brain, 'brain.select.reply', { experiment: 't0-e0', reason: 'steadier across folds', brain: 'llm' }), 'run.finished');
    expect(fin.payload.best).toMatchObject({ experiment: 't0-e0', trace: 't0', score: 0.91 });
    expect(fin.payload.selection).toEqual({ by: 'llm', reason: 'steadier across folds', bestValidated: 't1-e0' });
  });

  it('coordinator - the LLM selector that fails or names no candidate leaves the best validated pipeline, and says why', () => {
    for (const answer of ['fail', 'stranger'] as const) {
      const c = coordinator({ traces: ['t0', 't1'], selector: 'llm' });
      c.send(addr.gpu, 'budget.status', budget(0.1));
      done(c, 't0', sotaRef({ experiment: 't0-e0', score: 0.91 }));
      done(c, 't1', sotaRef({ experiment: 't1-e0', score: 0.93 }));
      one(c.send(addr.gpu, 'budget.status', budget(1)), 'brain.select.request');
      const outs = answer === 'fail'
        ? c.send(addr.coordinator, 'request.failed', { request: 'brain.select.request', requestId: 'x', to: addr.brain, code: 'deadline', reason: 'brain.0 did not answer' })
        : c.send(addr.brain, 'brain.select.reply', { experiment: 't9-e9', reason: 'made up', brain: 'llm' });
      const fin = one(outs, 'run.finished');
      expect(fin.payload.best?.experiment).toBe('t1-e0');
      expect(fin.payload.selection?.by).toBe('best-validated');
      expect(fin.payload.selection?.reason).toMatch(answer === 'fail' ? /gave no answer \(deadline/ : /t9-e9, which is none of the candidates/);
    }
    // one trace with a best pipeline: nothing to choose among, no question asked
    const c = coordinator({ traces: ['t0', 't1'], selector: 'llm' });
    c.send(addr.gpu, 'budget.status', budget(0.1));
    done(c, 't0', sotaRef({ experiment: 't0-e0', score: 0.91 }));
    done(c, 't1');
    const outs = c.send(addr.gpu, 'budget.status', budget(1));
    expect(ofType(outs, 'brain.select.request')).toEqual([]);
    expect(one(outs, 'run.finished').payload.selection?.reason).toMatch(/fewer than two traces/);
  });
});
