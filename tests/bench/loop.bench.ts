// bench:loop — Gome (offline brain) against the fixed tuned-HGB baseline (bench/_lib/tuned_hgb.py), in the same run,
// on every competition of a suite half × seeds, each with the same wall budget, cores and sealed sandbox: both test
// scores, their ratio, medals, Gome's validation-to-test gap, its wasted budget share, the baseline's trial count,
// then per competition the mean paired difference ± SE. Resumable (bench/baseline/loop-matrix.ts): each finished cell
// is saved at once in the matrix directory, and the same command run again skips them, as long as the code, budget and
// preset are the same. Writes JSON and prints a Markdown table for bench/README.md.
// Env: GOME_LOOP_SUITE=test|dev|local (test), GOME_LOOP_ONLY=a,b, GOME_LOOP_SEEDS=0,1,2 (0,1,2), GOME_LOOP_BUDGET=5m (5m),
// GOME_LOOP_PRESET=quick (quick), GOME_LOOP_DIR=matrix directory (runs/loop-<code>-<suite>-<budget>-<preset>),
// GOME_LOOP_OUT=path.json (<matrix directory>/loop.json).
import { costAccuracyOf, JobLedger } from '../../cli/run/job-ledger.ts';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { localCompetitions, SUITES, type SuiteName } from '../../cli/commands/bench-suite.ts';
import { budgetLabel } from '../../cli/commands/topology-bench.ts';
import { parseDuration } from '../../cli/duration.ts';
import { codeIdentity, codeLabel } from '../../cli/code-identity.ts';
import { PRESETS } from '../../protocols/presets.ts';
import { baselineGraceMs } from '../../bench/baseline/tuned-hgb.ts';
import { comparePaired, type PairedSummary } from '../../bench/baseline/paired.ts';
import { runLoopMatrix, type LoopCell } from '../../bench/baseline/loop-matrix.ts';
import { MatrixMismatch } from '../../cli/matrix-mismatch.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BENCH = join(REPO, 'bench');
const env = process.env;

const suite = (env.GOME_LOOP_SUITE ?? 'test') as SuiteName;
if (!(SUITES as readonly string[]).includes(suite)) throw new Error(`GOME_LOOP_SUITE was "${suite}"; use one of ${SUITES.join(', ')}`);
const only = env.GOME_LOOP_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const comps = only?.length ? only : localCompetitions(BENCH, suite);
const seeds = (env.GOME_LOOP_SEEDS ?? '0,1,2').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
if (!seeds.length || seeds.some((s) => !Number.isInteger(s) || s < 0)) throw new Error(`GOME_LOOP_SEEDS was "${env.GOME_LOOP_SEEDS}"; write seeds like 0,1,2`);
const defaultBudgetMs = parseDuration(env.GOME_LOOP_BUDGET ?? '5m');
const presetName = env.GOME_LOOP_PRESET ?? 'quick';
if (!PRESETS[presetName]) throw new Error(`GOME_LOOP_PRESET was "${presetName}"; use one of ${Object.keys(PRESETS).join(', ')}`);
const code = codeIdentity();
const what = only?.length ? only.join('+') : suite;
const defaultDir = join(REPO, 'runs', `loop-${codeLabel(code).replace('+changes ', '+')}-${what}-${budgetLabel(defaultBudgetMs)}-${presetName}`.replace(/[^A-Za-z0-9._+-]+/g, '-').slice(0, 200));
const dir = resolve(env.GOME_LOOP_DIR ?? defaultDir);
const outPath = resolve(env.GOME_LOOP_OUT ?? join(dir, 'loop.json'));
const machine = { nproc: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };

const f5 = (x: number | null, w = 9) => (x === null ? 'n/a' : x.toFixed(5)).padStart(w);
const f3 = (x: number | null, w = 6) => (x === null ? 'n/a' : x.toFixed(3)).padStart(w);
const pct = (x: number | null, w = 6) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`).padStart(w);
const mean = (xs: readonly (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

/** The competitions that ran at a budget of their own, as a clause ("" when none did). */
function stated(rows: readonly LoopCell[]): string {
  const own = [...new Map(rows.filter((r) => r.budgetMs !== defaultBudgetMs).map((r) => [r.competition, r.budgetMs])).entries()];
  return own.length ? ` (${own.map(([c, ms]) => `\`${c}\` at its stated ${ms / 60_000} min`).join(', ')})` : '';
}

function markdown(rows: readonly LoopCell[], summary: PairedSummary, startedAt: string): string {
  const g = (x: number | null) => (x === null ? 'n/a' : Number(x.toPrecision(5)).toString());
  const saved = rows.map((r) => r.savedAt).sort();
  const lines = [
    `Cells run from ${startedAt.slice(0, 16).replace('T', ' ')} to ${(saved.at(-1) ?? startedAt).slice(0, 16).replace('T', ' ')} UTC at code ${codeLabel(code)}, on ${machine.nproc} cores (${machine.cpu}); ` +
      `budget ${defaultBudgetMs / 1000} s per run for each side${stated(rows)}; seeds ${seeds.join(', ')}; suite ${only?.length ? `only ${only.join(', ')}` : suite}; ` +
      `Gome preset \`${presetName}\`, offline brain; ${rows.length} of ${comps.length * seeds.length} cells. ` +
      'Ratio and difference are oriented so that > 1 and > 0 mean Gome better; ± is the standard error over seeds.',
    '',
    '| competition | metric | Gome test (mean) | tuned HGB test (mean) | ratio (mean) | paired difference ± SE | Gome ≥ baseline | Gome medals | baseline medals | baseline trials (mean) | Gome val→test gap (mean) | Gome budget wasted (mean) |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const c of summary.competitions) {
    const rs = rows.filter((r) => r.competition === c.competition);
    const diff = c.meanDiff === null ? 'n/a' : `${g(c.meanDiff)}${c.seDiff === null ? '' : ` ± ${g(c.seDiff)}`} (${c.pairs} pair${c.pairs === 1 ? '' : 's'})`;
    const verdict = c.gomeAtLeastBaseline === null ? 'n/a' : c.gomeAtLeastBaseline ? 'yes' : 'no';
    const waste = mean(rs.map((r) => r.gome.wasteFrac));
    lines.push(`| \`${c.competition}\` | ${rs[0]!.metric} | ${g(mean(rs.map((r) => r.gome.test)))} | ${g(mean(rs.map((r) => r.baseline.test)))} | ` +
      `${g(mean(rs.map((r) => r.ratio)))} | ${diff} | ${verdict} | ${rs.map((r) => r.gome.medal).join(', ')} | ${rs.map((r) => r.baseline.medal).join(', ')} | ` +
      `${g(mean(rs.map((r) => r.baseline.trials)))} | ${g(mean(rs.map((r) => r.gome.valTestGap)))} | ${waste === null ? 'n/a' : `${(waste * 100).toFixed(1)}%`} |`);
  }
  lines.push('', `Gome ≥ baseline on ${summary.gomeAtLeastBaseline} of ${summary.decided} competitions.`);
  return lines.join('\n');
}

function printRow(r: LoopCell): void {
  const { gome: g, baseline: b } = r;
  console.log(`${r.competition.padEnd(26)} ${String(r.seed).padStart(4)} ${f5(g.test)} ${f5(b.test)}  ${f3(r.ratio)}  ${g.medal.padEnd(10)} ${b.medal.padEnd(10)} ${f5(g.valTestGap, 12)} ${pct(g.wasteFrac)} ${String(b.trials ?? 'n/a').padStart(10)}`);
  for (const [who, err] of [['gome', g.error], ['baseline', b.error ?? (b.status !== 'ok' ? `job ${b.status}: ${b.reason}` : b.invalidReason)]] as const) {
    if (err) console.log(`  ${who}: ${err}`);
  }
}

const hours = (comps.length * seeds.length * 2 * defaultBudgetMs) / 3_600_000;
console.log(`bench:loop  Gome (offline brain, preset ${presetName}) vs tuned HGB (Optuna TPE seed 0, 5-fold CV, search to 85% of the budget, refit in the rest)`);
console.log(`  ${comps.length} competition(s) × seeds ${seeds.join(',')} × 2 sides × ${defaultBudgetMs / 1000} s ≈ ${hours.toFixed(2)} h of budgets (more where a competition states its own budget); ${machine.nproc} cores (${machine.cpu})`);
console.log(`  matrix ${dir} (code ${codeLabel(code)}; finished cells are kept, and the same command resumes it); results to ${outPath}`);
console.log('  ratio > 1 means Gome better (Gome/baseline, or baseline/Gome for lower-is-better metrics); gap = how much worse test is than Gome\'s selection score (> 0: optimistic)');

let result;
try {
  result = await runLoopMatrix({ benchDir: BENCH, dir, competitions: comps, seeds, budgetMs: defaultBudgetMs, preset: presetName, code, handleSignals: true,
    say: (s) => console.log(s), onCell: printRow });
} catch (e) {
  if (e instanceof MatrixMismatch) { console.error(`bench:loop: ${e.message}`); process.exit(2); }
  throw e;
}
const rows = result.cells;
console.log(`\n${result.interrupted ? 'stopped by a signal: ' : ''}${rows.length} of ${result.planned} cells done (${result.ran} run now, ${result.skipped} found finished)\n`);
console.log(`${'competition'.padEnd(26)} seed ${'gome test'.padStart(9)} ${'hgb test'.padStart(9)}  ${'ratio'.padStart(6)}  ${'gome medal'.padEnd(10)} ${'hgb medal'.padEnd(10)} ${'val→test gap'.padStart(12)} ${'waste'.padStart(6)} ${'hgb trials'.padStart(10)}`);
rows.forEach(printRow);

const summary = comparePaired(rows.map((r) => ({ competition: r.competition, seed: r.seed, lowerIsBetter: r.lowerIsBetter, gome: r.gome.test, baseline: r.baseline.test })));
const md = markdown(rows, summary, result.matrix.startedAt);
/** Every Gome full run's actual / estimated time, from each run's message log (the cost model's accuracy). */
const cost = costAccuracyOf(rows.flatMap((r) => {
  const log = r.gome.runDir ? join(r.gome.runDir, 'messages.jsonl') : null;
  return log && existsSync(log) ? JobLedger.fromLog(log).costPairs() : [];
}));
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, JSON.stringify({
  bench: 'loop', complete: rows.length === result.planned, startedAt: result.matrix.startedAt, savedAt: new Date().toISOString(), machine, code,
  budgetMs: defaultBudgetMs, baselineGraceMs: baselineGraceMs(defaultBudgetMs), seeds, suite, only: only ?? null, competitions: comps, gome: { preset: presetName, brain: 'offline' },
  baseline: { script: 'bench/_lib/tuned_hgb.py', sampler: 'optuna TPESampler(seed=0)', folds: 5, searchFrac: 0.85 },
  orientation: 'ratio > 1 and diff > 0 mean Gome better; valTestGap > 0 means Gome\'s validation score was optimistic',
  matrixDir: dir, runs: rows, aggregate: summary, costModel: cost, markdown: md,
}, null, 2) + '\n');

console.log('\naggregate per competition (difference oriented: > 0 means Gome better; ± standard error over seeds)');
console.log(`${'competition'.padEnd(26)} ${'metric'.padEnd(8)} pairs ${'mean diff'.padStart(10)} ${'± SE'.padStart(9)}  Gome ≥ baseline`);
for (const c of summary.competitions) {
  const verdict = c.gomeAtLeastBaseline === null ? 'n/a' : c.gomeAtLeastBaseline ? 'yes' : 'no';
  const extra = c.gomeOnlyValid || c.baselineOnlyValid ? ` (only Gome valid ${c.gomeOnlyValid}, only baseline valid ${c.baselineOnlyValid})` : '';
  console.log(`${c.competition.padEnd(26)} ${(rows.find((r) => r.competition === c.competition)?.metric ?? '').padEnd(8)} ${String(c.pairs).padStart(5)} ${f5(c.meanDiff, 10)} ${f5(c.seDiff)}  ${verdict}${extra}`);
}
console.log(`Gome ≥ baseline on ${summary.gomeAtLeastBaseline}/${summary.decided} competitions\n`);
console.log(`cost model over ${cost.pairs} full runs: median actual/estimated ${f3(cost.median_ratio)} (the jobs' raw extrapolation: ${f3(cost.median_ratio_raw)}), `
  + `median fold error ${f3(cost.median_fold_error)}× (target: within 1.5×)\n`);
console.log('Markdown for bench/README.md:\n');
console.log(md);
console.log(`\nresults: ${outPath}`);
