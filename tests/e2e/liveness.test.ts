// Runs always end and lose nothing, on real NATS, real Python and the real sandbox: a brain that crashes or never
// answers is a recorded failure and the run goes on; a run whose work never finishes is cut at budget + grace with
// its reports written; a broken interpreter stops the run within seconds with a typed error naming the part.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { createOfflineBrain, type Brain } from '../../actors/brain/brain.ts';
import { InfrastructureFailing } from '../../gpu-node/circuit-breaker.ts';

const REPO = resolve(import.meta.dirname, '../..');
const COMP = join(REPO, 'bench', 'breast-cancer-diagnosis');
const quick = { preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } };

function messages(runDir: string): Array<{ body: { type: string; payload: Record<string, unknown> } }> {
  return readFileSync(join(runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
}

function expectCompleteRunDir(runDir: string): Record<string, unknown> {
  for (const f of ['run_meta.json', 'metrics.json', 'report.json', 'report.html', 'messages.jsonl']) expect(existsSync(join(runDir, f)), f).toBe(true);
  return JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8'));
}

describe('liveness', () => {
  it('liveness - a brain that throws twice on one request is a recorded failure and the run continues to a submission', async () => {
    const offline = createOfflineBrain();
    let researchCalls = 0;
    const flaky: Brain = {
      name: 'flaky',
      research: async (req) => { researchCalls++; if (researchCalls <= 2) throw new Error('brain blew up'); return offline.research(req); },
      develop: (req) => offline.develop(req),
    };
    const runs = mkdtempSync(join(tmpdir(), 'gome-live-'));
    const r = await runCompetition({ competitionDir: COMP, runsRoot: runs, runId: 'flaky', brain: flaky, progress: null,
      config: { ...quick, budgetMs: 60_000, maxIterations: 2 } });
    expect(r.status).toBe('finished');
    expect(r.finished.reason).toBe('iterations');
    const log = messages(r.runDir);
    const failed = log.filter((m) => m.body.type === 'request.failed');
    expect(failed.length).toBe(1);
    expect(failed[0]!.body.payload).toMatchObject({ request: 'brain.research.request', code: 'crash' });
    const done = log.filter((m) => m.body.type === 'iteration.done').map((m) => m.body.payload);
    expect(done[0]).toMatchObject({ status: 'failed' });
    expect(String(done[0]!.reason)).toMatch(/brain blew up/);
    expect(r.submissionPath).not.toBeNull(); // the second iteration drafted and validated a pipeline
  }, 180_000);

  it('liveness - a brain that never answers misses its deadline, the failure is logged, and the run ends cleanly', async () => {
    const offline = createOfflineBrain();
    let researchCalls = 0;
    const silent: Brain = {
      name: 'silent-once',
      research: (req) => { researchCalls++; return researchCalls === 1 ? new Promise(() => {}) : offline.research(req); },
      develop: (req) => offline.develop(req),
    };
    const runs = mkdtempSync(join(tmpdir(), 'gome-live-'));
    const r = await runCompetition({ competitionDir: COMP, runsRoot: runs, runId: 'silent', brain: silent, progress: null,
      config: { ...quick, budgetMs: 60_000, maxIterations: 2, limits: { ...quick.limits, brainMs: 1_500 } } });
    expect(r.status).toBe('finished');
    const failed = messages(r.runDir).filter((m) => m.body.type === 'request.failed');
    expect(failed.map((m) => m.body.payload.code)).toEqual(['deadline']);
    expect(r.submissionPath).not.toBeNull();
  }, 180_000);

  it('liveness - work that never finishes is cut at budget + grace, and the run directory is still complete', async () => {
    const hang: Brain = { name: 'hang', research: () => new Promise(() => {}), develop: () => new Promise(() => {}) };
    const runs = mkdtempSync(join(tmpdir(), 'gome-live-'));
    const t0 = Date.now();
    const r = await runCompetition({ competitionDir: COMP, runsRoot: runs, runId: 'hang', brain: hang, progress: null,
      config: { ...quick, budgetMs: 12_000, graceMs: 10_000 } });
    const wall = Date.now() - t0;
    expect(wall).toBeLessThanOrEqual(12_000 + 10_000 + 3_000); // budget + grace (+ competition loading before the clock starts)
    expect(r.status).toBe('stopped');
    expect(r.stopReason).toMatch(/hard wall-clock deadline/);
    const meta = expectCompleteRunDir(r.runDir);
    expect(meta.status).toBe('stopped');
    expect(meta.wallMs as number).toBeLessThanOrEqual(22_000);
  }, 60_000);

  it('liveness - a broken interpreter stops the run within seconds with a typed error naming the part, not at the deadline', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'gome-live-'));
    const t0 = Date.now();
    const err = await runCompetition({ competitionDir: COMP, runsRoot: runs, runId: 'broken', progress: null,
      config: { ...quick, budgetMs: 600_000, sandbox: 'none', python: '/bin/false' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InfrastructureFailing);
    expect((err as InfrastructureFailing).part).toBe('interpreter');
    expect(Date.now() - t0).toBeLessThan(30_000);
    const meta = expectCompleteRunDir(join(runs, 'broken'));
    expect(meta.status).toBe('failed');
    expect((meta.error as { name: string }).name).toBe('InfrastructureFailing');
    expect(meta.sealed).toBe(false);
    const budget = JSON.parse(readFileSync(join(runs, 'broken', 'budget.json'), 'utf8'));
    expect(budget.refundedMs).toBeLessThanOrEqual(60_000); // refunds capped at 10% of the budget
  }, 60_000);

  it('liveness - a competition folder named with a dot and a space runs, under a safe run id', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gome live '));
    const odd = join(root, 'credit.v2 copy');
    cpSync(COMP, odd, { recursive: true });
    rmSync(join(odd, 'competition.json')); // a plain MLE-bench folder: the id (and so the run id) comes from the folder name
    const r = await runCompetition({ competitionDir: odd, runsRoot: join(root, 'runs dir'), progress: null,
      config: { ...quick, budgetMs: 60_000, maxIterations: 1 } });
    expect(r.runId).toMatch(/^credit-v2-copy-\d{8}-\d{6}-s0$/);
    expect(r.status).toBe('finished');
    expect(r.submissionPath).not.toBeNull();
    expect(r.report?.valid_submission).toBe(true);
  }, 120_000);
});
