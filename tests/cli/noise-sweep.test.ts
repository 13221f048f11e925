// The reasoning-noise sweep of a topology comparison: levels paired over the same cells, the difference by hand, and
// no sweep without two levels that have both sides.
import { describe, expect, it } from 'vitest';
import { noiseSweep, SWEEP_SIDES } from '../../cli/commands/noise-sweep.ts';
import { compareTopologies, renderMarkdown, renderTable, thisMachine, type Cell } from '../../cli/commands/topology-comparison.ts';

function cell(topology: string, competition: string, seed: number, medal: number, test: number, o: Partial<Cell> = {}): Cell {
  return {
    topology, competition, seed, runDir: null, status: 'finished', budgetMs: 180_000, lowerIsBetter: false,
    validSubmission: true, anyMedal: false, aboveMedian: false, testScore: test, firstDraftScore: 0.7, goldThreshold: 0.9,
    medianThreshold: 0.8, medalScale: medal, normalisedScore: 0.5, wasteFrac: 0, gpuUtilisation: 0.9, experiments: 10, ...o,
  };
}

describe('noise sweep', () => {
  it('noise sweep - each level pairs the gradient with tree search over the cells every level has', () => {
    const { gradient: g, tree: t } = SWEEP_SIDES;
    const cells = [
      // noise 0: three seeds on c1 (the main matrix's columns), one on c2
      cell(g, 'c1', 0, 1.2, 0.92), cell(g, 'c1', 1, 1.0, 0.90), cell(g, 'c1', 2, 1.1, 0.91), cell(g, 'c2', 0, 0.8, 0.88),
      cell(t, 'c1', 0, 1.0, 0.90), cell(t, 'c1', 1, 1.3, 0.93), cell(t, 'c1', 2, 1.0, 0.90), cell(t, 'c2', 0, 0.6, 0.86),
      // noise 1: seed 0 only; the gradient loses c1, ties c2
      cell(`${g}@noise1`, 'c1', 0, 0.9, 0.89), cell(`${g}@noise1`, 'c2', 0, 0.7, 0.87),
      cell(`${t}@noise1`, 'c1', 0, 1.1, 0.91), cell(`${t}@noise1`, 'c2', 0, 0.7, 0.87),
      // another topology is not part of the sweep
      cell('gome', 'c1', 0, 2, 0.99),
    ];
    const w = noiseSweep(cells)!;
    expect(w.cells).toBe(2); // (c1, 0) and (c2, 0): seeds 1 and 2 of c1 exist only at noise 0
    expect(w.rows.map((r) => r.noise)).toEqual([0, 1]);
    const [r0, r1] = w.rows;
    expect(r0!.difference.n).toBe(2);
    expect(r0!.difference.mean).toBeCloseTo((0.2 + 0.2) / 2, 12);
    expect([r0!.wins, r0!.ties, r0!.losses]).toEqual([2, 0, 0]);
    expect(r0!.gradient.mean).toBeCloseTo(1.0, 12);
    expect(r1!.difference.mean).toBeCloseTo((-0.2 + 0) / 2, 12);
    expect([r1!.wins, r1!.ties, r1!.losses]).toEqual([0, 1, 1]);
    // in the comparison and both renderings
    const c = compareTopologies(cells);
    expect(c.noiseSweep).toEqual(w);
    expect(renderTable(c)).toMatch(/reasoning-noise sweep: gome-1trace against tree-greedy .* over the 2 \(competition, seed\) cells/);
    expect(renderTable(c)).toMatch(/\n1\s+0\.800 \(2\)\s+0\.900 \(2\)\s+-0\.100 \[/);
    expect(renderMarkdown(c, { date: 'd', machine: thisMachine(), source: 's' })).toContain('## Reasoning-noise sweep');
  });

  it('noise sweep - none without two levels that have both sides', () => {
    const { gradient: g, tree: t } = SWEEP_SIDES;
    expect(noiseSweep([cell(g, 'c1', 0, 1, 0.9), cell(t, 'c1', 0, 1, 0.9)])).toBeNull();
    expect(noiseSweep([cell(g, 'c1', 0, 1, 0.9), cell(t, 'c1', 0, 1, 0.9), cell(`${g}@noise0.5`, 'c1', 0, 1, 0.9)])).toBeNull();
    expect(compareTopologies([cell('gome', 'c1', 0, 1, 0.9)]).noiseSweep).toBeNull();
    expect(renderTable(compareTopologies([cell(g, 'c1', 0, 1, 0.9)]))).not.toContain('noise sweep');
  });
});
