// Topologies side by side: one cell per (topology, competition, seed) run, read from its run directory; per topology
// the MLE-bench rates, the medal-scale score (0 = the leaderboard's median, 1 = gold: one scale for every topology),
// the normalised score (0 = the run's own first draft, 1 = gold), wasted budget, GPU-node utilisation and failed runs;
// per pair of topologies the paired differences over the cells both have, with a 95% t interval, and wins/ties/losses;
// per competition each topology's mean test score and the pairs' differences in the metric's own units. Used by
// `gome bench --topology …` (topology-bench.ts) and `gome compare RUN_DIR…`.
// The aggregation and rendering are pure; cellFromRunDir and compareRunDirs read run directories.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { cpus, availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { loadCompetition } from '../../grading/competition.ts';
import { grade } from '../../grading/grader.ts';
import { cellOutcome, meanCi, tally, type MeanCi } from './paired-stats.ts';
import { noiseSweep, type NoiseSweep } from './noise-sweep.ts';

// ---------------------------------------------------------------------------------------------------------------
// cells

/** One finished run of one topology on one competition and seed, with the figures the comparison needs. */
export interface Cell {
  /** The column: the topology's name, with `@noiseX` when the offline brain ran with reasoning noise X > 0. */
  topology: string;
  competition: string;
  seed: number;
  runDir: string | null;
  /** run_meta.json status: finished, or stopped for a reason other than a signal. */
  status: string;
  budgetMs: number | null;
  /** The metric's direction (report.json is_lower_better); null when the run was not graded. */
  lowerIsBetter: boolean | null;
  validSubmission: boolean;
  anyMedal: boolean;
  aboveMedian: boolean;
  /** The final submission's test score (report.json score). */
  testScore: number | null;
  /** The test score of the run's first valid submission (the earliest experiment in submissions/), graded afresh. */
  firstDraftScore: number | null;
  goldThreshold: number | null;
  /** The leaderboard's median threshold (report.json median_threshold); absent in cells saved before it was kept. */
  medianThreshold?: number | null;
  /**
   * (test − median) / (gold − median), oriented by the metric's direction (see medalScale): the same zero for every
   * topology of a competition, unlike the normalised score's own first draft. Absent in cells saved before it was kept.
   */
  medalScale?: number | null;
  /** (test − first draft) / (gold − first draft), oriented by the metric's direction (see normalisedScore). */
  normalisedScore: number | null;
  /** metrics.json waste_frac: the budget share wasted. */
  wasteFrac: number | null;
  /** metrics.json gpu_utilisation: the share of the run's wall time the GPU node was busy. */
  gpuUtilisation: number | null;
  experiments: number | null;
}

/**
 * 0 at the first draft's test score, 1 at the gold threshold, whatever the metric's direction:
 * (test − first) / (gold − first) for higher-is-better metrics, (first − test) / (first − gold) for lower-is-better ones
 * (the same number, written so that the orientation is plain). Null when a figure is missing or when the first draft
 * already reaches gold (no headroom to normalise by).
 */
export function normalisedScore(test: number | null, first: number | null, gold: number | null, lowerIsBetter: boolean | null): number | null {
  if (test === null || first === null || gold === null || lowerIsBetter === null) return null;
  if (![test, first, gold].every(Number.isFinite)) return null;
  const headroom = lowerIsBetter ? first - gold : gold - first;
  if (!(headroom > 0)) return null;
  const gain = lowerIsBetter ? first - test : test - first;
  return gain / headroom;
}

/**
 * 0 at the leaderboard's median threshold, 1 at gold, whatever the metric's direction; null when a figure is missing or
 * the thresholds do not differ. Unlike normalisedScore its zero is the same for every run on the competition, so
 * paired differences compare final scores only, on a scale shared by all competitions.
 */
export function medalScale(test: number | null, median: number | null, gold: number | null, lowerIsBetter: boolean | null): number | null {
  if (test === null || median === null || gold === null || lowerIsBetter === null) return null;
  if (![test, median, gold].every(Number.isFinite)) return null;
  const headroom = lowerIsBetter ? median - gold : gold - median;
  if (!(headroom > 0)) return null;
  return (lowerIsBetter ? median - test : test - median) / headroom;
}

/** The column label of a run: its topology's name, plus the brain when it is not the exact offline one. */
export function columnLabel(topologyName: string, brain: unknown): string {
  const b = (brain ?? null) as { kind?: unknown; noise?: unknown } | null;
  if (!b || b.kind === undefined || b.kind === 'offline') {
    const noise = typeof b?.noise === 'number' ? b.noise : 0;
    return noise > 0 ? `${topologyName}@noise${noise}` : topologyName;
  }
  return `${topologyName}@${String(b.kind)}`;
}

/** A cell's file name in a matrix directory: <topology>__<competition>__s<seed>.json (path-safe). */
export function cellFileName(topology: string, competition: string, seed: number): string {
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._@+-]+/g, '-');
  return `${safe(topology)}__${safe(competition)}__s${seed}.json`;
}

/** Writes a JSON file atomically (a temporary file renamed over the target). */
export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

function readJson(path: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(readFileSync(path, 'utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch { return null; }
}

const numOrNull = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const obj = (x: unknown): Record<string, unknown> => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>) : {});

/** Why a run directory gives no cell: not a run, still running, crashed or stopped by a signal. */
export class NotACell extends Error {
  constructor(readonly runDir: string, reason: string) { super(`${runDir}: ${reason}`); this.name = 'NotACell'; }
}

/** The statuses of experiments the harness judged valid (rejected: valid, but not better beyond noise). */
const VALID_STATUSES = new Set(['accepted', 'rejected']);

/**
 * The run's first valid submission: the earliest experiment (by its record time) the harness judged valid whose CSV
 * is in submissions/ (a failed experiment's CSV is not a draft).
 */
export function firstValidSubmission(runDir: string): string | null {
  const subs = join(runDir, 'submissions');
  if (!existsSync(subs)) return null;
  let best: { ts: number; path: string; order: number } | null = null;
  try {
    const lines = readFileSync(join(runDir, 'experiments.jsonl'), 'utf8').split('\n');
    lines.forEach((line, order) => {
      if (!line.trim()) return;
      let e: Record<string, unknown>;
      try { e = obj(JSON.parse(line)); } catch { return; }
      if (typeof e.id !== 'string' || !e.submissionPath) return;
      if (typeof e.status === 'string' && !VALID_STATUSES.has(e.status)) return;
      const path = join(subs, `${e.id}.csv`);
      if (!existsSync(path)) return;
      const ts = numOrNull(e.ts) ?? Number.POSITIVE_INFINITY;
      if (!best || ts < best.ts || (ts === best.ts && order < best.order)) best = { ts, path, order };
    });
  } catch { /* no experiments.jsonl: fall back to the files' times */ }
  if (best) return (best as { path: string }).path;
  const files = readdirSync(subs).filter((f) => f.endsWith('.csv') && f !== 'final-refit.csv')
    .map((f) => ({ path: join(subs, f), t: statSync(join(subs, f)).mtimeMs })).sort((a, b) => a.t - b.t);
  return files[0]?.path ?? null;
}

/**
 * The cell of a finished run directory. Throws NotACell for a directory that is not a run, or whose run is still
 * running, crashed, failed or was stopped by a signal (those are not results).
 */
export async function cellFromRunDir(runDir: string): Promise<Cell> {
  const dir = resolve(runDir);
  const meta = readJson(join(dir, 'run_meta.json'));
  if (!meta) throw new NotACell(dir, 'no readable run_meta.json (not a run directory)');
  const status = String(meta.status ?? 'unknown');
  const stopReason = typeof meta.stopReason === 'string' ? meta.stopReason : '';
  if (status !== 'finished' && status !== 'stopped') throw new NotACell(dir, `the run is ${status}, not finished`);
  if (status === 'stopped' && (stopReason.startsWith('signal') || stopReason.startsWith('forced'))) throw new NotACell(dir, `the run was stopped by a signal (${stopReason})`);
  const config = obj(meta.config);
  const topology = obj(config.topology);
  const task = obj(meta.task);
  const report = readJson(join(dir, 'report.json'));
  const metrics = readJson(join(dir, 'metrics.json')) ?? {};
  const competitionDir = typeof config.competitionDir === 'string' ? config.competitionDir : null;
  const competition = typeof report?.competition_id === 'string' ? report.competition_id
    : typeof task.competition === 'string' ? task.competition : competitionDir ? basename(competitionDir) : 'unknown';
  const lowerIsBetter = typeof report?.is_lower_better === 'boolean' ? report.is_lower_better
    : typeof task.lowerIsBetter === 'boolean' ? task.lowerIsBetter : null;
  const testScore = numOrNull(report?.score);
  const goldThreshold = numOrNull(report?.gold_threshold);
  const medianThreshold = numOrNull(report?.median_threshold);
  let firstDraftScore: number | null = null;
  const first = firstValidSubmission(dir);
  if (first && report && competitionDir && existsSync(competitionDir)) {
    try { firstDraftScore = await grade(first, await loadCompetition(competitionDir)); } catch { firstDraftScore = null; }
  }
  return {
    topology: columnLabel(typeof topology.name === 'string' ? topology.name : 'custom', config.brain),
    competition,
    seed: numOrNull(config.seed) ?? 0,
    runDir: dir,
    status,
    budgetMs: numOrNull(config.budgetMs),
    lowerIsBetter,
    validSubmission: report?.valid_submission === true,
    anyMedal: report?.any_medal === true,
    aboveMedian: report?.above_median === true,
    testScore,
    firstDraftScore,
    goldThreshold,
    medianThreshold,
    medalScale: report?.valid_submission === true ? medalScale(testScore, medianThreshold, goldThreshold, lowerIsBetter) : null,
    normalisedScore: normalisedScore(testScore, firstDraftScore, goldThreshold, lowerIsBetter),
    wasteFrac: numOrNull(metrics.waste_frac),
    gpuUtilisation: numOrNull(metrics.gpu_utilisation),
    experiments: numOrNull(metrics.experiments),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// aggregation

export interface TopologySummary {
  topology: string;
  cells: number;
  valid_rate: number | null;
  any_medal_rate: number | null;
  above_median_rate: number | null;
  /** Runs of this topology that failed or crashed (a matrix records them; a rerun retries the cell). */
  failed_runs: number;
  /** Mean over the cells with a valid submission and known thresholds (n of them). */
  medal_scale: { mean: number | null; n: number };
  /**
   * Mean and median over the cells whose normalised score is defined (n of them). The median is there because one
   * first draft landing just short of gold makes that cell's score large (the denominator is small) and the mean with it.
   */
  normalised: { mean: number | null; median: number | null; n: number };
  waste: { mean: number | null; n: number };
  gpu_utilisation: { mean: number | null; n: number };
}

export interface PairComparison {
  /** a − b: > 0 means `a` did better. */
  a: string;
  b: string;
  /** (competition, seed) cells both topologies have. */
  common: number;
  /** Over the common cells where both medal-scale scores are defined: one scale for every competition. */
  medalScale: MeanCi;
  /** Over the common cells where both normalised scores are defined. */
  normalised: MeanCi;
  /**
   * Over the common cells where both submissions are valid; test scores oriented by each metric's direction. Pooled
   * over competitions it mixes their units (see byCompetition for each one's).
   */
  test: MeanCi;
  /**
   * Per common cell, by test score oriented (a valid submission beats an invalid one; two invalid ones tie; equal
   * scores tie): how often `a` won, tied and lost.
   */
  wins: number;
  ties: number;
  losses: number;
}

/** One competition: each topology's test scores over its seeds, and the pairs' differences in the metric's units. */
export interface CompetitionComparison {
  competition: string;
  lowerIsBetter: boolean | null;
  /** Per topology (in the comparison's order) the mean test score over its valid cells, n of them. */
  topologies: { topology: string; test: MeanCi; valid: number; cells: number }[];
  /** Every pair with a common seed on this competition: oriented test-score difference (> 0: a better) and wins. */
  pairs: { a: string; b: string; common: number; test: MeanCi; wins: number; ties: number; losses: number }[];
}

/** A run of the matrix that failed or crashed (failures.jsonl): not a cell, but counted against its topology. */
export interface FailedRun { topology: string; competition: string; seed: number; reason: string }

export interface Comparison {
  topologies: TopologySummary[];
  pairs: PairComparison[];
  byCompetition: CompetitionComparison[];
  /** The reasoning-noise sweep (noise-sweep.ts), when two or more noise levels have both of its sides. */
  noiseSweep: NoiseSweep | null;
  competitions: string[];
  seeds: number[];
  budgetsMs: number[];
  cells: Cell[];
}

const mean = (xs: readonly number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const present = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null && Number.isFinite(x));
const median = (xs: readonly number[]): number | null => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const rate = (cs: readonly Cell[], f: (c: Cell) => boolean): number | null => (cs.length ? cs.filter(f).length / cs.length : null);
const key = (c: Pick<Cell, 'competition' | 'seed'>) => `${c.competition}\u0000${c.seed}`;

/** The paired record of `a` against `b` over their common (competition, seed) cells. */
function pairOf(a: Map<string, Cell>, b: Map<string, Cell>) {
  const medal: number[] = [];
  const norm: number[] = [];
  const test: number[] = [];
  const outcomes: ('win' | 'tie' | 'loss')[] = [];
  for (const [k, ca] of a) {
    const cb = b.get(k);
    if (!cb) continue;
    if (ca.normalisedScore !== null && cb.normalisedScore !== null) norm.push(ca.normalisedScore - cb.normalisedScore);
    const ma = ca.medalScale ?? null, mb = cb.medalScale ?? null;
    if (ma !== null && mb !== null) medal.push(ma - mb);
    const { difference, outcome } = cellOutcome(ca, cb);
    if (difference !== null) test.push(difference);
    outcomes.push(outcome);
  }
  return { common: outcomes.length, medalScale: meanCi(medal), normalised: meanCi(norm), test: meanCi(test), ...tally(outcomes) };
}

/**
 * The comparison of the cells' topologies, in `order` when given (then topologies without cells are kept with zero
 * cells), else in alphabetical order. A (topology, competition, seed) given twice keeps its last cell. `failures` are
 * the runs that gave no cell, counted per topology.
 */
export function compareTopologies(cellsIn: readonly Cell[], order?: readonly string[], failures: readonly FailedRun[] = []): Comparison {
  const byTopo = new Map<string, Map<string, Cell>>();
  for (const c of cellsIn) {
    const m = byTopo.get(c.topology) ?? new Map<string, Cell>();
    m.set(key(c), c);
    byTopo.set(c.topology, m);
  }
  const names = order ? [...order, ...[...byTopo.keys()].filter((t) => !order.includes(t)).sort()] : [...byTopo.keys()].sort();
  const cellsOf = (t: string) => [...(byTopo.get(t)?.values() ?? [])];
  const topologies = names.map((t): TopologySummary => {
    const cs = cellsOf(t);
    const medal = present(cs.map((c) => c.medalScale ?? null));
    const norm = present(cs.map((c) => c.normalisedScore));
    const waste = present(cs.map((c) => c.wasteFrac));
    const util = present(cs.map((c) => c.gpuUtilisation));
    return {
      topology: t, cells: cs.length,
      valid_rate: rate(cs, (c) => c.validSubmission), any_medal_rate: rate(cs, (c) => c.anyMedal), above_median_rate: rate(cs, (c) => c.aboveMedian),
      failed_runs: failures.filter((f) => f.topology === t).length,
      medal_scale: { mean: mean(medal), n: medal.length },
      normalised: { mean: mean(norm), median: median(norm), n: norm.length }, waste: { mean: mean(waste), n: waste.length }, gpu_utilisation: { mean: mean(util), n: util.length },
    };
  });
  const pairs: PairComparison[] = [];
  for (let i = 0; i < names.length; i++) {
    for (let j = i + 1; j < names.length; j++) {
      pairs.push({ a: names[i]!, b: names[j]!, ...pairOf(byTopo.get(names[i]!) ?? new Map(), byTopo.get(names[j]!) ?? new Map()) });
    }
  }
  const all = [...byTopo.values()].flatMap((m) => [...m.values()]);
  const competitions = [...new Set(all.map((c) => c.competition))].sort();
  const byCompetition = competitions.map((comp): CompetitionComparison => {
    const only = new Map(names.map((t) => [t, new Map([...(byTopo.get(t) ?? new Map<string, Cell>())].filter(([, c]) => c.competition === comp))]));
    const here = names.filter((t) => only.get(t)!.size > 0);
    const some = all.find((c) => c.competition === comp && c.lowerIsBetter !== null);
    const rows: CompetitionComparison['pairs'] = [];
    for (let i = 0; i < here.length; i++) {
      for (let j = i + 1; j < here.length; j++) {
        const { common, test, wins, ties, losses } = pairOf(only.get(here[i]!)!, only.get(here[j]!)!);
        if (common) rows.push({ a: here[i]!, b: here[j]!, common, test, wins, ties, losses });
      }
    }
    return {
      competition: comp, lowerIsBetter: some?.lowerIsBetter ?? null,
      topologies: here.map((t) => {
        const cs = [...only.get(t)!.values()];
        return { topology: t, test: meanCi(present(cs.filter((c) => c.validSubmission).map((c) => c.testScore))), valid: cs.filter((c) => c.validSubmission).length, cells: cs.length };
      }),
      pairs: rows,
    };
  });
  return {
    topologies, pairs, byCompetition, noiseSweep: noiseSweep(all), competitions,
    seeds: [...new Set(all.map((c) => c.seed))].sort((x, y) => x - y),
    budgetsMs: [...new Set(all.map((c) => c.budgetMs).filter((x): x is number => x !== null))].sort((x, y) => x - y),
    cells: all.sort((x, y) => x.topology.localeCompare(y.topology) || x.competition.localeCompare(y.competition) || x.seed - y.seed),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// rendering

const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);
const f3 = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));
const s3 = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(3)}`);
const s5 = (x: number | null) => (x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${x.toFixed(5)}`);
const ci = (m: MeanCi, f: (x: number | null) => string) => `${f(m.mean)} [${m.lo === null ? 'n/a' : `${f(m.lo)}, ${f(m.hi)}`}] (${m.n})`;

function topologyRows(c: Comparison): string[][] {
  return c.topologies.map((t) => [t.topology, String(t.cells), String(t.failed_runs), pct(t.valid_rate), pct(t.any_medal_rate), pct(t.above_median_rate),
    `${f3(t.medal_scale.mean)} (${t.medal_scale.n})`, `${f3(t.normalised.mean)} / ${f3(t.normalised.median)} (${t.normalised.n})`, pct(t.waste.mean), pct(t.gpu_utilisation.mean)]);
}
const TOPOLOGY_HEADER = ['topology', 'cells', 'failed runs', 'valid', 'any medal', 'above median', 'medal scale (n)', 'normalised mean / median (n)', 'waste', 'GPU-node util'];

function pairRows(c: Comparison): string[][] {
  return c.pairs.map((p) => [`${p.a} vs ${p.b}`, String(p.common), ci(p.medalScale, s3), ci(p.normalised, s3), `${p.wins}/${p.ties}/${p.losses}`]);
}
const PAIR_HEADER = ['pair (a vs b)', 'common cells', 'medal scale a − b [95% CI] (n)', 'normalised a − b [95% CI] (n)', 'a wins/ties/losses'];

/** Per competition, each topology's mean test score over its valid cells (how many); `mark` wraps the best of a row. */
function competitionRows(c: Comparison, mark: (s: string) => string): { header: string[]; rows: string[][] } {
  const names = c.topologies.map((t) => t.topology);
  const rows = c.byCompetition.map((k) => {
    const means = k.topologies.map((t) => t.test.mean).filter((x): x is number => x !== null);
    const best = means.length ? (k.lowerIsBetter ? Math.min(...means) : Math.max(...means)) : null;
    const dir = k.lowerIsBetter === null ? '' : k.lowerIsBetter ? ' (lower)' : ' (higher)';
    return [`${k.competition}${dir}`, ...names.map((n) => {
      const t = k.topologies.find((x) => x.topology === n);
      if (!t) return '';
      const v = t.test.mean === null ? 'n/a' : t.test.mean.toFixed(5);
      const cell = `${v} (${t.valid}/${t.cells})`;
      return t.test.mean !== null && best !== null && Math.abs(t.test.mean - best) < 1e-12 ? mark(cell) : cell;
    })];
  });
  return { header: ['competition', ...names], rows };
}

/** Per competition, the pairs with two or more common seeds: the oriented test-score difference in the metric's units. */
function competitionPairRows(c: Comparison): string[][] {
  return c.byCompetition.flatMap((k) => k.pairs.filter((p) => p.common >= 2).map((p) => [k.competition, `${p.a} vs ${p.b}`, String(p.common), ci(p.test, s5), `${p.wins}/${p.ties}/${p.losses}`]));
}
const COMPETITION_PAIR_HEADER = ['competition', 'pair (a vs b)', 'common seeds', 'test score a − b, oriented [95% CI] (n)', 'a wins/ties/losses'];

function aligned(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function sweepRows(w: NoiseSweep): string[][] {
  return w.rows.map((r) => [String(r.noise), `${f3(r.gradient.mean)} (${r.gradient.n})`, `${f3(r.tree.mean)} (${r.tree.n})`, ci(r.difference, s3), `${r.wins}/${r.ties}/${r.losses}`]);
}
const sweepHeader = (w: NoiseSweep) => ['noise', `${w.gradient} medal scale (n)`, `${w.tree} medal scale (n)`, `${w.gradient} − ${w.tree} [95% CI] (n)`, `${w.gradient} wins/ties/losses`];
const sweepTitle = (w: NoiseSweep) => `reasoning-noise sweep: ${w.gradient} against ${w.tree} at each noise level, paired over the ${w.cells} (competition, seed) cells every level has; the gradient idea predicts a difference that falls with the noise and changes sign (a crossover)`;

/**
 * The plain-text table: per topology, then the paired comparisons (> 0: the first of the pair did better), then each
 * competition's mean test scores (* the best of a row).
 */
export function renderTable(c: Comparison): string {
  const parts = [aligned(TOPOLOGY_HEADER, topologyRows(c))];
  if (c.pairs.length) {
    parts.push(`paired over the (competition, seed) cells both have; > 0 means the first did better; 95% CI by t with n − 1 df\n${aligned(PAIR_HEADER, pairRows(c))}`);
  }
  if (c.byCompetition.length) {
    const k = competitionRows(c, (x) => `*${x}`);
    parts.push(`mean test score per competition over the valid cells (valid/cells); * the best of the row\n${aligned(k.header, k.rows)}`);
  }
  if (c.noiseSweep) parts.push(`${sweepTitle(c.noiseSweep)}\n${aligned(sweepHeader(c.noiseSweep), sweepRows(c.noiseSweep))}`);
  return parts.join('\n\n');
}

function mdTable(header: string[], rows: string[][]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${header.map(esc).join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}

export interface Machine { cores: number; cpu: string; node: string }

export function thisMachine(): Machine {
  return { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };
}

export interface ComparisonMeta {
  date: string;
  machine: Machine;
  /** Where the cells came from: a matrix directory (gome bench --topology) or run directories (gome compare). */
  source: string;
  preset?: string | null;
  /** Per column, what it ran (topology spec, brain), when known. */
  columns?: { label: string; spec?: string; brain?: unknown }[];
  interrupted?: boolean;
}

const fmtBudget = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${(ms / 1000).toFixed(0)} s`);

/** comparison.md: the setting (date, machine, budget, seeds, competitions), both tables and every cell. */
export function renderMarkdown(c: Comparison, meta: ComparisonMeta): string {
  const lines = [
    '# Topologies side by side', '',
    `- date: ${meta.date}`,
    `- machine: ${meta.machine.cores} cores, ${meta.machine.cpu} (Node ${meta.machine.node})`,
    `- budget: ${c.budgetsMs.length ? c.budgetsMs.map(fmtBudget).join(', ') : 'n/a'}${meta.preset ? `, preset ${meta.preset}` : ''}`,
    `- seeds: ${c.seeds.join(', ') || 'none'}`,
    `- competitions: ${c.competitions.join(', ') || 'none'}`,
    `- topologies: ${c.topologies.map((t) => t.topology).join(', ')}`,
    `- source: ${meta.source}${meta.interrupted ? ' (interrupted: the matrix is incomplete)' : ''}`,
    '',
    'Medal scale: (test − median) / (gold − median) with the leaderboard\'s thresholds, oriented by the metric\'s direction: 0',
    'is the median, 1 gold, the same for every topology of a competition, so its paired differences compare final scores',
    'on one scale across competitions. Normalised score: (test − first draft\'s test) / (gold − first draft\'s test),',
    'oriented: 0 is the run\'s own first valid submission, 1 is gold; undefined (n/a) when the first draft already reaches',
    'gold, and large when it lands just short of it. Failed runs: runs that crashed or failed (no cell; a rerun retried them).',
    'Waste is metrics.json `waste_frac`, GPU-node utilisation `gpu_utilisation`.',
    '',
    '## Per topology', '',
    mdTable(TOPOLOGY_HEADER, topologyRows(c)),
  ];
  if (c.pairs.length) {
    lines.push('', '## Paired comparisons', '',
      'Over the (competition, seed) cells both topologies have; a difference > 0 means the first of the pair did better;',
      '95% confidence intervals by Student\'s t with n − 1 degrees of freedom. Wins/ties/losses by oriented test score',
      '(a valid submission beats an invalid one).', '',
      mdTable(PAIR_HEADER, pairRows(c)));
  }
  if (c.byCompetition.length) {
    const k = competitionRows(c, (x) => `**${x}**`);
    lines.push('', '## Per competition', '', 'Mean test score over the valid cells (valid/cells); bold: the best of the row.', '', mdTable(k.header, k.rows));
    const rows = competitionPairRows(c);
    if (rows.length) {
      lines.push('', 'Pairs with two or more common seeds on a competition, in the metric\'s own units (oriented: > 0 means the first did', 'better; 95% CI by t):', '', mdTable(COMPETITION_PAIR_HEADER, rows));
    }
  }
  if (c.noiseSweep) lines.push('', '## Reasoning-noise sweep', '', `${sweepTitle(c.noiseSweep)}.`, '', mdTable(sweepHeader(c.noiseSweep), sweepRows(c.noiseSweep)));
  lines.push('', '## Cells', '', mdTable(['topology', 'competition', 'seed', 'valid', 'medal', 'above median', 'test', 'first draft', 'gold', 'medal scale', 'normalised', 'waste', 'GPU-node util', 'experiments'],
    c.cells.map((x) => [x.topology, x.competition, String(x.seed), x.validSubmission ? 'yes' : 'no', x.anyMedal ? 'yes' : 'no', x.aboveMedian ? 'yes' : 'no',
      x.testScore === null ? 'n/a' : String(x.testScore), x.firstDraftScore === null ? 'n/a' : String(x.firstDraftScore), x.goldThreshold === null ? 'n/a' : String(x.goldThreshold),
      f3(x.medalScale ?? null), f3(x.normalisedScore), pct(x.wasteFrac), pct(x.gpuUtilisation), x.experiments === null ? 'n/a' : String(x.experiments)])));
  return lines.join('\n') + '\n';
}

/** Writes comparison.json and comparison.md into `dir`. */
export function writeComparison(dir: string, c: Comparison, meta: ComparisonMeta): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'comparison.json');
  const md = join(dir, 'comparison.md');
  writeJsonAtomic(json, { meta, ...c });
  writeFileSync(md, renderMarkdown(c, meta));
  return { json, md };
}

// ---------------------------------------------------------------------------------------------------------------
// gome compare RUN_DIR…

/**
 * The run directories an argument names: itself when it holds run_meta.json; else the runs below it (a runs root, or
 * a matrix directory of gome bench --topology, whose runs are in runs/).
 */
export function runDirsOf(arg: string): string[] {
  const dir = resolve(arg);
  if (existsSync(join(dir, 'run_meta.json'))) return [dir];
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${arg} is neither a run directory (no run_meta.json) nor a folder of runs`);
  const roots = existsSync(join(dir, 'runs')) && statSync(join(dir, 'runs')).isDirectory() ? [join(dir, 'runs')] : [dir];
  return roots.flatMap((r) => readdirSync(r, { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(r, d.name, 'run_meta.json'))).map((d) => join(r, d.name))).sort();
}

/** The comparison of existing run directories: grouped by topology (run_meta.json), paired by competition and seed. */
export async function compareRunDirs(args: readonly string[], o: { out?: string; say?: (s: string) => void } = {}): Promise<{ comparison: Comparison; table: string; skipped: string[]; files: { json: string; md: string } | null }> {
  const say = o.say ?? (() => {});
  const dirs = [...new Set(args.flatMap(runDirsOf))];
  if (!dirs.length) throw new Error(`no run directories in ${args.join(', ')}`);
  const cells: Cell[] = [];
  const skipped: string[] = [];
  const seen = new Map<string, string>();
  for (const d of dirs) {
    let cell: Cell;
    try { cell = await cellFromRunDir(d); } catch (e) {
      if (!(e instanceof NotACell)) throw e;
      skipped.push(e.message);
      say(`skipped ${e.message}`);
      continue;
    }
    const k = `${cell.topology}\u0000${key(cell)}`;
    const before = seen.get(k);
    if (before) say(`${cell.topology} on ${cell.competition} seed ${cell.seed} appears twice (${before} and ${d}); the comparison keeps ${d}`);
    seen.set(k, d);
    cells.push(cell);
  }
  const comparison = compareTopologies(cells);
  const table = renderTable(comparison);
  const files = o.out ? writeComparison(resolve(o.out), comparison, { date: new Date().toISOString(), machine: thisMachine(), source: dirs.length === 1 ? dirs[0]! : `${dirs.length} run directories` }) : null;
  return { comparison, table, skipped, files };
}
