// gome export: the winning pipeline of a finished run as one standalone Python script (solution.py) that, given the
// competition folder, rebuilds the run's data dir (same rows, same folds, same held-back slice) and reproduces the
// run's final submission.csv — the final refit's, or the best experiment's fold models' when no refit was used.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOME_VERSION } from '../version.ts';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { GomeError } from '../../runtime/errors.ts';
import { isAlive } from '../../runtime/process-identity.ts';
import { FINAL_REFIT_JOB as FINAL_REFIT } from '../run/final-refit.ts';
import { renderSolution, sha256, tableFingerprint, type SolutionPlan } from './export-script.ts';

/** Why a run cannot be exported; stable codes a caller may switch on. */
export type ExportProblem = 'no-run' | 'not-a-run' | 'running' | 'crashed' | 'no-pipeline' | 'incomplete' | 'unwritable';

/** A run that cannot be exported: the message names the cause, `fix` what to do. */
export class ExportError extends GomeError {
  constructor(readonly problem: ExportProblem, message: string, fix: string) {
    super(message, fix);
  }
}

export interface ExportOptions {
  /** A run id under runsRoot, or the path of a run directory. */
  run: string;
  runsRoot: string;
  /** Where the script goes. */
  out: string;
}

export interface ExportResult {
  path: string;
  runId: string;
  runDir: string;
  experiment: string;
  refit: boolean;
  rows: number;
  heldBack: number;
}

const LIBRARIES = ['numpy', 'pandas', 'scikit-learn', 'scipy', 'xgboost', 'lightgbm', 'catboost'];
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const Meta = z.object({
  gome: z.string().default('unknown'),
  status: z.string(),
  config: z.object({ runId: z.string(), competitionDir: z.string(), python: z.string().default('/usr/bin/python3'), finalRefit: z.boolean().default(true) }).passthrough(),
  task: z.object({ competition: z.string(), metric: z.string(), lowerIsBetter: z.boolean(), idColumn: z.string() }).passthrough(),
  finished: z.object({ best: z.object({ experiment: z.string() }).passthrough().nullable() }).passthrough().nullable().optional(),
  finalRefit: z.object({ used: z.boolean(), experiment: z.string().nullable(), reason: z.string() }).passthrough().nullable().optional(),
}).passthrough();
type Meta = z.infer<typeof Meta>;

const ExperimentLine = z.object({
  id: z.string(), status: z.string(), score: z.number().nullable(), holdout: z.number().nullable().optional(),
  attempts: z.number(), submissionPath: z.string().nullable(),
  feedback: z.object({ threads: z.number().optional() }).passthrough().nullable().optional(),
}).passthrough();
type ExperimentLine = z.infer<typeof ExperimentLine>;

const Split = z.object({ folds: z.number(), trainRows: z.number(), holdoutRows: z.number(), labelColumns: z.array(z.string()).min(1) }).passthrough();
const PidFile = z.object({ owner: z.object({ pid: z.number(), start: z.string() }) }).passthrough();

interface Table { header: string[]; rows: string[][] }

/** Reads a CSV as the harness reads it (grading/csv.ts: BOM dropped, blank lines skipped, header trimmed). */
function readTable(path: string): Table {
  let records: string[][];
  try {
    records = parse(readFileSync(path, 'utf8'), { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (e) {
    throw new ExportError('incomplete', `${path} cannot be read as CSV: ${(e as Error).message}`, 'export an untouched run directory written by gome run');
  }
  const [header, ...rows] = records;
  return { header: (header ?? []).map((h) => h.trim()), rows };
}

/** The run directory RUN names: a path to one, or a run id under the runs dir. */
export function resolveRunDir(run: string, runsRoot: string): string {
  const root = resolve(runsRoot);
  const candidates = [resolve(run), resolve(root, run)];
  for (const dir of candidates) if (existsSync(join(dir, 'run_meta.json'))) return dir;
  const dirs = candidates.filter((d) => existsSync(d) && statSync(d).isDirectory());
  if (dirs.length) {
    throw new ExportError('not-a-run', `${dirs[0]} is not a Gome run directory (it has no run_meta.json)`,
      'give the path of a run directory (runs/<id>, printed at the end of gome run) or the id of a run under --runs DIR');
  }
  let ids: string[] = [];
  try { ids = readdirSync(root).filter((n) => existsSync(join(root, n, 'run_meta.json'))).sort(); } catch { /* no runs dir */ }
  throw new ExportError('no-run', `there is no run "${run}": it is neither a run directory nor a run id under ${root}`,
    `give the path of a run directory, or the id of a run under --runs DIR${ids.length ? ` (runs there: ${ids.slice(-5).join(', ')})` : ' (that folder holds no runs)'}`);
}

function readJson<T>(path: string, schema: z.ZodType<T>, runId: string): T {
  let raw: unknown;
  try { raw = JSON.parse(readFileSync(path, 'utf8')); } catch (e) {
    throw new ExportError('incomplete', `run ${runId}'s ${basename(path)} cannot be read: ${(e as Error).message}`, 'export an untouched run directory written by gome run');
  }
  const r = schema.safeParse(raw);
  if (!r.success) throw new ExportError('incomplete', `run ${runId}'s ${basename(path)} is not what gome run writes: ${r.error.issues[0]?.path.join('.')} ${r.error.issues[0]?.message}`, 'export a run directory written by this version of gome run');
  return r.data;
}

function readExperiments(runDir: string): ExperimentLine[] {
  const path = join(runDir, 'experiments.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).flatMap((l) => {
    try { const r = ExperimentLine.safeParse(JSON.parse(l)); return r.success ? [r.data] : []; } catch { return []; }
  });
}

/** Refuses runs that are still going, crashed, or have nothing to export. */
function checkStatus(runDir: string, runId: string, meta: Meta, experiments: ExperimentLine[]): void {
  if (meta.status === 'running') {
    const pidPath = join(runDir, 'gome.pid');
    let owner: { pid: number; start: string } | null = null;
    try { owner = PidFile.parse(JSON.parse(readFileSync(pidPath, 'utf8'))).owner; } catch { /* no pid file */ }
    if (owner && isAlive(owner)) {
      throw new ExportError('running', `run ${runId} is still running (gome process ${owner.pid}); its winner is not final yet`,
        'wait until it finishes (or stop it with Ctrl-C, which keeps the best submission) and export it then');
    }
  }
  if (meta.status === 'running' || meta.status === 'crashed') {
    throw new ExportError('crashed', `run ${runId} never finished: its gome process died (killed or crashed) before it wrote its final submission`,
      'export a run that finished or was stopped with Ctrl-C, or start a new one with gome run');
  }
  if (!existsSync(join(runDir, 'submission.csv'))) {
    const accepted = experiments.some((e) => e.status === 'accepted');
    if (!accepted) {
      throw new ExportError('no-pipeline', `run ${runId} (${meta.status}) has no accepted pipeline: no experiment produced a valid submission the harness accepted, so there is nothing to export`,
        'give the run more time (--budget) or read its experiments.jsonl and gome.log for why every experiment failed, then export a run that wrote submission.csv');
    }
    throw new ExportError('incomplete', `run ${runId} (${meta.status}) has no submission.csv`, 'export an untouched run directory written by gome run');
  }
}

/** The pipeline behind the run's submission.csv: the final refit's, else the experiment whose archived submission it is. */
function winner(runDir: string, runId: string, meta: Meta, experiments: ExperimentLine[]): { experiment: ExperimentLine; refit: boolean } {
  const submission = readFileSync(join(runDir, 'submission.csv'));
  const same = (p: string) => existsSync(p) && readFileSync(p).equals(submission);
  const byId = new Map(experiments.map((e) => [e.id, e]));
  const refitId = meta.finalRefit?.used ? meta.finalRefit.experiment : null;
  if (refitId && byId.has(refitId) && same(join(runDir, 'submissions', `${FINAL_REFIT}.csv`))) return { experiment: byId.get(refitId)!, refit: true };
  const preferred = [meta.finished?.best?.experiment, ...experiments.filter((e) => e.status === 'accepted').map((e) => e.id).reverse(), ...experiments.map((e) => e.id)];
  for (const id of preferred) {
    const e = id ? byId.get(id) : undefined;
    if (e && same(join(runDir, 'submissions', `${e.id}.csv`))) return { experiment: e, refit: false };
  }
  throw new ExportError('incomplete', `run ${runId}'s submission.csv is neither the final refit's nor any experiment's archived submission (submissions/)`,
    'the run directory was changed after the run; export an untouched run directory');
}

/** The code that produced the submission: the refit job's main.py, else the accepted attempt's code snapshot. */
function pipelineCode(runDir: string, runId: string, e: ExperimentLine, refit: boolean): string {
  const attempt = Number(/-a(\d+)-full[\\/]submission\.csv$/.exec(e.submissionPath ?? '')?.[1] ?? e.attempts);
  const paths = [
    ...(refit ? [join(runDir, 'jobs', FINAL_REFIT, 'main.py')] : []),
    join(runDir, 'code', `${e.id}-a${attempt}.py`),
    join(runDir, 'jobs', `${e.id}-a${attempt}-full`, 'main.py'),
  ];
  const found = paths.find((p) => existsSync(p));
  if (!found) throw new ExportError('incomplete', `run ${runId} has no code for ${e.id} (looked for ${paths.map((p) => p.slice(runDir.length + 1)).join(', ')})`, 'export an untouched run directory written by gome run');
  return readFileSync(found, 'utf8');
}

/**
 * Every labelled row of the run in order with its fold: the refit's folds (harness/full/folds.csv), or the fold
 * models' (data/folds.csv) with -1 for the rows held back; plus the fingerprint of those rows' cells.
 */
function rowsAndFolds(runDir: string, runId: string, idColumn: string, refit: boolean, heldBack: number): { rows: Array<[string, number]>; fingerprint: string } {
  const bad = (why: string) => new ExportError('incomplete', `run ${runId}'s harness data is inconsistent: ${why}`, 'export an untouched run directory written by gome run');
  const full = readTable(join(runDir, 'harness', 'full', 'train.csv'));
  const idJ = full.header.indexOf(idColumn);
  if (idJ < 0) throw bad(`harness/full/train.csv has no id column "${idColumn}"`);
  const foldsOf = (path: string, rows: string[][]): number[] => {
    const f = readTable(path).rows;
    if (f.length !== rows.length) throw bad(`${path.slice(runDir.length + 1)} has ${f.length} rows for ${rows.length} train rows`);
    return f.map((r, k) => {
      if (r[0] !== rows[k]![idJ]) throw bad(`${path.slice(runDir.length + 1)} row ${k + 1} is id ${r[0]}, train.csv's is ${rows[k]![idJ]}`);
      return Number(r[1]);
    });
  };
  let folds: number[];
  if (refit) folds = foldsOf(join(runDir, 'harness', 'full', 'folds.csv'), full.rows);
  else {
    const kept = readTable(join(runDir, 'data', 'train.csv'));
    const keptFolds = foldsOf(join(runDir, 'data', 'folds.csv'), kept.rows);
    let p = 0;
    const equal = (a: string[], b: string[] | undefined) => b !== undefined && a.length === b.length && a.every((x, k) => x === b[k]);
    folds = full.rows.map((r) => (equal(r, kept.rows[p]) ? keptFolds[p++]! : -1));
    if (p !== kept.rows.length) throw bad('data/train.csv is not the labelled rows minus the held-back slice');
    const held = folds.filter((f) => f < 0).length;
    if (held !== heldBack) throw bad(`${held} rows are missing from data/train.csv but harness/split.json says ${heldBack} were held back`);
  }
  if (folds.some((f) => !Number.isInteger(f))) throw bad('a fold is not an integer');
  return { rows: full.rows.map((r, k) => [r[idJ]!, folds[k]!]), fingerprint: tableFingerprint(full.header, full.rows) };
}

/** Versions of the ML libraries in the run's interpreter (installed ones only); empty when it cannot be asked. */
function libraryVersions(python: string): Record<string, string> {
  const code = `import json\nfrom importlib.metadata import version\nv = {}\nfor n in ${JSON.stringify(LIBRARIES)}:\n    try: v[n] = version(n)\n    except Exception: pass\nprint(json.dumps(v))`;
  const r = spawnSync(python, ['-I', '-c', code], { encoding: 'utf8', timeout: 20_000 });
  try { return z.record(z.string(), z.string()).parse(JSON.parse(r.stdout)); } catch { return {}; }
}

function packageVersion(): string { return `gome ${GOME_VERSION}`; }

/** Writes the run's winning pipeline as one standalone script; throws ExportError with the cause and the fix. */
export function exportRun(o: ExportOptions): ExportResult {
  const runDir = resolveRunDir(o.run, o.runsRoot);
  const metaId = basename(runDir);
  const meta = readJson(join(runDir, 'run_meta.json'), Meta, metaId);
  const runId = meta.config.runId;
  const experiments = readExperiments(runDir);
  checkStatus(runDir, runId, meta, experiments);
  const { experiment, refit } = winner(runDir, runId, meta, experiments);
  const pipeline = pipelineCode(runDir, runId, experiment, refit);
  const split = readJson(join(runDir, 'harness', 'split.json'), Split, runId);
  const { rows, fingerprint } = rowsAndFolds(runDir, runId, meta.task.idColumn, refit, split.holdoutRows);
  const fileSha = (name: string) => {
    const p = join(runDir, 'data', name);
    if (!existsSync(p)) throw new ExportError('incomplete', `run ${runId} has no data/${name}`, 'export an untouched run directory written by gome run');
    return sha256(readFileSync(p));
  };
  const plan: SolutionPlan = {
    runId, runDir, competition: meta.task.competition, competitionDir: meta.config.competitionDir, experiment: experiment.id,
    metric: meta.task.metric, lowerIsBetter: meta.task.lowerIsBetter, cvScore: experiment.score, holdoutScore: experiment.holdout ?? null,
    refit, refitReason: meta.finalRefit?.reason ?? (meta.config.finalRefit ? 'no final refit was tried: the run ended before it' : 'the final refit was switched off (--no-final-refit)'),
    runStatus: meta.status, gomeVersion: meta.gome, exporterVersion: packageVersion(),
    idColumn: meta.task.idColumn, labelColumn: split.labelColumns[0]!, folds: split.folds, rows, trainFingerprint: fingerprint,
    testSha256: fileSha('test.csv'), sampleSha256: fileSha('sample_submission.csv'), submissionSha256: sha256(readFileSync(join(runDir, 'submission.csv'))),
    threads: experiment.feedback?.threads ?? null, libraries: libraryVersions(meta.config.python), pipeline,
  };
  const path = existsSync(o.out) && statSync(o.out).isDirectory() ? resolve(o.out, 'solution.py') : resolve(o.out);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderSolution(plan));
    chmodSync(path, 0o755);
  } catch (e) {
    throw new ExportError('unwritable', `cannot write ${path}: ${(e as Error).message}`, 'give -o a path in a writable folder');
  }
  return { path, runId, runDir, experiment: experiment.id, refit, rows: rows.length, heldBack: rows.filter(([, f]) => f < 0).length };
}
