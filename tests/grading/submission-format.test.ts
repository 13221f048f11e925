// Submission format check: ok for a well-formed submission, ok:false (never a throw) with a clear message otherwise.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkSubmissionFormat } from '../../grading/submission-format.ts';
import { CompetitionError } from '../../grading/errors.ts';
import { csv, tempDir, writeFile } from './helpers.ts';

const dir = tempDir();
const sample = writeFile(join(dir, 'sample_submission.csv'), csv(['id', 'a', 'b'], [[1, 0.5, 0.5], [2, 0.5, 0.5], [3, 0.5, 0.5]]));
let k = 0;
const sub = (text: string): string => writeFile(join(dir, `sub${k++}.csv`), text);

describe('submission-format', () => {
  it('submission-format - accepts reordered columns and rows', async () => {
    const r = await checkSubmissionFormat(sample, sub(csv(['b', 'id', 'a'], [[0.1, 3, 0.9], [0.2, 1, 0.8], [0.3, 2, 0.7]])));
    expect(r).toEqual({ ok: true, error: null, rows: 3 });
  });

  it('submission-format - missing file is ok:false with rows 0', async () => {
    const r = await checkSubmissionFormat(sample, join(dir, 'absent.csv'));
    expect(r.ok).toBe(false);
    expect(r.rows).toBe(0);
    expect(r.error).toMatch(/does not exist/);
  });

  it('submission-format - columns must match the sample by exact name', async () => {
    const r = await checkSubmissionFormat(sample, sub(csv(['id', 'a', 'B'], [[1, 1, 1], [2, 1, 1], [3, 1, 1]])));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/missing "b".*unexpected "B"/);
  });

  it('submission-format - row count must match the sample', async () => {
    const r = await checkSubmissionFormat(sample, sub(csv(['id', 'a', 'b'], [[1, 1, 1], [2, 1, 1]])));
    expect(r).toMatchObject({ ok: false, rows: 2 });
    expect(r.error).toMatch(/2 rows, the sample submission has 3/);
  });

  it('submission-format - ids must be the sample ids without duplicates', async () => {
    const wrong = await checkSubmissionFormat(sample, sub(csv(['id', 'a', 'b'], [[1, 1, 1], [2, 1, 1], [4, 1, 1]])));
    expect(wrong.error).toMatch(/"4" not in the sample/);
    const dup = await checkSubmissionFormat(sample, sub(csv(['id', 'a', 'b'], [[1, 1, 1], [2, 1, 1], [2, 1, 1]])));
    expect(dup.error).toMatch(/repeats ids/);
  });

  it('submission-format - empty and NaN cells are rejected', async () => {
    const empty = await checkSubmissionFormat(sample, sub(csv(['id', 'a', 'b'], [[1, 1, 1], [2, '', 1], [3, 1, 1]])));
    expect(empty.error).toMatch(/empty\/NaN value in column "a" at data row 2/);
    const nan = await checkSubmissionFormat(sample, sub(csv(['id', 'a', 'b'], [[1, 1, 1], [2, 1, 'nan'], [3, 1, 1]])));
    expect(nan.error).toMatch(/column "b"/);
  });

  it('submission-format - text in a numeric sample column is rejected', async () => {
    const r = await checkSubmissionFormat(sample, sub(csv(['id', 'a', 'b'], [[1, 1, 1], [2, 'yes', 1], [3, 1, 1]])));
    expect(r.error).toMatch(/must be numeric.*"yes"/);
  });

  it('submission-format - a malformed CSV is ok:false, an unreadable sample throws CompetitionError', async () => {
    const r = await checkSubmissionFormat(sample, sub('id,a,b\n1,2\n"unterminated\n'));
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/cannot be read/);
    await expect(checkSubmissionFormat(join(dir, 'no-sample.csv'), sample)).rejects.toThrow(CompetitionError);
  });
});
