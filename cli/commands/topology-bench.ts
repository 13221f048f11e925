// gome bench --topology A --topology B …: every topology on every competition and seed, interleaved (for each seed,
// for each competition, every topology in a rotating order) so that machine noise hits all of them alike. The matrix
// lives in a directory: each finished cell is saved at once to cells/<topology>__<competition>__s<seed>.json (atomic),
// a rerun into the same directory skips the finished cells (refused when the code, budget, preset or a column's
// topology changed: matrix.json keeps them), and Ctrl-C stops after the current cell. The table and
// the paired comparisons come from topology-comparison.ts.
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RunConfig, parseConfig, safeRunId, type RunConfigInput } from '../../protocols/index.ts';
import type { Topology } from '../../protocols/topology.ts';
import { statedBudgetMs } from '../../grading/competition.ts';
import { ensurePrepared } from '../run/prepare.ts';
import { loadTopology } from '../topology-file.ts';
import { codeIdentity, codeMismatch, type CodeIdentity } from '../code-identity.ts';
import { MatrixMismatch } from '../matrix-mismatch.ts';
import { runCompetition, type RunResult } from '../run/run-session.ts';
import { localCompetitions, type SuiteName } from './bench-suite.ts';
import {
  cellFileName, cellFromRunDir, columnLabel, compareTopologies, NotACell, renderTable, thisMachine, writeComparison, writeJsonAtomic,
  type Cell, type Comparison, type FailedRun,
} from './topology-comparison.ts';

/** One column of the matrix: a topology (preset or file), optionally with the offline brain's reasoning noise. */
export interface TopologyColumn {
  label: string;
  /** As given: NAME|FILE, with an optional @noiseX suffix. */
  spec: string;
  topology: Topology;
  /** The run config of this column (the shared config, its topology and brain replaced). */
  config: Partial<RunConfigInput>;
}

const NOISE_SUFFIX = /^(.+)@noise=?(\d+(?:\.\d*)?|\.\d+)$/;

/**
 * A column from `NAME|FILE[@noiseX]`: the topology loaded with loadTopology (its errors name the file and field), the
 * brain the offline one with noise X when the suffix is given.
 */
export function columnFromSpec(spec: string, base: Partial<RunConfigInput> = {}): TopologyColumn {
  const m = NOISE_SUFFIX.exec(spec.trim());
  const topoSpec = m ? m[1]! : spec.trim();
  let brain = base.brain;
  if (m) {
    const noise = Number(m[2]);
    if (!(noise >= 0 && noise <= 1)) throw new Error(`--topology ${spec}: the noise must be a number from 0 (exact reasoning) to 1 (none)`);
    if (base.brain && (base.brain as { kind?: string }).kind !== 'offline') throw new Error(`--topology ${spec} sets the offline brain's noise, but the brain is ${(base.brain as { kind?: string }).kind}: drop the @noise suffix or the LLM brain`);
    brain = { kind: 'offline', noise };
  }
  const { topology } = loadTopology(topoSpec);
  return { label: columnLabel(topology.name, brain), spec: spec.trim(), topology, config: { ...base, topology, ...(brain ? { brain } : {}) } };
}

/** Each competition's budget: the one its competition.json states (budgetMinutes), else budgetMs. A competition is
 *  prepared first (a fresh checkout has no data yet), so that a stated budget is read, never silently skipped. */
export async function statedBudgets(benchDir: string, comps: string[], budgetMs: number, python: string, say: (s: string) => void = () => {}): Promise<Map<string, number>> {
  const budgets = new Map<string, number>();
  for (const c of comps) {
    budgets.set(c, statedBudgetMs(await ensurePrepared(join(benchDir, c), python, say), budgetMs));
  }
  return budgets;
}

export interface TopologyBenchOptions {
  benchDir: string;
  /** NAME|FILE[@noiseX] per column (see columnFromSpec). */
  topologies: string[];
  suite?: SuiteName;
  only?: string[];
  /** Seeds 0 … seeds − 1 for every column, but those of columnSeeds. */
  seeds: number;
  /** Fewer (or more) seeds for some columns, by their spec as given in topologies (bench:topologies: ablations and the noise sweep at one seed). */
  columnSeeds?: Record<string, number>;
  budgetMs: number;
  /** A competition's own budget (competition.json budgetMinutes) replaces budgetMs for it (bench:topologies does). */
  competitionBudgets?: boolean;
  /** The matrix directory (default <runsRoot>/compare-<topologies>-<budget>). */
  out?: string;
  runsRoot?: string;
  /** The shared run config (preset, limits, brain, …); each column replaces its topology (and brain for @noise). */
  config?: Partial<RunConfigInput>;
  say: (s: string) => void;
  natsUrl?: string;
  /** Ctrl-C stops the current run gracefully and ends the matrix after it (the CLI sets it). */
  handleSignals?: boolean;
  /** The code running now (default codeIdentity()): a matrix started by other code is not resumed. */
  code?: CodeIdentity;
}

export interface TopologyBenchResult {
  dir: string;
  comparison: Comparison;
  table: string;
  /** Cells run now, cells found finished, cells whose run failed (not saved). */
  ran: number;
  skipped: number;
  failed: number;
  planned: number;
  interrupted: boolean;
  cells: Cell[];
}

export function budgetLabel(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function defaultMatrixDir(runsRoot: string, labels: readonly string[], budgetMs: number): string {
  const name = `compare-${labels.join('+')}-${budgetLabel(budgetMs)}`.replace(/[^A-Za-z0-9._@+-]+/g, '-');
  return resolve(runsRoot, name.length > 180 ? `${name.slice(0, 170)}-${budgetLabel(budgetMs)}` : name);
}

/** The order of the columns in the k-th (seed, competition) slot: rotated by k, so each goes first equally often. */
export function rotation<T>(xs: readonly T[], k: number): T[] {
  const n = xs.length;
  if (!n) return [];
  const r = ((k % n) + n) % n;
  return [...xs.slice(r), ...xs.slice(0, r)];
}

/** One cell to run: a column on a competition at a seed. */
export interface PlannedCell<C> { column: C; competition: string; seed: number }

/**
 * The matrix's cells in run order: seed-major, then competition, then the columns that have this seed in an order
 * rotated by one per (seed, competition) slot, so that each goes first equally often and machine noise hits all alike.
 * A column runs seeds 0 … seedsOf(column) − 1.
 */
export function planCells<C>(columns: readonly C[], competitions: readonly string[], seedsOf: (c: C) => number): PlannedCell<C>[] {
  const maxSeeds = Math.max(0, ...columns.map(seedsOf));
  const plan: PlannedCell<C>[] = [];
  let slot = 0;
  for (let seed = 0; seed < maxSeeds; seed++) {
    const here = columns.filter((c) => seed < seedsOf(c));
    for (const competition of competitions) for (const column of rotation(here, slot++)) plan.push({ column, competition, seed });
  }
  return plan;
}

/** Each column's seed count: `seeds`, or its entry in columnSeeds (keys must name a column; counts are whole, ≥ 1). */
export function seedCounts(specs: readonly string[], seeds: number, columnSeeds: Record<string, number> = {}): number[] {
  for (const [spec, n] of Object.entries(columnSeeds)) {
    if (!specs.includes(spec)) throw new Error(`seeds were given for the column "${spec}", which is not one of the matrix's columns (${specs.join(', ')}): name a column as given to --topology`);
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`the column "${spec}" was given ${n} seeds, but it needs a whole number of at least 1`);
  }
  return specs.map((s) => columnSeeds[s] ?? seeds);
}

/**
 * The wall time the cells still to run will take: their budgets scaled by the wall time per budget of the cells run so
 * far in this call (set-up, wind-down and grading included), or their budgets alone before any ran.
 */
export function timeLeft(todoBudgetMs: number, spentWallMs: number, spentBudgetMs: number): string {
  const measured = spentBudgetMs > 0 && spentWallMs > 0;
  const ms = measured ? todoBudgetMs * (spentWallMs / spentBudgetMs) : todoBudgetMs;
  const amount = ms >= 5_400_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.max(1, Math.round(ms / 60_000))} min`;
  return measured ? `about ${amount} left` : `${amount} of budgets left`;
}

export interface MatrixFile {
  /** The code that ran the cells (absent in matrices of before it was recorded: those cannot be checked). */
  code?: CodeIdentity;
  budgetMs: number;
  preset: string | null;
  competitionBudgets: boolean;
  columns: { label: string; spec: string; topology: Topology; brain: unknown }[];
}

/** The matrix settings: a rerun into the same directory must keep the budget, preset and each column's topology. */
export function checkMatrix(dir: string, m: MatrixFile): MatrixFile {
  const path = join(dir, 'matrix.json');
  if (!existsSync(path)) return m;
  const old = JSON.parse(readFileSync(path, 'utf8')) as MatrixFile;
  const again = `use the same settings to resume it, or another --out for a new matrix`;
  const changed = old.code && m.code ? codeMismatch(dir, old.code, m.code, 'another --out') : null;
  if (changed) throw changed;
  if (old.budgetMs !== m.budgetMs) throw new MatrixMismatch(dir, `${dir} holds a matrix run with a ${budgetLabel(old.budgetMs)} budget, not ${budgetLabel(m.budgetMs)}`, again);
  if ((old.preset ?? null) !== (m.preset ?? null)) throw new MatrixMismatch(dir, `${dir} holds a matrix run with preset ${old.preset ?? 'none'}, not ${m.preset ?? 'none'}`, again);
  const columns = [...old.columns];
  for (const c of m.columns) {
    const before = columns.find((o) => o.label === c.label);
    if (!before) { columns.push(c); continue; }
    if (JSON.stringify(before.topology) !== JSON.stringify(c.topology) || JSON.stringify(before.brain ?? null) !== JSON.stringify(c.brain ?? null)) {
      throw new MatrixMismatch(dir, `${dir} holds cells of a different "${c.label}" (topology ${JSON.stringify(before.topology)}, brain ${JSON.stringify(before.brain ?? null)})`, 'rename the topology, or use another --out');
    }
  }
  // a matrix saved before the code was recorded stays unrecorded: its cells' code is unknown, whatever runs now
  return { ...m, code: old.code, columns };
}

/** The matrix's failed runs (failures.jsonl: one per run that crashed or failed; its cell was retried by a rerun). */
function readFailures(dir: string): FailedRun[] {
  const path = join(dir, 'failures.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((l) => {
    try { return l.trim() ? [JSON.parse(l) as FailedRun] : []; } catch { return []; }
  });
}

function readCells(dir: string): Cell[] {
  const cellsDir = join(dir, 'cells');
  if (!existsSync(cellsDir)) return [];
  return readdirSync(cellsDir).filter((f) => f.endsWith('.json')).flatMap((f) => {
    try { return [JSON.parse(readFileSync(join(cellsDir, f), 'utf8')) as Cell]; } catch { return []; }
  });
}

/** A fresh run id for a cell: its name, or with -a2, -a3 … when an earlier attempt left a directory. */
export function freshRunId(runsRoot: string, base: string): string {
  const id = safeRunId(base);
  if (!existsSync(join(runsRoot, id))) return id;
  for (let a = 2; ; a++) if (!existsSync(join(runsRoot, `${id}-a${a}`))) return `${id}-a${a}`;
}

const fmt = (x: number | null, d = 5) => (x === null ? 'n/a' : x.toFixed(d));

export async function runTopologyBench(o: TopologyBenchOptions): Promise<TopologyBenchResult> {
  if (!o.topologies.length) throw new Error('give at least one --topology');
  if (!(Number.isInteger(o.seeds) && o.seeds >= 1)) throw new Error(`--seeds was ${o.seeds}, but it must be at least 1`);
  const base = o.config ?? {};
  const columns = o.topologies.map((s) => columnFromSpec(s, base));
  const labels = columns.map((c) => c.label);
  const dup = labels.find((l, i) => labels.indexOf(l) !== i);
  if (dup) throw new Error(`two --topology give the column "${dup}"; a matrix needs distinct topology names (set "name" in the file)`);
  const counts = seedCounts(columns.map((c) => c.spec), o.seeds, o.columnSeeds);
  // config errors before any run
  for (const c of columns) parseConfig(RunConfig, { ...c.config, budgetMs: o.budgetMs, runId: 'preflight', competitionDir: '.', runDir: '.' });
  const comps = o.only?.length ? o.only : localCompetitions(o.benchDir, o.suite ?? 'local');
  if (!comps.length) throw new Error(`no competitions in ${o.benchDir}${o.suite ? ` (suite ${o.suite})` : ''}`);
  const dir = resolve(o.out ?? defaultMatrixDir(o.runsRoot ?? 'runs', labels, o.budgetMs));
  mkdirSync(join(dir, 'cells'), { recursive: true });
  const runsRoot = join(dir, 'runs');
  mkdirSync(runsRoot, { recursive: true });
  const matrix = checkMatrix(dir, {
    code: o.code ?? codeIdentity(), budgetMs: o.budgetMs, preset: typeof base.preset === 'string' ? base.preset : null, competitionBudgets: o.competitionBudgets ?? false,
    columns: columns.map((c) => ({ label: c.label, spec: c.spec, topology: c.topology, brain: c.config.brain ?? null })),
  });
  writeJsonAtomic(join(dir, 'matrix.json'), matrix);

  const budgets = o.competitionBudgets
    ? await statedBudgets(o.benchDir, comps, o.budgetMs, o.config?.python ?? '/usr/bin/python3', o.say)
    : new Map(comps.map((c) => [c, o.budgetMs]));

  const seedsOf = new Map(columns.map((c, i) => [c.label, counts[i]!]));
  const plan = planCells(columns, comps, (c) => seedsOf.get(c.label)!);
  const planned = plan.length;
  const uneven = counts.some((n) => n !== o.seeds);
  o.say(`topology matrix ${dir}\n  ${columns.length} topologies (${labels.join(', ')}) × ${comps.length} competitions × ${uneven ? `seeds (${columns.map((c) => `${c.label} ${seedsOf.get(c.label)}`).join(', ')})` : `${o.seeds} seeds`} = ${planned} cells, budget ${budgetLabel(o.budgetMs)} each${o.competitionBudgets ? ' (or the competition\'s own)' : ''}`);
  let ran = 0, skipped = 0, failed = 0, k = 0;
  let interrupted = false;
  const budgetOf = (comp: string) => budgets.get(comp) ?? o.budgetMs;
  let todoBudgetMs = plan.filter((p) => !existsSync(join(dir, 'cells', cellFileName(p.column.label, p.competition, p.seed)))).reduce((a, p) => a + budgetOf(p.competition), 0);
  let spentWallMs = 0, spentBudgetMs = 0;
  const recordFailure = (topology: string, competition: string, seed: number, reason: string) => {
    const f: FailedRun & { at: string } = { topology, competition, seed, reason, at: new Date().toISOString() };
    appendFileSync(join(dir, 'failures.jsonl'), JSON.stringify(f) + '\n');
  };
  matrix: for (const { column: col, competition: comp, seed } of plan) {
    k++;
    const cellPath = join(dir, 'cells', cellFileName(col.label, comp, seed));
    if (existsSync(cellPath)) {
      const had = (JSON.parse(readFileSync(cellPath, 'utf8')) as Partial<Cell>).budgetMs;
      const want = budgetOf(comp);
      if (typeof had === 'number' && had !== want) throw new Error(`${cellPath} ran with a ${budgetLabel(had)} budget, this matrix would give it ${budgetLabel(want)}: use the same settings to resume it, or another --out for a new matrix`);
      skipped++;
      continue;
    }
    o.say(`\n=== [${k}/${planned}] ${col.label} on ${comp}, seed ${seed} (${timeLeft(todoBudgetMs, spentWallMs, spentBudgetMs)}) ===`);
    let r: RunResult;
    const runId = freshRunId(runsRoot, `${col.label}__${comp}__s${seed}`);
    const started = Date.now();
    try {
      r = await runCompetition({
        competitionDir: join(o.benchDir, comp), runsRoot, runId, natsUrl: o.natsUrl,
        config: { ...col.config, budgetMs: budgetOf(comp), seed }, progress: null, handleSignals: o.handleSignals ?? false,
      });
    } catch (e) {
      failed++;
      recordFailure(col.label, comp, seed, (e as Error).message);
      o.say(`  the run failed, the cell is not saved (a rerun tries it again; the failure is counted): ${(e as Error).message}`);
      continue;
    } finally {
      spentWallMs += Date.now() - started;
      spentBudgetMs += budgetOf(comp);
      todoBudgetMs -= budgetOf(comp);
    }
    if (r.status === 'stopped' && r.stopReason?.startsWith('signal')) {
      o.say(`  stopped by a signal: the cell is not saved (${r.runDir})`);
      interrupted = true;
      break matrix;
    }
    let cell: Cell;
    try { cell = { ...(await cellFromRunDir(r.runDir)), topology: col.label }; } catch (e) {
      if (!(e instanceof NotACell)) throw e;
      failed++;
      recordFailure(col.label, comp, seed, e.message);
      o.say(`  not saved (a rerun tries it again; the failure is counted): ${e.message}`);
      continue;
    }
    writeJsonAtomic(cellPath, cell);
    ran++;
    o.say(`  ${cell.validSubmission ? 'valid' : 'no valid submission'}, test ${fmt(cell.testScore)} (first draft ${fmt(cell.firstDraftScore)}, gold ${fmt(cell.goldThreshold)}), normalised ${fmt(cell.normalisedScore, 3)}, `
      + `${cell.anyMedal ? 'medal' : cell.aboveMedian ? 'above median' : 'no medal'}, waste ${fmt(cell.wasteFrac === null ? null : cell.wasteFrac * 100, 1)}%, `
      + `GPU-node ${fmt(cell.gpuUtilisation === null ? null : cell.gpuUtilisation * 100, 0)}%, ${cell.experiments ?? 'n/a'} experiments`);
  }

  // every saved cell of the columns asked for, at their seeds (an earlier run's extra columns stay in the directory, not in the table)
  const want = new Set(comps);
  const cells = readCells(dir).filter((c) => seedsOf.has(c.topology) && want.has(c.competition) && c.seed < seedsOf.get(c.topology)!);
  const failures = readFailures(dir).filter((f) => seedsOf.has(f.topology) && want.has(f.competition) && f.seed < seedsOf.get(f.topology)!);
  const comparison = compareTopologies(cells, labels, failures);
  const table = renderTable(comparison);
  const files = writeComparison(dir, comparison, {
    date: new Date().toISOString(), machine: thisMachine(), source: dir, preset: matrix.preset, interrupted,
    columns: columns.map((c) => ({ label: c.label, spec: c.spec, brain: c.config.brain ?? null })),
  });
  const done = comparison.topologies.reduce((a, t) => a + t.cells, 0);
  o.say(`\n${interrupted ? 'stopped by a signal: ' : ''}${done} of ${planned} cells done (${ran} run now, ${skipped} found finished${failed ? `, ${failed} failed and not saved` : ''})\n\n${table}\n\n${files.md}\n${files.json}`);
  return { dir, comparison, table, ran, skipped, failed, planned, interrupted, cells: comparison.cells };
}
