// Tests for the loopback OpenAI chat-completions test server, driven by the real `openai` SDK (nothing mocked).
import { afterEach, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { startChatServer, type ChatServer, type ChatServerOptions } from './chat-server.ts';
import { until } from '../helpers/until.ts';

const KEY = 'sk-test-chat-server';
let servers: ChatServer[] = [];

async function start(opts: ChatServerOptions = {}): Promise<ChatServer> {
  const s = await startChatServer(opts);
  servers.push(s);
  return s;
}
function client(s: ChatServer, maxRetries = 0, apiKey = KEY): OpenAI {
  return new OpenAI({ baseURL: s.url, apiKey, maxRetries, timeout: 10_000 });
}
const ask = (c: OpenAI, content = 'hello there', signal?: AbortSignal) =>
  c.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content }] }, signal ? { signal } : {});

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe('chat-server', () => {
  it('chat-server - returns a well-formed chat.completion with computed and scripted usage', async () => {
    const s = await start({
      apiKey: KEY,
      script: [
        { kind: 'reply', content: 'hi!' },
        { kind: 'reply', content: 'again', usage: { prompt_tokens: 11, completion_tokens: 7 } },
      ],
    });
    expect(s.url).toBe(`http://127.0.0.1:${s.port}/v1`);
    const c = client(s);
    const r = await ask(c, 'twelve chars');
    expect(r.object).toBe('chat.completion');
    expect(r.id).toBe('chatcmpl-1');
    expect(r.model).toBe('test-model');
    expect(r.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'hi!' });
    expect(r.choices[0]?.finish_reason).toBe('stop');
    expect(r.usage).toEqual({ prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });

    const r2 = await ask(c);
    expect(r2.choices[0]?.message.content).toBe('again');
    expect(r2.usage).toEqual({ prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 });

    expect(s.requests).toHaveLength(2);
    expect(s.requests[0]?.path).toBe('/v1/chat/completions');
    expect(s.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(s.requests[0]?.body.messages).toEqual([{ role: 'user', content: 'twelve chars' }]);

    // Script exhausted and no responder: 500 "script exhausted".
    await expect(ask(c)).rejects.toMatchObject({ status: 500, message: expect.stringContaining('script exhausted') });
  });

  it('chat-server - falls back to the responder once the script is used up', async () => {
    const s = await start({
      script: [{ kind: 'reply', content: 'scripted' }],
      respond: (body) => ({ kind: 'reply', content: `echo:${body.messages.at(-1).content}` }),
    });
    const c = client(s);
    expect((await ask(c, 'a')).choices[0]?.message.content).toBe('scripted');
    expect((await ask(c, 'b')).choices[0]?.message.content).toBe('echo:b');
  });

  it('chat-server - a 429 with retry-after: 1 is retried by the SDK about a second later, then succeeds', async () => {
    const s = await start({
      script: [
        { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
        { kind: 'reply', content: 'after wait' },
      ],
    });
    const r = await ask(client(s, 2));
    expect(r.choices[0]?.message.content).toBe('after wait');
    expect(s.requests).toHaveLength(2);
    const [a, b] = s.requests;
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(900);
    expect(b!.headers['x-stainless-retry-count']).toBe('1');
  });

  it('chat-server - a 500 is retried, then succeeds; without retries it surfaces as InternalServerError', async () => {
    const s = await start({
      script: [
        { kind: 'status', status: 500 },
        { kind: 'reply', content: 'recovered' },
        { kind: 'status', status: 500 },
      ],
    });
    const r = await ask(client(s, 2));
    expect(r.choices[0]?.message.content).toBe('recovered');
    expect(s.requests).toHaveLength(2);
    const err = await ask(client(s, 0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.InternalServerError>).error).toMatchObject({ type: 'server_error' });
  });

  it('chat-server - a slow reply aborted by the client after 200 ms throws and is counted as aborted', async () => {
    const s = await start({ script: [{ kind: 'slow', delayMs: 1500, content: 'too late' }] });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const t0 = Date.now();
    await expect(ask(client(s), 'x', ac.signal)).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    expect(Date.now() - t0).toBeLessThan(1000);
    await until(() => s.aborted === 1, 2000, 'server to count the abort');
    expect(s.aborted).toBe(1);
  });

  it('chat-server - a hang is released when the client times out, and counted as aborted', async () => {
    const s = await start({ script: [{ kind: 'hang' }] });
    const c = new OpenAI({ baseURL: s.url, apiKey: KEY, maxRetries: 0, timeout: 300 });
    await expect(ask(c)).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await until(() => s.aborted === 1, 2000, 'server to count the hang-up');
  });

  it('chat-server - a wrong API key gives AuthenticationError (401, invalid_api_key)', async () => {
    const s = await start({ apiKey: KEY, script: [{ kind: 'reply', content: 'never' }] });
    const err = await ask(client(s, 2, 'sk-test-wrong')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe('invalid_api_key');
    expect(s.requests).toHaveLength(1); // 401 is not retried
  });

  it('chat-server - jsonSchema:false rejects a json_schema response_format with BadRequestError', async () => {
    const s = await start({ jsonSchema: false, script: [{ kind: 'reply', content: '{"a":1}' }] });
    const c = client(s, 2);
    const err = await c.chat.completions
      .create({
        model: 'test-model',
        messages: [{ role: 'user', content: 'json please' }],
        response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.status).toBe(400);
    expect(bad.param).toBe('response_format');
    expect(bad.message).toContain('response_format json_schema is not supported');
    // json_object is still fine, and the rejected request did not consume the script step.
    const ok = await c.chat.completions.create({
      model: 'test-model', messages: [{ role: 'user', content: 'json' }], response_format: { type: 'json_object' },
    });
    expect(ok.choices[0]?.message.content).toBe('{"a":1}');
  });

  it('chat-server - stream:true is answered with 400', async () => {
    const s = await start({ script: [{ kind: 'reply', content: 'x' }] });
    await expect(
      client(s).chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('chat-server - lists and retrieves known models and 404s an unknown one', async () => {
    const s = await start({ models: ['m-small', 'm-large'] });
    const c = client(s);
    const ids: string[] = [];
    for await (const m of c.models.list()) ids.push(m.id);
    expect(ids).toEqual(['m-small', 'm-large']);
    expect((await c.models.retrieve('m-large')).id).toBe('m-large');
    const err = await c.models.retrieve('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe('model_not_found');
    expect(s.requests.map((r) => r.path)).toEqual(['/v1/models', '/v1/models/m-large', '/v1/models/nope']);
    expect(s.maxConcurrent).toBe(0);
  });

  it('chat-server - measures maxConcurrent across three parallel slow requests', async () => {
    const s = await start({
      script: [
        { kind: 'slow', delayMs: 300, content: 'a' },
        { kind: 'slow', delayMs: 300, content: 'b' },
        { kind: 'slow', delayMs: 300, content: 'c' },
        { kind: 'slow', delayMs: 50, content: 'd' },
      ],
    });
    const c = client(s);
    const rs = await Promise.all([ask(c), ask(c), ask(c)]);
    expect(rs.map((r) => r.choices[0]?.message.content).sort()).toEqual(['a', 'b', 'c']);
    expect(s.maxConcurrent).toBe(3);
    await ask(c); // a later lone request does not change the peak
    expect(s.maxConcurrent).toBe(3);
    expect(s.aborted).toBe(0);
  });
});
