// Tree search over a trace's experiment tree: which node to work on next and with which operator (draft, improve,
// debug). Pure functions of the tree and a seeded RNG state, so a run's choices replay. Two policies:
//   tree-greedy (AIDE): a fixed number of drafts; then debug a buggy leaf with some probability, else improve the
//     best-scoring node;
//   tree-mcts (AIRA-dojo, ML-Master): descend from the root by UCT until a node with room for another child, and
//     expand it; rewards (min-max normalised scores, 0 for a failed node) are backed up to every ancestor.
import type { TreeNode } from '../../protocols/domain.ts';
import type { TreePolicy } from '../../protocols/topology.ts';
import { rngNext, type RngState } from '../../runtime/rng.ts';

export type TreeChoice =
  | { operator: 'draft'; node: null; why: string }
  | { operator: 'improve' | 'debug'; node: string; why: string };

export interface TreeDecision { choice: TreeChoice; rng: RngState }

/** A node's visit count and backed-up value: itself and every descendant. */
export interface NodeStats { visits: number; value: number; reward: number }

const ROOT = '<root>';

/** The tree's shape: children per node (the virtual root's children are the drafts). */
function childrenOf(nodes: readonly TreeNode[]): Map<string, TreeNode[]> {
  const ids = new Set(nodes.map((n) => n.id));
  const kids = new Map<string, TreeNode[]>();
  for (const n of nodes) {
    const p = n.parent !== null && ids.has(n.parent) ? n.parent : ROOT;
    kids.set(p, [...(kids.get(p) ?? []), n]);
  }
  return kids;
}

/** A valid node: it ran to the end and the harness scored it (accepted, or rejected against its parent). */
const isValid = (n: TreeNode): boolean => n.score !== null && n.status !== 'failed';

/** A node that failed through its own code (not the budget, not our infrastructure), so a fix may save it. */
const isBuggy = (n: TreeNode): boolean => n.status === 'failed' && n.blame === 'code';

/** The best valid node by score (the earliest on a tie), or null. */
export function bestNode(nodes: readonly TreeNode[], lowerIsBetter: boolean): TreeNode | null {
  let best: TreeNode | null = null;
  for (const n of nodes) {
    if (!isValid(n)) continue;
    if (!best || (lowerIsBetter ? n.score! < best.score! : n.score! > best.score!)) best = n;
  }
  return best;
}

/** AIDE's greedy policy. */
export function greedyChoice(nodes: readonly TreeNode[], policy: Extract<TreePolicy, { kind: 'tree-greedy' }>, lowerIsBetter: boolean, rng: RngState): TreeDecision {
  const kids = childrenOf(nodes);
  const drafts = kids.get(ROOT) ?? [];
  if (drafts.length < policy.drafts) {
    return { choice: { operator: 'draft', node: null, why: `tree-greedy: draft ${drafts.length + 1} of ${policy.drafts}` }, rng };
  }
  const [u, r1] = rngNext(rng);
  let next = r1;
  if (u < policy.debugProb) {
    const buggy = nodes.filter((n) => isBuggy(n) && !kids.has(n.id) && n.debugDepth < policy.maxDebugDepth);
    if (buggy.length) {
      const [v, r2] = rngNext(next);
      next = r2;
      const n = buggy[Math.min(buggy.length - 1, Math.floor(v * buggy.length))]!;
      return { choice: { operator: 'debug', node: n.id, why: `tree-greedy: debug buggy leaf ${n.id} (draw ${u.toFixed(3)} < ${policy.debugProb}; ${buggy.length} buggy leaves)` }, rng: next };
    }
  }
  const best = bestNode(nodes, lowerIsBetter);
  if (!best) return { choice: { operator: 'draft', node: null, why: 'tree-greedy: no valid node yet, another draft' }, rng: next };
  return { choice: { operator: 'improve', node: best.id, why: `tree-greedy: improve the best node ${best.id} (score ${best.score})` }, rng: next };
}

/** Rewards: a valid node's score min-max normalised over the tree's valid nodes (oriented: 1 is the best), 0 for a failed one. */
export function rewards(nodes: readonly TreeNode[], lowerIsBetter: boolean): Map<string, number> {
  const valid = nodes.filter(isValid).map((n) => (lowerIsBetter ? -n.score! : n.score!));
  const lo = Math.min(...valid);
  const hi = Math.max(...valid);
  const out = new Map<string, number>();
  for (const n of nodes) {
    if (!isValid(n)) { out.set(n.id, 0); continue; }
    const s = lowerIsBetter ? -n.score! : n.score!;
    out.set(n.id, hi > lo ? (s - lo) / (hi - lo) : 1);
  }
  return out;
}

/** Visits and backed-up values of every node (and of the virtual root, under '<root>'). */
export function treeStats(nodes: readonly TreeNode[], lowerIsBetter: boolean): Map<string, NodeStats> {
  const kids = childrenOf(nodes);
  const r = rewards(nodes, lowerIsBetter);
  const stats = new Map<string, NodeStats>();
  const visit = (id: string): NodeStats => {
    const own = id === ROOT ? 0 : r.get(id)!;
    let visits = id === ROOT ? 0 : 1;
    let value = own;
    for (const c of kids.get(id) ?? []) { const s = visit(c.id); visits += s.visits; value += s.value; }
    const s = { visits, value, reward: own };
    stats.set(id, s);
    return s;
  };
  visit(ROOT);
  return stats;
}

/** UCT of a child: its mean backed-up reward plus c·sqrt(ln N_parent / N_child). */
export function uct(child: NodeStats, parentVisits: number, c: number): number {
  return child.value / child.visits + c * Math.sqrt(Math.log(Math.max(1, parentVisits)) / child.visits);
}

/** Monte-Carlo tree search: select by UCT from the root, expand the first node with room. */
export function mctsChoice(nodes: readonly TreeNode[], policy: Extract<TreePolicy, { kind: 'tree-mcts' }>, lowerIsBetter: boolean, rng: RngState): TreeDecision {
  const kids = childrenOf(nodes);
  const stats = treeStats(nodes, lowerIsBetter);
  // what a node can still take: an improvement (valid, below the width), a fix (buggy leaf, below the debug depth)
  const expandable = (n: TreeNode): 'improve' | 'debug' | null => {
    const k = kids.get(n.id)?.length ?? 0;
    if (isValid(n)) return k < policy.width ? 'improve' : null;
    if (isBuggy(n)) return k === 0 && n.debugDepth < policy.maxDebugDepth ? 'debug' : null;
    return null;
  };
  const open = new Map<string, boolean>();
  const isOpen = (n: TreeNode): boolean => {
    const cached = open.get(n.id);
    if (cached !== undefined) return cached;
    const o = expandable(n) !== null || (kids.get(n.id) ?? []).some(isOpen);
    open.set(n.id, o);
    return o;
  };
  const drafts = kids.get(ROOT) ?? [];
  if (drafts.length < policy.drafts) {
    return { choice: { operator: 'draft', node: null, why: `tree-mcts: draft ${drafts.length + 1} of ${policy.drafts}` }, rng };
  }
  const path: string[] = [];
  let parentVisits = stats.get(ROOT)!.visits;
  let candidates = drafts.filter(isOpen);
  while (candidates.length) {
    let pick = candidates[0]!;
    let pickU = -Infinity;
    for (const c of candidates) {
      const u = uct(stats.get(c.id)!, parentVisits, policy.c);
      if (u > pickU) { pick = c; pickU = u; }
    }
    const s = stats.get(pick.id)!;
    path.push(`${pick.id} (N ${s.visits}, Q ${(s.value / s.visits).toFixed(3)}, UCT ${pickU.toFixed(3)})`);
    const how = expandable(pick);
    if (how) {
      return { choice: { operator: how, node: pick.id, why: `tree-mcts (c ${policy.c}, width ${policy.width}): ${path.join(' → ')}; ${how === 'debug' ? 'fix this buggy node' : 'expand it'}` }, rng };
    }
    parentVisits = s.visits;
    candidates = (kids.get(pick.id) ?? []).filter(isOpen);
  }
  // every subtree is full or dead: widen the root with another draft
  return { choice: { operator: 'draft', node: null, why: 'tree-mcts: no node can take another child, a new draft' }, rng };
}

export function treeChoice(nodes: readonly TreeNode[], policy: TreePolicy, lowerIsBetter: boolean, rng: RngState): TreeDecision {
  return policy.kind === 'tree-greedy' ? greedyChoice(nodes, policy, lowerIsBetter, rng) : mctsChoice(nodes, policy, lowerIsBetter, rng);
}
