// The Researcher's reasoning: diagnosis → up to 5 scored hypotheses (distinct kinds, siblings excluded).
import type { AxisScores, Hypothesis } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import {
  MOVES, MOVE_BY_KIND, familyOfKind, isDraftKind, kindPrefix, splitKind, type Move, type MoveContext,
} from './catalogue.ts';
import { boostFor, diagnose, type Diagnosis, type ResearchRequest } from './diagnose.ts';
import { fnv1a, hashUnit, stableStringify } from './hash.ts';
import { NO_NOISE, noiseSuffix, noisyAxes, noisyProblemWeights, type ReasoningNoise } from './reasoning-noise.ts';
import { cloneSpec, draftSpec, type ModelFamily } from './pipeline-spec.ts';
import { weightedScore } from '../researcher/scoring.ts';
import { allowedMs, estimateMs, measuredBase, overrunPenalty, reshapeToFit, type CostEstimate } from './cost-estimate.ts';
import { operatorProposals } from './operator-proposals.ts';
import { mergeProposals } from './merge-proposals.ts';

export type ResearchReply = Payload<'brain.research.reply'>;

export const MAX_HYPOTHESES = 5;
/** Incremental moves that can usefully be applied again (only ever combined with another move). */
const REPEATABLE = new Set(['hp:more-trees', 'hp:lr-down', 'hp:capacity-up', 'hp:regularize', 'data:more-rows']);

const clampAxis = (x: number): number => Math.round(Math.max(1, Math.min(10, x)) * 10) / 10;

interface Candidate {
  kind: string;
  moves: Move[];
  cost: CostEstimate | null;
  scores: AxisScores;
  problem: string | null;
  notes: string[];
  total: number;
  /** Even reshaped (fewer seeds, rounds, trials, rows, members) it would not fit in what a change may take. */
  unfit: boolean;
}

/** Momentum from success memory: recent, large gains weigh most. Returns kind → weight in [0, 1]. */
function momentum(req: ResearchRequest): { exact: Map<string, number>; prefix: Map<string, number>; component: Map<string, number> } {
  const exact = new Map<string, number>();
  const prefix = new Map<string, number>();
  const component = new Map<string, number>();
  const wins = req.successes.filter((s) => Number.isFinite(s.gain) && s.gain > 0);
  const maxGain = Math.max(0, ...wins.map((s) => s.gain));
  if (maxGain <= 0) return { exact, prefix, component };
  const ordered = [...wins].sort((a, b) => b.ts - a.ts || a.experiment.localeCompare(b.experiment));
  ordered.forEach((s, rank) => {
    const w = (s.gain / maxGain) * 0.85 ** rank;
    for (const k of splitKind(s.kind)) {
      exact.set(k, (exact.get(k) ?? 0) + w);
      prefix.set(kindPrefix(k), (prefix.get(kindPrefix(k)) ?? 0) + w);
    }
    component.set(s.component, (component.get(s.component) ?? 0) + w);
  });
  return { exact, prefix, component };
}

function scoreMoves(moves: Move[], req: ResearchRequest, diag: Diagnosis, mom: ReturnType<typeof momentum>,
  tried: Set<string>, siblingKinds: Set<string>): Omit<Candidate, 'kind' | 'total' | 'cost' | 'unfit'> {
  const parts = moves.map((move) => {
    const k = move.kind;
    const notes: string[] = [];
    let alignment = move.prior.alignment;
    let best: { p: string; v: number } | null = null;
    for (const p of diag.problems) {
      const b = boostFor(p, k) * p.weight;
      alignment += b;
      if (b > 0 && (!best || b > best.v)) best = { p: p.summary, v: b };
    }
    let impact = move.prior.impact;
    const pre = kindPrefix(k);
    if (diag.stage === 'ensemble') impact += pre === 'ens' ? 2 : pre === 'model' ? -1 : pre === 'wf' ? 0.5 : 0;
    if (diag.stage === 'draft') impact += pre === 'ens' ? -2 : pre === 'model' ? 1 : 0;
    if (diag.stage === 'improve' && pre === 'ens') impact -= req.budgetUsedFrac < 0.3 ? 2 : req.budgetUsedFrac < 0.5 ? 1 : 0;
    const m = Math.min(3, 2.5 * (mom.exact.get(k) ?? 0) + 1 * (mom.prefix.get(pre) ?? 0) + 0.5 * (mom.component.get(move.component) ?? 0));
    if (m > 0.05) notes.push(`momentum +${m.toFixed(1)} from past gains`);
    impact += m;
    let novelty = move.prior.novelty;
    const prefixTried = [...tried].some((t) => splitKind(t).some((x) => kindPrefix(x) === pre));
    if (!prefixTried) novelty += 2;
    if (tried.has(k)) novelty -= 3;
    if ([...siblingKinds].some((s) => kindPrefix(s) === pre)) novelty -= 1;
    let feasibility = move.prior.feasibility;
    if (move.heavy && req.task.nTrainRows > 100_000) feasibility -= 2;
    // Boosting fits one tree per class per round: with many classes it is slow, forests are not.
    const fam = familyOfKind(k);
    const manyClasses = (req.task.nClasses ?? 0) > 10;
    if (manyClasses && (fam === 'hgb' || fam === 'xgb')) { feasibility -= 4; if (diag.stage === 'draft') impact -= 1; notes.push(`penalised: ${req.task.nClasses} classes make boosting slow`); }
    if (manyClasses && (fam === 'et' || fam === 'rf') && diag.stage === 'draft') { feasibility += 1; impact += 1; }
    if (move.heavy && diag.resourceTrouble) { feasibility -= 3; notes.push('penalised: recent time/memory failures'); }
    let risk = move.prior.risk;
    const fails = diag.failedKinds[k] ?? 0;
    if (fails > 0) { risk -= 3 * fails; notes.push(`penalised: failed ${fails}x`); }
    const prefixFails = Object.entries(diag.failedKinds).filter(([fk]) => fk !== k && kindPrefix(fk) === pre).reduce((a, [, n]) => a + n, 0);
    risk -= Math.min(2, 0.5 * prefixFails);
    return { alignment, impact, novelty, feasibility, risk, best, notes };
  });
  const avg = (f: (x: (typeof parts)[number]) => number): number => parts.reduce((a, x) => a + f(x), 0) / parts.length;
  const combo = parts.length > 1;
  const scores: AxisScores = {
    alignment: clampAxis(avg((x) => x.alignment)),
    impact: clampAxis(avg((x) => x.impact) + (combo ? 0.5 : 0)),
    novelty: clampAxis(avg((x) => x.novelty) + (combo ? 1 : 0)),
    feasibility: clampAxis(avg((x) => x.feasibility) - (combo ? 0.5 : 0)),
    risk: clampAxis(avg((x) => x.risk) - (combo ? 0.5 : 0)),
  };
  const bestP = parts.map((x) => x.best).filter((x): x is { p: string; v: number } => !!x).sort((a, b) => b.v - a.v)[0];
  return { moves, scores, problem: bestP?.p ?? null, notes: [...new Set(parts.flatMap((x) => x.notes))] };
}

/** The spec after a sequence of moves (null when one of them does not apply). */
function specAfter(moves: Move[], ctx: MoveContext): ReturnType<typeof cloneSpec> | null {
  const spec = cloneSpec(ctx.spec);
  for (const m of moves) {
    const c = { ...ctx, spec };
    if (!m.applies(c)) return null;
    m.apply(spec, c);
  }
  return spec;
}

/** Whether a sequence of moves applies in order to the context's spec. */
function appliesInOrder(moves: Move[], ctx: MoveContext): boolean {
  return specAfter(moves, ctx) !== null;
}

export function research(req: ResearchRequest, noise: ReasoningNoise = NO_NOISE): ResearchReply {
  const brain = `offline-heuristic-v1${noiseSuffix(noise.level)}`;
  if (req.operator === 'merge') return mergeProposals(req, brain); // the multi-trace merge
  if (req.operator) return operatorProposals(req, brain, noise); // tree search: the operator's own proposals
  const reqHash = fnv1a(stableStringify(req));
  // the reasoning-quality dial: noise on the diagnosis's problem weights and on every candidate's axis scores, drawn
  // by what the request is about (not its budget figures, which vary with timing), as tree search's draws are
  const noiseKey = String(fnv1a(stableStringify({ task: req.task.competition, sota: req.sota?.experiment ?? null, tried: req.tried, siblings: req.siblings })));
  const clean = diagnose(req);
  const diag = noise.level > 0 ? { ...clean, problems: noisyProblemWeights(clean.problems, noise, noiseKey) } : clean;
  const tried = new Set(req.tried);
  const siblingKinds = new Set(req.siblings.flatMap((s) => splitKind(s)));
  const siblingFull = new Set(req.siblings);
  const isSibling = (kind: string): boolean => siblingFull.has(kind) || splitKind(kind).some((k) => siblingKinds.has(k));
  const mom = momentum(req);
  const goodFamilies = [...mom.exact.entries()]
    .map(([k, w]) => [familyOfKind(k), w] as const)
    .filter((x): x is readonly [ModelFamily, number] => x[0] !== null)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([f]) => f);
  const ctx: MoveContext = { task: req.task, spec: diag.spec ?? draftSpec(req.task), goodFamilies };
  const drafting = req.sota === null;

  const measured = measuredBase(diag.spec ?? null, req.sota?.fullRunMs, req.sota?.feedback, req.measured);
  const allowed = allowedMs(req.remainingMs ?? null);
  const pool: Candidate[] = [];
  const add = (moves: Move[]): void => {
    const kind = moves.map((m) => m.kind).join('+');
    if (pool.some((c) => c.kind === kind)) return;
    const s = scoreMoves(moves, req, diag, mom, tried, siblingKinds);
    if (noise.level > 0) s.scores = noisyAxes(s.scores, noise, `${noiseKey}:${kind}`);
    const after = drafting ? null : specAfter(moves, ctx);
    const cost = after ? estimateMs(after, req.task, measured) : null;
    let unfit = false;
    if (after && cost && allowed !== null && cost.ms > allowed) {
      // it will be reshaped (fewer seeds, rounds, rows or members) before it runs, and may lose what made it worth trying
      const over = cost.ms / Math.max(1, allowed);
      s.scores = { ...s.scores, feasibility: clampAxis(s.scores.feasibility - overrunPenalty(over)) };
      const shaped = reshapeToFit(after, req.task, measured, allowed);
      unfit = !shaped || shaped.after.ms > allowed;
      s.notes.push(`penalised: needs ~${(cost.ms / 1000).toFixed(0)} s of the ${(allowed / 1000).toFixed(0)} s a change may take; `
        + (unfit ? 'even reshaped it would not fit' : 'it would be reshaped'));
    }
    const total = weightedScore(s.scores) + hashUnit(`${reqHash}:${kind}`) * 1e-3;
    pool.push({ kind, ...s, cost, total, unfit });
  };

  const singles = MOVES.filter((m) => (drafting ? isDraftKind(m.kind) : !isDraftKind(m.kind)) && m.applies(ctx));
  for (const m of singles) add([m]);
  if (!drafting) {
    // Combinations: a tried kind may come back only combined with another move (repeat what worked, plus something new).
    const repeatable = [...new Set(req.successes.filter((s) => s.gain > 0).flatMap((s) => splitKind(s.kind)))]
      .filter((k) => MOVE_BY_KIND.has(k) && REPEATABLE.has(k))
      .sort((a, b) => (mom.exact.get(b) ?? 0) - (mom.exact.get(a) ?? 0) || a.localeCompare(b)).slice(0, 3);
    const freshTop = [...pool].filter((c) => !tried.has(c.kind)).sort((a, b) => b.total - a.total).slice(0, 6);
    for (const r of repeatable) {
      for (const c of freshTop) {
        const rm = MOVE_BY_KIND.get(r)!;
        const cm = c.moves[0]!;
        if (kindPrefix(cm.kind) === kindPrefix(r)) continue;
        const pair = [rm, cm].sort((a, b) => a.kind.localeCompare(b.kind));
        if (appliesInOrder(pair, ctx)) add(pair);
      }
    }
  }

  const ranked = [...pool].sort((a, b) => b.total - a.total || a.kind.localeCompare(b.kind));
  const pick = (filter: (c: Candidate) => boolean): Candidate[] => {
    const out: Candidate[] = [];
    const perPrefix = new Map<string, number>();
    for (const c of ranked.filter(filter)) {
      if (out.length >= MAX_HYPOTHESES) break;
      const pre = kindPrefix(c.moves[c.moves.length - 1]!.kind);
      if (!drafting && (perPrefix.get(pre) ?? 0) >= 2) continue;
      perPrefix.set(pre, (perPrefix.get(pre) ?? 0) + 1);
      out.push(c);
    }
    // fill up without the per-prefix cap if needed
    for (const c of ranked.filter(filter)) {
      if (out.length >= MAX_HYPOTHESES) break;
      if (!out.includes(c)) out.push(c);
    }
    return out;
  };
  // the first tier that yields anything: untried and fitting first; a change that cannot fit even reshaped only when
  // nothing else is left (its debug run would be wasted)
  const tiers: ((c: Candidate) => boolean)[] = [
    (c) => !c.unfit && !tried.has(c.kind) && !isSibling(c.kind),
    (c) => !c.unfit && !isSibling(c.kind),
    (c) => !tried.has(c.kind) && !isSibling(c.kind),
    (c) => !isSibling(c.kind),
    () => true,
  ];
  let chosen: Candidate[] = [];
  for (const tier of tiers) {
    chosen = pick(tier);
    if (chosen.length) break;
  }
  if (chosen.length === 0) {
    // cannot happen with the catalogue (drafts and hp:regularize always apply), but never return nothing
    add([MOVE_BY_KIND.get('hp:regularize')!]);
    chosen = pool.slice(-1);
  }
  chosen.sort((a, b) => b.total - a.total || a.kind.localeCompare(b.kind));

  const hypotheses: Hypothesis[] = chosen.map((c) => {
    const last = c.moves[c.moves.length - 1]!;
    const title = c.moves.map((m) => m.title).join(' + ');
    const why = c.problem ? `Addresses: ${c.problem}.` : drafting ? 'Establishes a first validated pipeline.' : 'Explores an untried direction.';
    const ev = diag.problems.find((p) => p.summary === c.problem)?.evidence;
    const families = c.moves.some((m) => kindPrefix(m.kind) === 'ens') ? goodFamilies : undefined;
    return {
      kind: c.kind,
      component: last.component,
      title,
      rationale: [why, ev ? `Evidence: ${ev}.` : '', ...c.notes.map((n) => `${n}.`)].filter(Boolean).join(' '),
      problem: c.problem,
      scores: c.scores,
      change: {
        moves: c.moves.map((m) => m.kind),
        base: req.sota?.experiment ?? null,
        ...(families && families.length ? { families } : {}),
      },
      cost: c.cost,
    };
  });
  return {
    diagnosis: diag.problems.map(({ category, summary, evidence }) => ({ category, summary, evidence })),
    hypotheses,
    brain,
  };
}

export type { Diagnosis };
