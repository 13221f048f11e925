// One OpenAI-compatible endpoint through the official `openai` client: chat completions with the answer's JSON
// schema as response_format (falling back to plain text where the endpoint refuses it), the client's own retries
// with exponential backoff and jitter on 429/5xx (it honours retry-after), a per-endpoint concurrency limit, and a
// deadline and cancellation through AbortSignal. Every failure is a typed LlmFailure without the key in it.
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { LlmUsage } from '../../../protocols/llm.ts';
import { acquireSlot } from './endpoint-gate.ts';
import { LlmCancelled, LlmConnectionError, LlmDeadline, LlmHttpError } from './llm-errors.ts';
import { redact } from './redact.ts';
import { estimateTokens } from './token-budget.ts';

export interface ChatClientOptions {
  baseURL: string;
  apiKey: string | null;
  /** The variable the key came from (named in the fix of a refused key). */
  apiKeyEnv: string;
  httpRetries: number;
  concurrency: number;
  structuredOutput: 'auto' | 'json_schema' | 'text';
}

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  /** The answer's name and JSON schema (sent as response_format when the endpoint takes it). */
  schemaName: string;
  schema: Record<string, unknown>;
  maxTokens: number;
  temperature: number;
  deadlineMs: number;
  /** The run's signal: aborted when the budget ends or the run is stopped. */
  signal?: AbortSignal;
}

export interface ChatExchange { text: string; usage: LlmUsage; mode: 'json_schema' | 'text'; latencyMs: number }

/** Does this 400 say that the endpoint does not take a JSON schema response format? */
function refusesSchema(e: APIError): boolean {
  return e.status === 400 && /response_format|json_schema|structured/i.test(`${e.message} ${JSON.stringify(e.error ?? '')}`);
}

export class ChatClient {
  private readonly client: OpenAI;
  /** Learned in auto mode: the endpoint took (true) or refused (false) json_schema; null before the first call. */
  private schemaOk: boolean | null;

  constructor(private readonly o: ChatClientOptions) {
    this.client = new OpenAI({ baseURL: o.baseURL, apiKey: o.apiKey ?? 'no-key', maxRetries: o.httpRetries, timeout: 3_600_000 });
    this.schemaOk = o.structuredOutput === 'json_schema' ? true : o.structuredOutput === 'text' ? false : null;
  }

  get baseURL(): string { return this.o.baseURL; }
  /** Whether the endpoint takes response_format json_schema (null: not known yet). */
  get jsonSchemaSupported(): boolean | null { return this.schemaOk; }

  async complete(req: ChatRequest): Promise<ChatExchange> {
    const timeout = AbortSignal.timeout(req.deadlineMs);
    const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
    const started = Date.now();
    const aborted = (): Error => (req.signal?.aborted ? new LlmCancelled() : new LlmDeadline(req.deadlineMs));
    let release: () => void;
    try { release = await acquireSlot(this.o.baseURL, this.o.concurrency, signal); } catch { throw aborted(); }
    try {
      for (;;) {
        const useSchema = this.schemaOk !== false;
        try {
          const res = await this.client.chat.completions.create({
            model: req.model, messages: req.messages, temperature: req.temperature, max_tokens: req.maxTokens,
            ...(useSchema ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.schemaName, schema: req.schema, strict: false } } } : {}),
          }, { signal, timeout: req.deadlineMs });
          if (useSchema) this.schemaOk = true;
          const text = res.choices[0]?.message?.content ?? '';
          const usage: LlmUsage = res.usage
            ? { promptTokens: res.usage.prompt_tokens, completionTokens: res.usage.completion_tokens }
            : { promptTokens: estimateTokens(req.messages.map((m) => m.content).join('\n')), completionTokens: estimateTokens(text) };
          return { text, usage, mode: useSchema ? 'json_schema' : 'text', latencyMs: Date.now() - started };
        } catch (e) {
          if (e instanceof APIError && useSchema && this.o.structuredOutput === 'auto' && refusesSchema(e)) {
            this.schemaOk = false; // the JSON goes in the text from now on, for this endpoint
            continue;
          }
          throw this.typed(e, aborted);
        }
      }
    } finally {
      release();
    }
  }

  private typed(e: unknown, aborted: () => Error): Error {
    if (e instanceof APIUserAbortError || (e instanceof Error && e.name === 'AbortError')) return aborted();
    if (e instanceof APIConnectionTimeoutError) return aborted();
    if (e instanceof APIConnectionError) return new LlmConnectionError(this.o.baseURL, redact(e.cause instanceof Error ? e.cause.message : e.message, this.o.apiKey));
    if (e instanceof APIError) {
      const detail = redact(e.message, this.o.apiKey);
      switch (e.status) {
        case 401: case 403: return new LlmHttpError(e.status, 'the API key was refused', `Set ${this.o.apiKeyEnv} to a key this endpoint accepts.`);
        case 404: return new LlmHttpError(404, `not found (${detail})`, 'Check the model name and the base URL (gome doctor --llm lists the models the endpoint serves).');
        case 429: return new LlmHttpError(429, `rate limited after ${this.o.httpRetries} retries (${detail})`, 'Lower brain.concurrency or raise brain.httpRetries.');
        default: return new LlmHttpError(e.status ?? null, detail, (e.status ?? 0) >= 500 ? `The server kept failing after ${this.o.httpRetries} retries.` : 'Check the request settings for this endpoint.');
      }
    }
    return e instanceof Error ? new LlmConnectionError(this.o.baseURL, redact(e.message, this.o.apiKey)) : new LlmConnectionError(this.o.baseURL, String(e));
  }
}
