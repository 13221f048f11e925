// Multi-trace coordination: a concurrency limit starts traces round-robin; inside the merge window the next trace to
// start is asked, once, to merge the other traces' best pipelines into the best one, which memory hands it with the
// others' bests; the merge's experiment records its several parents.
import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import { addr } from '../../actors/addresses.ts';
import { coordinatorMachine, mergeWindowMs, MERGE_WINDOW_MAX_FRAC, type CoordinatorInput } from '../../actors/coordinator/coordinator-machine.ts';
import { memoryMachine } from '../../actors/memory/memory-machine.ts';
import { dagNodes } from '../../actors/memory/experiment-dag.ts';
import { research } from '../../actors/brain/research.ts';
import { researcherMachine } from '../../actors/researcher/researcher-machine.ts';
import { draftSpec, modelSpec } from '../../actors/brain/pipeline-spec.ts';
import { samples, experiment as sampleExperiment, hypothesis as sampleHypothesis } from '../helpers/envelopes.ts';
import { budget, ofType, one, Sim, sotaRef, task } from './harness.ts';

function coordinator(over: Partial<CoordinatorInput>): Sim<typeof coordinatorMachine> {
  const c = new Sim(coordinatorMachine, { traces: ['t0', 't1', 't2'], maxIterations: null, minRemainingFrac: 0.02, ...over }, addr.coordinator, { trace: 'run' });
  c.send(addr.cli, 'run.start', { ...samples['run.start'], task });
  return c;
}

function done(c: Sim<typeof coordinatorMachine>, trace: string, score: number | null): void {
  c.send(addr.memory, 'iteration.done', {
    experiment: `${trace}-e`, trace, status: score === null ? 'failed' : 'accepted', score, improved: score !== null,
    sota: score === null ? null : sotaRef({ experiment: `${trace}-e`, score }), reason: null,
  }, trace);
}

describe('multi-trace', () => {
  it('multi-trace - a concurrency limit starts the idle traces in turn', () => {
    const c = coordinator({ concurrency: 2 });
    const first = ofType(c.send(addr.gpu, 'budget.status', budget(0)), 'research.request').map((o) => o.to);
    expect(first).toEqual([addr.researcher('t0'), addr.researcher('t1')]);
    done(c, 't0', 0.8);
    // t0 is free again, but t2 has not had its turn
    expect(ofType(c.send(addr.gpu, 'budget.status', budget(0.2)), 'research.request').map((o) => o.to)).toEqual([addr.researcher('t2')]);
    done(c, 't1', 0.7);
    expect(ofType(c.send(addr.gpu, 'budget.status', budget(0.3)), 'research.request').map((o) => o.to)).toEqual([addr.researcher('t0')]);
  });

  it('multi-trace - inside the merge window the next trace to start merges, once, and not before two traces have a best', () => {
    const c = coordinator({ mergeWindow: 0.3 });
    c.send(addr.gpu, 'budget.status', budget(0));
    done(c, 't0', 0.8);
    // inside the window, but only one trace has a best pipeline: no merge yet
    expect(one(c.send(addr.gpu, 'budget.status', budget(0.75)), 'research.request').payload.merge).toBeUndefined();
    done(c, 't1', 0.9);
    // outside the window: no merge
    const early = coordinator({ mergeWindow: 0.3 });
    early.send(addr.gpu, 'budget.status', budget(0));
    done(early, 't0', 0.8); done(early, 't1', 0.9);
    expect(ofType(early.send(addr.gpu, 'budget.status', budget(0.5)), 'research.request').every((o) => o.payload.merge === undefined)).toBe(true);
    // inside the window with two bests: t1 (the best, idle) merges; later dispatches do not merge again
    const starts = ofType(c.send(addr.gpu, 'budget.status', budget(0.8)), 'research.request');
    expect(starts.map((o) => [o.to, o.payload.merge])).toEqual([[addr.researcher('t1'), true]]);
    done(c, 't2', null);
    done(c, 't1', 0.95);
    expect(ofType(c.send(addr.gpu, 'budget.status', budget(0.85)), 'research.request').every((o) => o.payload.merge === undefined)).toBe(true);
  });

  it('multi-trace - the merge is the last stage: it starts alone, and no other trace starts while it is under way', () => {
    // three idle traces with a best each when the window opens: before, all three started and the other two's jobs
    // took the GPU node's time the window was sized for (a 3-minute gome run's merge was refused for the budget)
    const c = coordinator({ mergeWindow: 0.3 });
    c.send(addr.gpu, 'budget.status', budget(0));
    done(c, 't0', 0.8); done(c, 't1', 0.9); done(c, 't2', 0.7);
    const starts = ofType(c.send(addr.gpu, 'budget.status', budget(0.8)), 'research.request');
    expect(starts.map((o) => [o.to, o.payload.merge])).toEqual([[addr.researcher('t1'), true]]);
    expect(ofType(c.send(addr.gpu, 'budget.status', budget(0.82)), 'research.request')).toEqual([]);
    // once the merge's iteration has ended, the others go on (and nobody merges again)
    done(c, 't1', 0.95);
    const after = ofType(c.send(addr.gpu, 'budget.status', budget(0.85)), 'research.request');
    expect(after.map((o) => [o.to, o.payload.merge])).toEqual([[addr.researcher('t0'), undefined], [addr.researcher('t1'), undefined], [addr.researcher('t2'), undefined]]);
  });

  it('multi-trace - the merge window counts the budget left before the refit reserve and widens to the merge\'s cost', () => {
    // 3 minutes, a refit reserve of 1.25 × the best pipeline's 30 s full run (37.5 s), window 0.2 (36 s): counted from
    // the budget's end it would lie inside the reserve, where no iteration starts, and the merge would never run
    const c = coordinator({ mergeWindow: 0.2, refitFactor: 1.25 });
    const total = 180_000;
    c.send(addr.gpu, 'budget.status', budget(0, total));
    const finish = (trace: string, score: number, fullRunMs: number) => c.send(addr.memory, 'iteration.done', {
      experiment: `${trace}-e`, trace, status: 'accepted', score, improved: true, sota: sotaRef({ experiment: `${trace}-e`, score, fullRunMs }), reason: null,
    }, trace);
    finish('t0', 0.9, 30_000);
    finish('t1', 0.8, 20_000);
    // the merge's ensemble refits both bests: 1.5 × (30 + 20) s = 75 s, longer than the 36 s share
    expect(mergeWindowMs({ mergeWindow: 0.2, budget: budget(0.3, total), sotaTraces: ['t0', 't1'], traceBests: { t0: sotaRef({ fullRunMs: 30_000 }), t1: sotaRef({ fullRunMs: 20_000 }) } })).toBe(75_000);
    // 126 s left, 88.5 s before the reserve: not yet
    expect(ofType(c.send(addr.gpu, 'budget.status', budget(0.3, total)), 'research.request').every((o) => o.payload.merge === undefined)).toBe(true);
    finish('t2', 0.7, 10_000);
    // 108 s left, 70.5 s before the reserve: inside the widened window; t0 and t1 are busy, so the idle t2 merges
    const starts = ofType(c.send(addr.gpu, 'budget.status', budget(0.4, total)), 'research.request');
    expect(starts.map((o) => [o.to, o.payload.merge])).toEqual([[addr.researcher('t2'), true]]);
    // the window never opens before MERGE_WINDOW_MAX_FRAC of the budget, however slow the pipelines
    const slow = { t0: sotaRef({ fullRunMs: 200_000 }), t1: sotaRef({ fullRunMs: 200_000 }) };
    expect(mergeWindowMs({ mergeWindow: 0.2, budget: budget(0, total), sotaTraces: ['t0', 't1'], traceBests: slow })).toBe(MERGE_WINDOW_MAX_FRAC * total);
    // without measured runs it is the share
    expect(mergeWindowMs({ mergeWindow: 0.2, budget: budget(0, total), sotaTraces: ['t0', 't1'], traceBests: { t0: sotaRef(), t1: sotaRef() } })).toBe(36_000);
  });

  it('multi-trace - memory gives a merge the best pipeline of all traces and the others\' bests; the record keeps every parent', () => {
    const m = new Sim(memoryMachine, { lowerIsBetter: false, enabled: true }, addr.memory);
    const rec = (id: string, trace: string, score: number, over: Partial<Experiment> = {}): Experiment =>
      ({ ...sampleExperiment, id, trace, parent: null, score, status: 'accepted', hypothesis: { ...sampleHypothesis, kind: `draft:${trace}` }, ...over });
    m.send(addr.developer('t0'), 'experiment.record', rec('t0-e0', 't0', 0.8));
    m.send(addr.developer('t1'), 'experiment.record', rec('t1-e0', 't1', 0.9));
    m.send(addr.developer('t2'), 'experiment.record', rec('t2-e0', 't2', 0.85));
    const ctx = one(m.send(addr.researcher('t0'), 'memory.context.request', { trace: 't0', merge: true }), 'memory.context').payload;
    expect(ctx.sota!.experiment).toBe('t1-e0'); // the best of all traces, though t0 asks
    expect(ctx.mergeFrom!.map((x) => [x.trace, x.experiment])).toEqual([['t2', 't2-e0'], ['t0', 't0-e0']]);
    m.send(addr.developer('t0'), 'experiment.record', rec('t0-e1', 't0', 0.92, { parent: 't1-e0', operator: 'merge', mergedFrom: ['t2-e0', 't0-e0'] }));
    const node = dagNodes((m.snapshot.context as unknown as { dag: Parameters<typeof dagNodes>[0] }).dag).find((n) => n.id === 't0-e1')!;
    expect(node).toMatchObject({ parent: 't1-e0', mergedFrom: ['t2-e0', 't0-e0'] });
  });

  it('multi-trace - the researcher asks for a merge and sends the brain\'s first merge proposal with every parent', () => {
    const r = new Sim(researcherMachine, { trace: 't0', seed: 3, topK: 3, mode: 'gradient', task }, addr.researcher('t0'), { trace: 't0' });
    expect(one(r.send(addr.coordinator, 'research.request', { iteration: 4, budget: budget(0.8), merge: true }), 'memory.context.request').payload).toEqual({ trace: 't0', merge: true });
    const others = [{ ...sotaRef({ experiment: 't2-e1', score: 0.85 }), trace: 't2', kind: 'model:xgb' }];
    const ctx: Payload<'memory.context'> = { sota: sotaRef({ experiment: 't1-e3' }), successes: [], failures: [], bias: {}, crossTrace: [{ trace: 't2', hypothesis: 'model:xgb', score: 0.85 }],
      tried: [], siblings: [], experiments: 9, mergeFrom: others };
    const req = one(r.send(addr.memory, 'memory.context', ctx), 'brain.research.request').payload;
    expect(req).toMatchObject({ operator: 'merge', crossTrace: ctx.crossTrace });
    expect(req.mergeFrom!.map((x) => x.experiment)).toEqual(['t2-e1']);
    const h = one(r.send(addr.brain, 'brain.research.reply', { diagnosis: [], hypotheses: [sampleHypothesis, { ...sampleHypothesis, kind: 'ens:hill' }], brain: 'offline' }), 'research.hypothesis').payload;
    expect(h).toMatchObject({ operator: 'merge', mergedFrom: ['t2-e1'], experiment: 't0-e4' });
    expect(h.parent!.experiment).toBe('t1-e3');
    expect(h.chosen.kind).toBe(sampleHypothesis.kind);
  });

  it('multi-trace - the offline brain\'s merge proposes an ensemble with the other traces\' best models, then their changes', () => {
    const best = { ...draftSpec(task, 'hgb') };
    const other = { ...draftSpec(task, 'xgb') };
    const other2 = { ...draftSpec(task, 'rf'), models: [modelSpec('rf', {})] };
    const reply = research({
      task, stage: 'ensemble', budgetUsedFrac: 0.8, sota: sotaRef({ experiment: 't0-e3', spec: best as never }), successes: [], failures: [], siblings: [], tried: [], lastFeedback: null, remainingMs: null,
      operator: 'merge', mergeFrom: [
        { ...sotaRef({ experiment: 't1-e2', spec: other as never }), trace: 't1', kind: 'hp:lr-down' },
        { ...sotaRef({ experiment: 't2-e1', spec: other2 as never }), trace: 't2', kind: 'draft:rf' },
      ],
    });
    expect(reply.hypotheses[0]!.kind).toMatch(/^ens:/);
    expect(reply.hypotheses[0]!.change).toMatchObject({ families: ['xgb', 'rf'] });
    expect(reply.hypotheses.some((h) => h.kind === 'hp:lr-down' && h.title.includes('trace t1'))).toBe(true);
  });
});
