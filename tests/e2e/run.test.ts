// End to end: `gome run` on a bundled competition with a 2-minute budget, offline brain, embedded NATS, real Python.
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { loadCompetition } from '../../grading/competition.ts';
import { grade } from '../../grading/grader.ts';
import { readGomelog } from '../../runtime/gomelog.ts';
import { replay } from '../../runtime/replay.ts';
import { MACHINES } from '../../actors/machines.ts';
import { exportLog } from '../../cli/commands/log.ts';

const REPO = resolve(import.meta.dirname, '../..');

describe('e2e', () => {
  it('e2e - a 2-minute run produces a valid submission at or above the median threshold, with every run output', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'gome-e2e-'));
    const lines: string[] = [];
    const r = await runCompetition({
      competitionDir: join(REPO, 'bench', 'breast-cancer-diagnosis'), runsRoot: runs, runId: 'e2e',
      config: { budgetMs: 120_000, seed: 0, preset: 'quick', limits: { debugMs: 60_000, fullMs: 300_000 } }, progress: (l) => lines.push(l),
    });
    expect(r.finished.reason).toBe('budget');
    expect(r.submissionPath).not.toBeNull();
    const comp = await loadCompetition(join(REPO, 'bench', 'breast-cancer-diagnosis'));
    const score = await grade(r.submissionPath!, comp); // throws InvalidSubmission if invalid
    const report = r.report!;
    expect(report.valid_submission).toBe(true);
    expect(report.score).toBe(score);
    expect(score).toBeGreaterThanOrEqual(report.median_threshold as number);
    for (const f of ['run_meta.json', 'metrics.json', 'report.json', 'report.html', 'messages.jsonl', 'run.gomelog', 'submission.csv', 'budget.json', 'experiments.jsonl']) {
      expect(existsSync(join(r.runDir, f)), f).toBe(true);
    }
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
    expect(meta.status).toBe('finished');
    expect(meta.config.budgetMs).toBe(120_000);
    expect(meta.sealed).toBe(true);
    expect(meta.wallMs).toBeLessThanOrEqual(120_000 + meta.config.graceMs); // never past budget + grace
    const metrics = JSON.parse(readFileSync(join(r.runDir, 'metrics.json'), 'utf8'));
    expect(metrics.experiments).toBeGreaterThanOrEqual(2);
    expect(metrics.trajectory.length).toBe(metrics.experiments);
    expect(metrics.valid_submission_rate).toBeGreaterThan(0);
    expect(metrics.time_to_first_valid_submission_ms).toBeGreaterThan(0);
    expect(metrics.budget_used_frac).toBeGreaterThan(0.9);
    expect(readdirSync(join(r.runDir, 'code')).length).toBeGreaterThanOrEqual(metrics.experiments);
    const log = readFileSync(join(r.runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const types = new Set(log.map((m) => m.body.type));
    for (const t of ['run.start', 'research.hypothesis', 'brain.develop.reply', 'job.result', 'validate.result', 'experiment.record', 'iteration.done', 'run.finished']) expect(types.has(t), t).toBe(true);
    expect(readFileSync(join(r.runDir, 'report.html'), 'utf8')).toMatch(/<svg[\s\S]*<circle/);
    expect(lines.some((l) => l.includes('run finished'))).toBe(true);
    // the run's replay log re-runs every machine actor with zero divergences (no Python, no brain)
    const { messages } = readGomelog(join(r.runDir, 'run.gomelog'));
    expect(messages.length).toBe(log.length);
    const replayed = replay(messages, MACHINES);
    expect(replayed.actors.map((a) => a.address).sort()).toEqual(['coordinator.0', 'developer.t0', 'memory.0', 'researcher.t0', 'validator.t0']);
    expect(replayed.compared).toBeGreaterThan(metrics.experiments * 5);
    // gome log export reads the run's own NATS store (as for a crashed run, which has no run.gomelog): the same log
    const exported = join(runs, 'exported.gomelog');
    const ex = await exportLog(r.runDir, runs, exported);
    expect(ex.from).toMatch(/NATS store/);
    expect(readGomelog(exported).messages.map((m) => m.body)).toEqual(messages.map((m) => m.body));
  }, 300_000);
});
