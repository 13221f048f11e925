// Turns a PipelineSpec (plus the task) into a complete Python 3 script honouring Gome's job contract.
// The Python lives in ./templates (assembled by script-assembler.ts); this module generates only the comment head and
// the constants block the templates branch on. Targets Debian's python3-sklearn 1.2.1, pandas 1.5.3 and xgboost 1.7.4.
import type { TaskInfo } from '../../protocols/domain.ts';
import type { PipelineSpec } from './pipeline-spec.ts';
import { assembleScript } from './script-assembler.ts';
import { py } from './python-literal.ts';

/** Python expression for a JSON document: a raw triple-quoted string when the text allows one, else a plain literal. */
function pyJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes("'''") || text.endsWith('\\') ? JSON.stringify(text) : `r'''${text}'''`;
}

/** The comment lines at the top of the script (the spec itself travels as data beside the code, and in SPEC below). */
function headComment(spec: PipelineSpec, task: TaskInfo, title: string): string {
  return [
    `# Gome pipeline (offline-heuristic-v1) for ${JSON.stringify(task.competition)}: ${spec.models.map((m) => m.name).join(' + ')}`
      + `${spec.models.length > 1 ? ` [${spec.ensemble}]` : ''}.`,
    ...(title ? [`# Change: ${title.replace(/[\r\n]+/g, ' ')}`] : []),
    '# Job contract: reads GOME_DATA_DIR (train.csv, test.csv, sample_submission.csv; folds.csv and holdout.csv when the',
    '# harness provides them) and writes to GOME_OUTPUT_DIR submission.csv, oof_predictions.csv, holdout_predictions.csv',
    '# (with holdout.csv), scores.csv and gome_feedback.json. The harness scores the predictions; scores.csv is informational.',
  ].join('\n');
}

/** The constants block: the only generated Python. Every section after it is a fixed template that reads these. */
export function jobConstants(spec: PipelineSpec, task: TaskInfo): string {
  const textHint = task.columns.filter((c) => c.dtype === 'text').map((c) => c.name);
  return [
    '# ── constants: the only generated code; every section below is fixed and driven by these values ──',
    'import json',
    '# the pipeline spec: models (family, name, params), preprocessing, features, ensemble, folds, seeds',
    `SPEC = json.loads(${pyJson(spec)})`,
    `METRIC = ${py(task.metric)}`,
    `LOWER_IS_BETTER = ${py(task.lowerIsBetter)}`,
    `TASK = ${py(task.taskType)}`,
    `ID_HINT = ${py(task.idColumn)}`,
    `TARGET_HINT = ${py(task.targetColumns)}`,
    '# binary probability targets: the class whose probability is submitted (P[:, 1]); None = labels encoded in sorted order',
    `POSITIVE = ${py(task.taskType === 'binary' ? (task.positiveClass ?? null) : null)}`,
    `TEXT_HINT = ${py(textHint)}`,
    '# one grey-scale image per row: {"side", "channels", "prefix"} of the first side*side feature columns; None otherwise',
    `IMAGE = ${py(task.image ?? null)}`,
  ].join('\n');
}

/** Generates the complete Python script for a spec. */
export function generateCode(spec: PipelineSpec, task: TaskInfo, title = ''): string {
  return assembleScript(`${headComment(spec, task, title)}\n\n${jobConstants(spec, task)}`);
}
