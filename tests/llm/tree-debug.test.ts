// Tree search debugs buggy nodes in a real run: tree-greedy (one draft, debug probability 1, no in-place repairs)
// through the LLM brain against a local chat-completions server whose scripted model writes a draft that crashes.
// The crash leaves a buggy node; the next iteration is a fix of it — the model is asked to repair the buggy node's
// code from its error, with no new proposal — and the fixed node is the buggy node's child in the tree.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompetition } from '../../cli/run/run-session.ts';
import { tempDir } from '../grading/helpers.ts';
import { startChatServer } from './chat-server.ts';
import { crashThenRepair } from './crash-repair-script.ts';

const REPO = resolve(import.meta.dirname, '../..');
const COMP = join(REPO, 'bench', 'breast-cancer-diagnosis');
const KEY = 'sk-test-gome-tree-debug';

describe('tree search with the llm brain', () => {
  it('tree search - tree-greedy debugs a buggy node: the fix repairs its code and becomes its child', async () => {
    const s = await startChatServer({ apiKey: KEY, script: crashThenRepair('the draft breaks on purpose') });
    process.env.GOME_TEST_TREE_KEY = KEY;
    try {
      const r = await runCompetition({
        competitionDir: COMP, runsRoot: tempDir('gome-tree-debug-'), runId: 'tree-debug', progress: null,
        config: {
          budgetMs: 300_000, preset: 'quick', maxIterations: 2, maxRepairs: 0, limits: { debugMs: 60_000, fullMs: 120_000 },
          topology: { name: 'tree-greedy-debug', policy: { kind: 'tree-greedy', drafts: 1, debugProb: 1 }, memory: false, structuredReasoning: false },
          brain: { kind: 'openai', baseURL: s.url, apiKeyEnv: 'GOME_TEST_TREE_KEY', models: { researcher: 'play-strong', developer: 'play-cheap' } },
        },
      });
      const [buggy, fix] = readFileSync(join(r.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const p = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8')).experimentIdPrefix;
      expect(buggy).toMatchObject({ id: `${p}t0-e0`, operator: 'draft', status: 'failed', blame: 'code', attempts: 1 });
      expect(fix).toMatchObject({ id: `${p}t0-e1`, operator: 'debug', parent: `${p}t0-e0`, status: 'accepted' });
      expect(fix.hypothesis.kind).toBe('draft:knn');
      const calls = s.requests.filter((q) => q.path.endsWith('/chat/completions')).map((q) => q.body);
      expect(calls.length).toBe(3); // one proposal (the draft), its code, and the repair: a fix asks for no new proposal
      expect(calls[2].response_format.json_schema.name).toBe('repair');
      expect(calls[2].messages[1].content).toContain('the draft breaks on purpose'); // the buggy node's error reached the model
      expect(JSON.parse(readFileSync(join(r.runDir, 'report.json'), 'utf8')).valid_submission).toBe(true);
    } finally { await s.close(); delete process.env.GOME_TEST_TREE_KEY; }
  }, 300_000);
});
