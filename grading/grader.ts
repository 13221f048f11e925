// Grades a submission CSV against a competition's private answers (MLE-bench grade_fn), aligning rows by id.
import { access } from 'node:fs/promises';
import { readCsv, isMissing, parseNumber, canonicalLabel, type CsvTable } from './csv.ts';
import { CompetitionError, CsvError, InvalidSubmission, PositiveClassError } from './errors.ts';
import { conventionalPositive, findClass, sameLabel } from './positive-class.ts';
import { METRIC_IMPLEMENTATIONS, type MetricImplementation } from './metrics.ts';
import { scoresProbabilities } from '../protocols/metric-table.ts';
import { pyRound } from './medals.ts';
import type { Competition, CompetitionSpec } from './competition.ts';

/** What grading needs from a competition: its spec and where the answers are. */
export type GradingTarget = CompetitionSpec & Pick<Competition, 'answersPath'> & { root?: string };

export interface GradeOptions {
  /** Round to 5 decimals with Python round() as MLE-bench's Grader does (default true). */
  round?: boolean;
}

const SUBMISSION_FIX = 'start from public/sample_submission.csv: keep its columns and ids, fill every cell';

/**
 * Scores a submission. Throws InvalidSubmission (reason: missing-file | row-count | ids | columns | nan | range | type)
 * when it cannot be graded, CompetitionError when the answers themselves are unusable.
 */
export async function grade(submissionPath: string, competition: GradingTarget, opts: GradeOptions = {}): Promise<number> {
  try {
    await access(submissionPath);
  } catch {
    throw new InvalidSubmission('missing-file', `no submission at ${submissionPath}`, 'write the predictions CSV to exactly that path');
  }
  let sub: CsvTable;
  try {
    sub = await readCsv(submissionPath);
  } catch (e) {
    if (e instanceof CsvError) throw new InvalidSubmission('type', `submission is not a readable CSV: ${e.message}`, SUBMISSION_FIX);
    throw e;
  }
  let answers: CsvTable;
  try {
    answers = await readCsv(competition.answersPath);
  } catch (e) {
    throw new CompetitionError(competition.root ?? competition.answersPath, `answers unreadable: ${(e as Error).message}`,
      `run /usr/bin/python3 bench/${competition.id}/prepare.py to write private/test.csv`);
  }
  const score = scoreTables(sub, answers, competition);
  return opts.round === false ? score : pyRound(score, 5);
}

function col(table: CsvTable, name: string): number {
  return table.header.indexOf(name);
}

/** The pure grading step on parsed tables; returns the unrounded score. */
export function scoreTables(sub: CsvTable, answers: CsvTable, c: GradingTarget): number {
  const answersFault = (detail: string): CompetitionError =>
    new CompetitionError(c.root ?? c.answersPath, detail, `regenerate private/test.csv with /usr/bin/python3 bench/${c.id}/prepare.py or fix competition.json`);

  // Columns: exactly id + targets.
  const expectedCols = [c.idColumn, ...c.targetColumns];
  const missingCols = expectedCols.filter((x) => !sub.header.includes(x));
  const extraCols = sub.header.filter((x, i) => !expectedCols.includes(x) || sub.header.indexOf(x) !== i);
  if (missingCols.length || extraCols.length) {
    const parts = [missingCols.length ? `missing ${missingCols.join(', ')}` : '', extraCols.length ? `unexpected ${extraCols.join(', ')}` : ''].filter(Boolean);
    throw new InvalidSubmission('columns', `${parts.join('; ')} (expected exactly ${expectedCols.join(', ')})`, SUBMISSION_FIX);
  }
  if (sub.rows.length !== answers.rows.length) {
    throw new InvalidSubmission('row-count', `submission has ${sub.rows.length} rows, the test set has ${answers.rows.length}`, 'predict exactly one row per test id');
  }

  // Ids: the same set, no duplicates; align submission rows to answer rows.
  const aId = col(answers, c.idColumn);
  if (aId < 0) throw answersFault(`answers have no id column "${c.idColumn}"`);
  const sId = col(sub, c.idColumn);
  const subRowOf = new Map<string, number>();
  sub.rows.forEach((r, i) => {
    const id = canonicalLabel(r[sId]!);
    if (subRowOf.has(id)) throw new InvalidSubmission('ids', `id ${JSON.stringify(r[sId])} appears more than once`, 'write one row per test id');
    subRowOf.set(id, i);
  });
  const order = answers.rows.map((r) => {
    const i = subRowOf.get(canonicalLabel(r[aId]!));
    if (i === undefined) throw new InvalidSubmission('ids', `test id ${JSON.stringify(r[aId])} has no prediction (ids differ from the test set's)`, 'copy the id column from public/test.csv unchanged');
    return i;
  });

  // Cells: no NaN anywhere in the target columns.
  for (const t of c.targetColumns) {
    const j = col(sub, t);
    const bad = sub.rows.findIndex((r) => isMissing(r[j]!));
    if (bad >= 0) throw new InvalidSubmission('nan', `column "${t}" is empty/NaN at data row ${bad + 1}`, 'fill every prediction (fall back to a default value)');
  }

  const numericColumn = (t: string): number[] => {
    const j = col(sub, t);
    return order.map((i) => {
      const cell = sub.rows[i]![j]!;
      const v = parseNumber(cell);
      if (v === null) throw new InvalidSubmission('type', `column "${t}" holds non-numeric ${JSON.stringify(cell)}`, 'write numbers in prediction columns');
      if (Number.isNaN(v)) throw new InvalidSubmission('nan', `column "${t}" holds NaN`, 'fill every prediction');
      if (!Number.isFinite(v)) throw new InvalidSubmission('range', `column "${t}" holds ${cell}`, 'write finite predictions');
      return v;
    });
  };
  const probabilityColumn = (t: string): number[] => {
    const v = numericColumn(t);
    const bad = v.find((p) => p < 0 || p > 1);
    if (bad !== undefined) throw new InvalidSubmission('range', `column "${t}" holds ${bad}, outside [0, 1]`, 'write probabilities (e.g. predict_proba), not labels or logits');
    return v;
  };
  const answerCells = (name: string): string[] => {
    const j = col(answers, name);
    if (j < 0) throw answersFault(`answers have no column "${name}"`);
    return answers.rows.map((r) => r[j]!);
  };
  // 1 where the answer is the positive class (competition.positiveClass, else the 0/1 or true/false convention).
  const positive = c.targetColumns.length === 1 ? (c.positiveClass ?? (c.classes ? conventionalPositive(c.classes) : null)) : null;
  if (c.classes && c.targetColumns.length === 1 && scoresProbabilities(c.metric) && c.taskType === 'binary' && positive === null) {
    throw new PositiveClassError(c.root ?? c.answersPath, 'undetermined', c.classes, `cannot tell which of the classes ${c.classes.join(', ')} the submitted probability is for`,
      'set positiveClass in competition.json (or pass --positive LABEL to gome run)');
  }
  const binaryTruth = (name: string): number[] => answerCells(name).map((cell) => {
    if (c.classes && !findClass(c.classes, cell)) throw answersFault(`answer label ${JSON.stringify(cell)} is not one of classes ${c.classes.join(', ')}`);
    if (positive !== null) return sameLabel(cell, positive) ? 1 : 0;
    const v = parseNumber(cell);
    if (v !== 0 && v !== 1) throw answersFault(`answer ${JSON.stringify(cell)} in "${name}" is not 0/1`);
    return v;
  });
  const truthName = (t: string): string => (c.answerColumn && c.targetColumns.length === 1 ? c.answerColumn : t);

  // How the submission is read follows what the metric's implementation scores (grading/metrics.ts).
  const impl: MetricImplementation = METRIC_IMPLEMENTATIONS[c.metric];
  switch (impl.input) {
    case 'positive-probability': {
      const per = c.targetColumns.map((t) => impl.score(binaryTruth(truthName(t)), probabilityColumn(t)));
      return per.reduce((a, b) => a + b, 0) / per.length;
    }
    case 'class-probabilities': {
      if (c.taskType !== 'multiclass') {
        const per = c.targetColumns.map((t) => impl.score(binaryTruth(truthName(t)), probabilityColumn(t)));
        return per.reduce((a, b) => a + b, 0) / per.length;
      }
      const probs = c.targetColumns.map(probabilityColumn);
      const rows = order.map((_, r) => probs.map((p) => p[r]!));
      let truth: number[];
      if (c.answerColumn) {
        const classes = c.classes!.map(canonicalLabel);
        truth = answerCells(c.answerColumn).map((cell) => {
          const k = classes.indexOf(canonicalLabel(cell));
          if (k < 0) throw answersFault(`answer label ${JSON.stringify(cell)} is not one of classes`);
          return k;
        });
      } else {
        const onehot = c.targetColumns.map((t) => answerCells(t).map((x) => parseNumber(x) ?? NaN));
        truth = answers.rows.map((_, r) => {
          const vals = onehot.map((o) => o[r]!);
          return vals.indexOf(Math.max(...vals));
        });
      }
      return impl.score(truth, rows);
    }
    case 'labels': {
      const t = c.targetColumns[0]!;
      const j = col(sub, t);
      const pred = order.map((i) => canonicalLabel(sub.rows[i]![j]!));
      if (c.classes) {
        const allowed = new Set(c.classes.map(canonicalLabel));
        const bad = pred.find((p) => !allowed.has(p));
        if (bad !== undefined) throw new InvalidSubmission('range', `label ${JSON.stringify(bad)} in "${t}" is not one of the classes ${c.classes.join(', ')}`, 'predict one of the class labels exactly as spelled in train.csv');
      }
      return impl.score(answerCells(truthName(t)).map(canonicalLabel), pred);
    }
    case 'values': {
      const per = c.targetColumns.map((t) => {
        const pred = numericColumn(t);
        if (impl.nonNegative) {
          const neg = pred.find((p) => p < 0);
          if (neg !== undefined) throw new InvalidSubmission('range', `column "${t}" holds ${neg}; ${c.metric.toUpperCase()} needs predictions ≥ 0`, 'clip predictions at 0');
        }
        const truth = answerCells(t).map((cell) => {
          const v = parseNumber(cell);
          if (v === null || !Number.isFinite(v)) throw answersFault(`answer ${JSON.stringify(cell)} in "${t}" is not a finite number`);
          return v;
        });
        return impl.score(truth, pred);
      });
      return per.reduce((a, b) => a + b, 0) / per.length;
    }
  }
}
