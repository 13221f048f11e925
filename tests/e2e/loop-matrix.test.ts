// bench:loop's matrix for real: one cell (Gome and the tuned-HGB baseline on the smallest bundled competition, both in
// the sealed sandbox) is saved with both sides' scores and the code that ran it; the same matrix run again skips it
// without running anything; a rerun with another budget, preset or code is refused with a sentence naming the cause.
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cellPath, checkLoopMatrix, runLoopMatrix, type LoopCell } from '../../bench/baseline/loop-matrix.ts';
import { MatrixMismatch } from '../../cli/matrix-mismatch.ts';
import { codeIdentity, type CodeIdentity } from '../../cli/code-identity.ts';
import { tempDir } from '../grading/helpers.ts';

const BENCH = join(resolve(import.meta.dirname, '../..'), 'bench');
const COMP = 'breast-cancer-diagnosis';

describe('loop matrix', () => {
  it('loop matrix - a finished cell is saved with both sides and its code; the same matrix again skips it; another budget, preset or code is refused', async () => {
    const dir = tempDir('gome loop matrix-');
    const code: CodeIdentity = codeIdentity();
    const said: string[] = [];
    const opts = { benchDir: BENCH, dir, competitions: [COMP], seeds: [0], budgetMs: 40_000, preset: 'quick', code, say: (s: string) => said.push(s) };
    const first = await runLoopMatrix(opts);
    expect(first).toMatchObject({ ran: 1, skipped: 0, planned: 1, interrupted: false });
    const cell = JSON.parse(readFileSync(cellPath(dir, COMP, 0), 'utf8')) as LoopCell;
    expect(first.cells).toEqual([cell]);
    expect(cell).toMatchObject({ competition: COMP, seed: 0, metric: 'auc', budgetMs: 40_000, first: 'gome', code });
    // both sides ran in their own run directories under the matrix, and both were graded against the private answers
    expect(cell.gome.valid, JSON.stringify(cell.gome)).toBe(true);
    expect(cell.baseline.valid, JSON.stringify(cell.baseline)).toBe(true);
    expect(cell.gome.test).toBeGreaterThan(0.9);
    expect(cell.baseline.test).toBeGreaterThan(0.9);
    expect(cell.diff).toBeCloseTo(cell.gome.test! - cell.baseline.test!, 12);
    expect(readdirSync(join(dir, 'runs')).sort()).toEqual([`${COMP}-s0`, `${COMP}-s0-tuned-hgb`]);
    expect(existsSync(join(dir, 'runs', `${COMP}-s0`, 'report.json'))).toBe(true);

    // the same matrix again: nothing runs, the saved cell comes back
    const again = await runLoopMatrix(opts);
    expect(again).toMatchObject({ ran: 0, skipped: 1 });
    expect(again.cells).toEqual([cell]);
    expect(readdirSync(join(dir, 'runs'))).toHaveLength(2);

    // other settings or other code: refused before any run, with the cause and the way out
    const want = { bench: 'loop' as const, budgetMs: 40_000, preset: 'quick', code, startedAt: 'now' };
    expect(() => checkLoopMatrix(dir, { ...want, budgetMs: 60_000 })).toThrow(/40s budget, not 1m.*GOME_LOOP_DIR/);
    expect(() => checkLoopMatrix(dir, { ...want, preset: 'default' })).toThrow(/preset quick, not default/);
    const other: CodeIdentity = { ...code, uncommitted: 'feedc0ffee00' };
    expect(() => checkLoopMatrix(dir, { ...want, code: other })).toThrow(MatrixMismatch);
    expect(() => checkLoopMatrix(dir, { ...want, code: other })).toThrow(/cells of different code are not comparable.*git worktree add/);
    await expect(runLoopMatrix({ ...opts, code: other })).rejects.toThrow(MatrixMismatch);
    expect(readdirSync(join(dir, 'runs'))).toHaveLength(2);
    // the kept settings are those of the first run
    expect(checkLoopMatrix(dir, want).startedAt).not.toBe('now');
  }, 300_000);
});
