// Renders the standalone solution.py of `gome export`: a header comment, the run's constants as Python literals (the
// row → fold assignment zlib-compressed and base64-encoded), the body of export_solution.py and the pipeline's source.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { py, type PyValue } from '../../actors/brain/python-literal.ts';
import { formatScore } from '../../protocols/score-format.ts';

export const TEMPLATE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'export_solution.py');
const CONSTANTS_MARKER = '# <gome-export:constants>';

/** Everything the script needs to know about the run; built by cli/commands/export.ts from the run directory. */
export interface SolutionPlan {
  runId: string;
  runDir: string;
  competition: string;
  competitionDir: string;
  experiment: string;
  metric: string;
  lowerIsBetter: boolean;
  /** The harness's cross-validated score of the pipeline (the selection score) and its held-back score. */
  cvScore: number | null;
  holdoutScore: number | null;
  /** The final submission is the refit on every labelled row (else the fold models' submission). */
  refit: boolean;
  refitReason: string | null;
  runStatus: string;
  gomeVersion: string;
  exporterVersion: string;
  idColumn: string;
  labelColumn: string;
  folds: number;
  /** Every labelled train row of the run in order: its id and fold (-1: held back, never fitted on). */
  rows: Array<[string, number]>;
  trainFingerprint: string;
  testSha256: string;
  sampleSha256: string;
  submissionSha256: string;
  /** The jobs' thread count (OMP_NUM_THREADS), or null when the run did not record it. */
  threads: number | null;
  /** Library versions of the run's interpreter, asked at export time. */
  libraries: Record<string, string>;
  pipeline: string;
}

export const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** The same fingerprint export_solution.py computes: header and rows' cells, joined with unit/record separators. */
export function tableFingerprint(header: string[], rows: string[][]): string {
  const h = createHash('sha256').update(header.join('\x1f'));
  for (const r of rows) h.update('\x1e').update(r.join('\x1f'));
  return h.digest('hex');
}

type Py = PyValue;

/** zlib + base64 of a JSON value, as a parenthesised tuple of 100-character chunks (the script joins them). */
function packed(value: Py): string {
  const b64 = deflateSync(Buffer.from(JSON.stringify(value), 'utf8'), { level: 9 }).toString('base64');
  const chunks = b64.match(/.{1,100}/g) ?? [''];
  return `(\n${chunks.map((c) => `    "${c}",`).join('\n')}\n)`;
}

/** The pipeline's source as a readable raw string when it can be one exactly, else zlib + base64. */
function pipelineLiteral(code: string): string {
  const plain = !/[\r\0\x0b\x0c]/.test(code) && !code.endsWith('\\');
  for (const q of ["'''", '"""']) {
    if (plain && !code.includes(q) && !code.endsWith(q[0]!)) {
      return `# the winning pipeline, verbatim (the leading newline is not part of it)\nPIPELINE = r${q}\n${code}${q}[1:]`;
    }
  }
  const b64 = deflateSync(Buffer.from(code, 'utf8'), { level: 9 }).toString('base64').match(/.{1,100}/g) ?? [''];
  return `# the winning pipeline (zlib + base64: its source cannot be an exact Python string literal)\nPIPELINE = zlib.decompress(base64.b64decode("".join((\n${b64.map((c) => `    "${c}",`).join('\n')}\n)))).decode("utf-8")`;
}

const oneLine = (s: string): string => s.replace(/[\r\n]+/g, ' ');
const fmt = formatScore;

export function renderSolution(p: SolutionPlan): string {
  const template = readFileSync(TEMPLATE_PATH, 'utf8');
  const at = template.indexOf(CONSTANTS_MARKER);
  if (at < 0) throw new Error(`${TEMPLATE_PATH} lacks the line ${CONSTANTS_MARKER}`);
  const body = template.slice(at + CONSTANTS_MARKER.length).replace(/^\n/, '');
  const held = p.rows.filter(([, f]) => f < 0).length;
  const header = [
    '#!/usr/bin/env python3',
    `# Gome solution: the winning pipeline of run ${p.runId}, as one standalone script.`,
    '#',
    `#   run          ${p.runId} (${p.runStatus}; ${p.runDir})`,
    `#   competition  ${p.competition} (${p.competitionDir})`,
    `#   experiment   ${p.experiment}`,
    `#   score        ${p.metric} ${fmt(p.cvScore)} cross-validated over ${p.folds} folds, ${fmt(p.holdoutScore)} on the held-back slice (${p.lowerIsBetter ? 'lower' : 'higher'} is better)`,
    `#   refit        ${p.refit ? `yes: the final submission is the refit on all ${p.rows.length} labelled rows` : `no: the final submission is the fold models' (${p.rows.length - held} rows; ${held} held back)`}`,
    ...(p.refitReason ? [`#                (${oneLine(p.refitReason)})`] : []),
    `#   gome         ${p.gomeVersion} (exported by ${p.exporterVersion})`,
    '#',
    '# Run it (Python 3 with the run\'s libraries: numpy, pandas, scikit-learn, ...):',
    '#',
    '#   python3 solution.py COMPETITION_DIR [-o OUTDIR] [--keep-data DIR]',
    '#',
    '# COMPETITION_DIR is the competition folder (MLE-bench layout) or its public/ folder. The script checks that',
    '# train.csv, test.csv and sample_submission.csv are the data the run saw, rebuilds the run\'s data dir (the same',
    '# rows, the same fold assignment, the same held-back slice) in a temporary folder, runs the pipeline there as',
    '# the run did (GOME_DATA_DIR, GOME_OUTPUT_DIR, GOME_MODE=full) and writes OUTDIR/submission.csv: the run\'s',
    '# predictions, up to floating-point rounding. Exit 2: the data is not the run\'s; exit 3: the pipeline failed.',
  ].join('\n');
  const constants = [
    `RUN_ID = ${py(p.runId)}`,
    `COMPETITION = ${py(p.competition)}`,
    `EXPERIMENT = ${py(p.experiment)}`,
    `REFIT = ${py(p.refit)}`,
    `GOME_VERSION = ${py(p.gomeVersion)}`,
    `ID_COLUMN = ${py(p.idColumn)}`,
    `LABEL_COLUMN = ${py(p.labelColumn)}`,
    `FOLDS = ${py(p.folds)}`,
    `THREADS = ${py(p.threads)}`,
    `LIBRARIES = ${py(p.libraries)}`,
    `TEST_SHA256 = ${py(p.testSha256)}`,
    `SAMPLE_SHA256 = ${py(p.sampleSha256)}`,
    `SUBMISSION_SHA256 = ${py(p.submissionSha256)}`,
    `PIPELINE_SHA256 = ${py(sha256(p.pipeline))}`,
    '# sha256 of train.csv\'s header and labelled rows (cells joined by \\x1f, rows by \\x1e)',
    `TRAIN_FINGERPRINT = ${py(p.trainFingerprint)}`,
    `# every labelled train row the run split, in order: [id, fold], fold -1 = held back (zlib + base64 of JSON)`,
    `ROWS = ${packed(p.rows)}`,
  ].join('\n');
  return `${header}\n${constants}\n\n${body.trimEnd()}\n\n\n${pipelineLiteral(p.pipeline)}\n\n\nif __name__ == "__main__":\n    sys.exit(main(sys.argv[1:]))\n`;
}
