// gome doctor --llm, run as a user runs it, against the local chat-completions server and against a dead port: it
// says exactly what failed (connection, key, model, JSON schema support) and never prints the key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { startChatServer, type ChatServer } from './chat-server.ts';

const GOME = join(resolve(import.meta.dirname, '../..'), 'bin', 'gome.mjs');
const KEY = 'sk-doctor-test-98765432-secret';

/** The CLI in a child process (asynchronously: the server it talks to lives in this process). */
function doctor(args: string[], key = KEY): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [GOME, 'doctor', ...args], { env: { ...process.env, OPENAI_API_KEY: key, OPENAI_BASE_URL: '' } });
  let out = '';
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
  return new Promise((r) => child.on('close', (code) => r({ code, out })));
}

async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('doctor --llm', () => {
  let ok: ChatServer;
  let noSchema: ChatServer;
  beforeAll(async () => {
    ok = await startChatServer({ apiKey: KEY, models: ['m-good'], respond: () => ({ kind: 'reply', content: '{"ok": true}' }) });
    noSchema = await startChatServer({ apiKey: KEY, models: ['m-good'], jsonSchema: false, respond: () => ({ kind: 'reply', content: '{"ok": true}' }) });
  });
  afterAll(async () => { await ok?.close(); await noSchema?.close(); });

  it('doctor --llm - a working endpoint passes with its model, structured output and latency', async () => {
    const r = await doctor(['--llm', 'openai:m-good', '--llm-base-url', ok.url]);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/ok\s+model m-good: served/);
    expect(r.out).toContain('response_format json_schema is supported');
    expect(r.out).toMatch(/one small request took \d+ ms/);
    expect(r.out).toContain('the LLM endpoint is ready');
    expect(r.out).not.toContain(KEY);
  });

  it('doctor --llm - a dead port fails clearly, naming the connection, without printing the key', async () => {
    const port = await deadPort();
    const r = await doctor(['--llm', 'openai:m-good', '--llm-base-url', `http://127.0.0.1:${port}/v1`]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAILED\s+endpoint reachable: connection to http:\/\/127\.0\.0\.1:\d+\/v1 failed/);
    expect(r.out).toContain('fix: start the server');
    expect(r.out).not.toContain(KEY);
  });

  it('doctor --llm - a bad key, an unknown model and no JSON schema support are each named', async () => {
    const bad = await doctor(['--llm', 'openai:m-good', '--llm-base-url', ok.url], 'sk-wrong-key-00000000');
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('OPENAI_API_KEY is refused (HTTP 401)');
    expect(bad.out).not.toContain('sk-wrong-key-00000000');
    const unknown = await doctor(['--llm', 'openai:m-nope', '--llm-base-url', ok.url]);
    expect(unknown.code).toBe(1);
    expect(unknown.out).toContain('unknown model: the endpoint serves m-good');
    const plain = await doctor(['--llm', 'openai:m-good', '--llm-base-url', noSchema.url]);
    expect(plain.code, plain.out).toBe(0); // runs fall back to JSON in the text
    expect(plain.out).toContain('no JSON schema support');
  });
});
