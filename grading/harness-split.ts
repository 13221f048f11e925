// The run's fixed split (the harness's side of the job contract). Once per run, seeded, it holds back a stratified
// slice of the training rows whose labels never enter the sandbox, and assigns stratified folds to the rest. It
// writes the data directory every job sees (train.csv without the slice, folds.csv, the slice's features as
// holdout.csv, test.csv, sample_submission.csv) and keeps the slice's labels outside it, for the harness alone.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { SeededRng } from '../protocols/rng.ts';
import { isMissing, parseNumber, readCsv, type CsvTable } from './csv.ts';
import type { Competition } from './competition.ts';
import { CompetitionError } from './errors.ts';

/** File names of the job contract's inputs (in the job's data dir). */
export const CONTRACT_INPUTS = {
  train: 'train.csv', folds: 'folds.csv', holdout: 'holdout.csv', test: 'test.csv', sample: 'sample_submission.csv',
} as const;

/** A slice smaller than this would confirm nothing: below it there is no held-back slice. */
export const MIN_HOLDOUT_ROWS = 30;

export interface SplitOptions { folds: number; holdoutFrac: number; seed: number }

export interface HarnessSplit {
  /** What every job gets as GOME_DATA_DIR. */
  dataDir: string;
  /**
   * The final refit's data dir: every labelled row (the held-back slice included, each assigned a fold), an empty
   * holdout.csv. Mounted only for the refit of the confirmed pipeline, after every selection is done.
   */
  fullDataDir: string;
  /** The held-back slice's labels (id + label columns): never mounted into a sandbox. */
  holdoutLabelsPath: string | null;
  folds: number;
  trainRows: number;
  holdoutRows: number;
  /** The label column(s) as train.csv names them. */
  labelColumns: string[];
}

/** The columns of train.csv that hold the answer (the raw label column, or the target columns). */
export function labelColumnsOf(c: Competition, header: string[]): string[] {
  if (c.answerColumn && header.includes(c.answerColumn)) return [c.answerColumn];
  const t = c.targetColumns.filter((x) => header.includes(x));
  if (!t.length) throw new CompetitionError(c.root, `train.csv has none of the label columns (${[c.answerColumn, ...c.targetColumns].filter(Boolean).join(', ')})`, 'fix competition.json or the train.csv header');
  return t;
}

/** Strata: the class label for classification, ten quantile bins of the target for regression. */
function strata(rows: string[][], j: number, regression: boolean): string[] {
  if (!regression) return rows.map((r) => r[j]!.trim());
  const order = rows.map((r, i) => [parseNumber(r[j]!) ?? 0, i] as const).sort((a, b) => a[0] - b[0]);
  const bin = new Array<string>(rows.length);
  order.forEach(([, i], rank) => { bin[i] = String(Math.floor((rank * 10) / rows.length)); });
  return bin;
}

function shuffle<T>(xs: T[], rng: SeededRng): T[] {
  for (let i = xs.length - 1; i > 0; i--) { const j = rng.int(i + 1); [xs[i], xs[j]] = [xs[j]!, xs[i]!]; }
  return xs;
}

function writeTable(path: string, header: string[], rows: string[][]): void {
  writeFileSync(path, stringify([header, ...rows]));
}

/** Splits once per run and writes `<runDir>/data/` (the jobs' view) and `<runDir>/harness/` (the slice's labels). */
export async function prepareHarnessData(c: Competition, runDir: string, o: SplitOptions): Promise<HarnessSplit> {
  const train: CsvTable = await readCsv(c.trainPath);
  const testHeader = (await readCsv(c.testPath)).header;
  const labels = labelColumnsOf(c, train.header);
  const j = train.header.indexOf(labels[0]!);
  const rows = train.rows.filter((r) => !isMissing(r[j]!)); // a row without a label can be neither fitted nor scored
  const rng = new SeededRng(o.seed, `harness-split:${c.id}`);

  // group the row indices by stratum, each group shuffled
  const byStratum = new Map<string, number[]>();
  strata(rows, j, c.taskType === 'regression').forEach((s, i) => { const g = byStratum.get(s); if (g) g.push(i); else byStratum.set(s, [i]); });
  const groups = [...byStratum.keys()].sort().map((k) => shuffle(byStratum.get(k)!, rng));

  const wanted = Math.round(o.holdoutFrac * rows.length);
  const holdoutN = wanted >= MIN_HOLDOUT_ROWS ? wanted : 0;
  const isHoldout = new Uint8Array(rows.length);
  const fold = new Int32Array(rows.length);
  let next = 0; // fold counter runs on across strata so folds stay balanced in size
  for (const g of groups) {
    const take = Math.round((holdoutN * g.length) / rows.length);
    g.forEach((i, rank) => {
      if (rank < take) isHoldout[i] = 1;
      else fold[i] = next++ % o.folds;
    });
  }

  const dataDir = join(runDir, 'data');
  const harnessDir = join(runDir, 'harness');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(harnessDir, { recursive: true });
  const idJ = train.header.indexOf(c.idColumn);
  if (idJ < 0) throw new CompetitionError(c.root, `train.csv has no id column "${c.idColumn}"`, 'add the id column to train.csv');
  const kept = rows.filter((_, i) => !isHoldout[i]);
  const slice = rows.filter((_, i) => isHoldout[i]);
  writeTable(join(dataDir, CONTRACT_INPUTS.train), train.header, kept);
  writeTable(join(dataDir, CONTRACT_INPUTS.folds), [c.idColumn, 'fold'], rows.flatMap((r, i) => (isHoldout[i] ? [] : [[r[idJ]!, String(fold[i])]])));
  const featureIdx = testHeader.map((h) => train.header.indexOf(h));
  if (featureIdx.some((x) => x < 0)) throw new CompetitionError(c.root, 'test.csv has columns that train.csv lacks', 'make test.csv the feature columns of train.csv');
  writeTable(join(dataDir, CONTRACT_INPUTS.holdout), testHeader, slice.map((r) => featureIdx.map((x) => r[x]!)));
  copyFileSync(c.testPath, join(dataDir, CONTRACT_INPUTS.test));
  copyFileSync(c.sampleSubmissionPath, join(dataDir, CONTRACT_INPUTS.sample));
  // the final refit sees every labelled row; the slice's rows continue the fold counter
  const fullDataDir = join(harnessDir, 'full');
  mkdirSync(fullDataDir, { recursive: true });
  writeTable(join(fullDataDir, CONTRACT_INPUTS.train), train.header, rows);
  writeTable(join(fullDataDir, CONTRACT_INPUTS.folds), [c.idColumn, 'fold'], rows.map((r, i) => [r[idJ]!, String(isHoldout[i] ? next++ % o.folds : fold[i])]));
  writeTable(join(fullDataDir, CONTRACT_INPUTS.holdout), testHeader, []);
  copyFileSync(c.testPath, join(fullDataDir, CONTRACT_INPUTS.test));
  copyFileSync(c.sampleSubmissionPath, join(fullDataDir, CONTRACT_INPUTS.sample));
  let holdoutLabelsPath: string | null = null;
  if (slice.length) {
    holdoutLabelsPath = join(harnessDir, 'holdout_labels.csv');
    const labelIdx = [idJ, ...labels.map((l) => train.header.indexOf(l))];
    writeTable(holdoutLabelsPath, [c.idColumn, ...labels], slice.map((r) => labelIdx.map((x) => r[x]!)));
  }
  const split: HarnessSplit = { dataDir, fullDataDir, holdoutLabelsPath, folds: o.folds, trainRows: kept.length, holdoutRows: slice.length, labelColumns: labels };
  writeFileSync(join(harnessDir, 'split.json'), JSON.stringify({ ...split, seed: o.seed, holdoutFrac: o.holdoutFrac, droppedUnlabelled: train.rows.length - rows.length }, null, 2));
  return split;
}
