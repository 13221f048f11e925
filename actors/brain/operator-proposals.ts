// The offline brain's own proposals for a tree-search operator (draft, or improve a selected node): the moves of the
// catalogue that apply to the node, ranked by the brain's prior expectation of their impact, with what the brain
// knows of their cost (a change that cannot fit in the budget left, even reshaped, comes last, and one that only fits
// after a deep cut ranks low; boosting is slow with many classes). No diagnosis, no five-axis weighting, no success
// memory: those are the gradient's, and tree search is compared against it without them. The noise dial
// (reasoning-noise.ts) blurs the brain's judgement of each move (its expected impact, and its prior that boosting is
// slow with many classes, which the gradient's noisy axes carry too) with the same strength as the gradient's
// weighted score; what was measured (a change's cost against the budget left) stays exact on both sides.
import type { Hypothesis } from '../../protocols/domain.ts';
import { MOVES, familyOfKind, isDraftKind, type Move, type MoveContext } from './catalogue.ts';
import { allowedMs, estimateMs, measuredBase, overrunPenalty, reshapeToFit, type CostEstimate } from './cost-estimate.ts';
import type { ResearchReply, ResearchRequest } from './brain.ts';
import { fnv1a, hashUnit, stableStringify } from './hash.ts';
import { NO_NOISE, noisyValue, type ReasoningNoise } from './reasoning-noise.ts';
import { cloneSpec, draftSpec, specFromData } from './pipeline-spec.ts';

export const MAX_PROPOSALS = 5;

interface Proposal { move: Move; key: number; cost: CostEstimate | null; note: string | null }

export function operatorProposals(req: ResearchRequest, brainName: string, noise: ReasoningNoise = NO_NOISE): ResearchReply {
  const drafting = req.operator === 'draft' || req.sota === null;
  const base = specFromData(req.sota?.spec) ?? draftSpec(req.task);
  const ctx: MoveContext = { task: req.task, spec: base, goodFamilies: [] };
  const tried = new Set(req.tried);
  const reqHash = fnv1a(stableStringify({ task: req.task.competition, sota: req.sota?.experiment ?? null, tried: req.tried, op: req.operator }));
  const measured = drafting ? null : measuredBase(base, req.sota?.fullRunMs, req.sota?.feedback, req.measured);
  const allowed = allowedMs(req.remainingMs ?? null);
  const manyClasses = (req.task.nClasses ?? 0) > 10;

  const proposals: Proposal[] = [];
  for (const move of MOVES) {
    if (isDraftKind(move.kind) !== drafting || tried.has(move.kind) || !move.applies(ctx)) continue;
    // the brain's judgement of the move, which the reasoning-quality dial blurs (tree search needs no diagnosis, but a
    // weaker reasoner also proposes weaker changes)
    let judged = move.prior.impact;
    let note: string | null = null;
    const fam = familyOfKind(move.kind);
    if (manyClasses && (fam === 'hgb' || fam === 'xgb')) { judged -= 3; note = `${req.task.nClasses} classes make boosting slow`; }
    let key = noisyValue(judged, noise, `${reqHash}:${move.kind}`) + hashUnit(`${reqHash}:${move.kind}`) * 1e-3;
    let cost: CostEstimate | null = null;
    if (!drafting) {
      const after = cloneSpec(base);
      move.apply(after, ctx);
      cost = estimateMs(after, req.task, measured);
      if (cost && allowed !== null && cost.ms > allowed) {
        const shaped = reshapeToFit(after, req.task, measured, allowed);
        const unfit = !shaped || shaped.after.ms > allowed;
        // reshaped far enough to fit, a change may lose what made it worth trying: the bigger the cut, the lower it ranks
        key -= unfit ? 10 : overrunPenalty(cost.ms / Math.max(1, allowed));
        note = `needs ~${(cost.ms / 1000).toFixed(0)} s of the ${(allowed / 1000).toFixed(0)} s left; ${unfit ? 'it cannot fit even reshaped' : 'it would be reshaped to fit'}`;
      }
    }
    proposals.push({ move, key, cost, note });
  }
  proposals.sort((a, b) => b.key - a.key || a.move.kind.localeCompare(b.move.kind));
  const top = proposals.slice(0, MAX_PROPOSALS);
  if (top.length === 0) {
    // every move was tried on this node: the strongest again (a tree search revisits; the gradient would not)
    const again = MOVES.filter((m) => isDraftKind(m.kind) === drafting && m.applies(ctx)).sort((a, b) => b.prior.impact - a.prior.impact || a.kind.localeCompare(b.kind));
    for (const move of again.slice(0, 1)) top.push({ move, key: move.prior.impact, cost: null, note: 'every proposal was tried on this node already' });
  }
  const hypotheses: Hypothesis[] = top.map((p) => ({
    kind: p.move.kind,
    component: p.move.component,
    title: p.move.title,
    rationale: [`The brain's proposal for operator ${drafting ? 'draft' : 'improve'} (prior impact ${p.move.prior.impact}).`, p.note ? `Note: ${p.note}.` : '']
      .filter(Boolean).join(' '),
    problem: null,
    scores: p.move.prior,
    change: { moves: [p.move.kind], base: req.sota?.experiment ?? null },
    cost: p.cost,
  }));
  return { diagnosis: [], hypotheses, brain: brainName };
}
