// The LLM brain's flags: what each builds, where the endpoint comes from, and the sentences for what does not fit.
import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brainFromFlags, OPENAI_DEFAULT_BASE_URL } from '../../cli/llm-flags.ts';
import { tempDir } from '../grading/helpers.ts';

describe('llm flags', () => {
  it('llm flags - offline is the default; openai:MODEL sets both roles; per-role flags and the endpoint override', () => {
    expect(brainFromFlags({}, {})).toBeUndefined();
    expect(brainFromFlags({ llm: 'offline' }, {})).toBeUndefined();
    expect(brainFromFlags({ llm: 'openai:gpt-4o-mini' }, {})).toMatchObject({ kind: 'openai', baseURL: OPENAI_DEFAULT_BASE_URL, models: { researcher: 'gpt-4o-mini', developer: 'gpt-4o-mini' } });
    expect(brainFromFlags({ llm: 'openai:qwen2.5-coder:7b' }, { OPENAI_BASE_URL: 'http://localhost:11434/v1' })).toMatchObject({ baseURL: 'http://localhost:11434/v1', models: { researcher: 'qwen2.5-coder:7b' } });
    expect(brainFromFlags({ llm: 'openai:small', llmResearcher: 'big', llmBaseUrl: 'http://h:8000/v1', maxLlmUsd: 2, maxLlmTokens: 1000 }, { OPENAI_BASE_URL: 'http://other/v1' }))
      .toMatchObject({ baseURL: 'http://h:8000/v1', models: { researcher: 'big', developer: 'small' }, caps: { maxUsd: 2, maxTokens: 1000 } });
    expect(brainFromFlags({ llm: 'replay:runs/r1' }, {})).toEqual({ kind: 'replay', cassette: 'runs/r1' });
  });

  it('llm flags - a config file supplies models, prices and settings; flags win over it', () => {
    const f = join(tempDir('gome-llmcfg-'), 'llm.json');
    writeFileSync(f, JSON.stringify({ models: { researcher: 'gpt-4o' }, concurrency: 2, modelSettings: { 'gpt-4o': { contextTokens: 128000, inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 } }, caps: { maxUsd: 5 } }));
    expect(brainFromFlags({ llm: 'openai:gpt-4o-mini', llmConfig: f, maxLlmTokens: 10 }, {})).toMatchObject({
      models: { researcher: 'gpt-4o', developer: 'gpt-4o-mini' }, concurrency: 2, modelSettings: { 'gpt-4o': { contextTokens: 128000 } }, caps: { maxUsd: 5, maxTokens: 10 },
    });
  });

  it('llm flags - what does not fit is a sentence naming the flag and the fix', () => {
    expect(() => brainFromFlags({ llmResearcher: 'big' }, {})).toThrow('--llm-researcher only apply to an LLM brain: add --llm openai:MODEL');
    expect(() => brainFromFlags({ llm: 'openai:' }, {})).toThrow(/needs a model name/);
    expect(() => brainFromFlags({ llm: 'claude:x' }, {})).toThrow(/is not a brain: use offline \(the default\), openai:MODEL/);
    expect(() => brainFromFlags({ llm: 'replay:r', maxLlmUsd: 1 }, {})).toThrow(/do not apply to a replayed LLM run/);
    expect(() => brainFromFlags({ llm: 'openai:m', llmConfig: '/nonexistent/llm.json' }, {})).toThrow(/cannot be read \(ENOENT\)/);
    const f = join(tempDir('gome-llmcfg-'), 'bad.json');
    writeFileSync(f, '[1, 2]');
    expect(() => brainFromFlags({ llm: 'openai:m', llmConfig: f }, {})).toThrow(/is not a JSON object/);
  });

  it('llm flags - --brain offline:noise=X sets the offline brain and its reasoning noise', () => {
    expect(brainFromFlags({ brain: 'offline' }, {})).toEqual({ kind: 'offline', noise: 0 });
    expect(brainFromFlags({ brain: 'offline:noise=0.3' }, {})).toEqual({ kind: 'offline', noise: 0.3 });
    expect(brainFromFlags({ brain: 'offline:noise=0' }, {})).toEqual({ kind: 'offline', noise: 0 });
    expect(brainFromFlags({ brain: 'offline:noise=1' }, {})).toEqual({ kind: 'offline', noise: 1 });
    expect(brainFromFlags({ brain: 'offline:noise=.5' }, {})).toEqual({ kind: 'offline', noise: 0.5 });
    expect(brainFromFlags({ brain: ' offline:noise=0.25 ', llm: 'offline' }, {})).toEqual({ kind: 'offline', noise: 0.25 });
  });

  it('llm flags - a bad --brain value, or --brain with an LLM brain, is a sentence naming the flag and what is allowed', () => {
    expect(() => brainFromFlags({ brain: 'offline:noise=1.5' }, {})).toThrow('--brain "offline:noise=1.5" has noise "1.5", but the noise must be a number from 0 (exact reasoning) to 1 (none), e.g. offline:noise=0.3');
    expect(() => brainFromFlags({ brain: 'offline:noise=-0.1' }, {})).toThrow(/has noise "-0.1", but the noise must be a number from 0/);
    expect(() => brainFromFlags({ brain: 'offline:noise=abc' }, {})).toThrow(/has noise "abc"/);
    expect(() => brainFromFlags({ brain: 'offline:noise=' }, {})).toThrow(/has noise ""/);
    expect(() => brainFromFlags({ brain: 'offline:noise=1e-1' }, {})).toThrow(/has noise "1e-1"/);
    expect(() => brainFromFlags({ brain: 'offline:noise=Infinity' }, {})).toThrow(/has noise "Infinity"/);
    expect(() => brainFromFlags({ brain: 'openai:gpt-4o' }, {})).toThrow('--brain "openai:gpt-4o" is not an offline brain setting: use offline or offline:noise=X with X a number from 0 (exact reasoning) to 1 (none), e.g. offline:noise=0.3');
    expect(() => brainFromFlags({ brain: 'offline:temp=0.3' }, {})).toThrow(/is not an offline brain setting/);
    expect(() => brainFromFlags({ brain: 'offline:noise=0.3', llm: 'openai:gpt-4o-mini' }, {})).toThrow('--brain sets the offline brain; --llm sets an LLM brain: give one of them');
    expect(() => brainFromFlags({ brain: 'offline', llm: 'replay:runs/r1' }, {})).toThrow('--brain sets the offline brain; --llm sets an LLM brain: give one of them');
    expect(() => brainFromFlags({ brain: 'offline:noise=0.3', maxLlmUsd: 1 }, {})).toThrow(/--max-llm-usd only apply to an LLM brain, not to --brain offline:noise=0.3/);
  });
});
