// Where an LLM brain's exchanges go: a live OpenAI-compatible endpoint (ChatClient), or a cassette that serves a
// recorded run's replies in order, per (role, trace, call), and fails the way the recorded call failed.
import type { Cassette } from './cassette.ts';
import type { ChatClient, ChatExchange } from './chat-client.ts';
import type { Exchange, Transport } from './llm-brain.ts';
import { LlmCancelled, LlmFailure } from './llm-errors.ts';

export class LiveTransport implements Transport {
  readonly kind = 'live' as const;
  constructor(private readonly client: ChatClient) {}
  exchange(x: Exchange): Promise<ChatExchange> {
    return this.client.complete({
      model: x.model, messages: x.messages, schemaName: x.schemaName, schema: x.schema, maxTokens: x.maxTokens,
      temperature: x.temperature, deadlineMs: x.deadlineMs, signal: x.signal,
    });
  }
}

export class CassetteTransport implements Transport {
  readonly kind = 'cassette' as const;
  constructor(private readonly cassette: Cassette) {}
  async exchange(x: Exchange): Promise<ChatExchange> {
    if (x.signal.aborted) throw new LlmCancelled();
    const rec = this.cassette.get(x.role, x.trace, x.ordinal);
    if (!rec) {
      throw new LlmFailure('cassette', `the cassette ${this.cassette.path} has no call ${x.ordinal + 1} of the ${x.role} on trace ${x.trace}: this run went further than the recorded one (bound both with --max-iterations to compare them)`);
    }
    const text = rec.responses[x.attempt];
    if (text === undefined) {
      // the recorded call ended here without a usable reply: it fails the same way again
      throw new LlmFailure(rec.outcome === 'ok' ? 'cassette' : rec.outcome, rec.error ?? `the recorded call had no reply ${x.attempt + 1}`);
    }
    const last = x.attempt === rec.responses.length - 1;
    return { text, usage: last ? rec.usage : { promptTokens: 0, completionTokens: 0 }, mode: 'text', latencyMs: 0 };
  }
}
