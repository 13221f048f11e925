// Job outputs: parses scores.csv (→ ScoresTable), gome_feedback.json (→ PipelineFeedback), the debug estimate line
// (→ estimatedFullMs) and checks submission.csv against the sample; every problem becomes a readable reason.
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PipelineFeedback, type JobMode, type ScoresTable, type SubmissionCheck } from '../protocols/domain.ts';
import { checkSubmissionFormat } from '../grading/submission-format.ts';
import { isMissing, parseCsvText, parseNumber } from '../grading/csv.ts';

export const SCORES_FILE = 'scores.csv';
export const FEEDBACK_FILE = 'gome_feedback.json';
export const SUBMISSION_FILE = 'submission.csv';
export const ESTIMATE_PREFIX = 'GOME_ESTIMATED_FULL_SECONDS=';
/** The share of that estimate bounded by wall-clock allowances (a budgeted search), which no correction scales. */
export const BOUNDED_PREFIX = 'GOME_ESTIMATED_BOUNDED_SECONDS=';
export const ENSEMBLE_ROW = 'ensemble';

export interface Parsed<T> { value: T | null; reasons: string[] }

/**
 * scores.csv: first column = model name (index), one column named after the metric, an "ensemble" row, no NaN.
 * Returns the table whenever it could be read (NaN cells as null) together with every violation found.
 */
export function parseScoresCsv(text: string, opts: { expectedMetric?: string } = {}): Parsed<ScoresTable> {
  let table: { header: string[]; rows: string[][] };
  try {
    table = parseCsvText(text, SCORES_FILE);
  } catch (e) {
    return { value: null, reasons: [`${SCORES_FILE} is not valid CSV: ${(e as Error).message}`] };
  }
  const reasons: string[] = [];
  const valueCols = table.header.slice(1);
  if (valueCols.length === 0) {
    return { value: null, reasons: [`${SCORES_FILE} has no metric column — write the model names as the index and one column named after the metric`] };
  }
  if (valueCols.length > 1) {
    reasons.push(`${SCORES_FILE} has ${valueCols.length} value columns (${valueCols.join(', ')}); expected exactly one, named after the metric`);
  }
  const metric = valueCols[0]!;
  if (opts.expectedMetric && metric.toLowerCase() !== opts.expectedMetric.toLowerCase()) {
    reasons.push(`${SCORES_FILE} metric column is "${metric}", expected "${opts.expectedMetric}"`);
  }
  const rows: Record<string, number | null> = {};
  for (const r of table.rows) {
    const name = (r[0] ?? '').trim();
    const cell = r[1] ?? '';
    const n = isMissing(cell) ? null : parseNumber(cell);
    if (name in rows) reasons.push(`${SCORES_FILE} repeats the model row "${name}"`);
    if (n === null) {
      reasons.push(`${SCORES_FILE} has a missing/NaN ${metric} for model "${name}" (${JSON.stringify(cell)})`);
      rows[name] = null;
    } else if (!Number.isFinite(n)) {
      reasons.push(`${SCORES_FILE} has a non-finite ${metric} for model "${name}" (${JSON.stringify(cell)})`);
      rows[name] = null;
    } else {
      rows[name] = n;
    }
  }
  if (!(ENSEMBLE_ROW in rows)) {
    reasons.push(`${SCORES_FILE} has no "${ENSEMBLE_ROW}" row (rows: ${Object.keys(rows).join(', ') || 'none'}) — add the ensemble's score as a row named "${ENSEMBLE_ROW}"`);
  }
  return { value: { metric, rows }, reasons };
}

/** gome_feedback.json: a JSON object matching PipelineFeedback (extra keys allowed). */
export function parseFeedback(text: string): Parsed<PipelineFeedback> {
  let raw: unknown;
  try { raw = JSON.parse(text); } catch (e) {
    return { value: null, reasons: [`${FEEDBACK_FILE} is not valid JSON: ${(e as Error).message}`] };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { value: null, reasons: [`${FEEDBACK_FILE} must hold a JSON object`] };
  }
  const r = PipelineFeedback.safeParse(raw);
  if (!r.success) {
    return { value: null, reasons: r.error.issues.map((i) => `${FEEDBACK_FILE}: ${i.path.join('.') || '(root)'}: ${i.message}`) };
  }
  return { value: r.data, reasons: [] };
}

/** The last `<prefix><float>` line of stdout (GOME_ESTIMATED_FULL_SECONDS= by default), in ms; null when absent or not a finite non-negative number. */
export function parseEstimateMs(stdout: string, prefix = ESTIMATE_PREFIX): number | null {
  let found: number | null = null;
  for (const line of stdout.split(/\r?\n/)) {
    const t = line.trim();
    if (!t.startsWith(prefix)) continue;
    const v = Number(t.slice(prefix.length).trim());
    found = Number.isFinite(v) && v >= 0 ? v * 1000 : found;
  }
  return found;
}

export interface JobOutputs {
  scores: ScoresTable | null;
  feedback: PipelineFeedback | null;
  estimatedFullMs: number | null;
  /** The part of estimatedFullMs that wall-clock allowances bound (0 when none is printed), at most all of it. */
  boundedFullMs: number;
  submission: SubmissionCheck | null;
  /** every contract violation found, readable by the validator and the developer's repair prompt */
  reasons: string[];
}

async function readIfExists(path: string): Promise<string | null> {
  try { return await readFile(path, 'utf8'); } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * Reads a finished job's outputs from its workspace. `stdout` is the full stdout (for the estimate line).
 * The submission is checked against `sampleSubmission` when one is given; null otherwise.
 */
export async function collectOutputs(workdir: string, opts: { mode: JobMode; stdout: string; sampleSubmission: string | null; expectedMetric?: string }): Promise<JobOutputs> {
  const reasons: string[] = [];
  let scores: ScoresTable | null = null;
  const scoresText = await readIfExists(join(workdir, SCORES_FILE));
  if (scoresText === null) reasons.push(`${SCORES_FILE} was not written to the output dir (GOME_OUTPUT_DIR)`);
  else {
    const p = parseScoresCsv(scoresText, { expectedMetric: opts.expectedMetric });
    scores = p.value;
    reasons.push(...p.reasons);
  }

  let feedback: PipelineFeedback | null = null;
  const fbText = await readIfExists(join(workdir, FEEDBACK_FILE));
  if (fbText !== null) {
    const p = parseFeedback(fbText);
    feedback = p.value;
    reasons.push(...p.reasons);
  }

  const estimatedFullMs = parseEstimateMs(opts.stdout);
  const boundedFullMs = Math.min(parseEstimateMs(opts.stdout, BOUNDED_PREFIX) ?? 0, estimatedFullMs ?? 0);
  if (opts.mode === 'debug' && estimatedFullMs === null) {
    reasons.push(`debug run did not print "${ESTIMATE_PREFIX}<float>" on stdout — time the debug run and print the extrapolated full-run seconds`);
  }

  let submission: SubmissionCheck | null = null;
  const subPath = join(workdir, SUBMISSION_FILE);
  if (opts.sampleSubmission) {
    try {
      submission = await checkSubmissionFormat(opts.sampleSubmission, subPath);
      if (!submission.ok && submission.error) reasons.push(`${SUBMISSION_FILE}: ${submission.error}`);
    } catch (e) {
      reasons.push(`submission could not be checked: ${(e as Error).message}`);
    }
  } else {
    try { await access(subPath); } catch { reasons.push(`${SUBMISSION_FILE} was not written to the output dir (GOME_OUTPUT_DIR)`); }
  }
  return { scores, feedback, estimatedFullMs, boundedFullMs, submission, reasons };
}
