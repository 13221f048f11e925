// The LLM final selector end to end: two gradient traces with the LLM brain (the real `openai` client against the
// local chat-completions server), selector llm. When the loop is over the brain's selector model chooses among the
// traces' best pipelines from their harness figures and code (never their held-back scores); the chosen pipeline is
// refit and handed in, and metrics.json puts its held-back score beside the best validated one's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { parseConfig } from '../../protocols/config-errors.ts';
import { RunConfig } from '../../protocols/config.ts';
import { tempDir } from '../grading/helpers.ts';
import { startChatServer, type ChatServer } from './chat-server.ts';
import { contextOf, playingModel } from './playing-model.ts';

const REPO = resolve(import.meta.dirname, '../..');
const KEY = 'sk-test-gome-selector';

describe('llm selector', () => {
  let server: ChatServer;
  const play = playingModel();
  const asked: Array<Record<string, any>> = [];

  beforeAll(async () => {
    server = await startChatServer({
      respond: (body) => { const ctx = contextOf(body); if (ctx.role === 'selector') asked.push(ctx); return play.respond(body); },
      apiKey: KEY, models: ['play-strong', 'play-pick'],
    });
    process.env.GOME_TEST_LLM_KEY = KEY;
  });
  afterAll(async () => { await server?.close(); delete process.env.GOME_TEST_LLM_KEY; });

  it('llm selector - the selector model chooses among the traces\' best pipelines, and the choice is refit, handed in and confirmed on the held-back slice', async () => {
    const r = await runCompetition({
      competitionDir: join(REPO, 'bench', 'breast-cancer-diagnosis'), runsRoot: tempDir('gome-llm-select-'), runId: 'select', progress: null,
      config: {
        budgetMs: 600_000, preset: 'quick', maxIterations: 4, limits: { debugMs: 60_000, fullMs: 120_000 },
        topology: { name: 'two-traces-llm-selector', traces: 2, selector: 'llm' },
        brain: { kind: 'openai', baseURL: server.url, apiKeyEnv: 'GOME_TEST_LLM_KEY', models: { researcher: 'play-strong', developer: 'play-strong', selector: 'play-pick' } },
      },
    });
    expect(r.report?.valid_submission).toBe(true);
    expect(asked).toHaveLength(1);
    const cands = asked[0]!.candidates as Array<Record<string, any>>;
    expect(cands.length).toBe(2);
    expect(new Set(cands.map((c) => c.trace))).toEqual(new Set(['t0', 't1']));
    expect(JSON.stringify(asked[0])).not.toMatch(/"holdout"/); // the held-back scores are not shown to any selection
    const steadiest = cands.reduce((a, b) => (b.cvStd < a.cvStd ? b : a)).experiment;
    const calls = readFileSync(join(r.runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).body)
      .filter((b) => b.type === 'llm.call' && b.payload.role === 'selector');
    expect(calls.map((c) => c.payload.model)).toEqual(['play-pick']); // the selector's own model
    expect(r.finished.best?.experiment).toBe(steadiest);
    expect(r.finished.selection).toMatchObject({ by: 'llm', bestValidated: cands[0]!.experiment });
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
    if (meta.finalRefit.used) expect(meta.finalRefit.experiment).toBe(steadiest); // the choice is what is refit and handed in
    const experiments = new Map(readFileSync(join(r.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((e) => [e.id, e]));
    expect(r.metrics.selection).toEqual({
      by: 'llm', reason: expect.stringMatching(/steadiest/), chosen: steadiest, chosen_score: experiments.get(steadiest).score,
      chosen_holdout: experiments.get(steadiest).holdout, best_validated: cands[0]!.experiment,
      best_validated_score: experiments.get(cands[0]!.experiment).score, best_validated_holdout: experiments.get(cands[0]!.experiment).holdout,
    });
    expect(r.metrics.confirmation_score).toBe(experiments.get(steadiest).holdout);
  }, 300_000);

  it('llm selector - the topology\'s LLM selector is refused with a sentence on the offline brain and on one trace', () => {
    const base = { runId: 'x', competitionDir: '.', runDir: '.', budgetMs: 60_000 };
    expect(() => parseConfig(RunConfig, { ...base, topology: { traces: 2, selector: 'llm' } })).toThrow(/selector: llm\) needs an LLM brain: add --llm openai:MODEL/);
    expect(() => parseConfig(RunConfig, { ...base, topology: { traces: 1, selector: 'llm' } })).toThrow(/it needs traces > 1/);
  });
});
