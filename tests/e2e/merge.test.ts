// The multi-trace merge end to end: four gradient traces on a bundled competition with a merge window of 40% of the
// budget (counted before the refit reserve, widened to the merge's cost: mergeWindowMs). Once inside the window, one
// trace makes a single experiment that joins the other traces' best pipelines
// into the best one; its record names every parent, and the run's log replays with zero divergences.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCompetition } from '../../cli/run/run-session.ts';
import { MACHINES } from '../../actors/machines.ts';
import { mergeWindowMs } from '../../actors/coordinator/coordinator-machine.ts';
import { readGomelog } from '../../runtime/gomelog.ts';
import { replay } from '../../runtime/replay.ts';
import { tempDir } from '../grading/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');

describe('merge', () => {
  it('merge - inside the merge window one trace merges the others\' best pipelines, and the experiment has several parents', async () => {
    const window = 0.4;
    const r = await runCompetition({
      competitionDir: join(REPO, 'bench', 'house-votes'), runsRoot: tempDir('gome-merge-'), runId: 'merge', progress: null,
      config: { budgetMs: 90_000, seed: 2, preset: 'quick', topology: { name: 'gome-merge', traces: 4, mergeWindow: window } },
    });
    expect(r.report?.valid_submission).toBe(true);
    const bodies = readFileSync(join(r.runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).body);
    const asked = bodies.filter((b) => b.type === 'research.request' && b.payload.merge === true);
    expect(asked).toHaveLength(1); // once
    // inside the window: the budget left before the reserve the request names, against the window of the traces' bests
    // reported before the request (their measured full runs widen it)
    const at = bodies.indexOf(asked[0]);
    const traceBests: Record<string, { fullRunMs?: number | null }> = {};
    for (const b of bodies.slice(0, at)) if (b.type === 'iteration.done' && b.payload.sota) traceBests[b.payload.trace] = b.payload.sota;
    const { budget, reserveMs } = asked[0].payload;
    expect(Object.keys(traceBests).length).toBeGreaterThanOrEqual(2);
    expect(budget.remainingMs - (reserveMs ?? 0)).toBeLessThanOrEqual(mergeWindowMs({ mergeWindow: window, budget, sotaTraces: Object.keys(traceBests), traceBests: traceBests as never }));
    const experiments = readFileSync(join(r.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const merges = experiments.filter((e) => e.operator === 'merge');
    expect(merges).toHaveLength(1);
    const m = merges[0];
    expect(m.trace).toBe(asked[0].to.replace('researcher.', ''));
    expect(m.mergedFrom.length).toBeGreaterThanOrEqual(1);
    // every parent is another trace's pipeline recorded before it, and they come from at least two traces
    const byId = new Map(experiments.map((e) => [e.id, e]));
    const parents = [m.parent, ...m.mergedFrom].map((id: string) => byId.get(id));
    expect(parents.every((p) => p && p.ts <= m.ts && p.score !== null)).toBe(true);
    expect(new Set(parents.map((p) => p.trace)).size).toBe(parents.length);
    // the parent is the best pipeline when the merge was asked: no other parent scored better
    expect(Math.max(...parents.map((p) => p.score))).toBe(byId.get(m.parent).score);
    const { messages } = readGomelog(join(r.runDir, 'run.gomelog'));
    expect(replay(messages, MACHINES).compared).toBeGreaterThan(100);
  }, 240_000);
});
