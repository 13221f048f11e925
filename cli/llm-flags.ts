// The brain's command-line settings: --brain offline[:noise=X] (the offline brain and its reasoning noise), or
// --llm offline | openai:MODEL | replay:FILE, per-role models, the endpoint (OPENAI_BASE_URL), a JSON config file for
// the rest (context windows, prices, concurrency, retries), and the caps.
// The result is the config's `brain` input; RunConfig validates it and names the flag of any bad value.
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

export interface LlmFlags {
  /** --brain offline | offline:noise=X: the offline brain, its reasoning degraded by X (0 … 1). */
  brain?: string;
  llm?: string; llmBaseUrl?: string; llmResearcher?: string; llmDeveloper?: string; llmJudge?: string; llmConfig?: string;
  maxLlmUsd?: number; maxLlmTokens?: number;
}

/** The endpoint when neither --llm-base-url nor OPENAI_BASE_URL says: OpenAI's own. */
export const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

function readLlmConfig(path: string): Record<string, unknown> {
  let text: string;
  try { text = readFileSync(path, 'utf8'); } catch (e) {
    throw new InvalidArgumentError(`--llm-config ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); give the path of a JSON file`);
  }
  try {
    const v = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('it is not a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new InvalidArgumentError(`--llm-config ${path} is not a JSON object (${(e as Error).message}); see the README's "LLM brain" section for an example`);
  }
}

const BRAIN_ALLOWED = 'offline or offline:noise=X with X a number from 0 (exact reasoning) to 1 (none), e.g. offline:noise=0.3';

/** The offline brain's config input from --brain offline | offline:noise=X. */
export function offlineBrainFromFlag(value: string): { kind: 'offline'; noise: number } {
  const v = value.trim();
  const m = /^offline(?::noise=(.*))?$/.exec(v);
  if (!m) throw new InvalidArgumentError(`--brain "${value}" is not an offline brain setting: use ${BRAIN_ALLOWED}`);
  if (m[1] === undefined) return { kind: 'offline', noise: 0 };
  const x = m[1].trim();
  const noise = /^(?:\d+(?:\.\d*)?|\.\d+)$/.test(x) ? Number(x) : NaN;
  if (!(noise >= 0 && noise <= 1)) {
    throw new InvalidArgumentError(`--brain "${value}" has noise "${x}", but the noise must be a number from 0 (exact reasoning) to 1 (none), e.g. offline:noise=0.3`);
  }
  return { kind: 'offline', noise };
}

/** The brain config input from the flags, or undefined for the default (offline, exact) brain. */
export function brainFromFlags(f: LlmFlags, env: NodeJS.ProcessEnv = process.env): Record<string, unknown> | undefined {
  const spec = f.llm?.trim();
  const llmOnly = [f.llmResearcher && '--llm-researcher', f.llmDeveloper && '--llm-developer', f.llmJudge && '--llm-judge', f.llmBaseUrl && '--llm-base-url',
    f.llmConfig && '--llm-config', f.maxLlmUsd !== undefined && '--max-llm-usd', f.maxLlmTokens !== undefined && '--max-llm-tokens'].filter(Boolean);
  if (f.brain !== undefined) {
    if (spec && spec !== 'offline') throw new InvalidArgumentError('--brain sets the offline brain; --llm sets an LLM brain: give one of them');
    const offline = offlineBrainFromFlag(f.brain);
    if (llmOnly.length) throw new InvalidArgumentError(`${llmOnly.join(', ')} only apply to an LLM brain, not to --brain ${f.brain.trim()}: drop them, or use --llm openai:MODEL instead of --brain`);
    return offline;
  }
  if (!spec || spec === 'offline') {
    if (llmOnly.length) throw new InvalidArgumentError(`${llmOnly.join(', ')} only apply to an LLM brain: add --llm openai:MODEL`);
    return undefined;
  }
  if (spec.startsWith('replay:')) {
    const cassette = spec.slice('replay:'.length);
    if (!cassette) throw new InvalidArgumentError('--llm replay: needs the recorded run: --llm replay:RUN_DIR or --llm replay:RUN_DIR/llm_calls.jsonl');
    if (llmOnly.length) throw new InvalidArgumentError(`${llmOnly.join(', ')} do not apply to a replayed LLM run: the cassette holds its models and replies`);
    return { kind: 'replay', cassette };
  }
  if (!spec.startsWith('openai:')) {
    throw new InvalidArgumentError(`--llm "${spec}" is not a brain: use offline (the default), openai:MODEL (any OpenAI-compatible endpoint) or replay:RUN_DIR`);
  }
  const model = spec.slice('openai:'.length);
  if (!model) throw new InvalidArgumentError('--llm openai: needs a model name, e.g. --llm openai:gpt-4o-mini or --llm openai:qwen2.5-coder:7b');
  const file = f.llmConfig ? readLlmConfig(f.llmConfig) : {};
  const fileModels = (file.models ?? {}) as Record<string, unknown>;
  const caps = { ...((file.caps ?? {}) as Record<string, unknown>),
    ...(f.maxLlmUsd !== undefined ? { maxUsd: f.maxLlmUsd } : {}), ...(f.maxLlmTokens !== undefined ? { maxTokens: f.maxLlmTokens } : {}) };
  return {
    ...file,
    kind: 'openai',
    baseURL: f.llmBaseUrl ?? env.OPENAI_BASE_URL ?? (file.baseURL as string | undefined) ?? OPENAI_DEFAULT_BASE_URL,
    models: {
      researcher: f.llmResearcher ?? (fileModels.researcher as string | undefined) ?? model,
      developer: f.llmDeveloper ?? (fileModels.developer as string | undefined) ?? model,
      ...(f.llmJudge ?? fileModels.judge ? { judge: f.llmJudge ?? (fileModels.judge as string) } : {}),
    },
    caps,
  };
}
