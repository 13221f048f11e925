// Tree search (tree-policy.ts, the researcher's tree mode, memory's tree, the developer's fix path, the offline
// brain's operator proposals): AIDE's greedy policy and UCT follow their definitions; the operators reach the brain
// and the developer as a draft, an improvement of the selected node, or a repair of the buggy node's code.
import { describe, expect, it } from 'vitest';
import type { Experiment, TreeNode } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import { Topology } from '../../protocols/topology.ts';
import { addr } from '../../actors/addresses.ts';
import { bestNode, greedyChoice, mctsChoice, rewards, treeStats, uct } from '../../actors/researcher/tree-policy.ts';
import { researcherMachine } from '../../actors/researcher/researcher-machine.ts';
import { memoryMachine, traceTree } from '../../actors/memory/memory-machine.ts';
import { developerMachine } from '../../actors/developer/developer-machine.ts';
import { research } from '../../actors/brain/research.ts';
import { rngSeed } from '../../runtime/rng.ts';
import { draftSpec } from '../../actors/brain/pipeline-spec.ts';
import { budget, one, Sim, sotaRef, task } from './harness.ts';
import { experiment as sampleExperiment, hypothesis as sampleHypothesis } from '../helpers/envelopes.ts';

const greedy = Topology.parse({ policy: { kind: 'tree-greedy', drafts: 2, debugProb: 0.5, maxDebugDepth: 2 } }).policy as Extract<Topology['policy'], { kind: 'tree-greedy' }>;
const mcts = Topology.parse({ policy: { kind: 'tree-mcts', c: 1, width: 2, drafts: 2 } }).policy as Extract<Topology['policy'], { kind: 'tree-mcts' }>;

const node = (id: string, parent: string | null, score: number | null, over: Partial<TreeNode> = {}): TreeNode => ({
  id, parent, status: score === null ? 'failed' : 'accepted', score, blame: score === null ? 'code' : 'none', kind: `k:${id}`,
  operator: parent === null ? 'draft' : 'improve', debugDepth: 0, ...over,
});

describe('tree search', () => {
  it('tree search - greedy drafts first, then improves the best-scoring node', () => {
    const rng = rngSeed(0, 'x');
    expect(greedyChoice([], greedy, false, rng).choice.operator).toBe('draft');
    expect(greedyChoice([node('a', null, 0.8)], greedy, false, rng).choice.operator).toBe('draft');
    const tree = [node('a', null, 0.8), node('b', null, 0.9), node('c', 'a', 0.85, { status: 'rejected' })];
    const d = greedyChoice(tree, { ...greedy, debugProb: 0 }, false, rng);
    expect(d.choice).toMatchObject({ operator: 'improve', node: 'b' });
    // lower is better: the lowest score is the best node; a rejected node is still a valid one
    const loss = [node('a', null, 0.5), node('b', null, 0.4, { status: 'rejected' })];
    expect(greedyChoice(loss, { ...greedy, debugProb: 0 }, true, rng).choice).toMatchObject({ operator: 'improve', node: 'b' });
    expect(bestNode(loss, true)!.id).toBe('b');
  });

  it('tree search - greedy debugs buggy leaves with its probability, never past the depth limit or the budget\'s failures', () => {
    const tree = [node('a', null, 0.8), node('b', null, null), node('c', 'a', null, { blame: 'budget' })];
    let debugs = 0;
    let rng = rngSeed(3, 'greedy');
    for (let i = 0; i < 400; i++) {
      const d = greedyChoice(tree, greedy, false, rng);
      rng = d.rng;
      if (d.choice.operator === 'debug') { debugs++; expect(d.choice.node).toBe('b'); } // c failed on the budget: not a bug
      else expect(d.choice).toMatchObject({ operator: 'improve', node: 'a' });
    }
    expect(debugs / 400).toBeGreaterThan(0.42);
    expect(debugs / 400).toBeLessThan(0.58);
    // a buggy node that already has a child, or a fix chain at the depth limit, is not debugged again
    const fixed = [...tree, node('d', 'b', 0.7, { operator: 'debug', debugDepth: 1 })];
    const deep = [node('a', null, 0.8), node('b', null, null), node('e', 'b', null, { operator: 'debug', debugDepth: 1 }), node('f', 'e', null, { operator: 'debug', debugDepth: 2 })];
    for (let i = 0, r = rngSeed(5, 'g'); i < 50; i++) {
      const d1 = greedyChoice(fixed, greedy, false, r);
      expect(d1.choice.operator).toBe('improve');
      const d2 = greedyChoice(deep, greedy, false, d1.rng);
      if (d2.choice.operator === 'debug') expect(d2.choice.node).toBe('e'); // f is at the depth limit
      r = d2.rng;
    }
  });

  it('tree search - mcts visit counts and values are backed up, and selection maximises UCT', () => {
    // a(0.6) ─ c(0.9), d(null); b(0.8) ─ e(0.7)
    const tree = [node('a', null, 0.6), node('b', null, 0.8), node('c', 'a', 0.9), node('d', 'a', null), node('e', 'b', 0.7)];
    const r = rewards(tree, false);
    expect(r.get('a')).toBeCloseTo(0); expect(r.get('c')).toBeCloseTo(1); expect(r.get('d')).toBe(0);
    expect(r.get('b')).toBeCloseTo(2 / 3); expect(r.get('e')).toBeCloseTo(1 / 3);
    const s = treeStats(tree, false);
    expect(s.get('a')).toMatchObject({ visits: 3 });
    expect(s.get('a')!.value).toBeCloseTo(0 + 1 + 0);
    expect(s.get('b')).toMatchObject({ visits: 2 });
    expect(s.get('b')!.value).toBeCloseTo(2 / 3 + 1 / 3);
    expect(s.get('<root>')!.visits).toBe(5);
    // UCT at the root: a = 1/3 + sqrt(ln5/3), b = 1/2 + sqrt(ln5/2): b wins and has room (width 2, one child)
    const ua = uct(s.get('a')!, 5, 1);
    const ub = uct(s.get('b')!, 5, 1);
    expect(ua).toBeCloseTo(1 / 3 + Math.sqrt(Math.log(5) / 3));
    expect(ub).toBeCloseTo(1 / 2 + Math.sqrt(Math.log(5) / 2));
    expect(mctsChoice(tree, mcts, false, rngSeed(0, 'm')).choice).toMatchObject({ operator: 'improve', node: 'b' });
    // with c = 0 selection is pure exploitation (a's mean 1/3 < b's 1/2: still b); with b full, it descends into it
    const full = [...tree, node('f', 'b', 0.75)];
    const d = mctsChoice(full, mcts, false, rngSeed(0, 'm'));
    const sf = treeStats(full, false);
    const pickA = uct(sf.get('a')!, 6, 1) > uct(sf.get('b')!, 6, 1);
    // a is full too (two children): the search descends into the higher-UCT subtree and expands a child with room,
    // or fixes a's buggy child d
    expect(['improve', 'debug']).toContain(d.choice.operator);
    if (pickA) expect(['c', 'd']).toContain(d.choice.node); else expect(['e', 'f']).toContain(d.choice.node);
  });

  it('tree search - mcts drafts until its draft count, and drafts again when no node has room', () => {
    expect(mctsChoice([node('a', null, 0.5)], mcts, false, rngSeed(0, 'm')).choice.operator).toBe('draft');
    // two drafts that failed on the budget (not bugs): nothing to expand, nothing to fix
    const dead = [node('a', null, null, { blame: 'budget' }), node('b', null, null, { blame: 'infra' })];
    expect(mctsChoice(dead, mcts, false, rngSeed(0, 'm')).choice.operator).toBe('draft');
  });

  it('tree search - memory answers a trace\'s tree with fix depths and the context of a selected node', () => {
    const m = new Sim(memoryMachine, { lowerIsBetter: false, enabled: true }, addr.memory);
    const e = (id: string, parent: string | null, over: Partial<Experiment>): Experiment => ({ ...sampleExperiment, id, trace: 't0', parent, ...over });
    m.send(addr.developer('t0'), 'experiment.record', e('t0-e0', null, { score: 0.9, status: 'accepted', operator: 'draft', code: 'A' }));
    m.send(addr.developer('t0'), 'experiment.record', e('t0-e1', 't0-e0', { score: null, status: 'failed', blame: 'code', operator: 'improve', code: 'B', reasons: ['L1: NameError'] }));
    m.send(addr.developer('t0'), 'experiment.record', e('t0-e2', 't0-e1', { score: null, status: 'failed', blame: 'code', operator: 'debug', code: 'C' }));
    m.send(addr.developer('t1'), 'experiment.record', { ...e('t1-e0', null, { score: 0.5, status: 'accepted' }), trace: 't1' });
    const tree = one(m.send(addr.researcher('t0'), 'memory.tree.request', { trace: 't0' }), 'memory.tree').payload.nodes;
    expect(tree.map((n) => [n.id, n.debugDepth, n.blame])).toEqual([['t0-e0', 0, 'none'], ['t0-e1', 0, 'code'], ['t0-e2', 1, 'code']]);
    // improve t0-e0: the context's sota is the node itself, tried are its children's kinds
    const imp = one(m.send(addr.researcher('t0'), 'memory.context.request', { trace: 't0', node: 't0-e0', operator: 'improve' }), 'memory.context').payload;
    expect(imp.sota).toMatchObject({ experiment: 't0-e0', score: 0.9, code: 'A' });
    expect(imp.tried).toEqual([sampleExperiment.hypothesis.kind]);
    // debug t0-e1: the fix is compared against its parent t0-e0 and starts from the buggy code and its error
    const dbg = one(m.send(addr.researcher('t0'), 'memory.context.request', { trace: 't0', node: 't0-e1', operator: 'debug' }), 'memory.context').payload;
    expect(dbg.sota).toMatchObject({ experiment: 't0-e0' });
    expect(dbg.node).toMatchObject({ experiment: 't0-e1', code: 'B', reasons: ['L1: NameError'] });
    expect(traceTree(m.snapshot.context as never, 't1').map((n) => n.id)).toEqual(['t1-e0']);
  });

  it('tree search - the researcher drafts, improves the selected node with the brain\'s own proposal, and fixes buggy nodes', () => {
    const r = new Sim(researcherMachine, { trace: 't0', seed: 1, topK: 1, mode: 'greedy', task, policy: { ...greedy, debugProb: 1 } }, addr.researcher('t0'), { trace: 't0' });
    // an empty tree: the brain is asked for drafts, with the drafts already made as tried
    one(r.send(addr.coordinator, 'research.request', { iteration: 0, budget: budget(0) }), 'memory.tree.request');
    const draftReq = one(r.send(addr.memory, 'memory.tree', { nodes: [node('t0-e9', null, 0.7, { kind: 'draft:hgb' })] }), 'brain.research.request').payload;
    expect(draftReq).toMatchObject({ operator: 'draft', sota: null, tried: ['draft:hgb'], successes: [], failures: [] });
    const h0 = sampleHypothesis;
    const h1 = { ...sampleHypothesis, kind: 'draft:rf', scores: { ...sampleHypothesis.scores, impact: 10, alignment: 10 } };
    const drafted = one(r.send(addr.brain, 'brain.research.reply', { diagnosis: [], hypotheses: [h0, h1], brain: 'offline' }), 'research.hypothesis').payload;
    // top-1 of the brain's own order: its first proposal, whatever the axis scores say
    expect(drafted).toMatchObject({ operator: 'draft', parent: null, experiment: 't0-e0' });
    expect(drafted.chosen.kind).toBe(h0.kind);
    // two valid drafts: improve the best one, through memory's context of that node
    const tree = [node('t0-e0', null, 0.7), node('t0-e1', null, 0.8)];
    r.send(addr.coordinator, 'research.request', { iteration: 2, budget: budget(0.2) });
    const ctxReq = one(r.send(addr.memory, 'memory.tree', { nodes: tree }), 'memory.context.request').payload;
    expect(ctxReq).toEqual({ trace: 't0', node: 't0-e1', operator: 'improve' });
    const base = sotaRef({ experiment: 't0-e1', score: 0.8 });
    const ctx: Payload<'memory.context'> = { sota: base, successes: [], failures: [], bias: {}, crossTrace: [], tried: ['model:xgb'], siblings: [], experiments: 2, node: null };
    const impReq = one(r.send(addr.memory, 'memory.context', ctx), 'brain.research.request').payload;
    expect(impReq).toMatchObject({ operator: 'improve', tried: ['model:xgb'] });
    expect(impReq.sota!.experiment).toBe('t0-e1');
    const improved = one(r.send(addr.brain, 'brain.research.reply', { diagnosis: [], hypotheses: [h0], brain: 'offline' }), 'research.hypothesis').payload;
    expect(improved).toMatchObject({ operator: 'improve', experiment: 't0-e2' });
    expect(improved.parent!.experiment).toBe('t0-e1');
    expect(improved.chosen.rationale).toContain('tree-greedy: improve the best node t0-e1');
    // a buggy leaf and debugProb 1: a fix, with no brain proposal, compared against the buggy node's parent
    r.send(addr.coordinator, 'research.request', { iteration: 3, budget: budget(0.3) });
    const buggyTree = [...tree, node('t0-e2', 't0-e1', null)];
    expect(one(r.send(addr.memory, 'memory.tree', { nodes: buggyTree }), 'memory.context.request').payload).toEqual({ trace: 't0', node: 't0-e2', operator: 'debug' });
    const fix = one(r.send(addr.memory, 'memory.context', { ...ctx, node: { experiment: 't0-e2', code: 'BUGGY', spec: null, hypothesis: h0, reasons: ['L1: exit code 1: KeyError'] } }), 'research.hypothesis').payload;
    expect(fix).toMatchObject({ operator: 'debug', experiment: 't0-e3', debug: { experiment: 't0-e2', code: 'BUGGY', error: 'L1: exit code 1: KeyError' } });
    expect(fix.parent!.experiment).toBe('t0-e1');
    expect(fix.chosen.kind).toBe(h0.kind);
  });

  it('tree search - the developer repairs the buggy node\'s code for a fix and records it as the buggy node\'s child', () => {
    const d = new Sim(developerMachine, { trace: 't0', maxRepairs: 2, task }, addr.developer('t0'), { trace: 't0' });
    const parent = sotaRef({ experiment: 't0-e1', code: 'PARENT' });
    const req = one(d.send(addr.researcher('t0'), 'research.hypothesis', {
      experiment: 't0-e3', iteration: 3, stage: 'improve', parent, chosen: { ...sampleHypothesis, weighted: 1, bias: 0 }, candidates: [],
      diagnosis: [], draw: { u: 0, index: 0 }, operator: 'debug', debug: { experiment: 't0-e2', code: 'BUGGY', spec: null, error: 'KeyError' },
    }), 'brain.develop.request').payload;
    expect(req).toMatchObject({ attempt: 2, error: 'KeyError', previousCode: 'BUGGY', baseCode: 'PARENT' });
    one(d.send(addr.brain, 'brain.develop.reply', { code: 'FIXED', summary: 'fixed', brain: 'offline' }), 'validate.request');
    const rec = one(d.send(addr.validator('t0'), 'validate.result', {
      experiment: 't0-e3', verdict: 'accept', level: 'L3', reasons: [], repairable: false, blame: 'none', score: 0.85, cvStd: 0.01, trainScore: 0.9,
      folds: [0.85], holdout: 0.84, selfReported: null, debug: null, full: null,
    }), 'experiment.record').payload;
    expect(rec).toMatchObject({ id: 't0-e3', parent: 't0-e2', operator: 'debug', code: 'FIXED' });
  });

  it('tree search - the offline brain\'s operator proposals skip what was tried on the node and ignore diagnosis and momentum', () => {
    const req = { task, stage: 'improve' as const, budgetUsedFrac: 0.3, sota: sotaRef(), successes: [], failures: [], siblings: [], tried: [], lastFeedback: null, remainingMs: null };
    const first = research({ ...req, operator: 'improve' });
    expect(first.diagnosis).toEqual([]);
    expect(first.hypotheses.length).toBeGreaterThan(1);
    // ranked by the brain's prior impact
    const impacts = first.hypotheses.map((h) => h.scores.impact);
    expect([...impacts].sort((a, b) => b - a)).toEqual(impacts);
    const again = research({ ...req, operator: 'improve', tried: [first.hypotheses[0]!.kind] });
    expect(again.hypotheses.map((h) => h.kind)).not.toContain(first.hypotheses[0]!.kind);
    // success memory does not move the operator's proposals
    const withMemory = research({ ...req, operator: 'improve', successes: [{ kind: first.hypotheses[3]?.kind ?? 'hp:regularize', component: 'model', gain: 0.5, experiment: 'x', ts: 1 }] });
    expect(withMemory.hypotheses.map((h) => h.kind)).toEqual(first.hypotheses.map((h) => h.kind));
    const drafts = research({ ...req, sota: null, operator: 'draft', tried: ['draft:hgb'] });
    expect(drafts.hypotheses.every((h) => h.kind.startsWith('draft:') && h.kind !== 'draft:hgb')).toBe(true);
  });

  it('tree search - a change that only fits the budget left after a deep cut ranks below the changes that fit', () => {
    const base = sotaRef({ spec: draftSpec(task, 'et') as never, fullRunMs: 10_000 });
    const req = { task, stage: 'improve' as const, budgetUsedFrac: 0.8, sota: base, successes: [], failures: [], siblings: [], tried: [], lastFeedback: null, operator: 'improve' as const };
    const roomy = research({ ...req, remainingMs: null }).hypotheses.map((h) => h.kind);
    const tight = research({ ...req, remainingMs: 12_000 }).hypotheses;
    // with time to spare an ensemble is among the first proposals; with 12 s left it would need a deep cut, and drops
    const firstEns = roomy.findIndex((k) => k.startsWith('ens:'));
    expect(firstEns).toBeGreaterThanOrEqual(0);
    expect(firstEns).toBeLessThan(3);
    const tightKinds = tight.map((h) => h.kind);
    const ensNow = tightKinds.findIndex((k) => k.startsWith('ens:'));
    expect(ensNow === -1 || ensNow > firstEns).toBe(true);
    expect(tight.some((h) => h.rationale.includes('would be reshaped'))).toBe(true); // the reshaping path was taken
  });
});
