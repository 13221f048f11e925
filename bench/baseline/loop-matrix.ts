// The matrix of bench:loop, resumable: for every seed and competition one cell, Gome (offline brain) and the tuned-HGB
// baseline one after the other with the same wall budget, cores and sealed sandbox (which side goes first alternates
// from cell to cell, so slow drifts of the machine hit both alike). The matrix is a directory: matrix.json keeps the
// settings and the code that ran (commit and uncommitted changes), each finished cell is saved at once to
// cells/<competition>__s<seed>.json, and a rerun into the same directory skips the finished cells, so a matrix longer
// than one working session completes. A rerun with another budget, preset or code is refused: the cells would not be
// comparable. The first SIGINT/SIGTERM stops Gome's run gracefully (its cell is not saved) or lets the baseline end
// (its cell is saved), and the matrix stops after that cell; a second signal exits at once.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensurePrepared } from '../../cli/run/prepare.ts';
import { runCompetition, type RunResult } from '../../cli/run/run-session.ts';
import { codeMismatch, type CodeIdentity } from '../../cli/code-identity.ts';
import { MatrixMismatch } from '../../cli/matrix-mismatch.ts';
import { budgetLabel, freshRunId } from '../../cli/commands/topology-bench.ts';
import { writeJsonAtomic } from '../../cli/commands/topology-comparison.ts';
import { statedBudgetMs } from '../../grading/competition.ts';
import { medalLabel, type CompetitionReport } from '../../grading/report.ts';
import { PRESETS } from '../../protocols/presets.ts';
import { runTunedHgb, type TunedHgbResult } from './tuned-hgb.ts';
import { orientedDifference, orientedRatio } from './paired.ts';

export interface GomeSide {
  test: number | null; medal: string; valid: boolean; status: string | null; error: string | null;
  /** metrics.json selection_score (the harness CV score of the final choice) and confirmation_score (held-back slice). */
  selectionScore: number | null; confirmationScore: number | null;
  /** Test score worse than the selection score by this much (oriented: > 0 means the validation score was optimistic). */
  valTestGap: number | null;
  /** metrics.json waste_frac (budget share wasted), null when the run does not record it. */
  wasteFrac: number | null;
  firstScore: number | null; experiments: number | null; utilisationAfterFirstJob: number | null; runDir: string | null;
}

export interface BaselineSide {
  test: number | null; medal: string; valid: boolean; status: string | null; reason: string | null; error: string | null;
  trials: number | null; bestCv: number | null; searchEndedFrac: number | null; refit: string | null;
  wallMs: number | null; limitMs: number | null; invalidReason: string | null; workdir: string | null;
}

/** One finished cell: a competition and seed, both sides. */
export interface LoopCell {
  competition: string; seed: number; metric: string; lowerIsBetter: boolean; gome: GomeSide; baseline: BaselineSide;
  /** Each side's wall budget: the default, or the budget the competition states (competition.json budgetMinutes). */
  budgetMs: number;
  /** > 1 means Gome better (Gome / baseline for higher-is-better metrics, baseline / Gome for lower-is-better). */
  ratio: number | null;
  /** > 0 means Gome better (the oriented paired difference). */
  diff: number | null;
  /** Which side ran first in this cell. */
  first: 'gome' | 'baseline';
  code: CodeIdentity;
  savedAt: string;
}

/** The settings a matrix directory keeps; a rerun must match them. */
export interface LoopMatrixFile {
  bench: 'loop';
  budgetMs: number;
  preset: string;
  code: CodeIdentity;
  startedAt: string;
}

/** A rerun into a matrix directory whose settings or code differ: the cells would not be comparable. */
export interface LoopMatrixOptions {
  benchDir: string;
  /** The matrix directory: matrix.json, cells/, runs/ (both sides' run directories). */
  dir: string;
  competitions: readonly string[];
  seeds: readonly number[];
  budgetMs: number;
  preset: string;
  /** The code running now (codeIdentity()). */
  code: CodeIdentity;
  say: (s: string) => void;
  /** Called with each cell as it is saved (bench:loop prints its row). */
  onCell?: (cell: LoopCell) => void;
  /** Install SIGINT/SIGTERM handlers: stop after the current cell (bench:loop sets it). */
  handleSignals?: boolean;
  python?: string;
}

export interface LoopMatrixResult {
  dir: string;
  matrix: LoopMatrixFile;
  /** Every saved cell of the competitions and seeds asked for, in matrix order. */
  cells: LoopCell[];
  ran: number;
  skipped: number;
  /** Cells whose Gome run was stopped by a signal (not saved). */
  interrupted: boolean;
  planned: number;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function cellPath(dir: string, competition: string, seed: number): string {
  return join(dir, 'cells', `${competition}__s${seed}.json`);
}

function readJson<T>(path: string): T | null {
  try { return JSON.parse(readFileSync(path, 'utf8')) as T; } catch { return null; }
}

function readMetricsJson(runDir: string): Record<string, unknown> {
  const m = readJson<unknown>(join(runDir, 'metrics.json'));
  return m !== null && typeof m === 'object' ? (m as Record<string, unknown>) : {};
}

export function gomeSide(r: RunResult | null, error: string | null, lowerIsBetter: boolean): GomeSide {
  const rep = (r?.report ?? null) as Partial<CompetitionReport> | null;
  const test = num(rep?.score);
  const m = r ? readMetricsJson(r.runDir) : {};
  const selectionScore = num(m.selection_score) ?? num(r?.metrics.selection_score);
  return {
    test, medal: medalLabel(rep), valid: test !== null, status: r?.status ?? null, error,
    selectionScore, confirmationScore: num(m.confirmation_score),
    valTestGap: orientedDifference(selectionScore, test, lowerIsBetter),
    wasteFrac: num(m.waste_frac), firstScore: num(m.first_score), experiments: num(m.experiments),
    utilisationAfterFirstJob: num(m.gpu_utilisation_after_first_job), runDir: r?.runDir ?? null,
  };
}

export function baselineSide(b: TunedHgbResult | null, error: string | null): BaselineSide {
  const test = num(b?.report?.score);
  return {
    test, medal: medalLabel(b?.report ?? null), valid: test !== null, status: b?.status ?? null, reason: b?.reason ?? null, error,
    trials: b?.output.trials ?? null, bestCv: b?.output.bestCv ?? null, searchEndedFrac: b?.output.searchEndedFrac ?? null,
    refit: b?.output.refit ?? null, wallMs: b?.wallMs ?? null, limitMs: b?.limitMs ?? null, invalidReason: b?.invalidReason ?? null,
    workdir: b?.workdir ?? null,
  };
}

/** The settings of a new matrix, or the kept ones when they match; a mismatch is refused with what differs. */
export function checkLoopMatrix(dir: string, want: LoopMatrixFile): LoopMatrixFile {
  const old = readJson<LoopMatrixFile>(join(dir, 'matrix.json'));
  if (!old) return want;
  const again = 'run it with the same settings and code to resume it, or set GOME_LOOP_DIR to another directory for a new matrix';
  if (old.bench !== 'loop') throw new MatrixMismatch(dir, `${dir} is not a bench:loop matrix (its matrix.json says "${String(old.bench)}")`, 'set GOME_LOOP_DIR to another directory');
  if (old.budgetMs !== want.budgetMs) throw new MatrixMismatch(dir, `${dir} holds a matrix run with a ${budgetLabel(old.budgetMs)} budget, not ${budgetLabel(want.budgetMs)}`, again);
  if (old.preset !== want.preset) throw new MatrixMismatch(dir, `${dir} holds a matrix run with Gome's preset ${old.preset}, not ${want.preset}`, again);
  const changed = codeMismatch(dir, old.code, want.code, 'GOME_LOOP_DIR=another directory');
  if (changed) throw changed;
  return old;
}

/** Runs the cells not yet saved, then returns every saved cell asked for. */
export async function runLoopMatrix(o: LoopMatrixOptions): Promise<LoopMatrixResult> {
  const preset = PRESETS[o.preset];
  if (!preset) throw new MatrixMismatch(o.dir, `Gome's preset "${o.preset}" does not exist`, `use one of ${Object.keys(PRESETS).join(', ')}`);
  const { description: _description, ...presetConfig } = preset;
  const python = o.python ?? '/usr/bin/python3';
  const dir = resolve(o.dir);
  mkdirSync(join(dir, 'cells'), { recursive: true });
  const runsRoot = join(dir, 'runs');
  mkdirSync(runsRoot, { recursive: true });
  const matrix = checkLoopMatrix(dir, { bench: 'loop', budgetMs: o.budgetMs, preset: o.preset, code: o.code, startedAt: new Date().toISOString() });
  writeJsonAtomic(join(dir, 'matrix.json'), matrix);

  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals === 1) o.say(`\n${sig}: the matrix stops after the current cell (a cell whose Gome run is stopped is not saved); ${sig} again to exit now`);
    else process.exit(130);
  };
  if (o.handleSignals) { process.on('SIGINT', onSignal); process.on('SIGTERM', onSignal); }

  const planned = o.competitions.length * o.seeds.length;
  let ran = 0, skipped = 0, slot = 0, k = 0;
  let interrupted = false;
  try {
    matrix: for (const seed of o.seeds) {
      for (const c of o.competitions) {
        k++;
        const first = slot++ % 2 === 0 ? 'gome' : 'baseline';
        const path = cellPath(dir, c, seed);
        const compDir = join(o.benchDir, c);
        const comp = await ensurePrepared(compDir, python);
        // a competition that states its own budget (the image task) runs at it, both sides
        const budgetMs = statedBudgetMs(comp, o.budgetMs);
        const had = readJson<LoopCell>(path);
        if (had) {
          if (had.budgetMs !== budgetMs) throw new MatrixMismatch(o.dir, `${path} ran with a ${budgetLabel(had.budgetMs)} budget, this matrix would give it ${budgetLabel(budgetMs)}`, 'set GOME_LOOP_DIR to another directory for a new matrix');
          skipped++;
          continue;
        }
        o.say(`\n=== [${k}/${planned}] ${c}, seed ${seed}: ${first === 'gome' ? 'Gome, then the baseline' : 'the baseline, then Gome'} (${budgetLabel(budgetMs)} each) ===`);
        const sides: { gome?: GomeSide; baseline?: BaselineSide } = {};
        let gomeStopped = false;
        const runGome = async (): Promise<void> => {
          let r: RunResult | null = null;
          let error: string | null = null;
          try {
            r = await runCompetition({ competitionDir: compDir, runsRoot, runId: freshRunId(runsRoot, `${c}-s${seed}`), progress: null,
              handleSignals: o.handleSignals ?? false, config: { ...presetConfig, preset: o.preset, budgetMs, seed } });
          } catch (e) { error = errText(e); }
          gomeStopped = r?.status === 'stopped' && (r.stopReason?.startsWith('signal') ?? false);
          sides.gome = gomeSide(r, error, comp.lowerIsBetter);
        };
        const runBaseline = async (): Promise<void> => {
          let b: TunedHgbResult | null = null;
          let error: string | null = null;
          try { b = await runTunedHgb({ competitionDir: compDir, runDir: join(runsRoot, freshRunId(runsRoot, `${c}-s${seed}-tuned-hgb`)), budgetMs, python }); } catch (e) { error = errText(e); }
          sides.baseline = baselineSide(b, error);
        };
        for (const side of first === 'gome' ? [runGome, runBaseline] : [runBaseline, runGome]) {
          if (signals > 0 || gomeStopped) break; // after a signal no side starts
          await side();
        }
        const { gome: g, baseline: b } = sides;
        if (!g || !b || gomeStopped) {
          o.say('  stopped by a signal: the cell is not saved (a rerun runs it again)');
          interrupted = true;
          break matrix;
        }
        const cell: LoopCell = {
          competition: c, seed, metric: comp.metric, lowerIsBetter: comp.lowerIsBetter, gome: g, baseline: b, budgetMs,
          ratio: orientedRatio(g.test, b.test, comp.lowerIsBetter), diff: orientedDifference(g.test, b.test, comp.lowerIsBetter),
          first, code: o.code, savedAt: new Date().toISOString(),
        };
        writeJsonAtomic(path, cell);
        ran++;
        o.onCell?.(cell);
        if (signals > 0) { interrupted = true; break matrix; }
      }
    }
  } finally {
    if (o.handleSignals) { process.off('SIGINT', onSignal); process.off('SIGTERM', onSignal); }
  }
  return { dir, matrix, cells: savedCells(dir, o.competitions, o.seeds), ran, skipped, interrupted, planned };
}

/** The saved cells of these competitions and seeds, in matrix order (seed, then competition). */
export function savedCells(dir: string, competitions: readonly string[], seeds: readonly number[]): LoopCell[] {
  return seeds.flatMap((s) => competitions.flatMap((c) => readJson<LoopCell>(cellPath(dir, c, s)) ?? []));
}
