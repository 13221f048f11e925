// Run configuration: one validated, immutable object per run, printed and stored in run_meta.json.
import { z } from 'zod';

export const BrainConfig = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offline') }),
  z.object({
    kind: z.literal('openai'),
    baseURL: z.string().url(),
    model: z.string().min(1),
    apiKeyEnv: z.string().default('OPENAI_API_KEY'),
    temperature: z.number().min(0).max(2).default(0.7),
    maxContextTokens: z.number().int().positive().default(32000),
  }),
]);
export type BrainConfig = z.infer<typeof BrainConfig>;

export const Topology = z.object({
  /** gradient: structured diagnosis + five-axis scores + memory; greedy: AIDE-style ranking by score alone. */
  researcher: z.enum(['gradient', 'greedy']).default('gradient'),
  traces: z.number().int().min(1).max(16).default(1),
  memory: z.boolean().default(true),
  structuredReasoning: z.boolean().default(true),
});
export type Topology = z.infer<typeof Topology>;

export const RunConfig = z.object({
  runId: z.string().regex(/^[A-Za-z0-9_-]+$/),
  competitionDir: z.string().min(1),
  runDir: z.string().min(1),
  budgetMs: z.number().int().positive(),
  seed: z.number().int().nonnegative().default(0),
  preset: z.string().default('default'),
  topology: Topology.default({ researcher: 'gradient', traces: 1, memory: true, structuredReasoning: true }),
  brain: BrainConfig.default({ kind: 'offline' }),
  limits: z.object({
    debugMs: z.number().int().positive().default(600_000),
    fullMs: z.number().int().positive().default(3_600_000),
  }).default({ debugMs: 600_000, fullMs: 3_600_000 }),
  maxRepairs: z.number().int().min(0).max(10).default(2),
  topK: z.number().int().min(1).max(5).default(3),
  maxIterations: z.number().int().positive().nullable().default(null),
  sandbox: z.enum(['auto', 'bwrap', 'subprocess', 'docker']).default('auto'),
  /** Train/validation gap, relative to the validation score, above which L3 warns of overfitting. */
  overfitGap: z.number().nonnegative().default(0.15),
  python: z.string().default('/usr/bin/python3'),
}).readonly();
export type RunConfig = z.infer<typeof RunConfig>;
export type RunConfigInput = z.input<typeof RunConfig>;
