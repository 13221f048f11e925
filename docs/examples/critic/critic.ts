// A worked example of a custom role: a Critic that reviews every hypothesis on its way from the Researcher to the
// Developer. A change that is too risky (its risk axis below params.minSafety, 10 = safest) or that would take more
// than params.maxBudgetShare of the budget left (by its cost estimate) is rewritten to the best candidate that passes
// both, or vetoed when no candidate does: the iteration ends there, and the coordinator starts the next one. After
// params.maxVetoes vetoes in a row on a trace the Critic lets the next change through (a critic must not starve the
// search). Every review is a critic.verdict message to the run's CLI, which prints it; it is in the log, and replay
// checks it like any other message.
//
// Named in a topology (see critic.yaml beside it):
//   roles:
//     critic:
//       machine: critic.ts
//       params: { minSafety: 4, maxBudgetShare: 0.5 }
// The file imports nothing at run time: the factory is given xstate's builders, zod and the send helper (the kit).
import type { RoleFactory, RoleInput, SendEvent } from '../../../actors/custom-role.ts';

/** The fields of research.hypothesis the Critic reads (the whole payload is forwarded as it came). */
interface Candidate { kind: string; title: string; weighted: number; scores: { risk: number }; cost?: { ms: number } | null }
interface Proposal {
  experiment: string; chosen: Candidate; candidates: Candidate[]; remainingMs?: number | null;
  debug?: unknown; mergedFrom?: string[];
}
interface Message { type: string; trace: string; payload: Proposal }

const critic: RoleFactory = ({ setup, enqueueActions, z, out, addr }) => {
  const Params = z.object({
    /** The lowest risk-axis score (1–10, 10 = safest) a change may have. */
    minSafety: z.number().min(1).max(10).default(3),
    /** The largest share of the budget left a change's estimated full run may take. */
    maxBudgetShare: z.number().gt(0).max(1).default(0.5),
    /** Vetoes in a row on one trace before the Critic lets the next change through. */
    maxVetoes: z.number().int().min(0).max(10).default(2),
  });
  type Params = ReturnType<typeof Params.parse>;

  const Verdict = z.object({
    experiment: z.string(),
    action: z.enum(['pass', 'rewrite', 'veto']),
    /** The change proposed, and the one sent on instead (a rewrite). */
    kind: z.string(),
    replacement: z.string().nullable(),
    summary: z.string(),
  });

  interface Ctx { params: Params; vetoesInARow: Record<string, number>; tally: { pass: number; rewrite: number; veto: number } }

  const acceptable = (h: Candidate, p: Proposal, params: Params): string | null => {
    if (h.scores.risk < params.minSafety) return `risk axis ${h.scores.risk} is below ${params.minSafety}`;
    if (h.cost && typeof p.remainingMs === 'number' && h.cost.ms > params.maxBudgetShare * p.remainingMs) {
      return `its estimated ${(h.cost.ms / 1000).toFixed(0)} s exceed ${Math.round(params.maxBudgetShare * 100)}% of the ${(p.remainingMs / 1000).toFixed(0)} s left`;
    }
    return null;
  };

  const machine = setup({
    types: {} as { context: Ctx; events: Message; input: RoleInput; emitted: SendEvent },
  }).createMachine({
    id: 'critic',
    context: ({ input }) => ({ params: Params.parse(input.params ?? {}), vetoesInARow: {}, tally: { pass: 0, rewrite: 0, veto: 0 } }),
    on: {
      'research.hypothesis': {
        actions: enqueueActions(({ context, event, enqueue }) => {
          const p = event.payload;
          const t = event.trace;
          const verdict = (action: 'pass' | 'rewrite' | 'veto', replacement: string | null, summary: string) => {
            enqueue.emit(out(addr.cli, 'critic.verdict', { experiment: p.experiment, action, kind: p.chosen.kind, replacement, summary }, t));
            enqueue.assign({
              tally: { ...context.tally, [action]: context.tally[action] + 1 },
              vetoesInARow: { ...context.vetoesInARow, [t]: action === 'veto' ? (context.vetoesInARow[t] ?? 0) + 1 : 0 },
            });
          };
          // fixes of buggy nodes and the merge are not changes of the Critic's kind: they go on as they are
          const why = p.debug || p.mergedFrom ? null : acceptable(p.chosen, p, context.params);
          if (why === null) {
            enqueue.emit(out(addr.developer(t), 'research.hypothesis', p, t));
            verdict('pass', null, `${p.experiment} passes: ${p.chosen.title}`);
            return;
          }
          const alt = p.candidates
            .filter((c) => c.kind !== p.chosen.kind && acceptable(c, p, context.params) === null)
            .sort((a, b) => b.weighted - a.weighted)[0];
          if (alt) {
            enqueue.emit(out(addr.developer(t), 'research.hypothesis', { ...p, chosen: alt }, t));
            verdict('rewrite', alt.kind, `${p.experiment} rewritten: ${p.chosen.kind} (${why}) → ${alt.kind}`);
            return;
          }
          if ((context.vetoesInARow[t] ?? 0) >= context.params.maxVetoes) {
            enqueue.emit(out(addr.developer(t), 'research.hypothesis', p, t));
            verdict('pass', null, `${p.experiment} passes after ${context.params.maxVetoes} vetoes in a row, although ${why}`);
            return;
          }
          // the iteration ends here: the coordinator frees the trace and starts the next one
          enqueue.emit(out(addr.coordinator, 'iteration.done', {
            experiment: p.experiment, trace: t, status: 'rejected', score: null, improved: false, sota: null,
            reason: `vetoed by the critic: ${p.chosen.kind} (${why}), and no candidate passes`,
          }, t));
          verdict('veto', null, `${p.experiment} vetoed: ${p.chosen.kind} (${why}); no candidate passes`);
        }),
      },
    },
  });

  return {
    description: 'reviews each hypothesis before the Developer sees it: passes, rewrites or vetoes it',
    machine,
    messages: { 'critic.verdict': Verdict },
    intercepts: [{ type: 'research.hypothesis', to: 'developer' }],
    params: Params,
  };
};

export default critic;
