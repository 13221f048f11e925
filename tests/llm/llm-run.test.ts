// The LLM brain end to end, through the real `openai` client against a local chat-completions server that plays a
// competent model: a full run on a bundled competition (a hand-written first draft, then changes as unified diffs),
// accounting that matches the server's usage, per-role models, the key in no output, then the same run again from
// its cassette (--llm replay) with the same replies and decisions, and `gome replay` of its log with no divergence.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { runCompetition, type RunResult } from '../../cli/run/run-session.ts';
import { tempDir } from '../grading/helpers.ts';
import { startChatServer, type ChatServer } from './chat-server.ts';
import { playingModel } from './playing-model.ts';
import { crashThenRepair } from './crash-repair-script.ts';

const REPO = resolve(import.meta.dirname, '../..');
const COMP = join(REPO, 'bench', 'breast-cancer-diagnosis');
const KEY = 'sk-test-gome-0123456789-secret';
const ITERATIONS = 5;

function messagesOf(runDir: string): Array<Record<string, any>> {
  return readFileSync(join(runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).body);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    const s = statSync(p);
    return s.isDirectory() ? filesUnder(p) : s.size < 50_000_000 ? [p] : [];
  });
}

describe('llm brain', () => {
  let server: ChatServer;
  const play = playingModel();
  let recorded: RunResult;

  beforeAll(async () => {
    server = await startChatServer({ respond: play.respond, apiKey: KEY, models: ['play-strong', 'play-cheap'] });
    process.env.GOME_TEST_LLM_KEY = KEY;
  });
  afterAll(async () => { await server?.close(); delete process.env.GOME_TEST_LLM_KEY; });

  it('llm - a full run through the openai client produces a valid submission that improves on its hand-written first draft', async () => {
    recorded = await runCompetition({
      competitionDir: COMP, runsRoot: tempDir('gome-llm-runs-'), runId: 'llm', progress: null,
      config: {
        budgetMs: 600_000, preset: 'quick', maxIterations: ITERATIONS, limits: { debugMs: 60_000, fullMs: 120_000 },
        brain: {
          kind: 'openai', baseURL: server.url, apiKeyEnv: 'GOME_TEST_LLM_KEY', models: { researcher: 'play-strong', developer: 'play-cheap', judge: 'play-strong' },
          modelSettings: {
            'play-strong': { contextTokens: 200_000, maxOutputTokens: 16_000, inputUsdPerMTok: 2.5, outputUsdPerMTok: 10 },
            'play-cheap': { contextTokens: 200_000, maxOutputTokens: 16_000, inputUsdPerMTok: 0.15, outputUsdPerMTok: 0.6 },
          },
        },
      },
    });
    const m = recorded.metrics;
    const report = JSON.parse(readFileSync(join(recorded.runDir, 'report.json'), 'utf8'));
    expect(report.valid_submission).toBe(true);
    const experiments = readFileSync(join(recorded.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // the first draft is the hand-written one, accepted; a later change beats it beyond noise
    expect(experiments[0].hypothesis.kind).toBe('draft:knn');
    expect(experiments[0].status).toBe('accepted');
    expect(m.accepted_after_first).toBeGreaterThanOrEqual(1);
    expect(m.best_score!).toBeGreaterThan(m.first_score!);
    expect(play.stats.handwritten).toBeGreaterThanOrEqual(1);

    // a change that came back as a unified diff passed L0-L3 (its experiment reached the decision)
    const log = messagesOf(recorded.runDir);
    const calls = log.filter((b) => b?.type === 'llm.call').map((b) => b.payload);
    const diffCalls = calls.filter((c) => c.answer === 'code' && c.outcome === 'ok' && JSON.parse(c.responses.at(-1)).format === 'diff');
    expect(diffCalls.length).toBeGreaterThan(0);
    expect(experiments.filter((e) => e.iteration > 0 && e.level === 'L3').length).toBeGreaterThan(0);

    // per-role models reached the server as configured
    const chats = server.requests.filter((r) => r.path.endsWith('/chat/completions'));
    const roleOf = (b: any): string => (/"role": "(\w+)"/.exec(b.messages[1].content)?.[1] ?? '?');
    for (const r of chats) expect(r.body.model).toBe(roleOf(r.body) === 'developer' ? 'play-cheap' : 'play-strong');

    // the judge gave the final word on every change the harness accepted, and on nothing else
    const accepted = experiments.filter((e) => e.status === 'accepted');
    for (const e of accepted) {
      expect(e.reasons).toContain('the judge accepts: the gain is beyond noise and the change is sound');
      expect(e.reasons.some((r: string) => r.startsWith('judge observed: per-fold scores'))).toBe(true);
    }
    expect(calls.filter((c) => c.role === 'judge')).toHaveLength(accepted.length);
    expect(play.stats.judge).toBe(accepted.length);
    expect(chats.every((r) => r.body.response_format?.type === 'json_schema')).toBe(true);

    // accounting: the tokens recorded are the server's usage figures, priced per model
    expect(m.llm).not.toBeNull();
    expect(m.llm!.total.calls).toBe(calls.length);
    const served = chats.reduce((n, r) => n + Math.ceil(r.body.messages.reduce((k: number, x: any) => k + x.content.length, 0) / 4), 0);
    expect(m.llm!.total.promptTokens).toBe(served);
    const strong = m.llm!.byModel['play-strong']!;
    expect(strong.costUsd!).toBeCloseTo((strong.promptTokens * 2.5 + strong.completionTokens * 10) / 1e6, 9);

    // the key is in no file of the run directory
    for (const f of filesUnder(recorded.runDir)) expect(readFileSync(f).includes(KEY), f).toBe(false);
  }, 600_000);

  it('llm - the cassette re-runs the recorded run offline with the same replies and decisions, and gome replay finds no divergence', async () => {
    expect(recorded).toBeDefined();
    const before = server.requests.length;
    const again = await runCompetition({
      competitionDir: COMP, runsRoot: tempDir('gome-llm-replay-'), runId: 'llm-again', progress: null,
      config: { budgetMs: 600_000, preset: 'quick', maxIterations: ITERATIONS, limits: { debugMs: 60_000, fullMs: 120_000 }, brain: { kind: 'replay', cassette: recorded.runDir } },
    });
    expect(server.requests.length).toBe(before); // no endpoint was called
    const pick = (runDir: string) => messagesOf(runDir).filter((b) => b?.type === 'brain.research.reply' || b?.type === 'brain.develop.reply')
      .map((b) => ({ type: b.type, payload: b.payload }));
    expect(pick(again.runDir)).toEqual(pick(recorded.runDir));
    const decisions = (runDir: string) => readFileSync(join(runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l))
      .map((e) => ({ id: e.id, status: e.status, level: e.level, score: e.score, folds: e.folds }));
    expect(decisions(again.runDir)).toEqual(decisions(recorded.runDir));

    for (const runDir of [recorded.runDir, again.runDir]) {
      const r = spawnSync(process.execPath, [join(REPO, 'bin', 'gome.mjs'), 'replay', runDir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('every one equal to the log');
    }
  }, 600_000);

  it('llm - scripted: code that crashes is repaired from its error, and the repaired pipeline is accepted', async () => {
    const s = await startChatServer({ apiKey: KEY, script: crashThenRepair('the first attempt breaks on purpose', [{ category: 'scenario', summary: 'No pipeline yet', evidence: '455 rows' }]) });
    try {
      const r = await runCompetition({
        competitionDir: COMP, runsRoot: tempDir('gome-llm-repair-'), runId: 'llm-repair', progress: null,
        config: { budgetMs: 300_000, preset: 'quick', maxIterations: 1, limits: { debugMs: 60_000, fullMs: 120_000 },
          brain: { kind: 'openai', baseURL: s.url, apiKeyEnv: 'GOME_TEST_LLM_KEY', models: { researcher: 'play-strong', developer: 'play-cheap' } } },
      });
      const [e] = readFileSync(join(r.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(e).toMatchObject({ status: 'accepted', attempts: 2 });
      const repair = s.requests.filter((q) => q.path.endsWith('/chat/completions'))[2]!.body;
      expect(repair.response_format.json_schema.name).toBe('repair');
      expect(repair.messages[1].content).toContain('the first attempt breaks on purpose'); // the job's stderr reached the model
      expect(JSON.parse(readFileSync(join(r.runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    } finally { await s.close(); }
  }, 300_000);

  it('llm - the token cap stops further calls; the run finishes with its best so far and says why', async () => {
    const capped = playingModel();
    const s = await startChatServer({ apiKey: KEY, respond: capped.respond });
    try {
      const r = await runCompetition({
        competitionDir: COMP, runsRoot: tempDir('gome-llm-cap-'), runId: 'llm-cap', progress: null,
        config: { budgetMs: 300_000, preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 },
          brain: { kind: 'openai', baseURL: s.url, apiKeyEnv: 'GOME_TEST_LLM_KEY', models: { researcher: 'play-strong', developer: 'play-cheap' }, caps: { maxUsd: null, maxTokens: 40_000 } } },
      });
      const served = s.requests.filter((q) => q.path.endsWith('/chat/completions')).length;
      expect(r.status).toBe('finished');
      expect(r.stopReason).toContain('--max-llm-tokens');
      expect(r.metrics.llm!.capReached).toContain('no further LLM call is made');
      expect(r.metrics.llm!.total.calls - r.metrics.llm!.total.failed).toBe(served); // every call after the cap was refused before any request
      expect(r.metrics.budget_used_frac).toBeLessThan(0.5); // it stopped early, not at the budget
      expect(JSON.parse(readFileSync(join(r.runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
      const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
      expect(meta.stopReason).toContain('LLM token cap');
    } finally { await s.close(); }
  }, 300_000);
});
