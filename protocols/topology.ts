// A run's topology as data: how many traces, which search policy chooses the next change (the gradient, or real tree
// search), how traces are scheduled, and the ablation switches. Topology files (bench/topologies/*.yaml) hold one;
// every run prints and stores the resolved topology. Values that name a feature not built yet are refused here.
import { z } from 'zod';

/**
 * The gradient: structured diagnosis, five-axis scores, success memory, one hypothesis sampled from the top-k, always
 * applied to the trace's best pipeline.
 */
const GradientPolicy = z.strictObject({ kind: z.literal('gradient') });

/**
 * AIDE's greedy tree search: `drafts` independent drafts first; then, with probability `debugProb`, debug a buggy leaf
 * (at most `maxDebugDepth` fixes in a row), otherwise improve the best-scoring node. Every valid node stays in the tree.
 */
const TreeGreedyPolicy = z.strictObject({
  kind: z.literal('tree-greedy'),
  drafts: z.number().int().min(1).max(20).default(5),
  debugProb: z.number().min(0).max(1).default(0.5),
  maxDebugDepth: z.number().int().min(0).max(10).default(3),
});

/**
 * Monte-Carlo tree search over the experiment tree (as in AIRA-dojo and ML-Master): from the root, descend by UCT
 * (Q + c·sqrt(ln N_parent / N_child)) until a node with fewer than `width` children, and expand it (a draft below the
 * root, an improvement elsewhere, a fix below a buggy node). A node's reward is its score min-max normalised over the
 * tree's valid nodes (0 for a failed one), backed up to every ancestor.
 */
const TreeMctsPolicy = z.strictObject({
  kind: z.literal('tree-mcts'),
  c: z.number().min(0).max(10).default(1.0),
  width: z.number().int().min(1).max(10).default(3),
  drafts: z.number().int().min(1).max(20).default(3),
  maxDebugDepth: z.number().int().min(0).max(10).default(2),
});

/** The most traces a topology may run (each trace's actors have their own inboxes). */
export const MAX_TRACES = 16;

export const SearchPolicy = z.discriminatedUnion('kind', [GradientPolicy, TreeGreedyPolicy, TreeMctsPolicy]);
export type SearchPolicy = z.infer<typeof SearchPolicy>;
export type TreePolicy = Extract<SearchPolicy, { kind: 'tree-greedy' | 'tree-mcts' }>;

export const isTreePolicy = (p: SearchPolicy): p is TreePolicy => p.kind !== 'gradient';

/** Which idle trace starts its next iteration when several could: in turn, or by PUCT over the traces' results. */
export const Scheduler = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('round-robin') }),
  z.strictObject({ kind: z.literal('puct'), c: z.number().min(0).max(10).default(1.0) }),
]);
export type Scheduler = z.infer<typeof Scheduler>;

/** The built-in roles; each trace has one researcher, developer and validator, and the run one memory. */
export const ROLE_NAMES = ['researcher', 'developer', 'validator', 'memory'] as const;
/** Addresses the run itself uses: no role may take their names. */
const RESERVED_ROLE_NAMES = ['coordinator', 'gpu', 'brain', 'cli'];
/** A role's name is the first part of its actors' addresses (critic.t0): lower-case letters and dashes. */
export const ROLE_NAME = /^[a-z][a-z-]*$/;
const isBuiltInRole = (name: string): boolean => (ROLE_NAMES as readonly string[]).includes(name);

const RoleSettings = z.strictObject({
  /** The LLM model this role's brain requests use (overrides the brain config's model for the role). */
  model: z.string().min(1).optional(),
  /**
   * A custom role: the file whose default export is its role factory (actors/custom-role.ts), relative to the
   * topology file (the loader makes it absolute). Only custom roles have one.
   */
  machine: z.string().min(1).optional(),
  /** The machine file's sha256, filled in when the topology is loaded: replay and resume refuse a file that changed. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected the 64 hex digits of a sha256').optional(),
  /** A custom role's actors: one per trace (critic.t0, critic.t1, …) or a fixed number (critic.0 …), traces shared in turn. */
  count: z.union([z.literal('per-trace'), z.number().int().min(1).max(16)]).optional(),
  /** A custom role's parameters, checked by the role's own schema when its file is loaded. */
  params: z.record(z.string(), z.unknown()).optional(),
});
export type RoleSettings = z.infer<typeof RoleSettings>;

export const Topology = z.strictObject({
  /** A name for tables and reports (the file's name when loaded from a file). */
  name: z.string().min(1).default('custom'),
  traces: z.number().int().min(1).max(MAX_TRACES).default(1),
  /** How many traces may have an iteration under way at once (null: all of them). */
  concurrency: z.number().int().min(1).max(16).nullable().default(null),
  policy: SearchPolicy.default({ kind: 'gradient' }),
  scheduler: Scheduler.default({ kind: 'round-robin' }),
  /** siblings: a trace without a SOTA of its own is kept off the hypotheses its siblings are trying. */
  diversity: z.enum(['siblings', 'none']).default('siblings'),
  /** Ablation: without structured reasoning the gradient keeps its sampling but not its diagnosis-driven axis weights. */
  structuredReasoning: z.boolean().default(true),
  /** Ablation: without success memory (no momentum, no failures remembered). */
  memory: z.boolean().default(true),
  /**
   * Share of the budget at whose end one trace merges the others' best ideas (0: never): once the remaining budget is
   * below it, the trace holding the best pipeline makes one experiment from its best and the other traces' bests.
   */
  mergeWindow: z.number().min(0).max(0.9).default(0),
  /**
   * best-validated: the best harness-validated candidate across traces, confirmed on the held-back slice. llm: once the
   * loop is over, the LLM brain's selector model chooses among the traces' best pipelines (their harness figures and
   * code, never their held-back scores); the held-back slice then confirms the choice beside the best validated one.
   */
  selector: z.enum(['best-validated', 'llm']).default('best-validated'),
  roles: z.record(z.string(), RoleSettings).default({}),
})
  .refine((t) => t.mergeWindow === 0 || (t.traces > 1 && t.policy.kind === 'gradient'), {
    path: ['mergeWindow'], message: 'a merge joins the best ideas of several gradient traces: it needs traces > 1 and policy gradient (or mergeWindow 0)',
  })
  .refine((t) => t.selector === 'best-validated' || t.traces > 1, { path: ['selector'], message: 'the LLM final selector chooses among the traces\' best pipelines: it needs traces > 1 (or selector best-validated)' })
  .refine((t) => t.concurrency === null || t.concurrency <= t.traces, {
    path: ['concurrency'], error: (i) => `concurrency ${(i.input as { concurrency: number }).concurrency} exceeds the ${(i.input as { traces: number }).traces} trace(s); set it to at most the number of traces, or null for all of them`,
  })
  .refine((t) => t.scheduler.kind === 'round-robin' || (t.concurrency !== null && t.concurrency < t.traces), {
    path: ['scheduler'], message: 'the PUCT scheduler chooses which idle trace starts when fewer may run than there are traces: set concurrency below traces (or use round-robin)',
  })
  .refine((t) => !t.roles.memory?.model, { path: ['roles', 'memory', 'model'], message: 'memory asks no model; give models to the researcher, developer or validator (its judge)' })
  .superRefine((t, ctx) => {
    for (const [name, r] of Object.entries(t.roles)) {
      const at = (field?: string) => ['roles', name, ...(field ? [field] : [])];
      if (!ROLE_NAME.test(name)) {
        ctx.addIssue({ code: 'custom', path: at(), message: `"${name}" is not a role name; a role's name is lower-case letters and dashes (it becomes the first part of its actors' addresses)` });
      } else if (RESERVED_ROLE_NAMES.includes(name)) {
        ctx.addIssue({ code: 'custom', path: at(), message: `"${name}" is the run's own ${name} and cannot be configured as a role; name a custom role something else` });
      } else if (isBuiltInRole(name)) {
        for (const f of ['machine', 'sha256', 'count', 'params'] as const) {
          if (r[f] !== undefined) {
            ctx.addIssue({ code: 'custom', path: at(f), message: f === 'count'
              ? `the built-in roles' counts follow the traces (one ${name === 'memory' ? 'memory for the run' : `${name} per trace`}); set traces instead`
              : `${name} is a built-in role; ${f} belongs to custom roles (give the custom role its own name)` });
          }
        }
      } else {
        if (!r.machine) ctx.addIssue({ code: 'custom', path: at('machine'), message: `the custom role ${name} needs machine: the path of its role file (.ts or .js, relative to the topology file), whose default export is its role factory` });
        if (r.model !== undefined) ctx.addIssue({ code: 'custom', path: at('model'), message: `the custom role ${name} asks the brain nothing through Gome, so a model would be ignored; remove model` });
      }
    }
  });

/** The topology's custom roles (every role that is not built in), by name in file order. */
export function customRoles(t: Pick<Topology, 'roles'>): Array<[string, RoleSettings]> {
  return Object.entries(t.roles).filter(([name]) => !isBuiltInRole(name));
}
export type Topology = z.infer<typeof Topology>;
export type TopologyInput = z.input<typeof Topology>;

/**
 * Configs written before topologies were data (run_meta.json, run.start in recorded logs) held
 * {researcher: 'gradient' | 'greedy', traces, memory, structuredReasoning}: read as the gradient policy with those
 * switches (the old "greedy" researcher was the gradient without its axis weighting, i.e. structuredReasoning off).
 */
export function upgradeLegacyTopology(topology: unknown): unknown {
  if (!topology || typeof topology !== 'object' || !('researcher' in topology)) return topology;
  const { researcher, ...rest } = topology as Record<string, unknown>;
  const traces = typeof rest['traces'] === 'number' ? rest['traces'] : 1;
  return { name: researcher === 'greedy' ? 'legacy-greedy' : traces > 1 ? 'gome' : 'gome-1trace', ...rest,
    ...(researcher === 'greedy' ? { structuredReasoning: false } : {}) };
}

export const DEFAULT_TOPOLOGY: Topology = Topology.parse({ name: 'gome-1trace' });

/**
 * The operators that make an experiment: a tree search drafts, improves a node or debugs a buggy one; near the end of
 * the budget one gradient trace merges the other traces' best ideas into the best pipeline (several parents).
 */
export const TreeOperator = z.enum(['draft', 'improve', 'debug', 'merge']);
export type TreeOperator = z.infer<typeof TreeOperator>;
