// Infers a competition spec for a plain MLE-bench folder (no competition.json): ids and targets from the sample
// submission, the label column from train vs test, the metric from description.md (or the caller's override).
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isRegressionMetric, METRIC_NAMES, type MetricName } from '../protocols/metric-table.ts';
import { CompetitionError } from './errors.ts';
import { isMissing, readCsv } from './csv.ts';
import type { CompetitionSpec } from './competition.ts';

/** Metric phrases as Kaggle descriptions write them, most specific first. */
const METRIC_PATTERNS: Array<[RegExp, MetricName]> = [
  [/root mean squared log(arithmic)? error|\bRMSLE\b/i, 'rmsle'],
  [/root mean squared? error|\bRMSE\b/i, 'rmse'],
  [/mean absolute error|\bMAE\b/i, 'mae'],
  [/log[- ]?loss|logarithmic loss|cross[- ]entropy/i, 'logloss'],
  [/area under the (ROC )?curve|\bAUC\b|ROC AUC/i, 'auc'],
  [/\baccuracy\b|classification rate/i, 'accuracy'],
];

export function metricFromDescription(text: string): MetricName[] {
  const section = /##+\s*evaluation[\s\S]*?(?=\n##\s|$)/i.exec(text)?.[0] ?? text;
  const found: MetricName[] = [];
  for (const [re, m] of METRIC_PATTERNS) if (re.test(section) && !found.includes(m)) found.push(m);
  return found;
}

export async function inferSpec(root: string, metricOverride?: MetricName): Promise<CompetitionSpec> {
  const pub = join(root, 'public');
  const sample = await readCsv(join(pub, 'sample_submission.csv'));
  const train = await readCsv(join(pub, 'train.csv'));
  const test = await readCsv(join(pub, 'test.csv'));
  const [idColumn, ...targetColumns] = sample.header;
  if (!idColumn || targetColumns.length === 0) throw new CompetitionError(root, 'sample_submission.csv needs an id column and at least one target column', 'fix the sample submission header');
  let metric = metricOverride;
  if (!metric) {
    let desc = '';
    try { desc = await readFile(join(root, 'description.md'), 'utf8'); } catch { /* no description */ }
    const found = metricFromDescription(desc);
    if (found.length !== 1) {
      throw new CompetitionError(root, found.length ? `description.md names several metrics (${found.join(', ')})` : 'cannot tell the evaluation metric from description.md',
        `pass --metric ${METRIC_NAMES.join('|')}, or add a competition.json`);
    }
    metric = found[0]!;
  }
  const labelCols = train.header.filter((c) => c !== idColumn && !test.header.includes(c));
  const answerColumn = labelCols.length === 1 ? labelCols[0] : undefined;
  const regression = isRegressionMetric(metric);
  let taskType: CompetitionSpec['taskType'] = 'regression';
  let classes: string[] | undefined;
  if (!regression) {
    // One probability column per class: the class order is the sample submission's header, not sorted labels.
    if (targetColumns.length > 1) { taskType = 'multiclass'; classes = targetColumns; }
    else {
      const j = answerColumn ? train.header.indexOf(answerColumn) : -1;
      // The observed labels; their order means nothing (the positive class is resolved in positive-class.ts).
      const values = j < 0 ? [] : [...new Set(train.rows.map((r) => r[j] ?? '').filter((v) => !isMissing(v)))].sort();
      taskType = values.length === 2 ? 'binary' : 'multiclass';
      classes = values.length >= 2 ? values : undefined;
    }
  }
  return {
    id: basename(root), title: basename(root), metric, taskType, idColumn, targetColumns,
    ...(classes ? { classes } : {}), ...(answerColumn ? { answerColumn } : {}),
  } as CompetitionSpec;
}
