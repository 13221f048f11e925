// Typed failures of LLM calls. Each says what happened and what to do in sentences; none carries the API key. The
// brain turns them into a typed failure reply (request.failed, code "failed") that the loop records as feedback.
import type { LlmCall } from '../../../protocols/llm.ts';

export type LlmFailureCode = Exclude<LlmCall['outcome'], 'ok'>;

export class LlmFailure extends Error {
  override readonly name: string = 'LlmFailure';
  constructor(readonly code: LlmFailureCode, message: string) { super(message); }
}

/** The reply never matched its schema, after every retry with the error fed back. */
export class LlmReplyInvalid extends LlmFailure {
  override readonly name = 'LlmReplyInvalid';
  constructor(what: string, attempts: number, lastError: string) {
    super('invalid', `the model's ${what} reply did not match its schema after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${lastError}`);
  }
}

/** The endpoint answered with an HTTP error that retries did not clear (or one that is not retried: 400, 401, 404). */
export class LlmHttpError extends LlmFailure {
  override readonly name = 'LlmHttpError';
  constructor(readonly status: number | null, detail: string, fix: string) {
    super('http', `the LLM endpoint answered ${status ?? 'an error'}: ${detail}. ${fix}`);
  }
}

/** Nothing listens at the endpoint, or the connection broke. */
export class LlmConnectionError extends LlmFailure {
  override readonly name = 'LlmConnectionError';
  constructor(baseURL: string, detail: string) {
    super('connection', `could not reach the LLM endpoint at ${baseURL} (${detail}). Check that the server runs and that OPENAI_BASE_URL (or --llm-base-url) points at it.`);
  }
}

/** The call's deadline passed (retries included). */
export class LlmDeadline extends LlmFailure {
  override readonly name = 'LlmDeadline';
  constructor(ms: number) { super('deadline', `the LLM call got no usable answer within its deadline of ${Math.round(ms / 1000)} s; raise brain.requestMs or use a faster model.`); }
}

/** The run stopped (budget over, Ctrl-C) while the call was in flight. */
export class LlmCancelled extends LlmFailure {
  override readonly name = 'LlmCancelled';
  constructor() { super('cancelled', 'the LLM call was cancelled because the run is stopping.'); }
}

/** A per-run cap (--max-llm-usd, --max-llm-tokens) is reached: no further call is made. */
export class LlmCapReached extends LlmFailure {
  override readonly name = 'LlmCapReached';
  constructor(readonly reason: string) { super('cap', reason); }
}
