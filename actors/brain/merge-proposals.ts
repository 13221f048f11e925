// The offline brain's proposals for a merge (operator merge, near the end of a multi-trace run): join the other
// traces' best pipelines into the best one. First, an ensemble of the best pipeline with the other traces' best
// models; then each other trace's winning change applied to the best pipeline, best trace first. Each proposal keeps
// its cost estimate, and one that cannot fit in the budget left, even reshaped, comes last.
import type { Hypothesis } from '../../protocols/domain.ts';
import { MOVE_BY_KIND, familyOfKind, isDraftKind, splitKind, type Move, type MoveContext } from './catalogue.ts';
import { allowedMs, estimateMs, measuredBase, reshapeToFit, type CostEstimate } from './cost-estimate.ts';
import type { ResearchReply, ResearchRequest } from './brain.ts';
import { cloneSpec, draftSpec, primary, specFromData, type ModelFamily } from './pipeline-spec.ts';

/** Ensembles a merge may build, the richest first (the first that applies to the best pipeline is proposed). */
const MERGE_ENSEMBLES = ['ens:hill', 'ens:avg3', 'ens:stack'];

interface Proposal { moves: Move[]; families?: ModelFamily[]; title: string; why: string; cost: CostEstimate | null; unfit: boolean }

export function mergeProposals(req: ResearchRequest, brainName: string): ResearchReply {
  const base = specFromData(req.sota?.spec) ?? draftSpec(req.task);
  const others = req.mergeFrom ?? [];
  const measured = measuredBase(base, req.sota?.fullRunMs, req.sota?.feedback, req.measured);
  const allowed = allowedMs(req.remainingMs ?? null);
  const have = new Set(base.models.map((m) => m.family));
  // the other traces' best models: their primary families, or their draft's family when their spec is unknown
  const families: ModelFamily[] = [];
  for (const o of others) {
    const spec = specFromData(o.spec);
    const f = spec ? primary(spec).family : splitKind(o.kind).map(familyOfKind).find((x) => x !== null) ?? null;
    if (f && !have.has(f) && !families.includes(f)) families.push(f);
  }
  const proposals: Proposal[] = [];
  const add = (moves: Move[], title: string, why: string, fams?: ModelFamily[]): void => {
    const ctx: MoveContext = { task: req.task, spec: base, goodFamilies: fams ?? [] };
    const after = cloneSpec(base);
    for (const m of moves) {
      if (!m.applies({ ...ctx, spec: after })) return;
      m.apply(after, { ...ctx, spec: after });
    }
    const cost = estimateMs(after, req.task, measured);
    let unfit = false;
    if (cost && allowed !== null && cost.ms > allowed) {
      const shaped = reshapeToFit(after, req.task, measured, allowed);
      unfit = !shaped || shaped.after.ms > allowed;
    }
    proposals.push({ moves, ...(fams ? { families: fams } : {}), title, why, cost, unfit });
  };
  if (families.length) {
    const ens = MERGE_ENSEMBLES.map((k) => MOVE_BY_KIND.get(k)!).find((m) => m.applies({ task: req.task, spec: base, goodFamilies: families }));
    if (ens) {
      add([ens], `Merge: ${ens.title.replace(/^./, (c) => c.toLowerCase())}, with the other traces' best models (${families.join(', ')})`,
        `the other traces reached their best with ${families.join(', ')}; an ensemble joins them to the best pipeline`, families);
    }
  }
  for (const o of others) {
    const moves = splitKind(o.kind).filter((k) => !isDraftKind(k)).map((k) => MOVE_BY_KIND.get(k)).filter((m): m is Move => !!m);
    if (moves.length) add(moves, `Merge: trace ${o.trace}'s best change (${o.hypothesis}) applied to the best pipeline`, `it gave trace ${o.trace} its best score, ${o.score}`);
  }
  proposals.sort((a, b) => Number(a.unfit) - Number(b.unfit)); // stable: the ensemble, then the traces best first
  const hypotheses: Hypothesis[] = proposals.slice(0, 5).map((p) => ({
    kind: p.moves.map((m) => m.kind).join('+'),
    component: p.moves[p.moves.length - 1]!.component,
    title: p.title,
    rationale: `Merge of ${others.map((o) => `${o.trace} (${o.experiment})`).join(', ')} into ${req.sota?.experiment ?? 'the best pipeline'}: ${p.why}.${p.unfit ? ' Note: it cannot fit in the budget left, even reshaped.' : ''}`,
    problem: null,
    scores: p.moves[0]!.prior,
    change: { moves: p.moves.map((m) => m.kind), base: req.sota?.experiment ?? null, ...(p.families ? { families: p.families } : {}) },
    cost: p.cost,
  }));
  if (hypotheses.length === 0) {
    // nothing of the others applies to the best pipeline (they found the same ideas): a plain ensemble of diverse models
    const ens = MERGE_ENSEMBLES.map((k) => MOVE_BY_KIND.get(k)!).find((m) => m.applies({ task: req.task, spec: base, goodFamilies: [] })) ?? MOVE_BY_KIND.get('hp:regularize')!;
    hypotheses.push({ kind: ens.kind, component: ens.component, title: `Merge: ${ens.title}`, rationale: 'The other traces\' best ideas are already in the best pipeline; a diverse ensemble instead.',
      problem: null, scores: ens.prior, change: { moves: [ens.kind], base: req.sota?.experiment ?? null }, cost: null });
  }
  return { diagnosis: [], hypotheses, brain: brainName };
}
