// Builds the TaskInfo every actor sees from a competition: metric, columns, their types and missing-value shares.
import type { TaskInfo } from '../../protocols/domain.ts';
import type { Competition } from '../../runtime/grading/competition.ts';
import { isMissing, parseNumber, readCsv } from '../../runtime/grading/csv.ts';

function distinctLabels(t: { header: string[]; rows: string[][] }, col: string): number {
  const j = t.header.indexOf(col);
  return new Set(t.rows.map((r) => r[j] ?? '').filter((v) => !isMissing(v))).size;
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
    nClasses: c.taskType === 'regression' ? null : distinctLabels(train, labelCols[0]!),
    columns,
  };
}
