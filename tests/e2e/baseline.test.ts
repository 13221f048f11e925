// The tuned-HGB baseline for real: bench/_lib/tuned_hgb.py as one job through a GPU node with the sealed bwrap
// sandbox, on the smallest bundled competition at a 60 s budget — it completes trials, stops its search at 85% of the
// budget (the refit's reserve), refits, ends within budget + grace, and hands in a submission the grader accepts.
import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { baselineGraceMs, runTunedHgb, SEARCH_FRAC } from '../../bench/baseline/tuned-hgb.ts';
import { tempDir } from '../grading/helpers.ts';

const COMP = join(resolve(import.meta.dirname, '../..'), 'bench', 'breast-cancer-diagnosis');
const BUDGET_MS = 60_000; // a 9 s refit reserve: enough for one HGB refit on a busy 2-core machine

describe('tuned-HGB baseline', () => {
  it('baseline - a sandboxed run on the GPU node searches to 85% of the budget, refits, and hands in a valid graded submission', async () => {
    const r = await runTunedHgb({ competitionDir: COMP, runDir: tempDir('gome-baseline-'), budgetMs: BUDGET_MS });
    expect(r.sandbox).toBe('bwrap');
    expect(r.status, `${r.reason}`).toBe('ok');
    // the same threads as Gome's jobs: the GPU node sets OMP_NUM_THREADS to the machine's cores
    expect(r.output.threads).toBe(String(availableParallelism()));
    expect(r.output.trials).toBeGreaterThan(0);
    expect(Number.isFinite(r.output.bestCv)).toBe(true);
    // the search was stopped at 85% of the budget, leaving the refit's reserve, and the refit on all rows finished
    expect(r.output.searchStop).toBe('deadline');
    expect(r.output.searchEndedFrac).toBeGreaterThanOrEqual(SEARCH_FRAC);
    expect(r.output.searchEndedFrac).toBeLessThan(SEARCH_FRAC + 0.03);
    expect(r.output.refit).toBe('full');
    expect(r.output.endedS).toBeLessThan(BUDGET_MS / 1000);
    // the job ran within its limit, budget + grace
    expect(r.limitMs).toBe(BUDGET_MS + baselineGraceMs(BUDGET_MS));
    expect(r.wallMs).toBeLessThanOrEqual(r.limitMs);
    // graded by Gome's grader against the private answers
    expect(r.invalidReason).toBeNull();
    expect(r.report?.valid_submission).toBe(true);
    expect(r.report?.score).toBeGreaterThan(0.9);
    expect(r.submissionPath).not.toBeNull();
  }, 120_000);
});
