// Topologies side by side: the pure aggregation (paired differences and their t intervals, rates, the normalised
// score's orientation, cells one side lacks), the resumable matrix of gome bench --topology on one real run, and
// gome compare giving the same table from the run directories.
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  compareRunDirs, compareTopologies, cellFromRunDir, firstValidSubmission, medalScale, NotACell, normalisedScore, renderMarkdown, renderTable, thisMachine, type Cell,
} from '../../cli/commands/topology-comparison.ts';
import { meanCi, tQuantile } from '../../cli/commands/paired-stats.ts';
import { checkMatrix, columnFromSpec, planCells, rotation, runTopologyBench, seedCounts, statedBudgets, timeLeft } from '../../cli/commands/topology-bench.ts';
import { MatrixMismatch } from '../../cli/matrix-mismatch.ts';
import { codeIdentity, type CodeIdentity } from '../../cli/code-identity.ts';

const REPO = resolve(import.meta.dirname, '../..');

function cell(topology: string, competition: string, seed: number, o: Partial<Cell> = {}): Cell {
  return {
    topology, competition, seed, runDir: null, status: 'finished', budgetMs: 180_000, lowerIsBetter: false,
    validSubmission: true, anyMedal: false, aboveMedian: false, testScore: 0.8, firstDraftScore: 0.7, goldThreshold: 0.9,
    normalisedScore: 0.5, wasteFrac: 0, gpuUtilisation: 0.9, experiments: 10, ...o,
  };
}

describe('topology comparison', () => {
  it('topology comparison - the t quantile matches the table (two-sided 95%)', () => {
    const table: [number, number][] = [[1, 12.7062], [2, 4.3027], [3, 3.1824], [5, 2.5706], [10, 2.2281], [20, 2.0860], [30, 2.0423], [120, 1.9799]];
    for (const [df, t] of table) expect(tQuantile(0.975, df)).toBeCloseTo(t, 3);
    expect(tQuantile(0.995, 4)).toBeCloseTo(4.6041, 3);
    expect(tQuantile(0.025, 7)).toBeCloseTo(-2.3646, 3);
    expect(tQuantile(0.975, 1e6)).toBeCloseTo(1.95996, 3);
  });

  it('topology comparison - the normalised score is 0 at the first draft and 1 at gold, for either direction', () => {
    // higher is better: first 0.8, gold 0.9
    expect(normalisedScore(0.8, 0.8, 0.9, false)).toBe(0);
    expect(normalisedScore(0.9, 0.8, 0.9, false)).toBeCloseTo(1, 12);
    expect(normalisedScore(0.85, 0.8, 0.9, false)).toBeCloseTo(0.5, 12);
    expect(normalisedScore(0.75, 0.8, 0.9, false)).toBeCloseTo(-0.5, 12);
    // lower is better (log loss): first 0.5, gold 0.3; a lower test score is better
    expect(normalisedScore(0.4, 0.5, 0.3, true)).toBeCloseTo(0.5, 12);
    expect(normalisedScore(0.3, 0.5, 0.3, true)).toBeCloseTo(1, 12);
    expect(normalisedScore(0.6, 0.5, 0.3, true)).toBeCloseTo(-0.5, 12);
    expect(normalisedScore(0.2, 0.5, 0.3, true)).toBeCloseTo(1.5, 12);
    // no headroom (the first draft is at or beyond gold) or a missing figure: undefined
    expect(normalisedScore(0.95, 0.92, 0.9, false)).toBeNull();
    expect(normalisedScore(0.25, 0.3, 0.3, true)).toBeNull();
    expect(normalisedScore(null, 0.5, 0.3, true)).toBeNull();
    expect(normalisedScore(0.4, null, 0.3, true)).toBeNull();
    expect(normalisedScore(0.4, 0.5, 0.3, null)).toBeNull();
  });

  it('topology comparison - the medal scale is 0 at the leaderboard median and 1 at gold, for either direction', () => {
    expect(medalScale(0.9, 0.8, 0.9, false)).toBeCloseTo(1, 12);
    expect(medalScale(0.85, 0.8, 0.9, false)).toBeCloseTo(0.5, 12);
    expect(medalScale(0.8, 0.8, 0.9, false)).toBe(0);
    // DNA's thresholds (log loss): median 0.31699, gold 0.13338; 0.12915 is a little past gold
    expect(medalScale(0.12915, 0.31699, 0.13338, true)).toBeCloseTo((0.31699 - 0.12915) / (0.31699 - 0.13338), 12);
    expect(medalScale(0.31699, 0.31699, 0.13338, true)).toBe(0);
    expect(medalScale(0.5, 0.31699, 0.13338, true)).toBeLessThan(0);
    expect(medalScale(0.4, 0.3, 0.3, true)).toBeNull();
    expect(medalScale(null, 0.3, 0.2, true)).toBeNull();
    expect(medalScale(0.4, null, 0.2, true)).toBeNull();
  });

  it('topology comparison - the first draft is the earliest experiment the harness judged valid, not a failed one with a file', () => {
    const run = mkdtempSync(join(tmpdir(), 'gome-first-'));
    mkdirSync(join(run, 'submissions'));
    const lines = [
      { id: 'x-t0-e0', status: 'failed', submissionPath: 'submissions/x-t0-e0.csv', ts: 1 },
      { id: 'x-t0-e1', status: 'rejected', submissionPath: 'submissions/x-t0-e1.csv', ts: 2 },
      { id: 'x-t0-e2', status: 'accepted', submissionPath: 'submissions/x-t0-e2.csv', ts: 3 },
    ];
    for (const l of lines) writeFileSync(join(run, 'submissions', `${l.id}.csv`), 'id,y\n1,0\n');
    writeFileSync(join(run, 'experiments.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    expect(firstValidSubmission(run)).toBe(join(run, 'submissions', 'x-t0-e1.csv'));
  });

  it('topology comparison - rates, means and paired differences with a 95% CI by hand', () => {
    const cells: Cell[] = [
      cell('A', 'c1', 0, { normalisedScore: 0.5, medalScale: 1.2, testScore: 0.85, anyMedal: true, aboveMedian: true, wasteFrac: 0.1, gpuUtilisation: 0.8 }),
      cell('A', 'c1', 1, { normalisedScore: 0.8, medalScale: 1.4, testScore: 0.88, aboveMedian: true, wasteFrac: 0.2, gpuUtilisation: 0.9 }),
      // lower is better: A's 0.40 beats B's 0.45 by 0.05
      cell('A', 'c2', 0, { lowerIsBetter: true, normalisedScore: 0.2, testScore: 0.40, firstDraftScore: 0.5, goldThreshold: 0.3, wasteFrac: 0, gpuUtilisation: 1 }),
      cell('A', 'c2', 1, { validSubmission: false, testScore: null, normalisedScore: null, lowerIsBetter: true, wasteFrac: null, gpuUtilisation: null }),
      cell('B', 'c1', 0, { normalisedScore: 0.1, medalScale: 0.9, testScore: 0.81 }),
      cell('B', 'c1', 1, { normalisedScore: 0.6, medalScale: 1.4, testScore: 0.88 }),
      cell('B', 'c2', 0, { lowerIsBetter: true, normalisedScore: 0.4, testScore: 0.45, firstDraftScore: 0.5, goldThreshold: 0.3, anyMedal: true }),
      cell('B', 'c2', 1, { lowerIsBetter: true, normalisedScore: 0.3, testScore: 0.47 }),
      // a cell only B has: no pair
      cell('B', 'c3', 0, { normalisedScore: 0.9, testScore: 0.99 }),
    ];
    const c = compareTopologies(cells, ['A', 'B'], [{ topology: 'B', competition: 'c1', seed: 2, reason: 'crashed' }]);
    const [a, b] = c.topologies;
    expect([a!.failed_runs, b!.failed_runs]).toEqual([0, 1]);
    // the medal scale where known: A 1.2, 1.4; B 0.9, 1.4; paired on c1: +0.3, 0
    expect(a!.medal_scale.mean).toBeCloseTo(1.3, 12);
    expect(b!.medal_scale.n).toBe(2);
    expect(a).toMatchObject({ topology: 'A', cells: 4, valid_rate: 0.75, any_medal_rate: 0.25, above_median_rate: 0.5 });
    expect(a!.normalised.n).toBe(3);
    expect(a!.normalised.mean).toBeCloseTo(0.5, 12);
    expect(a!.waste.mean).toBeCloseTo(0.1, 12);
    expect(a!.gpu_utilisation.mean).toBeCloseTo(0.9, 12);
    expect(b).toMatchObject({ topology: 'B', cells: 5, valid_rate: 1, any_medal_rate: 0.2, above_median_rate: 0 });
    expect(b!.normalised.mean).toBeCloseTo((0.1 + 0.6 + 0.4 + 0.3 + 0.9) / 5, 12);
    // medians: A of 0.5, 0.8, 0.2 (odd count); B of 0.1, 0.6, 0.4, 0.3, 0.9
    expect(a!.normalised.median).toBe(0.5);
    expect(b!.normalised.median).toBe(0.4);
    const even = compareTopologies([cell('C', 'c1', 0, { normalisedScore: 0.2 }), cell('C', 'c2', 0, { normalisedScore: 6.9 })]).topologies[0]!.normalised;
    expect(even.n).toBe(2);
    expect(even.median).toBeCloseTo(3.55, 12);

    expect(c.pairs).toHaveLength(1);
    const p = c.pairs[0]!;
    expect(p).toMatchObject({ a: 'A', b: 'B', common: 4 });
    // normalised differences where both are defined: 0.4, 0.2, −0.2 (c2 seed 1: A undefined; c3: B only)
    const d = [0.4, 0.2, -0.2];
    const m = (0.4 + 0.2 - 0.2) / 3;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / 2);
    const half = 4.302653 * sd / Math.sqrt(3);
    expect(p.normalised.n).toBe(3);
    expect(p.normalised.mean).toBeCloseTo(m, 12);
    expect(p.normalised.sd).toBeCloseTo(0.305505, 5);
    expect(p.normalised.lo).toBeCloseTo(m - half, 5);
    expect(p.normalised.hi).toBeCloseTo(m + half, 5);
    expect(p.normalised.lo).toBeCloseTo(-0.625594, 4);
    expect(p.normalised.hi).toBeCloseTo(0.892260, 4);
    // test scores oriented (> 0: A better): +0.04, 0, +0.05 (lower is better); c2 seed 1 has no valid pair
    expect(p.test.n).toBe(3);
    expect(p.test.mean).toBeCloseTo(0.03, 12);
    // wins/ties/losses over the 4 common cells: c1 s0 win, c1 s1 tie, c2 s0 win, c2 s1 loss (A invalid, B valid)
    expect([p.wins, p.ties, p.losses]).toEqual([2, 1, 1]);
    expect(p.medalScale.n).toBe(2);
    expect(p.medalScale.mean).toBeCloseTo(0.15, 12);

    // per competition, in the metric's units: c1 A 0.85, 0.88 against B 0.81, 0.88 (+0.04, 0); c2 (lower) 0.40 against 0.45, 0.47
    const c1 = c.byCompetition.find((k) => k.competition === 'c1')!;
    expect(c1.topologies.map((t) => [t.topology, t.valid, t.cells])).toEqual([['A', 2, 2], ['B', 2, 2]]);
    expect(c1.topologies[0]!.test.mean).toBeCloseTo(0.865, 12);
    expect(c1.pairs).toHaveLength(1);
    expect(c1.pairs[0]!.test.mean).toBeCloseTo(0.02, 12);
    expect([c1.pairs[0]!.wins, c1.pairs[0]!.ties, c1.pairs[0]!.losses]).toEqual([1, 1, 0]);
    const c2 = c.byCompetition.find((k) => k.competition === 'c2')!;
    expect(c2.lowerIsBetter).toBe(true);
    expect(c2.topologies.map((t) => [t.topology, t.valid, t.cells])).toEqual([['A', 1, 2], ['B', 2, 2]]);
    expect(c2.topologies[1]!.test.mean).toBeCloseTo(0.46, 12);
    expect(c.byCompetition.find((k) => k.competition === 'c3')!.pairs).toEqual([]);

    expect(c.competitions).toEqual(['c1', 'c2', 'c3']);
    expect(c.seeds).toEqual([0, 1]);
    const table = renderTable(c);
    expect(table).toMatch(/^topology/);
    expect(table).toContain('0.500 / 0.500 (3)');
    expect(table).toContain('1.300 (2)');
    // per competition: c2 is lower-is-better, so A's 0.40 is the best of its row
    expect(table).toMatch(/c2 \(lower\)\s+\*0\.40000 \(1\/2\)\s+0\.46000 \(2\/2\)/);
    expect(table).toMatch(/c1 \(higher\)\s+\*0\.86500 \(2\/2\)\s+0\.84500 \(2\/2\)/);
    expect(table).toContain('A vs B');
    expect(table).toContain('+0.133 [-0.626, +0.892] (3)');
    expect(table).toContain('2/1/1');
    const md = renderMarkdown(c, { date: '2026-11-24T00:00:00.000Z', machine: thisMachine(), source: 'test' });
    expect(md).toContain(`- machine: ${thisMachine().cores} cores, ${thisMachine().cpu}`);
    expect(md).toContain('- budget: 3 min');
    expect(md).toContain('- seeds: 0, 1');
    expect(md).toContain('- competitions: c1, c2, c3');
    expect(md).toContain('| A vs B | 4 |');
    expect(md).toContain('| c1 (higher) | **0.86500 (2/2)** | 0.84500 (2/2) |');
    expect(md).toMatch(/\| c1 \| A vs B \| 2 \| \+0\.02000 \[/);
  });

  it('topology comparison - one value has no interval; a pair with no common cell is empty; missing cells are excluded', () => {
    expect(meanCi([0.3])).toEqual({ n: 1, mean: 0.3, sd: null, lo: null, hi: null });
    expect(meanCi([])).toEqual({ n: 0, mean: null, sd: null, lo: null, hi: null });
    const c = compareTopologies([cell('A', 'c1', 0), cell('B', 'c1', 1), cell('C', 'c1', 0, { normalisedScore: 0.25, testScore: 0.7 })], ['A', 'B', 'C', 'D']);
    expect(c.topologies.map((t) => [t.topology, t.cells])).toEqual([['A', 1], ['B', 1], ['C', 1], ['D', 0]]);
    expect(c.topologies[3]!.valid_rate).toBeNull();
    const ab = c.pairs.find((p) => p.a === 'A' && p.b === 'B')!;
    expect(ab).toMatchObject({ common: 0, wins: 0, ties: 0, losses: 0 });
    expect(ab.normalised.mean).toBeNull();
    const ac = c.pairs.find((p) => p.a === 'A' && p.b === 'C')!;
    expect(ac.common).toBe(1);
    expect(ac.normalised).toMatchObject({ n: 1, lo: null });
    expect(ac.normalised.mean).toBeCloseTo(0.25, 12);
    expect(ac.test.mean).toBeCloseTo(0.1, 12);
    expect(c.pairs).toHaveLength(6);
    expect(renderTable(c)).toContain('n/a [n/a] (0)');
  });

  it('topology comparison - columns: presets with @noiseX, rotating order', () => {
    const plain = columnFromSpec('gome-1trace');
    expect(plain.label).toBe('gome-1trace');
    expect(plain.topology.name).toBe('gome-1trace');
    const noisy = columnFromSpec('tree-greedy@noise0.5', { preset: 'quick' });
    expect(noisy.label).toBe('tree-greedy@noise0.5');
    expect(noisy.config).toMatchObject({ preset: 'quick', brain: { kind: 'offline', noise: 0.5 }, topology: { name: 'tree-greedy', policy: { kind: 'tree-greedy' } } });
    expect(columnFromSpec('gome-1trace@noise0').label).toBe('gome-1trace');
    expect(() => columnFromSpec('gome-1trace@noise2')).toThrow(/from 0/);
    expect(() => columnFromSpec('no-such-topology')).toThrow(/no topology preset named "no-such-topology"/);
    expect(rotation(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotation(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotation(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
  });

  it('topology comparison - columns with fewer seeds: the plan stays seed-major and rotated, each cell once', () => {
    const seedsOf = (c: string) => (c === 'abl' ? 1 : 2);
    const plan = planCells(['a', 'b', 'abl'], ['x', 'y'], seedsOf).map((p) => `${p.column}/${p.competition}/s${p.seed}`);
    expect(plan).toEqual([
      'a/x/s0', 'b/x/s0', 'abl/x/s0', 'b/y/s0', 'abl/y/s0', 'a/y/s0', // seed 0: every column, rotated per competition
      'a/x/s1', 'b/x/s1', 'b/y/s1', 'a/y/s1', // seed 1: the one-seed column is done
    ]);
    expect(new Set(plan).size).toBe(plan.length);
    expect(planCells([], ['x'], seedsOf)).toEqual([]);
    expect(seedCounts(['gome', 'gome-no-memory'], 3, { 'gome-no-memory': 1 })).toEqual([3, 1]);
    expect(() => seedCounts(['gome'], 3, { 'tree-mcts': 1 })).toThrow(/"tree-mcts", which is not one of the matrix's columns \(gome\)/);
    expect(() => seedCounts(['gome'], 3, { gome: 0 })).toThrow(/the column "gome" was given 0 seeds, but it needs a whole number of at least 1/);
  });

  it('topology comparison - the time left: the budgets to go, scaled by the wall time per budget of the cells run so far', () => {
    expect(timeLeft(3 * 3_600_000, 0, 0)).toBe('3.0 h of budgets left');
    // ten 3-minute cells to go, the one run so far took 3.5 minutes
    expect(timeLeft(10 * 180_000, 210_000, 180_000)).toBe('about 35 min left');
    expect(timeLeft(40 * 180_000, 2 * 210_000, 2 * 180_000)).toBe('about 2.3 h left');
  });

  it("topology comparison - a competition's stated budget is read in a fresh checkout, whose data is prepared first", async () => {
    // a clone has each competition's recipe but not its data; the stated budget was skipped there (Fashion-MNIST ran at 3 min)
    const bench = join(mkdtempSync(join(tmpdir(), 'gome topo budgets ')), 'bench');
    mkdirSync(bench);
    symlinkSync(join(REPO, 'bench', '_lib'), join(bench, '_lib'));
    for (const c of ['fashion-mnist-10k', 'house-votes']) {
      mkdirSync(join(bench, c));
      for (const f of readdirSync(join(REPO, 'bench', c))) if (/\.(json|md|csv|py)$/.test(f)) copyFileSync(join(REPO, 'bench', c, f), join(bench, c, f));
      expect(existsSync(join(bench, c, 'public'))).toBe(false);
    }
    const said: string[] = [];
    const budgets = await statedBudgets(bench, ['fashion-mnist-10k', 'house-votes'], 180_000, '/usr/bin/python3', (l) => said.push(l));
    expect(budgets.get('fashion-mnist-10k')).toBe(15 * 60_000); // competition.json budgetMinutes: 15
    expect(budgets.get('house-votes')).toBe(180_000);
    expect(existsSync(join(bench, 'fashion-mnist-10k', 'public', 'train.csv'))).toBe(true);
    expect(said.filter((l) => l.startsWith('preparing'))).toHaveLength(2);
  }, 180_000);

  it('topology comparison - a column given one seed is compared at that seed only, even when the directory holds more of it', async () => {
    const out = mkdtempSync(join(tmpdir(), 'gome-topo-seeds-'));
    mkdirSync(join(out, 'cells'));
    const saved = [
      cell('gome-1trace', 'house-votes', 0, { testScore: 0.95 }), cell('gome-1trace', 'house-votes', 1, { testScore: 0.96 }),
      cell('tree-greedy', 'house-votes', 0, { testScore: 0.94 }), cell('tree-greedy', 'house-votes', 1, { testScore: 0.99 }),
    ];
    for (const c of saved) writeFileSync(join(out, 'cells', `${c.topology}__${c.competition}__s${c.seed}.json`), JSON.stringify(c));
    // failed attempts are counted against their column, at the column's seeds only
    writeFileSync(join(out, 'failures.jsonl'), [
      { topology: 'gome-1trace', competition: 'house-votes', seed: 1, reason: 'crashed', at: '2026-12-07T00:00:00Z' },
      { topology: 'tree-greedy', competition: 'house-votes', seed: 1, reason: 'crashed', at: '2026-12-07T00:00:00Z' },
    ].map((f) => JSON.stringify(f)).join('\n') + '\n');
    const said: string[] = [];
    const r = await runTopologyBench({
      benchDir: join(REPO, 'bench'), topologies: ['gome-1trace', 'tree-greedy'], only: ['house-votes'], seeds: 2,
      columnSeeds: { 'tree-greedy': 1 }, budgetMs: 180_000, out, say: (l) => said.push(l),
    });
    expect(r).toMatchObject({ ran: 0, skipped: 3, failed: 0, planned: 3 });
    expect(said[0]).toContain('seeds (gome-1trace 2, tree-greedy 1) = 3 cells');
    expect(r.comparison.topologies.map((t) => [t.topology, t.cells, t.failed_runs])).toEqual([['gome-1trace', 2, 1], ['tree-greedy', 1, 0]]);
    const pair = r.comparison.pairs.find((p) => p.a === 'gome-1trace' && p.b === 'tree-greedy')!;
    expect(pair.common).toBe(1); // seed 0 only: tree-greedy's seed-1 cell is not in this matrix
    expect(pair.test.mean).toBeCloseTo(0.01, 12);
    await expect(runTopologyBench({ benchDir: join(REPO, 'bench'), topologies: ['gome-1trace'], only: ['house-votes'], seeds: 2, columnSeeds: { 'tree-mcts': 1 }, budgetMs: 180_000, out, say: () => {} }))
      .rejects.toThrow(/not one of the matrix's columns/);
  });

  it('topology comparison - a run stopped by a signal, crashed or still running is not a cell', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gome-cmp-'));
    for (const [name, meta] of [['sig', { status: 'stopped', stopReason: 'signal SIGINT: stopped by the user' }], ['forced', { status: 'stopped', stopReason: 'forced by a second SIGINT' }], ['crash', { status: 'crashed' }], ['run', { status: 'running' }]] as const) {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'run_meta.json'), JSON.stringify({ ...meta, config: { topology: { name: 'gome' }, seed: 0 } }));
    }
    await expect(cellFromRunDir(join(root, 'sig'))).rejects.toBeInstanceOf(NotACell);
    await expect(cellFromRunDir(join(root, 'forced'))).rejects.toThrow(/stopped by a signal \(forced by a second SIGINT\)/);
    await expect(cellFromRunDir(join(root, 'crash'))).rejects.toThrow(/crashed/);
    const r = await compareRunDirs([root]);
    expect(r.skipped).toHaveLength(4);
    expect(r.comparison.topologies).toEqual([]);
  });

  it('topology comparison - a matrix saved before its code was recorded resumes unchecked and is not stamped with the code running now', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gome-topo-old-'));
    const settings = { budgetMs: 180_000, preset: 'quick', competitionBudgets: false, columns: [] };
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify(settings));
    const kept = checkMatrix(dir, { ...settings, code: codeIdentity() });
    expect(kept.code).toBeUndefined();
    // one that has its code keeps it
    const code: CodeIdentity = { commit: 'a'.repeat(40), uncommitted: null, version: '0.1.0' };
    writeFileSync(join(dir, 'matrix.json'), JSON.stringify({ ...settings, code }));
    expect(checkMatrix(dir, { ...settings, code }).code).toEqual(code);
    expect(() => checkMatrix(dir, { ...settings, code: { ...code, commit: 'b'.repeat(40) } })).toThrow(/code aaaaaaa, and the code now is bbbbbbb/);
    // a typed refusal: the cause, then the fix
    let refusal: unknown = null;
    try { checkMatrix(dir, { ...settings, code: { ...code, commit: 'b'.repeat(40) } }); } catch (e) { refusal = e; }
    expect(refusal).toBeInstanceOf(MatrixMismatch);
    expect((refusal as MatrixMismatch).dir).toBe(dir);
    expect((refusal as MatrixMismatch).fix).toMatch(/^resume it from a checkout of aaaaaaa \(git worktree add DIR a{40}\), or use another --out for a new matrix$/);
    expect(() => checkMatrix(dir, { ...settings, budgetMs: settings.budgetMs + 60_000 })).toThrow(MatrixMismatch);
  });

  it('topology comparison - the matrix resumes: a second call runs nothing and reports the same cell; gome compare gives the same table', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gome-topo-')), 'matrix');
    const lines: string[] = [];
    const opts = {
      benchDir: join(REPO, 'bench'), topologies: ['gome-1trace'], only: ['house-votes'], seeds: 1, budgetMs: 30_000, out,
      config: { preset: 'quick', limits: { debugMs: 30_000, fullMs: 60_000 } }, say: (l: string) => lines.push(l),
    };
    const first = await runTopologyBench(opts);
    expect(first).toMatchObject({ dir: out, ran: 1, skipped: 0, failed: 0, planned: 1, interrupted: false });
    expect(readdirSync(join(out, 'cells'))).toEqual(['gome-1trace__house-votes__s0.json']);
    const saved = JSON.parse(readFileSync(join(out, 'cells', 'gome-1trace__house-votes__s0.json'), 'utf8')) as Cell;
    expect(saved).toMatchObject({ topology: 'gome-1trace', competition: 'house-votes', seed: 0, budgetMs: 30_000, lowerIsBetter: false });
    expect(existsSync(join(saved.runDir!, 'report.json'))).toBe(true);
    expect(saved.validSubmission).toBe(true);
    expect(saved.testScore).not.toBeNull();
    expect(saved.firstDraftScore).not.toBeNull();
    expect(saved.experiments).toBeGreaterThan(0);
    expect(saved.gpuUtilisation).not.toBeNull();
    expect(saved.wasteFrac).not.toBeNull();
    // the normalised score from the figures it is made of
    expect(saved.normalisedScore).toEqual(normalisedScore(saved.testScore, saved.firstDraftScore, saved.goldThreshold, false));
    expect(existsSync(join(out, 'comparison.json'))).toBe(true);
    expect(readFileSync(join(out, 'comparison.md'), 'utf8')).toContain('- competitions: house-votes');

    const second = await runTopologyBench(opts);
    expect(second).toMatchObject({ ran: 0, skipped: 1, failed: 0, interrupted: false });
    expect(second.cells).toEqual(first.cells);
    expect(second.table).toBe(first.table);
    expect(readdirSync(join(out, 'runs'))).toHaveLength(1); // nothing ran again
    // the matrix keeps the code that ran it; other code (here: uncommitted changes) is refused before any run
    const kept = (JSON.parse(readFileSync(join(out, 'matrix.json'), 'utf8')) as { code: CodeIdentity }).code;
    expect(kept).toEqual(codeIdentity());
    await expect(runTopologyBench({ ...opts, code: { ...kept, uncommitted: 'feedc0ffee00' } })).rejects.toThrow(/cells of different code are not comparable.*git worktree add.*another --out/);
    expect(readdirSync(join(out, 'runs'))).toHaveLength(1);

    // gome compare on the matrix directory (its runs) and on the run directory itself
    const viaMatrix = await compareRunDirs([out]);
    expect(viaMatrix.table).toBe(first.table);
    const cmpOut = join(out, 'cmp');
    const viaRun = await compareRunDirs([saved.runDir!], { out: cmpOut });
    expect(viaRun.table).toBe(first.table);
    expect(viaRun.comparison.cells).toEqual(first.cells);
    expect(existsSync(join(cmpOut, 'comparison.md'))).toBe(true);
  }, 240_000);
});
