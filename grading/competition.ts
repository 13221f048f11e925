// Competition folders in the MLE-bench layout: competition.json (zod-validated), description, public/, private answers, leaderboard.
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { MetricName, lowerIsBetter, metricFitsTask, metricsFor, scoresProbabilities } from '../protocols/metric-table.ts';
import { CompetitionError, PositiveClassError } from './errors.ts';
import { inferSpec } from './infer-spec.ts';
import { readCsv, isMissing } from './csv.ts';
import { resolvePositiveClass } from './positive-class.ts';

export const CompetitionSpec = z.object({
  id: z.string().min(1),
  title: z.string(),
  metric: MetricName,
  taskType: z.enum(['binary', 'multiclass', 'regression']),
  idColumn: z.string().min(1),
  /** Submission prediction columns (multiclass logloss: one probability column per class, in `classes` order). */
  targetColumns: z.array(z.string().min(1)).min(1),
  /** Class labels as they appear in the answers (any order; multiclass logloss: the order of targetColumns). */
  classes: z.array(z.union([z.string(), z.number()]).transform(String)).min(2).optional(),
  /** Binary probability targets: the label whose probability the submission holds (see positive-class.ts). */
  positiveClass: z.union([z.string(), z.number(), z.boolean()]).transform(String).optional(),
  /** Answers hold one raw label column with this name instead of the target columns. */
  answerColumn: z.string().min(1).optional(),
  /** The wall-clock budget the competition states for a run, in minutes (comparisons such as bench:loop run it at this
   * budget instead of their default, e.g. an image task that needs more than a tabular one). */
  budgetMinutes: z.number().positive().optional(),
}).superRefine((c, ctx) => {
  const issue = (message: string): void => { ctx.addIssue({ code: 'custom', message }); };
  if (new Set(c.targetColumns).size !== c.targetColumns.length) issue('targetColumns must be distinct');
  if (c.targetColumns.includes(c.idColumn)) issue('idColumn must not be a target column');
  if (c.answerColumn && !c.classes && c.taskType !== 'regression' && scoresProbabilities(c.metric)) issue('answerColumn needs classes (to map labels to probability columns)');
  if (!metricFitsTask(c.metric, c.taskType)) {
    issue(c.taskType === 'regression' ? `regression tasks use ${metricsFor('regression').join(', ')}, not ${c.metric}` : `${c.metric} needs taskType regression`);
  }
  if (c.metric === 'logloss' && c.taskType === 'multiclass') {
    if (!c.classes) issue('multiclass logloss needs classes');
    else if (c.classes.length !== c.targetColumns.length) issue('multiclass logloss needs one target column per class (same order as classes)');
  }
  if (c.metric === 'accuracy' && c.targetColumns.length !== 1) issue('accuracy needs exactly one target (label) column');
  if (c.taskType === 'binary' && c.classes && c.classes.length !== 2) issue('binary tasks have exactly two classes');
});
export type CompetitionSpec = z.infer<typeof CompetitionSpec>;

export interface Competition extends CompetitionSpec {
  /** Absolute competition folder. */
  root: string;
  description: string;
  lowerIsBetter: boolean;
  publicDir: string;
  trainPath: string;
  testPath: string;
  sampleSubmissionPath: string;
  /** private/test.csv — the answers. */
  answersPath: string;
  leaderboardPath: string;
  /** Where positiveClass came from (--positive, competition.json, description.md wording, 0/1 convention). */
  positiveFrom?: string;
}

/** Files a prepared competition must have, relative to its folder. */
export const REQUIRED_FILES = [
  'competition.json', 'description.md',
  'public/train.csv', 'public/test.csv', 'public/sample_submission.csv',
  'private/test.csv', 'leaderboard.csv',
] as const;

async function isFile(p: string): Promise<boolean> {
  try { return (await stat(p)).isFile(); } catch { return false; }
}

export interface LoadOptions {
  /** false: a run needs only the public files; answers and leaderboard are used when present (default true). */
  requireGradingFiles?: boolean;
  /** Metric to use when there is no competition.json (a plain MLE-bench folder). */
  metric?: MetricName;
  /** The positive class of a binary probability target (--positive); wins over competition.json and the description. */
  positive?: string;
}

const PUBLIC_FILES = ['public/train.csv', 'public/test.csv', 'public/sample_submission.csv'] as const;

/** Loads and validates a competition folder; throws CompetitionError listing what is missing and how to prepare it. */
export async function loadCompetition(dir: string, opts: LoadOptions = {}): Promise<Competition> {
  const root = resolve(dir);
  const name = basename(root);
  const prepare = `run /usr/bin/python3 bench/${name}/prepare.py to (re)build the layout`;
  const hasJson = await isFile(join(root, 'competition.json'));
  const required = opts.requireGradingFiles === false ? PUBLIC_FILES : REQUIRED_FILES.filter((f) => hasJson || f !== 'competition.json');
  const missing: string[] = [];
  for (const f of required) if (!(await isFile(join(root, f)))) missing.push(f);
  if (missing.length) throw new CompetitionError(root, `layout incomplete, missing ${missing.join(', ')}`, prepare);

  let spec: CompetitionSpec;
  if (!hasJson) {
    spec = await inferSpec(root, opts.metric);
  } else {
    let json: unknown;
    try {
      json = JSON.parse(await readFile(join(root, 'competition.json'), 'utf8'));
    } catch (e) {
      throw new CompetitionError(root, `competition.json is not valid JSON: ${(e as Error).message}`, `fix the JSON syntax or ${prepare}`);
    }
    const parsed = CompetitionSpec.safeParse(opts.metric ? { ...(json as object), metric: opts.metric } : json);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new CompetitionError(root, `competition.json is invalid: ${issues}`, 'match the schema in grading/competition.ts (id, title, metric, taskType, idColumn, targetColumns, classes?, positiveClass?, answerColumn?)');
    }
    spec = parsed.data;
  }
  const description = await readFile(join(root, 'description.md'), 'utf8').catch(() => '');
  const positive = await positiveOf(root, spec, description, opts.positive);
  return {
    ...spec,
    ...positive,
    root,
    description,
    lowerIsBetter: lowerIsBetter(spec.metric),
    publicDir: join(root, 'public'),
    trainPath: join(root, 'public', 'train.csv'),
    testPath: join(root, 'public', 'test.csv'),
    sampleSubmissionPath: join(root, 'public', 'sample_submission.csv'),
    answersPath: join(root, 'private', 'test.csv'),
    leaderboardPath: join(root, 'leaderboard.csv'),
  };
}

/** The wall budget of a comparison's run on this competition: the one it states (budgetMinutes), else defaultMs. */
export function statedBudgetMs(spec: Pick<CompetitionSpec, 'budgetMinutes'>, defaultMs: number): number {
  return spec.budgetMinutes ? Math.round(spec.budgetMinutes * 60_000) : defaultMs;
}

/** Binary targets scored on a probability (auc, logloss) need to know which class that probability is for. */
export function needsPositiveClass(spec: Pick<CompetitionSpec, 'taskType' | 'metric' | 'targetColumns'>): boolean {
  return spec.taskType === 'binary' && scoresProbabilities(spec.metric) && spec.targetColumns.length === 1;
}

/** The two observed labels of the target: competition.json classes, else the distinct values of train's label column. */
async function observedClasses(root: string, spec: CompetitionSpec): Promise<string[]> {
  if (spec.classes) return spec.classes;
  const col = spec.answerColumn ?? spec.targetColumns[0]!;
  try {
    const train = await readCsv(join(root, 'public', 'train.csv'));
    const j = train.header.indexOf(col);
    const values = j < 0 ? [] : [...new Set(train.rows.map((r) => r[j] ?? '').filter((v) => !isMissing(v)))];
    if (values.length === 2) return values;
  } catch { /* the layout check reports missing files */ }
  return ['0', '1']; // no usable label column: the grader then requires 0/1 answers
}

async function positiveOf(root: string, spec: CompetitionSpec, description: string, option?: string): Promise<{ positiveClass?: string; positiveFrom?: string }> {
  if (!needsPositiveClass(spec)) {
    if (option !== undefined) {
      throw new PositiveClassError(root, 'not-binary', spec.classes ?? [], `--positive applies to a binary target scored on a probability (auc, logloss), but this is a ${spec.taskType} task scored on ${spec.metric}`,
        'drop --positive');
    }
    return {};
  }
  const p = resolvePositiveClass({
    root, target: spec.answerColumn ?? spec.targetColumns[0]!, classes: await observedClasses(root, spec), description,
    option, declared: spec.positiveClass,
  });
  return { positiveClass: p.label, positiveFrom: p.evidence };
}
