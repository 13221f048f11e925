// Submission format check against the sample submission: columns, row count, ids, missing and non-numeric cells.
import { access } from 'node:fs/promises';
import type { SubmissionCheck } from '../protocols/domain.ts';
import { readCsv, isMissing, parseNumber, canonicalLabel, type CsvTable } from './csv.ts';
import { CsvError, CompetitionError } from './errors.ts';

const MAX_LISTED = 5;
const list = (xs: readonly string[]): string => {
  const shown = xs.slice(0, MAX_LISTED).map((x) => JSON.stringify(x)).join(', ');
  return xs.length > MAX_LISTED ? `${shown} … (${xs.length} in all)` : shown;
};

/**
 * Checks that a submission has the sample submission's shape. Never throws for a bad submission:
 * returns ok:false with a message naming the problem and the fix. `rows` is the submission's data-row
 * count (0 when unreadable). Throws CompetitionError only when the sample itself cannot be read.
 */
export async function checkSubmissionFormat(samplePath: string, submissionPath: string): Promise<SubmissionCheck> {
  let sample: CsvTable;
  try {
    sample = await readCsv(samplePath);
  } catch (e) {
    throw new CompetitionError(samplePath, `sample submission unreadable: ${(e as Error).message}`,
      'prepare the competition so public/sample_submission.csv exists (run /usr/bin/python3 bench/<name>/prepare.py)');
  }
  try {
    await access(submissionPath);
  } catch {
    return fail(`submission file ${submissionPath} does not exist — write the predictions to exactly this path`, 0);
  }
  let sub: CsvTable;
  try {
    sub = await readCsv(submissionPath);
  } catch (e) {
    const msg = e instanceof CsvError ? e.message : String(e);
    return fail(`submission ${submissionPath} cannot be read: ${msg}`, 0);
  }
  return checkTables(sample, sub);
}

function fail(error: string, rows: number): SubmissionCheck {
  return { ok: false, error, rows };
}

/** The pure part of the check, on already-parsed tables. */
export function checkTables(sample: CsvTable, sub: CsvTable): SubmissionCheck {
  const rows = sub.rows.length;
  const fix = 'build the submission from sample_submission.csv (same columns and ids) and fill every cell';

  const dupCols = sub.header.filter((c, i) => sub.header.indexOf(c) !== i);
  if (dupCols.length) return fail(`submission has duplicate columns ${list(dupCols)} — ${fix}`, rows);
  const missing = sample.header.filter((c) => !sub.header.includes(c));
  const extra = sub.header.filter((c) => !sample.header.includes(c));
  if (missing.length || extra.length) {
    const parts = [missing.length ? `missing ${list(missing)}` : '', extra.length ? `unexpected ${list(extra)}` : ''].filter(Boolean);
    return fail(`submission columns differ from the sample's (${parts.join('; ')}); expected ${list(sample.header)} — ${fix}`, rows);
  }
  if (rows !== sample.rows.length) {
    return fail(`submission has ${rows} rows, the sample submission has ${sample.rows.length} — predict exactly one row per test id`, rows);
  }

  const idCol = sample.header[0]!;
  const sIdx = sample.header.indexOf(idCol);
  const subIdx = sub.header.indexOf(idCol);
  const expected = new Set(sample.rows.map((r) => canonicalLabel(r[sIdx]!)));
  const seen = new Set<string>();
  const dups: string[] = [];
  const unknown: string[] = [];
  for (const r of sub.rows) {
    const raw = r[subIdx]!;
    const id = canonicalLabel(raw);
    if (seen.has(id)) dups.push(raw);
    seen.add(id);
    if (!expected.has(id)) unknown.push(raw);
  }
  if (dups.length) return fail(`submission repeats ids in column "${idCol}": ${list(dups)} — write one row per test id`, rows);
  if (unknown.length) {
    return fail(`submission ids in column "${idCol}" are not the test ids: ${list(unknown)} not in the sample — copy the id column from test.csv / sample_submission.csv unchanged`, rows);
  }

  const numericCols = sample.header.filter((c, j) => sample.rows.length > 0 && sample.rows.every((r) => parseNumber(r[j]!) !== null));
  for (let j = 0; j < sub.header.length; j++) {
    const col = sub.header[j]!;
    const isNumeric = numericCols.includes(col);
    for (let i = 0; i < sub.rows.length; i++) {
      const cell = sub.rows[i]![j]!;
      if (isMissing(cell)) {
        return fail(`submission has an empty/NaN value in column "${col}" at data row ${i + 1} — fill every cell (impute or fall back to a default prediction)`, rows);
      }
      if (isNumeric) {
        const n = parseNumber(cell);
        if (n === null) {
          return fail(`submission column "${col}" must be numeric like the sample's, but data row ${i + 1} holds ${JSON.stringify(cell)} — write numbers only`, rows);
        }
        if (!Number.isFinite(n)) {
          return fail(`submission column "${col}" holds a non-finite value ${JSON.stringify(cell)} at data row ${i + 1} — write finite numbers`, rows);
        }
      }
    }
  }
  return { ok: true, error: null, rows };
}
