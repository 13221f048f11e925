// CSV reading for grading: header + string rows via csv-parse, and the cell predicates (NaN tokens, numbers) pandas uses.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { CsvError } from './errors.ts';

export interface CsvTable {
  path: string;
  header: string[];
  /** Data rows, each with exactly header.length cells (raw strings). */
  rows: string[][];
}

/** Reads a CSV file into its header and rows; throws CsvError naming the path and the fix. */
export async function readCsv(path: string): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CsvError(path, 'missing', 'no such file', `write the file at ${path} (check the path and the working directory)`);
    throw new CsvError(path, 'unreadable', String((e as Error).message), `make ${path} a readable regular file`);
  }
  return parseCsvText(text, path);
}

/** Parses CSV text (exported for tests and in-memory callers). */
export function parseCsvText(text: string, path = '<memory>'): CsvTable {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false }) as string[][];
  } catch (e) {
    throw new CsvError(path, 'malformed', String((e as Error).message),
      'write it with a CSV library (e.g. pandas DataFrame.to_csv(index=False)) so every row has the header\'s column count');
  }
  const [header, ...rows] = records;
  if (!header || header.length === 0) {
    throw new CsvError(path, 'malformed', 'it has no header row', 'write a header row with the column names first');
  }
  return { path, header: header.map((h) => h.trim()), rows };
}

/** The strings pandas.read_csv turns into NaN by default. */
const NA_TOKENS = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN',
  '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
]);

/** True when pandas would read the cell as missing (empty, "nan", "NA", …). */
export function isMissing(cell: string): boolean {
  return NA_TOKENS.has(cell.trim());
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INF = /^[+-]?(inf|infinity)$/i;

/** Parses a decimal number as pandas would (±inf allowed, hex and blanks not); null when not a number. */
export function parseNumber(cell: string): number | null {
  const s = cell.trim();
  if (DECIMAL.test(s)) return Number(s);
  if (INF.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return null;
}

/** Canonical form of a label/id cell: trimmed; numbers compare by value ("1" and "1.0" agree). */
export function canonicalLabel(cell: string): string {
  const s = cell.trim();
  const n = parseNumber(s);
  return n === null ? s : String(n);
}
