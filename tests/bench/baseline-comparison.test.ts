// The pure parts of bench:loop's comparison: oriented ratio and difference (> 1 / > 0 mean Gome better), the paired
// aggregate per competition (mean ± SE over seeds, invalid sides, the Gome ≥ baseline verdict), the baseline's
// stdout parser and the config written into its job code.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { comparePaired, orientedDifference, orientedRatio, type PairedScore } from '../../bench/baseline/paired.ts';
import { parseTunedHgbOutput, tunedHgbJobCode } from '../../bench/baseline/tuned-hgb.ts';
import { ensurePrepared } from '../../cli/run/prepare.ts';

const row = (competition: string, seed: number, gome: number | null, baseline: number | null, lowerIsBetter = false): PairedScore =>
  ({ competition, seed, gome, baseline, lowerIsBetter });

describe('baseline comparison', () => {
  it('comparison - ratio and difference are oriented so that Gome better reads > 1 and > 0 for either metric direction', () => {
    expect(orientedRatio(0.99, 0.9, false)).toBeCloseTo(1.1, 10);
    expect(orientedDifference(0.99, 0.9, false)).toBeCloseTo(0.09, 10);
    expect(orientedRatio(0.1, 0.2, true)).toBeCloseTo(2, 10); // lower log loss for Gome
    expect(orientedDifference(0.1, 0.2, true)).toBeCloseTo(0.1, 10);
    expect(orientedDifference(0.3, 0.2, true)).toBeCloseTo(-0.1, 10);
    expect(orientedRatio(null, 0.2, true)).toBeNull();
    expect(orientedRatio(0, 0.2, true)).toBeNull(); // no ratio through zero
  });

  it('comparison - per competition the mean paired difference and its standard error over seeds, and the Gome ≥ baseline count', () => {
    const s = comparePaired([
      row('a', 0, 0.95, 0.90), row('a', 1, 0.93, 0.92), row('a', 2, 0.91, 0.91), // diffs 0.05, 0.01, 0
      row('b', 0, 0.30, 0.20, true), row('b', 1, 0.25, 0.20, true), // diffs -0.1, -0.05
      row('c', 0, 0.5, 0.4),
    ]);
    const [a, b, c] = s.competitions;
    expect(a).toMatchObject({ competition: 'a', seeds: 3, pairs: 3, gomeAtLeastBaseline: true });
    expect(a!.meanDiff).toBeCloseTo(0.02, 10);
    // sample sd of (0.05, 0.01, 0) = sqrt(0.0014 / 2); SE = sd / sqrt(3)
    expect(a!.seDiff).toBeCloseTo(Math.sqrt(0.0014 / 2) / Math.sqrt(3), 10);
    expect(b!.meanDiff).toBeCloseTo(-0.075, 10);
    expect(b!.gomeAtLeastBaseline).toBe(false);
    expect(c).toMatchObject({ pairs: 1, seDiff: null, gomeAtLeastBaseline: true }); // one seed: no standard error
    expect(s).toMatchObject({ gomeAtLeastBaseline: 2, decided: 3 });
  });

  it('comparison - a side without a valid submission is left out of the mean and counted; it decides when no pair is left', () => {
    const s = comparePaired([
      row('a', 0, 0.9, 0.8), row('a', 1, null, 0.8), // Gome's better pair, but the baseline alone was valid once
      row('b', 0, null, 0.8), row('b', 1, null, null),
      row('c', 0, null, null),
    ]);
    const [a, b, c] = s.competitions;
    expect(a).toMatchObject({ pairs: 1, baselineOnlyValid: 1, gomeOnlyValid: 0, gomeAtLeastBaseline: false });
    expect(a!.meanDiff).toBeCloseTo(0.1, 10);
    expect(b).toMatchObject({ pairs: 0, meanDiff: null, baselineOnlyValid: 1, gomeAtLeastBaseline: false });
    expect(c).toMatchObject({ pairs: 0, gomeAtLeastBaseline: null });
    expect(s).toMatchObject({ gomeAtLeastBaseline: 0, decided: 2 });
  });

  it('baseline - its KEY=VALUE stdout lines are parsed into trials, best CV, search end and refit', () => {
    const out = parseTunedHgbOutput([
      'BASELINE_BUDGET_S=40.0', 'BASELINE_THREADS=2', 'trial 0: cv auc 0.98 in 1.0 s (at 2.0 s)',
      'BASELINE_SEARCH_STOP=deadline', 'BASELINE_SEARCH_ENDED_S=34.02', 'BASELINE_SEARCH_ENDED_FRAC=0.8505',
      'BASELINE_TRIALS=17', 'BASELINE_BEST_CV=0.9931', 'BASELINE_BEST_PARAMS={"learning_rate": 0.05, "max_iter": 120}',
      'BASELINE_REFIT_S=0.8', 'BASELINE_REFIT=full', 'BASELINE_ENDED_S=34.9',
    ].join('\n'));
    expect(out).toMatchObject({
      trials: 17, bestCv: 0.9931, bestParams: { learning_rate: 0.05, max_iter: 120 }, searchStop: 'deadline',
      searchEndedS: 34.02, searchEndedFrac: 0.8505, refit: 'full', refitProblem: null, refitS: 0.8, endedS: 34.9, threads: '2',
    });
    expect(parseTunedHgbOutput('BASELINE_TRIALS=0\nBASELINE_BEST_CV=nan\nBASELINE_REFIT=none')).toMatchObject({ trials: 0, bestCv: null, refit: 'none', bestParams: null });
  });

  it('baseline - the job code carries the competition\'s conventions and budget and is valid Python', async () => {
    const comp = await ensurePrepared(join(resolve(import.meta.dirname, '../..'), 'bench', 'house-votes'), '/usr/bin/python3');
    const code = tunedHgbJobCode(comp, 90_000);
    const r = spawnSync('/usr/bin/python3', ['-c', [
      'import ast, json, sys',
      'src = sys.stdin.read()',
      'tree = ast.parse(src)',
      'cfg = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "CONFIG"][0]',
      'print(json.dumps(json.loads(cfg.value.args[0].value)))',
    ].join('\n')], { input: code, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      metric: 'auc', taskType: 'binary', idColumn: 'id', targetColumns: ['republican'], labelColumn: 'republican',
      positiveClass: '1', budgetSeconds: 90, dataDir: null, outDir: null,
    });
    expect(() => tunedHgbJobCode(comp, 90_000, 'print("no config line")')).toThrow(/exactly once/);
  });
});
