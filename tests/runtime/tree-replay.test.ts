// Tree search on recorded runs (tests/fixtures/replay/house-votes-tree-*.gomelog, real runs recorded by npm run
// fixtures:record with the tree-greedy and tree-mcts presets): both replay with zero divergences; every improvement
// tree-greedy made was of the best-scoring node of the tree it saw, after its five drafts; every node tree-mcts chose
// is the one UCT selects on the recorded tree, with the visit counts and values its rationale states.
import { subjects } from '../../protocols/subjects.ts';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../../protocols/codec.ts';
import type { Envelope } from '../../protocols/messages.ts';
import type { TreeNode } from '../../protocols/domain.ts';
import { Topology } from '../../protocols/topology.ts';
import { MACHINES } from '../../actors/machines.ts';
import { bestNode, mctsChoice, treeStats } from '../../actors/researcher/tree-policy.ts';
import { readGomelog } from '../../runtime/gomelog.ts';
import { replay } from '../../runtime/replay.ts';
import { rngSeed } from '../../runtime/rng.ts';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'replay');

/** Each tree the researcher was shown, with the hypothesis it then sent. */
function decisions(name: string): { nodes: TreeNode[]; hypothesis: Envelope<'research.hypothesis'>['payload'] }[] {
  const envs = readGomelog(join(FIXTURES, `${name}.gomelog`)).messages.filter((m) => !subjects.isDeadLetter(m.subject)).map((m) => validate(m.body));
  const out: { nodes: TreeNode[]; hypothesis: Envelope<'research.hypothesis'>['payload'] }[] = [];
  let tree: TreeNode[] | null = null;
  for (const e of envs) {
    if (e.type === 'memory.tree') tree = e.payload.nodes;
    if (e.type === 'research.hypothesis' && tree) { out.push({ nodes: tree, hypothesis: e.payload }); tree = null; }
  }
  return out;
}

describe('tree search replay', () => {
  it.each(['house-votes-tree-greedy', 'house-votes-tree-mcts'])('tree search replay - the recorded run %s replays with zero divergences', (name) => {
    const { messages } = readGomelog(join(FIXTURES, `${name}.gomelog`));
    const r = replay(messages, MACHINES);
    expect(r.compared).toBeGreaterThan(50);
    expect(r.notReplayed).toEqual(['brain.0', 'cli.0', 'gpu.0']);
  });

  it('tree search replay - tree-greedy drafted five times, then improved the best-scoring node of the tree it saw', () => {
    const ds = decisions('house-votes-tree-greedy');
    expect(ds.length).toBe(9);
    const drafts = ds.filter((d) => d.hypothesis.operator === 'draft');
    expect(drafts.length).toBe(5);
    expect(new Set(drafts.map((d) => d.hypothesis.chosen.kind)).size).toBe(5); // five different drafts
    const improves = ds.filter((d) => d.hypothesis.operator === 'improve');
    expect(improves.length).toBe(4);
    for (const d of improves) {
      const best = bestNode(d.nodes, false)!;
      expect(d.hypothesis.parent!.experiment).toBe(best.id);
      expect(d.hypothesis.parent!.score).toBe(best.score);
      // the change is the brain's own proposal for that node: never a kind already tried on it
      const triedHere = d.nodes.filter((n) => n.parent === best.id).map((n) => n.kind);
      expect(triedHere).not.toContain(d.hypothesis.chosen.kind);
    }
  });

  it('tree search replay - tree-mcts chose what UCT selects on the recorded tree, with the stated visits and values', () => {
    const policy = Topology.parse({ policy: { kind: 'tree-mcts' } }).policy as Extract<Topology['policy'], { kind: 'tree-mcts' }>;
    const ds = decisions('house-votes-tree-mcts');
    expect(ds.filter((d) => d.hypothesis.operator === 'draft').length).toBe(policy.drafts);
    const expansions = ds.filter((d) => d.hypothesis.operator === 'improve');
    expect(expansions.length).toBeGreaterThanOrEqual(5);
    const parents = new Set<string>();
    for (const d of expansions) {
      const again = mctsChoice(d.nodes, policy, false, rngSeed(0, 'any'));
      expect(again.choice).toMatchObject({ operator: 'improve', node: d.hypothesis.parent!.experiment });
      parents.add(d.hypothesis.parent!.experiment);
      const s = treeStats(d.nodes, false).get(d.hypothesis.parent!.experiment)!;
      const m = /\((N (\d+), Q ([\d.]+), UCT ([\d.]+))\); expand it/.exec(d.hypothesis.chosen.rationale)!;
      expect(Number(m[2])).toBe(s.visits);
      expect(Number(m[3])).toBeCloseTo(s.value / s.visits, 3);
      // no node ever takes more children than the expansion width
      expect(d.nodes.filter((n) => n.parent === d.hypothesis.parent!.experiment).length).toBeLessThan(policy.width);
    }
    expect(parents.size).toBeGreaterThan(1); // UCT spreads the expansions over the tree, unlike greedy
  });
});
