// gome doctor --llm openai:MODEL: checks an OpenAI-compatible endpoint the way a run will use it, through the same
// client: reachable, the key accepted, the model served, structured output (json_schema) taken, and the latency of
// one small request. Each failure says exactly what failed and what to do; the key is never printed.
import OpenAI, { APIConnectionError, APIError } from 'openai';
import { ChatClient } from '../../actors/brain/llm/chat-client.ts';
import { LlmFailure } from '../../actors/brain/llm/llm-errors.ts';
import { redact } from '../../actors/brain/llm/redact.ts';
import { brainFromFlags, type LlmFlags } from '../llm-flags.ts';

export interface LlmCheck { name: string; ok: boolean; detail: string; fix: string }

const PING_SCHEMA = { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'], additionalProperties: false };

export async function checkLlm(f: LlmFlags, env: NodeJS.ProcessEnv = process.env): Promise<LlmCheck[]> {
  const brain = brainFromFlags(f, env);
  if (!brain || brain.kind !== 'openai') {
    return [{ name: 'LLM brain', ok: false, detail: `--llm ${f.llm ?? ''} names no endpoint to check`, fix: 'use gome doctor --llm openai:MODEL' }];
  }
  const baseURL = brain.baseURL as string;
  const keyEnv = (brain.apiKeyEnv as string | undefined) ?? 'OPENAI_API_KEY';
  const key = env[keyEnv] ?? null;
  const models = brain.models as { researcher: string; developer: string; judge?: string };
  const checks: LlmCheck[] = [];
  const say = (name: string, ok: boolean, detail: string, fix = ''): boolean => { checks.push({ name, ok, detail: redact(detail, key), fix }); return ok; };
  const client = new OpenAI({ baseURL, apiKey: key ?? 'no-key', maxRetries: 0, timeout: 15_000 });

  // reachable, and the key: listing the models touches both
  let served: string[] | null = null;
  try {
    served = [];
    for await (const m of client.models.list()) served.push(m.id);
    say('endpoint reachable', true, `${baseURL} answers`);
    say('API key', true, key ? `${keyEnv} is accepted` : `no ${keyEnv} set, and the endpoint needs none`);
  } catch (e) {
    if (e instanceof APIConnectionError) {
      say('endpoint reachable', false, `connection to ${baseURL} failed (${(e.cause as Error | undefined)?.message ?? e.message})`, 'start the server, or point --llm-base-url / OPENAI_BASE_URL at it');
      return checks;
    }
    if (e instanceof APIError && (e.status === 401 || e.status === 403)) {
      say('endpoint reachable', true, `${baseURL} answers`);
      say('API key', false, key ? `${keyEnv} is refused (HTTP ${e.status})` : `the endpoint wants a key and ${keyEnv} is not set`, `set ${keyEnv} to a valid key`);
      return checks;
    }
    // some servers (llama.cpp, proxies) have no model list: go on without it
    served = null;
    say('endpoint reachable', true, `${baseURL} answers (no model list: ${e instanceof APIError ? `HTTP ${e.status}` : (e as Error).message})`);
  }

  for (const model of [...new Set([models.researcher, models.developer, ...(models.judge ? [models.judge] : [])])]) {
    if (served) {
      if (!say(`model ${model}`, served.includes(model), served.includes(model) ? 'served' : `unknown model: the endpoint serves ${served.slice(0, 12).join(', ') || 'no models'}${served.length > 12 ? ' …' : ''}`,
        'pick a served model with --llm openai:MODEL (or --llm-researcher / --llm-developer)')) continue;
    }
    // the run's own client in auto mode: it tries json_schema and falls back to JSON in the text when refused
    const chat = new ChatClient({ baseURL, apiKey: key, apiKeyEnv: keyEnv, httpRetries: 0, concurrency: 1, structuredOutput: 'auto' });
    try {
      const x = await chat.complete({ model, messages: [{ role: 'user', content: 'Answer {"ok": true}.' }], schemaName: 'ping', schema: PING_SCHEMA, maxTokens: 16, temperature: 0, deadlineMs: 60_000 });
      if (chat.jsonSchemaSupported) say(`structured output (${model})`, true, 'response_format json_schema is supported');
      else say(`structured output (${model})`, false, 'no JSON schema support: the endpoint refused response_format json_schema', 'runs still work: the brain falls back to JSON read from the text (set structuredOutput "text" in --llm-config to skip the first refused request)');
      say(`latency (${model})`, true, `one small request took ${x.latencyMs} ms${chat.jsonSchemaSupported ? '' : ' (the refused json_schema request included)'}`);
    } catch (e) {
      const msg = e instanceof LlmFailure ? e.message : (e as Error).message;
      if (/answered 404/.test(msg)) say(`model ${model}`, false, `unknown model (${msg})`, 'pick a model the endpoint serves');
      else say(`chat completion (${model})`, false, msg, 'see the error; gome doctor --llm checks one small request');
    }
  }
  return checks;
}

/** Prints the checks; 0 when a run can use the endpoint (JSON schema support is optional). */
export async function doctorLlm(write: (s: string) => void, f: LlmFlags): Promise<number> {
  const checks = await checkLlm(f);
  for (const c of checks) write(`${c.ok ? 'ok     ' : 'FAILED '}  ${c.name}: ${c.detail}${c.ok || !c.fix ? '' : `\n         fix: ${c.fix}`}`);
  const bad = checks.filter((c) => !c.ok && !c.name.startsWith('structured output'));
  write(bad.length ? `\nthe LLM endpoint cannot be used: ${bad.map((c) => c.name).join(', ')}.` : '\nthe LLM endpoint is ready.');
  return bad.length ? 1 : 0;
}
