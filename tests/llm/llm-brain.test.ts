// The LLM brain's machinery through the real `openai` client against the local chat-completions server: schema retries
// with the error fed back, typed failures (never a crash), 429/500 retries, deadline and cancellation, the endpoint's
// concurrency limit, the caps, the plain-text fallback, the context budget, accounting and the cassette.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { samples } from '../helpers/envelopes.ts';
import { tempDir } from '../grading/helpers.ts';
import { startChatServer, type ChatServer, type ScriptStep } from './chat-server.ts';
import { ChatClient } from '../../actors/brain/llm/chat-client.ts';
import { LlmBrain } from '../../actors/brain/llm/llm-brain.ts';
import { LiveTransport, CassetteTransport } from '../../actors/brain/llm/transports.ts';
import { UsageLedger } from '../../actors/brain/llm/usage-ledger.ts';
import { Cassette, CassetteWriter, CASSETTE_FILE } from '../../actors/brain/llm/cassette.ts';
import { LlmCancelled, LlmCapReached, LlmDeadline, LlmHttpError, LlmReplyInvalid } from '../../actors/brain/llm/llm-errors.ts';
import { brainBehavior } from '../../actors/brain/brain-actor.ts';
import { LlmModelSettings } from '../../protocols/config.ts';
import type { LlmCall } from '../../protocols/llm.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { estimateTokens } from '../../actors/brain/llm/token-budget.ts';
import { createRootLogger } from '../../runtime/logger.ts';

const researchReq = samples['brain.research.request'];
const developReq = samples['brain.develop.request'];

const GOOD_RESEARCH = {
  diagnosis: [{ category: 'feedback', summary: 'Underfitting', evidence: 'train 0.99 vs cv 0.97' }],
  hypotheses: [{ kind: 'model:xgb', component: 'model', title: 'Try XGBoost', rationale: 'stronger learner', problem: 'Underfitting',
    scores: { alignment: 8, impact: 7, novelty: 6, feasibility: 8, risk: 7 }, instruction: 'replace the model with XGBClassifier', estimatedSeconds: 12 }],
};
const reply = (v: unknown): ScriptStep => ({ kind: 'reply', content: typeof v === 'string' ? v : JSON.stringify(v) });

let server: ChatServer | null = null;
afterEach(async () => { await server?.close(); server = null; });

function brainOn(s: ChatServer, o: { replyRetries?: number; requestMs?: number; concurrency?: number; contextTokens?: number; caps?: { maxUsd: number | null; maxTokens: number | null };
  signal?: AbortSignal; structuredOutput?: 'auto' | 'json_schema' | 'text'; onCap?: (r: string) => void; calls?: LlmCall[]; key?: string } = {}) {
  const client = new ChatClient({ baseURL: s.url, apiKey: o.key ?? 'sk-test-1', apiKeyEnv: 'OPENAI_API_KEY', httpRetries: 2, concurrency: o.concurrency ?? 4, structuredOutput: o.structuredOutput ?? 'auto' });
  const ledger = new UsageLedger(o.caps ?? { maxUsd: null, maxTokens: null });
  const settings = LlmModelSettings.parse({ contextTokens: o.contextTokens ?? 32_000, maxOutputTokens: 1024, inputUsdPerMTok: 1, outputUsdPerMTok: 2 });
  const calls = o.calls ?? [];
  const brain = new LlmBrain({
    name: 'llm:test', models: { researcher: 'm-research', developer: 'm-develop', judge: 'm-judge' }, settings: () => settings, temperature: 0,
    replyRetries: o.replyRetries ?? 2, requestMs: o.requestMs ?? 20_000, transport: new LiveTransport(client), ledger,
    signal: o.signal ?? new AbortController().signal, onCap: o.onCap, onCall: (c) => calls.push(c),
  });
  return { brain, ledger, calls, client };
}

describe('llm brain', () => {
  it('llm - a malformed reply and a schema violation are asked again with the error fed back, then the valid reply is used', async () => {
    server = await startChatServer({ script: [reply('this is not { json'), reply({ diagnosis: [], hypotheses: [{ kind: 'x' }] }), reply(`Here you go:\n\`\`\`json\n${JSON.stringify(GOOD_RESEARCH)}\n\`\`\``)] });
    const { brain, calls } = brainOn(server);
    const r = await brain.research(researchReq);
    expect(r.hypotheses[0]).toMatchObject({ kind: 'model:xgb', change: { instruction: 'replace the model with XGBClassifier' }, cost: { ms: 12_000 } });
    const bodies = server.requests.map((q) => q.body);
    expect(bodies).toHaveLength(3);
    expect(bodies[1].messages.at(-1).content).toContain('not valid JSON');
    expect(bodies[2].messages.at(-1).content).toMatch(/does not match the schema: hypotheses\[0\]\.component/);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ outcome: 'ok', responses: expect.any(Array), role: 'researcher', model: 'm-research', mode: 'json_schema' });
    expect(calls[0]!.responses).toHaveLength(3);
  });

  it('llm - a reply that never matches becomes a typed failure, which the brain actor answers as request.failed (no crash)', async () => {
    server = await startChatServer({ script: [reply('{}'), reply('{}')] });
    const { brain } = brainOn(server, { replyRetries: 1 });
    await expect(brain.research(researchReq)).rejects.toBeInstanceOf(LlmReplyInvalid);
    server.requests.length = 0;
    const s2 = await startChatServer({ script: [reply('{}'), reply('{}')] });
    try {
      const { brain: b2 } = brainOn(s2, { replyRetries: 1 });
      const beh = brainBehavior(b2);
      if (beh.kind !== 'service') throw new Error('service expected');
      const journal: unknown[] = [];
      const env = { v: 1, id: 'r:researcher.t0:4', run: 'r', trace: 't0', from: 'researcher.t0', to: 'brain.0', type: 'brain.research.request', seq: 4, causation: null, correlation: 'c', ts: 1, payload: researchReq } as Envelope;
      const outs = await beh.handle(env, { logger: createRootLogger({ level: 'silent' }), clock: { now: () => 1 } as never, address: 'brain.0', journal: (o) => journal.push(o) });
      expect(outs).toEqual([{ to: 'researcher.t0', type: 'request.failed', payload: expect.objectContaining({ request: 'brain.research.request', requestId: 'r:researcher.t0:4', code: 'failed', reason: expect.stringContaining('did not match its schema after 2 attempts') }) }]);
      expect(journal).toEqual([expect.objectContaining({ type: 'llm.call', payload: expect.objectContaining({ outcome: 'invalid', trace: 't0' }) })]);
    } finally { await s2.close(); }
  });

  it('llm - 429 with retry-after and a 500 are retried with backoff, then the reply is used', async () => {
    server = await startChatServer({ script: [{ kind: 'status', status: 429, headers: { 'retry-after': '1' } }, { kind: 'status', status: 500 }, reply(GOOD_RESEARCH)] });
    const { brain } = brainOn(server);
    const r = await brain.research(researchReq);
    expect(r.hypotheses).toHaveLength(1);
    const at = server.requests.map((q) => q.at);
    expect(at).toHaveLength(3);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(900); // retry-after: 1 s
  });

  it('llm - a slow reply ends at the deadline with a typed failure; the run stopping cancels a call in flight', async () => {
    server = await startChatServer({ script: [{ kind: 'slow', delayMs: 5_000, content: JSON.stringify(GOOD_RESEARCH) }, { kind: 'hang' }] });
    const { brain } = brainOn(server, { requestMs: 400 });
    const t0 = Date.now();
    await expect(brain.research(researchReq)).rejects.toBeInstanceOf(LlmDeadline);
    expect(Date.now() - t0).toBeLessThan(3_000);
    const stop = new AbortController();
    const { brain: b2 } = brainOn(server, { signal: stop.signal });
    const p = b2.research(researchReq);
    setTimeout(() => stop.abort(), 200);
    await expect(p).rejects.toBeInstanceOf(LlmCancelled);
    await new Promise((r) => setTimeout(r, 100));
    expect(server.aborted).toBe(2);
  });

  it('llm - a refused key is a typed failure that names the variable to set, without the key', async () => {
    server = await startChatServer({ apiKey: 'sk-right-key-000000', script: [reply(GOOD_RESEARCH)] });
    const { brain } = brainOn(server, { key: 'sk-wrong-key-123456' });
    const e = await brain.research(researchReq).catch((x: Error) => x);
    expect(e).toBeInstanceOf(LlmHttpError);
    expect((e as Error).message).toContain('Set OPENAI_API_KEY');
    expect((e as Error).message).not.toContain('sk-wrong-key-123456');
  });

  it('llm - the concurrency limit per endpoint holds under parallel traces', async () => {
    server = await startChatServer({ respond: () => ({ kind: 'slow', delayMs: 150, content: JSON.stringify(GOOD_RESEARCH) }) });
    const { brain } = brainOn(server, { concurrency: 2 });
    const io = (t: string) => ({ trace: t, record: () => {} });
    await Promise.all(['t0', 't1', 't2', 't3', 't4', 't5'].map((t) => brain.research(researchReq, io(t))));
    expect(server.maxConcurrent).toBe(2);
  });

  it('llm - once the token cap is reached no further call is made, and the run is told once why', async () => {
    server = await startChatServer({ respond: () => ({ kind: 'reply', content: JSON.stringify(GOOD_RESEARCH), usage: { prompt_tokens: 700, completion_tokens: 400 } }) });
    const caps: string[] = [];
    const { brain, ledger } = brainOn(server, { caps: { maxUsd: null, maxTokens: 2_000 }, onCap: (r) => caps.push(r) });
    await brain.research(researchReq);
    await brain.research(researchReq); // 2,200 tokens now: over the cap
    await expect(brain.research(researchReq)).rejects.toBeInstanceOf(LlmCapReached);
    await expect(brain.research(researchReq)).rejects.toBeInstanceOf(LlmCapReached);
    expect(server.requests).toHaveLength(2);
    expect(caps).toHaveLength(1);
    expect(caps[0]).toContain('--max-llm-tokens');
    expect(ledger.summary().total).toMatchObject({ calls: 4, promptTokens: 1400, completionTokens: 800, failed: 2 });
    expect(ledger.summary().total.costUsd).toBeCloseTo((1400 * 1 + 800 * 2) / 1e6, 12);
  });

  it('llm - an endpoint without json_schema support gets the schema in the prompt and its JSON is read from the text', async () => {
    server = await startChatServer({ jsonSchema: false, respond: () => reply(`\`\`\`json\n${JSON.stringify(GOOD_RESEARCH)}\n\`\`\``) });
    const calls: LlmCall[] = [];
    const { brain, client } = brainOn(server, { calls });
    await brain.research(researchReq);
    await brain.research(researchReq);
    expect(client.jsonSchemaSupported).toBe(false);
    // one refused request, then text mode for every later call
    expect(server.requests.map((q) => q.body.response_format?.type ?? 'none')).toEqual(['json_schema', 'none', 'none']);
    expect(calls.map((c) => c.mode)).toEqual(['text', 'text']);
  });

  it('llm - a long history and big code stay inside a small context window', async () => {
    server = await startChatServer({ respond: () => reply(GOOD_RESEARCH) });
    const { brain } = brainOn(server, { contextTokens: 6_000 });
    const code = Array.from({ length: 3_000 }, (_, i) => `x_${i} = compute_feature(frame, column_${i % 57}, window=${i % 13})`).join('\n');
    const failures = Array.from({ length: 400 }, (_, i) => ({ kind: `fe:idea-${i}`, experiment: `t0-e${i}`, level: 'L3', reason: `not a gain beyond noise: paired gain ${i} below 2 SE `.repeat(3) }));
    await brain.research({ ...researchReq, sota: { ...researchReq.sota!, code }, failures, task: { ...researchReq.task, description: 'word '.repeat(20_000) } });
    const body = server.requests[0]!.body;
    const total = body.messages.reduce((n: number, m: { content: string }) => n + estimateTokens(m.content), 0);
    expect(total).toBeLessThanOrEqual(6_000 - 1024);
    expect(body.messages[1].content).toContain('left out to fit the context window');
    expect(body.messages[1].content).toContain('x_0 = compute_feature'); // the head of the code is kept …
    expect(body.messages[1].content).toContain('x_2999 = compute_feature'); // … and its tail
  });

  it('llm - a unified diff is applied to the base code; a diff that does not apply is asked again', async () => {
    const base = 'import os\nprint("a")\nprint("b")\n';
    const good = '--- a/pipeline.py\n+++ b/pipeline.py\n@@ -1,3 +1,3 @@\n import os\n-print("a")\n+print("A")\n print("b")\n';
    const bad = good.replace('-print("a")', '-print("zzz")');
    server = await startChatServer({ script: [reply({ summary: 's', format: 'diff', content: bad }), reply({ summary: 'upper-case a', format: 'diff', content: good })] });
    const { brain } = brainOn(server);
    const r = await brain.develop({ ...developReq, baseCode: base });
    expect(r.code).toBe('import os\nprint("A")\nprint("b")\n');
    expect(server.requests[1]!.body.messages.at(-1).content).toContain('does not apply to the base code');
  });

  it('llm - the cassette serves the recorded replies by role, trace and call, and fails like the recorded call failed', async () => {
    server = await startChatServer({ script: [reply(GOOD_RESEARCH), reply('nope'), reply('nope'), reply('nope')] });
    const dir = tempDir('gome-cassette-');
    const writer = new CassetteWriter(join(dir, CASSETTE_FILE));
    const calls: LlmCall[] = [];
    const { brain } = brainOn(server, { calls });
    const live1 = await brain.research(researchReq, { trace: 't0', record: (c) => writer.append(c) });
    await expect(brain.research(researchReq, { trace: 't0', record: (c) => writer.append(c) })).rejects.toBeInstanceOf(LlmReplyInvalid);
    const cassette = Cassette.load(dir);
    expect(cassette.size).toBe(2);
    const replayed = new LlmBrain({
      name: 'llm:test', models: { researcher: 'm-research', developer: 'm-develop' }, settings: () => LlmModelSettings.parse({}), temperature: 0,
      replyRetries: 2, requestMs: 1000, transport: new CassetteTransport(cassette), ledger: new UsageLedger({ maxUsd: null, maxTokens: null }), signal: new AbortController().signal,
    });
    const n = server.requests.length;
    expect(await replayed.research(researchReq, { trace: 't0', record: () => {} })).toEqual(live1);
    await expect(replayed.research(researchReq, { trace: 't0', record: () => {} })).rejects.toBeInstanceOf(LlmReplyInvalid);
    await expect(replayed.research(researchReq, { trace: 't0', record: () => {} })).rejects.toThrow(/no call 3 of the researcher on trace t0/);
    expect(server.requests.length).toBe(n);
  });
});

describe('llm brain - judge and selector', () => {
  it('llm - the judge sees the change as a diff and the harness figures, and its answer comes back checked', async () => {
    server = await startChatServer({ script: [reply({ decision: 'reject', observations: ['reads the target into the features'], reason: 'leakage' })] });
    const { brain } = brainOn(server);
    const r = await brain.judge(samples['brain.judge.request']);
    expect(r).toEqual({ decision: 'reject', observations: ['reads the target into the features'], reason: 'leakage', brain: 'llm:test' });
    const prompt = server.requests[0]!.body.messages[1].content as string;
    expect(prompt).toMatch(/^-print\(1\)$/m);
    expect(prompt).toMatch(/^\+print\(2\)$/m);
    expect(prompt).toContain('harness: auc 0.98 against SOTA 0.97 beats it beyond noise');
    expect(server.requests[0]!.body.response_format.json_schema.name).toBe('judge');
  });

  it('llm - the selector must name one of the candidates; another name is asked again', async () => {
    server = await startChatServer({ script: [reply({ experiment: 't9-e9', reason: 'made up' }), reply({ experiment: 't1-e3', reason: 'steadier over folds' })] });
    const client = new ChatClient({ baseURL: server.url, apiKey: 'sk-test-1', apiKeyEnv: 'OPENAI_API_KEY', httpRetries: 0, concurrency: 2, structuredOutput: 'auto' });
    const brain = new LlmBrain({
      name: 'llm:test', models: { researcher: 'm', developer: 'm', selector: 'm-select' }, settings: () => LlmModelSettings.parse({}), temperature: 0,
      replyRetries: 2, requestMs: 10_000, transport: new LiveTransport(client), ledger: new UsageLedger({ maxUsd: null, maxTokens: null }), signal: new AbortController().signal,
    });
    const r = await brain.select(samples['brain.select.request']);
    expect(r).toEqual({ experiment: 't1-e3', reason: 'steadier over folds', brain: 'llm:test' });
    expect(server.requests[1]!.body.messages.at(-1).content).toContain('"t9-e9" is not one of the candidates (t0-e4, t1-e3)');
    expect(server.requests[0]!.body.model).toBe('m-select');
  });
});
