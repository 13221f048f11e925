// Run configuration: one validated, immutable object per run, printed and stored in run_meta.json.
// Values that name a feature Gome does not have yet are refused here, at parse time, with a sentence saying so.
import { z } from 'zod';
import { Topology, upgradeLegacyTopology } from './topology.ts';

export { Topology };

/** What Gome knows of one model: its context window, its longest reply, and (optionally) its prices. */
export const LlmModelSettings = z.object({
  contextTokens: z.number().int().min(1024).default(32_000),
  maxOutputTokens: z.number().int().min(256).default(4_096),
  /** US dollars per million prompt / completion tokens; without them a call's cost is unknown (null). */
  inputUsdPerMTok: z.number().nonnegative().optional(),
  outputUsdPerMTok: z.number().nonnegative().optional(),
}).strict();
export type LlmModelSettings = z.infer<typeof LlmModelSettings>;

/** The model each LLM role uses (a strong Researcher and a cheaper Developer, say). */
export const LlmRoleModels = z.strictObject({
  researcher: z.string().min(1), developer: z.string().min(1),
  /** With a judge model, the Validator asks it for the final judgement of every change the harness accepts (it may veto, never accept what the harness rejected). */
  judge: z.string().min(1).optional(),
  /** The final selector's model (topology selector: llm); the researcher's model when none is given. */
  selector: z.string().min(1).optional(),
});
export type LlmRoleModels = z.infer<typeof LlmRoleModels>;

/** Per-run caps on LLM use: once one is reached no further call is made and the run finishes with its best so far. */
export const LlmCaps = z.strictObject({
  maxUsd: z.number().positive().nullable().default(null),
  maxTokens: z.number().int().positive().nullable().default(null),
});

const OpenAiBrain = z.object({
  kind: z.literal('openai'),
  /** Any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server, LiteLLM), e.g. http://localhost:8000/v1. */
  baseURL: z.string().url(),
  /** The environment variable holding the API key (the key itself is never in the config, the log or a report). */
  apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('OPENAI_API_KEY'),
  models: LlmRoleModels,
  /** Per model id: context window, reply length, prices. Models not listed get the defaults. */
  modelSettings: z.record(z.string(), LlmModelSettings).default({}),
  temperature: z.number().min(0).max(2).default(0.2),
  /** json_schema: response_format with the reply's JSON schema; text: JSON parsed out of the reply; auto: the first, falling back to the second when the endpoint refuses it. */
  structuredOutput: z.enum(['auto', 'json_schema', 'text']).default('auto'),
  /** A malformed or off-schema reply is asked again this many times, with the validation error fed back. */
  replyRetries: z.number().int().min(0).max(5).default(2),
  /** 429 and 5xx answers are retried this many times (exponential backoff with jitter, honouring retry-after). */
  httpRetries: z.number().int().min(0).max(10).default(4),
  /** Requests in flight at once to this endpoint (all roles and traces together). */
  concurrency: z.number().int().min(1).max(64).default(4),
  /** Deadline of one call, retries included; the brain then answers with a typed failure. */
  requestMs: z.number().int().positive().default(300_000),
  caps: LlmCaps.default({ maxUsd: null, maxTokens: null }),
}).strict(); // a misspelt key in --llm-config is an error, never a setting silently ignored

const ReplayBrain = z.object({
  kind: z.literal('replay'),
  /** A recorded LLM run: its run directory or its llm_calls.jsonl (the cassette). No endpoint is called. */
  cassette: z.string().min(1),
});

const OfflineBrain = z.object({
  kind: z.literal('offline'),
  /** Reasoning noise (0 exact … 1 uninformed): blends the diagnosis's weights and the axis scores with draws hashed from the run seed. */
  noise: z.number().min(0).max(1).default(0),
}).strict();

export const BrainConfig = z.discriminatedUnion('kind', [OfflineBrain, OpenAiBrain, ReplayBrain]);
export type BrainConfig = z.infer<typeof BrainConfig>;

/** Job sandboxes: bwrap seals the job (the default); docker seals it in a container of the job image (gpu-node/sandbox-docker.ts);
 * none runs it unsealed and says so. */
export const SandboxName = z.enum(['bwrap', 'none', 'docker']);
export type SandboxName = z.infer<typeof SandboxName>;

/**
 * Acceptance beyond noise: a change replaces the SOTA only when its paired per-fold gain exceeds this many corrected
 * standard errors (actors/validator/acceptance.ts). 2 corrected SE is about 3 naive ones over 5 folds.
 */
export const DEFAULT_ACCEPT_K = 2;
/**
 * The final refit fits on every labelled row, more than any fold model saw: it is planned at this multiple of the
 * chosen pipeline's measured full run (the coordinator keeps that much budget in reserve for it).
 */
export const REFIT_TIME_FACTOR = 1.25;

/**
 * Admission control admits a scored full run only when its estimate times this margin fits in the budget left: a
 * refused job wastes its short debug run, a full run killed by the budget wastes all of its time, and the corrected
 * estimates are off by up to ~1.5x (bench:cost, metrics.json cost_model). The unscored final refit has no margin.
 */
export const ADMISSION_SAFETY = 1.5;

/** The most a run may overrun its budget (wall clock) while it stops and writes its reports. */
export const MAX_GRACE_MS = 60_000;

export const Limits = z.object({
  /** Per debug run (sampled data). */
  debugMs: z.number().int().positive().default(600_000),
  /** Per full run. */
  fullMs: z.number().int().positive().default(3_600_000),
  /** Deadline of one brain request (diagnosis, proposal, code); the requester then moves on with a recorded failure. */
  brainMs: z.number().int().positive().default(600_000),
  /** Deadline of a request to an in-process service that should answer at once (memory, budget). */
  replyMs: z.number().int().positive().default(30_000),
});
export type Limits = z.infer<typeof Limits>;

const LIMIT_DEFAULTS: Limits = { debugMs: 600_000, fullMs: 3_600_000, brainMs: 600_000, replyMs: 30_000 };

export const MessageLogLimits = z.object({
  maxBytes: z.number().int().positive().default(2 * 1024 ** 3),
  /** 0: no age limit. */
  maxAgeMs: z.number().int().nonnegative().default(0),
});
const MESSAGE_LOG_DEFAULTS = { maxBytes: 2 * 1024 ** 3, maxAgeMs: 0 };

export const RunConfig = z.object({
  /** A safe run id (see safeRunId); also a directory name and a NATS subject token. */
  runId: z.string().regex(/^[A-Za-z0-9_-]+$/, 'a run id may hold only letters, digits, "_" and "-"'),
  competitionDir: z.string().min(1),
  runDir: z.string().min(1),
  budgetMs: z.number().int().positive(),
  /** Wall-clock time allowed past the budget to stop and report; the run is cut hard at budget + grace. */
  graceMs: z.number().int().min(5_000).max(MAX_GRACE_MS).default(30_000),
  seed: z.number().int().nonnegative().default(0),
  preset: z.string().default('default'),
  topology: Topology.default(() => Topology.parse({ name: 'gome-1trace' })),
  brain: BrainConfig.default(() => ({ kind: 'offline' as const, noise: 0 })),
  limits: Limits.default(LIMIT_DEFAULTS),
  maxRepairs: z.number().int().min(0).max(10).default(2),
  topK: z.number().int().min(1).max(5).default(3),
  maxIterations: z.number().int().positive().nullable().default(null),
  sandbox: SandboxName.default('bwrap'),
  /** The run's fixed cross-validation folds, given to every job (folds.csv). */
  folds: z.number().int().min(2).max(10).default(5),
  /** Share of the training rows held back (labels never enter the sandbox) to confirm the final choice. */
  holdoutFrac: z.number().min(0).max(0.5).default(0.15),
  /** Paired per-fold gain needed to accept a change, in corrected standard errors. */
  acceptK: z.number().min(0).max(10).default(DEFAULT_ACCEPT_K),
  /** After the loop, refit the confirmed pipeline on every labelled row (the held-back slice too) when time is left. */
  finalRefit: z.boolean().default(true),
  /** Train/validation gap, relative to the validation score, above which L3 warns of overfitting. */
  overfitGap: z.number().nonnegative().default(0.15),
  python: z.string().default('/usr/bin/python3'),
  /**
   * Limits of the run's NATS stream (its message log): at most this many bytes, and (when set) no message older than
   * maxAgeMs; past a limit the oldest messages are dropped, and the log can no longer be replayed from its start.
   */
  messageLog: MessageLogLimits.default(MESSAGE_LOG_DEFAULTS),
})
  // a topology's per-role models are models of an LLM brain: the offline brain (and a replayed cassette) has none
  .refine((c) => c.brain.kind === 'openai' || !Object.values(c.topology.roles).some((r) => r?.model), {
    path: ['topology', 'roles'], message: 'a model per role (topology roles.*.model) needs an LLM brain: add --llm openai:MODEL, or remove the models from the topology',
  })
  .refine((c) => c.brain.kind === 'openai' || c.topology.selector !== 'llm', {
    path: ['topology', 'selector'], message: 'the LLM final selector (selector: llm) needs an LLM brain: add --llm openai:MODEL, or use selector best-validated',
  })
  .readonly();

/** The LLM models each role uses: the brain config's, with the topology's per-role models over them (validator: its judge). */
export function roleModels(c: Pick<RunConfig, 'topology'> & { brain: Extract<BrainConfig, { kind: 'openai' }> }): LlmRoleModels {
  const r = c.topology.roles;
  const judge = r.validator?.model ?? c.brain.models.judge;
  const researcher = r.researcher?.model ?? c.brain.models.researcher;
  const selector = c.topology.selector === 'llm' ? (c.brain.models.selector ?? researcher) : undefined;
  return { researcher, developer: r.developer?.model ?? c.brain.models.developer, ...(judge ? { judge } : {}), ...(selector ? { selector } : {}) };
}
export type RunConfig = z.infer<typeof RunConfig>;
export type RunConfigInput = z.input<typeof RunConfig>;

/** A config as an older Gome wrote it (run_meta.json, a recorded run.start), in today's shape; others pass as they are. */
export function upgradeConfig(raw: unknown): unknown {
  if (!raw || typeof raw !== 'object' || !('topology' in raw)) return raw;
  return { ...(raw as object), topology: upgradeLegacyTopology((raw as { topology: unknown }).topology) };
}
