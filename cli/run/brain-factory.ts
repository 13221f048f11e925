// Builds the run's brain from its config: the offline brain (the default; its reasoning noise, if any, drawn from the
// run's seed), an LLM brain on an OpenAI-compatible endpoint (the key read from the environment variable the config
// names, and never written anywhere), or an LLM brain that replays a recorded run's cassette. The run gets back what
// it needs to cancel calls. (Its LLM usage is read from the log's llm.call records, cli/run/run-metrics.ts, so a
// resumed run counts both lives.)
import { join } from 'node:path';
import type { BrainConfig, LlmModelSettings } from '../../protocols/config.ts';
import { LlmModelSettings as ModelSettings } from '../../protocols/config.ts';
import { createOfflineBrain, type Brain } from '../../actors/brain/brain.ts';
import { Cassette, CASSETTE_FILE, CassetteWriter } from '../../actors/brain/llm/cassette.ts';
import { ChatClient } from '../../actors/brain/llm/chat-client.ts';
import { LlmBrain } from '../../actors/brain/llm/llm-brain.ts';
import { PROMPT_VERSION } from '../../actors/brain/llm/prompt-library.ts';
import { CassetteTransport, LiveTransport } from '../../actors/brain/llm/transports.ts';
import { UsageLedger } from '../../actors/brain/llm/usage-ledger.ts';

export interface BrainHooks {
  runDir: string;
  /** A cap was reached: the run finishes with its best so far, saying why. */
  onCap: (reason: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The run's seed: the offline brain's reasoning noise (if any) is drawn from it, so the run replays. */
  seed?: number;
}

/** The run's brain, how to cancel its calls in flight, and whether it gives final judgements (a judge model). */
export interface RunBrain { brain: Brain; abort: () => void; judge: boolean }

const DEFAULT_SETTINGS: LlmModelSettings = ModelSettings.parse({});

/** The LLM brain's name in its replies: its models and prompt version (a cassette replay answers under the same name). */
export function llmBrainName(models: { researcher: string; developer: string }): string {
  return `llm:${models.researcher === models.developer ? models.researcher : `${models.researcher}+${models.developer}`}:${PROMPT_VERSION}`;
}

export function createBrain(cfg: BrainConfig, hooks: BrainHooks): RunBrain {
  if (cfg.kind === 'offline') return { brain: createOfflineBrain({ noise: cfg.noise, seed: hooks.seed ?? 0 }), abort: () => {}, judge: false };
  const controller = new AbortController();
  const writer = new CassetteWriter(join(hooks.runDir, CASSETTE_FILE));
  if (cfg.kind === 'replay') {
    const cassette = Cassette.load(cfg.cassette);
    const m = cassette.models();
    const models = { researcher: m.researcher ?? m.developer ?? 'recorded', developer: m.developer ?? m.researcher ?? 'recorded', ...(m.judge ? { judge: m.judge } : {}) };
    const brain = new LlmBrain({
      name: llmBrainName(models), models,
      settings: () => ({ ...DEFAULT_SETTINGS, contextTokens: 1_000_000, maxOutputTokens: 4096 }), temperature: 0, replyRetries: 5, requestMs: 60_000,
      transport: new CassetteTransport(cassette), ledger: new UsageLedger({ maxUsd: null, maxTokens: null }), signal: controller.signal, onCall: (c) => writer.append(c),
    });
    return { brain, abort: () => controller.abort(), judge: m.judge !== undefined };
  }
  const env = hooks.env ?? process.env;
  const apiKey = env[cfg.apiKeyEnv] ?? null;
  const client = new ChatClient({
    baseURL: cfg.baseURL, apiKey, apiKeyEnv: cfg.apiKeyEnv, httpRetries: cfg.httpRetries, concurrency: cfg.concurrency, structuredOutput: cfg.structuredOutput,
  });
  const brain = new LlmBrain({
    name: llmBrainName(cfg.models),
    models: cfg.models, settings: (model) => cfg.modelSettings[model] ?? DEFAULT_SETTINGS,
    temperature: cfg.temperature, replyRetries: cfg.replyRetries, requestMs: cfg.requestMs,
    transport: new LiveTransport(client), ledger: new UsageLedger(cfg.caps), signal: controller.signal, onCap: hooks.onCap, onCall: (c) => writer.append(c),
  });
  return { brain, abort: () => controller.abort(), judge: cfg.models.judge !== undefined };
}
