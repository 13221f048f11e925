// Run configuration: errors are sentences naming the flag, the value and what is allowed; unbuilt features are
// refused at parse time; any folder name yields a safe run id.
import { describe, expect, it } from 'vitest';
import { ConfigInvalid, parseConfig, safeRunId } from '../../protocols/config-errors.ts';
import { RunConfig } from '../../protocols/config.ts';

const base = { runId: 'r1', competitionDir: '/c', runDir: '/r', budgetMs: 60_000 };

function problems(input: unknown): string[] {
  try { parseConfig(RunConfig, input); } catch (e) { expect(e).toBeInstanceOf(ConfigInvalid); return (e as ConfigInvalid).problems; }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('config - a bad value is a sentence naming the flag, the value given and what is allowed', () => {
    expect(problems({ ...base, topology: { traces: 0 } })).toEqual(['--traces was 0, but it must be at least 1.']);
    expect(problems({ ...base, topology: { traces: 99 } })).toEqual(['--traces was 99, but it must be at most 16.']);
    expect(problems({ ...base, topK: 2.5 })[0]).toMatch(/^--top-k was 2\.5, but it must be an integer\.$/);
    expect(problems({ ...base, topology: { policy: { kind: 'random' } } })).toEqual(['--topology (field "policy.kind") was "random", but allowed values are "gradient", "tree-greedy", "tree-mcts".']);
    expect(problems({ ...base, topology: { researcher: 'gradient' } })).toEqual(['--topology has an unknown setting "researcher": check the spelling against the README (a setting Gome does not know is refused, never ignored).']);
    expect(problems({ ...base, topology: { policy: { kind: 'tree-mcts', c: 11 } } })).toEqual(['--topology (field "policy.c") was 11, but it must be at most 10.']);
    expect(problems({ ...base, topology: { mergeWindow: 0.2 } })).toEqual(['--topology (field "mergeWindow") was 0.2: a merge joins the best ideas of several gradient traces: it needs traces > 1 and policy gradient (or mergeWindow 0).']);
    expect(parseConfig(RunConfig, { ...base, topology: { traces: 2, mergeWindow: 0.2 } }).topology.mergeWindow).toBe(0.2);
    expect(problems({ ...base, graceMs: 120_000 })).toEqual(['--grace was 120000, but it must be at most 60000.']);
    const many = problems({ ...base, budgetMs: -1, maxRepairs: 50 });
    expect(many).toHaveLength(2);
    for (const p of many) { expect(p).not.toMatch(/[[{]/); expect(p).toMatch(/\.$/); }
  });

  it('config - sandboxes are the built ones; anything else is refused at parse time, never accepted and ignored', () => {
    expect(parseConfig(RunConfig, { ...base, sandbox: 'docker' }).sandbox).toBe('docker');
    expect(problems({ ...base, sandbox: 'auto' })[0]).toMatch(/--sandbox was "auto", but allowed values are "bwrap", "none", "docker"/);
    const ok = parseConfig(RunConfig, { ...base, sandbox: 'none' });
    expect(ok.sandbox).toBe('none');
    expect(parseConfig(RunConfig, base).sandbox).toBe('bwrap'); // sealed by default
  });

  it('config - the message of ConfigInvalid is plain sentences', () => {
    try { parseConfig(RunConfig, { ...base, topology: { traces: 0 } }); } catch (e) {
      expect((e as Error).message).toBe('the run configuration is invalid. --traces was 0, but it must be at least 1.');
    }
  });

  it('config - any folder name gives a safe run id', () => {
    for (const [name, id] of [['credit.v2 copy', 'credit-v2-copy'], ['a..b', 'a-b'], ['  ', 'run'], ['Ünïcode dätä', 'Unicode-data'], ['ok_name-1', 'ok_name-1']]) {
      expect(safeRunId(name!)).toBe(id);
      expect(() => parseConfig(RunConfig, { ...base, runId: safeRunId(name!) })).not.toThrow();
    }
  });

  it('config - the OpenAI brain now does what it says: defaults filled, a bad endpoint or a missing model named by its flag', () => {
    const ok = parseConfig(RunConfig, { ...base, brain: { kind: 'openai', baseURL: 'http://127.0.0.1:8000/v1', models: { researcher: 'big', developer: 'small' } } });
    expect(ok.brain).toMatchObject({ kind: 'openai', apiKeyEnv: 'OPENAI_API_KEY', structuredOutput: 'auto', replyRetries: 2, concurrency: 4, caps: { maxUsd: null, maxTokens: null } });
    const bad = problems({ ...base, brain: { kind: 'openai', baseURL: 'not a url', models: { researcher: 'big' }, caps: { maxUsd: -1 } } });
    expect(bad).toEqual(expect.arrayContaining([
      expect.stringMatching(/^--llm-base-url \(or OPENAI_BASE_URL\) was "not a url", but it must be a valid url\.$/),
      expect.stringMatching(/^--llm-developer is required/),
      expect.stringMatching(/^--max-llm-usd was -1, but it must be more than 0\.$/),
    ]));
    expect(problems({ ...base, brain: { kind: 'claude' } })[0]).toMatch(/^--llm was/);
    // a misspelt setting (from --llm-config) is refused, not ignored
    const typo = problems({ ...base, brain: { kind: 'openai', baseURL: 'http://h/v1', models: { researcher: 'a', developer: 'b' }, temprature: 0.1, modelSettings: { a: { contextToken: 9 } } } });
    expect(typo).toContain('the brain settings (--llm, --llm-config) has an unknown setting "temprature": check the spelling against the README (a setting Gome does not know is refused, never ignored).');
    expect(typo.join(' ')).toMatch(/brain\.modelSettings\.a has an unknown setting "contextToken"/);
    for (const p of typo) expect(p).not.toMatch(/[{[]/);
  });
});

describe('config upgrade', () => {
  it('config - a config recorded before topologies were data reads as the same gradient switches', async () => {
    const { upgradeConfig } = await import('../../protocols/config.ts');
    const old = { ...base, topology: { researcher: 'greedy', traces: 2, memory: false, structuredReasoning: true } };
    const t = parseConfig(RunConfig, upgradeConfig(old)).topology;
    expect(t).toMatchObject({ name: 'legacy-greedy', traces: 2, memory: false, structuredReasoning: false, policy: { kind: 'gradient' } });
    const grad = parseConfig(RunConfig, upgradeConfig({ ...base, topology: { researcher: 'gradient', traces: 4, memory: true, structuredReasoning: true } })).topology;
    expect(grad).toMatchObject({ name: 'gome', traces: 4, structuredReasoning: true });
    // today's configs pass unchanged
    expect(upgradeConfig(base)).toEqual(base);
  });
});

describe('topology roles', () => {
  it('topology - a model per role needs an LLM brain, and overrides the brain config\'s model for that role', async () => {
    const { roleModels } = await import('../../protocols/config.ts');
    const roles = { researcher: { model: 'big' }, validator: { model: 'judge-m' } };
    expect(problems({ ...base, topology: { roles } }).join(' ')).toContain('needs an LLM brain');
    expect(problems({ ...base, topology: { roles: { memory: { model: 'x' } } } }).join(' ')).toContain('memory asks no model');
    expect(problems({ ...base, topology: { traces: 2, scheduler: { kind: 'puct' } } }).join(' ')).toContain('set concurrency below traces');
    const c = parseConfig(RunConfig, { ...base, topology: { roles }, brain: { kind: 'openai', baseURL: 'http://localhost:1/v1', models: { researcher: 'r', developer: 'd' } } });
    expect(c.brain.kind).toBe('openai');
    if (c.brain.kind === 'openai') expect(roleModels({ topology: c.topology, brain: c.brain })).toEqual({ researcher: 'big', developer: 'd', judge: 'judge-m' });
  });
});
