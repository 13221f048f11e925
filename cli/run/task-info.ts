// Builds the TaskInfo every actor sees from a competition: metric, columns, their types and missing-value shares,
// the classes and the positive class (the competition's, never re-derived); and the one-block summary a run prints.
import type { TaskInfo } from '../../protocols/domain.ts';
import type { Competition } from '../../grading/competition.ts';
import { isMissing, parseNumber, readCsv } from '../../grading/csv.ts';
import { sameLabel } from '../../grading/positive-class.ts';

function labelsOf(t: { header: string[]; rows: string[][] }, col: string): string[] {
  const j = t.header.indexOf(col);
  return [...new Set(t.rows.map((r) => r[j] ?? '').filter((v) => !isMissing(v)))];
}

/** Binary: [negative, positive] as train spells them; multiclass: the competition's class order (sample header), else the observed labels. */
function classesOf(c: Competition, observed: string[]): string[] | undefined {
  if (c.taskType === 'regression') return undefined;
  if (c.taskType === 'binary' && c.positiveClass !== undefined) {
    const pos = observed.find((l) => sameLabel(l, c.positiveClass!)) ?? c.positiveClass;
    const neg = observed.find((l) => !sameLabel(l, pos)) ?? (c.classes ?? []).find((l) => !sameLabel(l, pos));
    return neg === undefined ? undefined : [neg, pos];
  }
  return c.classes ?? [...observed].sort();
}

export async function buildTaskInfo(c: Competition): Promise<TaskInfo> {
  const train = await readCsv(c.trainPath);
  const header = train.header;
  const labelCols = c.answerColumn && header.includes(c.answerColumn)
    ? [c.answerColumn]
    : c.targetColumns.filter((t) => header.includes(t));
  if (labelCols.length === 0) throw new Error(`train.csv of ${c.id} has none of the target columns ${c.targetColumns.join(', ')}`);
  const columns: TaskInfo['columns'] = [];
  header.forEach((name, j) => {
    if (name === c.idColumn || labelCols.includes(name)) return;
    let missing = 0; let numeric = true; let totalLen = 0;
    const distinct = new Set<string>();
    for (const row of train.rows) {
      const cell = row[j] ?? '';
      if (isMissing(cell)) { missing++; continue; }
      if (numeric && parseNumber(cell) === null) numeric = false;
      totalLen += cell.length;
      if (distinct.size < 1000) distinct.add(cell);
    }
    const present = train.rows.length - missing;
    const dtype = numeric ? 'numeric' : (present > 0 && totalLen / present > 30 && distinct.size > 100 ? 'text' : 'categorical');
    columns.push({ name, dtype, missingFrac: train.rows.length ? Math.round((missing / train.rows.length) * 1e4) / 1e4 : 0 });
  });
  const observed = c.taskType === 'regression' ? [] : labelsOf(train, labelCols[0]!);
  const classes = classesOf(c, observed);
  const positive = c.taskType === 'binary' && classes && c.positiveClass !== undefined ? classes[1]! : undefined;
  return {
    competition: c.id,
    description: c.description,
    metric: c.metric,
    lowerIsBetter: c.lowerIsBetter,
    idColumn: c.idColumn,
    targetColumns: labelCols,
    taskType: c.taskType,
    dataDir: c.publicDir,
    nTrainRows: train.rows.length,
    nClasses: c.taskType === 'regression' ? null : observed.length,
    ...(classes ? { classes } : {}),
    ...(positive !== undefined ? { positiveClass: positive, ...(c.positiveFrom ? { positiveFrom: c.positiveFrom } : {}) } : {}),
    columns,
    image: imageLayout(columns),
    harness: null,
    targetStats: targetStats(train, labelCols[0]!, c.taskType === 'regression'),
  };
}

/** The smallest image a convolutional network is offered for (8 × 8 pixels). */
const MIN_IMAGE_SIDE = 8;

/**
 * Whether the feature columns are one grey-scale image: all numeric, a square number of them (at least 8 × 8), named
 * with one prefix and the numbers 0..n-1 (or 1..n) in order, as Kaggle's pixel0..pixel783 are. Null otherwise.
 */
export function imageLayout(columns: TaskInfo['columns']): TaskInfo['image'] {
  const n = columns.length;
  const side = Math.round(Math.sqrt(n));
  if (side < MIN_IMAGE_SIDE || side * side !== n || columns.some((c) => c.dtype !== 'numeric')) return null;
  const m = /^(.*?)(\d+)$/.exec(columns[0]!.name);
  if (!m) return null;
  const prefix = m[1]!;
  const first = Number(m[2]);
  if (first !== 0 && first !== 1) return null;
  return columns.every((c, i) => c.name === `${prefix}${first + i}`) ? { side, channels: 1, prefix } : null;
}

/** Class balance or target skewness, from the training labels (the harness computes them; no job is trusted with it). */
function targetStats(t: { header: string[]; rows: string[][] }, col: string, regression: boolean): TaskInfo['targetStats'] {
  const j = t.header.indexOf(col);
  const cells = t.rows.map((r) => r[j] ?? '').filter((v) => !isMissing(v));
  if (!cells.length) return { minorityFrac: null, skew: null };
  if (!regression) {
    const counts = new Map<string, number>();
    for (const c of cells) counts.set(c.trim(), (counts.get(c.trim()) ?? 0) + 1);
    return { minorityFrac: Math.min(...counts.values()) / cells.length, skew: null };
  }
  const x = cells.map((c) => parseNumber(c)).filter((v): v is number => v !== null && Number.isFinite(v));
  const n = x.length;
  if (n < 3) return { minorityFrac: null, skew: null };
  const m = x.reduce((a, b) => a + b, 0) / n;
  const m2 = x.reduce((a, b) => a + (b - m) ** 2, 0) / n;
  const m3 = x.reduce((a, b) => a + (b - m) ** 3, 0) / n;
  // adjusted Fisher–Pearson skewness, as pandas' Series.skew() computes it
  const g1 = m2 > 0 ? m3 / m2 ** 1.5 : 0;
  return { minorityFrac: null, skew: (Math.sqrt(n * (n - 1)) / (n - 2)) * g1 };
}

/** The task as the run understood it, printed before the first job: type, metric, direction, target, classes. */
export function describeTask(t: TaskInfo): string {
  const parts = [`${t.taskType}`, `${t.metric} (${t.lowerIsBetter ? 'lower' : 'higher'} is better)`, `target ${t.targetColumns.join(', ')}`];
  if (t.positiveClass !== undefined) {
    const neg = t.classes?.[0];
    parts.push(`positive class ${JSON.stringify(t.positiveClass)}${neg !== undefined ? ` (negative ${JSON.stringify(neg)})` : ''}, from ${t.positiveFrom ?? 'the competition'}`);
  }
  else if (t.taskType !== 'regression' && t.classes) {
    const shown = t.classes.slice(0, 12).join(', ');
    parts.push(`${t.classes.length} classes: ${shown}${t.classes.length > 12 ? ', …' : ''}`);
  }
  if (t.image) parts.push(`features: ${t.image.side}x${t.image.side} grey-scale images (${t.image.prefix}…)`);
  return `  task ${parts.join(' · ')}`;
}
