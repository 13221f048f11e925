// Competition folders in the MLE-bench layout: competition.json (zod-validated), description, public/, private answers, leaderboard.
import { readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { z } from 'zod';
import { MetricName, LOWER_IS_BETTER } from '../../protocols/domain.ts';
import { CompetitionError } from './errors.ts';
import { inferSpec } from './infer-spec.ts';

export const CompetitionSpec = z.object({
  id: z.string().min(1),
  title: z.string(),
  metric: MetricName,
  taskType: z.enum(['binary', 'multiclass', 'regression']),
  idColumn: z.string().min(1),
  /** Submission prediction columns (multiclass logloss: one probability column per class, in `classes` order). */
  targetColumns: z.array(z.string().min(1)).min(1),
  /** Class labels as they appear in the answers (binary: [negative, positive]). */
  classes: z.array(z.union([z.string(), z.number()]).transform(String)).min(2).optional(),
  /** Answers hold one raw label column with this name instead of the target columns. */
  answerColumn: z.string().min(1).optional(),
}).superRefine((c, ctx) => {
  const issue = (message: string): void => { ctx.addIssue({ code: 'custom', message }); };
  if (new Set(c.targetColumns).size !== c.targetColumns.length) issue('targetColumns must be distinct');
  if (c.targetColumns.includes(c.idColumn)) issue('idColumn must not be a target column');
  if (c.answerColumn && !c.classes && c.taskType !== 'regression' && c.metric !== 'accuracy') issue('answerColumn needs classes (to map labels to probability columns)');
  if (c.taskType === 'regression' && !['rmse', 'rmsle', 'mae'].includes(c.metric)) issue(`regression tasks use rmse, rmsle or mae, not ${c.metric}`);
  if (c.taskType !== 'regression' && ['rmse', 'rmsle', 'mae'].includes(c.metric)) issue(`${c.metric} needs taskType regression`);
  if (c.metric === 'logloss' && c.taskType === 'multiclass') {
    if (!c.classes) issue('multiclass logloss needs classes');
    else if (c.classes.length !== c.targetColumns.length) issue('multiclass logloss needs one target column per class (same order as classes)');
  }
  if (c.metric === 'accuracy' && c.targetColumns.length !== 1) issue('accuracy needs exactly one target (label) column');
  if (c.taskType === 'binary' && c.classes && c.classes.length !== 2) issue('binary tasks have exactly two classes [negative, positive]');
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
      throw new CompetitionError(root, `competition.json is invalid: ${issues}`, 'match the schema in runtime/grading/competition.ts (id, title, metric, taskType, idColumn, targetColumns, classes?, answerColumn?)');
    }
    spec = parsed.data;
  }
  return {
    ...spec,
    root,
    description: await readFile(join(root, 'description.md'), 'utf8').catch(() => ''),
    lowerIsBetter: LOWER_IS_BETTER[spec.metric],
    publicDir: join(root, 'public'),
    trainPath: join(root, 'public', 'train.csv'),
    testPath: join(root, 'public', 'test.csv'),
    sampleSubmissionPath: join(root, 'public', 'sample_submission.csv'),
    answersPath: join(root, 'private', 'test.csv'),
    leaderboardPath: join(root, 'leaderboard.csv'),
  };
}
