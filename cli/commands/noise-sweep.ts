// The reasoning-noise sweep of a topology comparison: the gradient on one trace against greedy tree search, each with
// the offline brain at noise X (columns `gome-1trace@noiseX`, `tree-greedy@noiseX`; noise 0 is the plain column), paired
// at every level over the same (competition, seed) cells, those every column of the sweep has. The crossover the
// gradient idea predicts shows as a difference (gradient − tree) that falls with X and changes sign.
import type { Cell } from './topology-comparison.ts';
import { cellOutcome, meanCi, tally, type MeanCi } from './paired-stats.ts';

/** The two sides of the sweep: the bench adds their noisy columns (tests/bench/topologies.bench.ts). */
export const SWEEP_SIDES = { gradient: 'gome-1trace', tree: 'tree-greedy' } as const;

export interface NoiseSweepRow {
  noise: number;
  /** Each side's mean medal scale (0 = leaderboard median, 1 = gold) over the sweep's cells. */
  gradient: MeanCi;
  tree: MeanCi;
  /** Paired, gradient − tree, medal scale (> 0: the gradient did better). */
  difference: MeanCi;
  /** By oriented test score: the gradient's wins, ties and losses. */
  wins: number;
  ties: number;
  losses: number;
}

export interface NoiseSweep {
  gradient: string;
  tree: string;
  /** The (competition, seed) cells every column of the sweep has: each level is compared over the same ones. */
  cells: number;
  rows: NoiseSweepRow[];
}

const NOISE_LABEL = /^(.+)@noise(\d+(?:\.\d*)?|\.\d+)$/;

/** The noise level of a column of `base` (0 for the plain column), or null when the column is not one of base's. */
function levelOf(label: string, base: string): number | null {
  if (label === base) return 0;
  const m = NOISE_LABEL.exec(label);
  return m && m[1] === base ? Number(m[2]) : null;
}

const keyOf = (c: Pick<Cell, 'competition' | 'seed'>) => `${c.competition}\u0000${c.seed}`;

/**
 * The sweep from the cells, or null when fewer than two noise levels have both sides. Levels are paired over the
 * (competition, seed) cells present in every column of the sweep, so that a level with more seeds (the plain columns
 * of the main matrix) does not weigh differently from the noisy ones.
 */
export function noiseSweep(cells: readonly Cell[], sides: { gradient: string; tree: string } = SWEEP_SIDES): NoiseSweep | null {
  const columns = new Map<string, { side: 'gradient' | 'tree'; level: number; cells: Map<string, Cell> }>();
  for (const c of cells) {
    const g = levelOf(c.topology, sides.gradient);
    const t = levelOf(c.topology, sides.tree);
    if (g === null && t === null) continue;
    const col = columns.get(c.topology) ?? { side: g !== null ? 'gradient' as const : 'tree' as const, level: (g ?? t)!, cells: new Map<string, Cell>() };
    col.cells.set(keyOf(c), c);
    columns.set(c.topology, col);
  }
  const at = (side: 'gradient' | 'tree', level: number) => [...columns.values()].find((c) => c.side === side && c.level === level);
  const levels = [...new Set([...columns.values()].map((c) => c.level))].filter((l) => at('gradient', l) && at('tree', l)).sort((a, b) => a - b);
  if (levels.length < 2) return null;
  const sweepColumns = levels.flatMap((l) => [at('gradient', l)!, at('tree', l)!]);
  const common = [...sweepColumns[0]!.cells.keys()].filter((k) => sweepColumns.every((c) => c.cells.has(k)));
  const rows = levels.map((noise): NoiseSweepRow => {
    const g = at('gradient', noise)!, t = at('tree', noise)!;
    const gm: number[] = [], tm: number[] = [], diff: number[] = [];
    const outcomes: ('win' | 'tie' | 'loss')[] = [];
    for (const k of common) {
      const a = g.cells.get(k)!, b = t.cells.get(k)!;
      const ma = a.medalScale ?? null, mb = b.medalScale ?? null;
      if (ma !== null) gm.push(ma);
      if (mb !== null) tm.push(mb);
      if (ma !== null && mb !== null) diff.push(ma - mb);
      outcomes.push(cellOutcome(a, b).outcome);
    }
    return { noise, gradient: meanCi(gm), tree: meanCi(tm), difference: meanCi(diff), ...tally(outcomes) };
  });
  return { gradient: sides.gradient, tree: sides.tree, cells: common.length, rows };
}
