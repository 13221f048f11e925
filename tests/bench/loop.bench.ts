// bench:loop — Gome (offline brain) against the fixed tuned-HGB baseline (bench/_lib/tuned_hgb.py), in the same run,
// on every competition of a suite half × seeds, each with the same wall budget, cores and sealed sandbox: both test
// scores, their ratio, medals, Gome's validation-to-test gap, its wasted budget share, the baseline's trial count,
// then per competition the mean paired difference ± SE. Writes JSON and prints a Markdown table for bench/README.md.
// Env: GOME_LOOP_SUITE=test|dev|local (test), GOME_LOOP_ONLY=a,b, GOME_LOOP_SEEDS=0,1,2 (0,1,2), GOME_LOOP_BUDGET=5m (5m),
// GOME_LOOP_PRESET=quick (quick), GOME_LOOP_OUT=path.json (bench/results/loop-<date>.json).
import { costAccuracyOf, JobLedger } from '../../cli/run/job-ledger.ts';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { localCompetitions, SUITES, type SuiteName } from '../../cli/commands/bench-suite.ts';
import { runCompetition, type RunResult } from '../../cli/run/run-session.ts';
import { ensurePrepared } from '../../cli/run/prepare.ts';
import { parseDuration } from '../../cli/duration.ts';
import { PRESETS } from '../../protocols/presets.ts';
import { medalLabel, type CompetitionReport } from '../../grading/report.ts';
import { baselineGraceMs, runTunedHgb, type TunedHgbResult } from '../../bench/baseline/tuned-hgb.ts';
import { comparePaired, orientedDifference, orientedRatio, type PairedSummary } from '../../bench/baseline/paired.ts';

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
const preset = PRESETS[presetName];
if (!preset) throw new Error(`GOME_LOOP_PRESET was "${presetName}"; use one of ${Object.keys(PRESETS).join(', ')}`);
const { description: _description, ...presetConfig } = preset;
const started = new Date();
const stamp = started.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
const outPath = resolve(env.GOME_LOOP_OUT ?? join(BENCH, 'results', `loop-${stamp}.json`));
const runs = mkdtempSync(join(tmpdir(), 'gome-loop-'));
const machine = { nproc: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };

interface GomeSide {
  test: number | null; medal: string; valid: boolean; status: string | null; error: string | null;
  /** metrics.json selection_score (the harness CV score of the final choice) and confirmation_score (held-back slice). */
  selectionScore: number | null; confirmationScore: number | null;
  /** Test score worse than the selection score by this much (oriented: > 0 means the validation score was optimistic). */
  valTestGap: number | null;
  /** metrics.json waste_frac (budget share wasted), null when the run does not record it. */
  wasteFrac: number | null;
  firstScore: number | null; experiments: number | null; utilisationAfterFirstJob: number | null; runDir: string | null;
}
interface BaselineSide {
  test: number | null; medal: string; valid: boolean; status: string | null; reason: string | null; error: string | null;
  trials: number | null; bestCv: number | null; searchEndedFrac: number | null; refit: string | null;
  wallMs: number | null; limitMs: number | null; invalidReason: string | null; workdir: string | null;
}
interface LoopRun {
  competition: string; seed: number; metric: string; lowerIsBetter: boolean; gome: GomeSide; baseline: BaselineSide;
  /** Each side's wall budget: the default, or the budget the competition states (competition.json budgetMinutes). */
  budgetMs: number;
  /** > 1 means Gome better (Gome / baseline for higher-is-better metrics, baseline / Gome for lower-is-better). */
  ratio: number | null;
  /** > 0 means Gome better (the oriented paired difference). */
  diff: number | null;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const f5 = (x: number | null, w = 9) => (x === null ? 'n/a' : x.toFixed(5)).padStart(w);
const f3 = (x: number | null, w = 6) => (x === null ? 'n/a' : x.toFixed(3)).padStart(w);
const pct = (x: number | null, w = 6) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`).padStart(w);
const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function readMetricsJson(runDir: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(runDir, 'metrics.json'), 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch { return {}; }
}

function gomeSide(r: RunResult | null, error: string | null, lowerIsBetter: boolean): GomeSide {
  const rep = (r?.report ?? null) as Partial<CompetitionReport> | null;
  const test = num(rep?.score);
  const m = r ? readMetricsJson(r.runDir) : {};
  const selectionScore = num(m.selection_score) ?? num(r?.metrics.selection_score);
  return {
    test, medal: medalLabel(rep), valid: test !== null, status: r?.status ?? null, error,
    selectionScore, confirmationScore: num(m.confirmation_score),
    valTestGap: test === null || selectionScore === null ? null : lowerIsBetter ? test - selectionScore : selectionScore - test,
    wasteFrac: num(m.waste_frac), firstScore: num(m.first_score), experiments: num(m.experiments),
    utilisationAfterFirstJob: num(m.gpu_utilisation_after_first_job), runDir: r?.runDir ?? null,
  };
}

function baselineSide(b: TunedHgbResult | null, error: string | null): BaselineSide {
  const test = num(b?.report?.score);
  return {
    test, medal: medalLabel(b?.report ?? null), valid: test !== null, status: b?.status ?? null, reason: b?.reason ?? null, error,
    trials: b?.output.trials ?? null, bestCv: b?.output.bestCv ?? null, searchEndedFrac: b?.output.searchEndedFrac ?? null,
    refit: b?.output.refit ?? null, wallMs: b?.wallMs ?? null, limitMs: b?.limitMs ?? null, invalidReason: b?.invalidReason ?? null,
    workdir: b?.workdir ?? null,
  };
}

const mean = (xs: readonly (number | null)[]): number | null => {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
};

/** The competitions that ran at a budget of their own, as a clause ("" when none did). */
function stated(rows: readonly LoopRun[]): string {
  const own = [...new Map(rows.filter((r) => r.budgetMs !== defaultBudgetMs).map((r) => [r.competition, r.budgetMs])).entries()];
  return own.length ? ` (${own.map(([c, ms]) => `\`${c}\` at its stated ${ms / 60_000} min`).join(', ')})` : '';
}

function markdown(rows: readonly LoopRun[], summary: PairedSummary): string {
  const g = (x: number | null) => (x === null ? 'n/a' : Number(x.toPrecision(5)).toString());
  const lines = [
    `Run of ${started.toISOString().slice(0, 10)} on ${machine.nproc} cores (${machine.cpu}); budget ${defaultBudgetMs / 1000} s per run for each side${stated(rows)}; ` +
      `seeds ${seeds.join(', ')}; suite ${only?.length ? `only ${only.join(', ')}` : suite}; Gome preset \`${presetName}\`, offline brain. ` +
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

function save(rows: readonly LoopRun[], done: boolean): { summary: PairedSummary; md: string } {
  const summary = comparePaired(rows.map((r) => ({ competition: r.competition, seed: r.seed, lowerIsBetter: r.lowerIsBetter, gome: r.gome.test, baseline: r.baseline.test })));
  const md = markdown(rows, summary);
  mkdirSync(dirname(outPath), { recursive: true });
  writeFileSync(outPath, JSON.stringify({
    bench: 'loop', complete: done, startedAt: started.toISOString(), savedAt: new Date().toISOString(), machine,
    budgetMs: defaultBudgetMs, baselineGraceMs: baselineGraceMs(defaultBudgetMs), seeds, suite, only: only ?? null, competitions: comps, gome: { preset: presetName, brain: 'offline' },
    baseline: { script: 'bench/_lib/tuned_hgb.py', sampler: 'optuna TPESampler(seed=0)', folds: 5, searchFrac: 0.85 },
    orientation: 'ratio > 1 and diff > 0 mean Gome better; valTestGap > 0 means Gome\'s validation score was optimistic',
    runsDir: runs, runs: rows, aggregate: summary, markdown: md,
  }, null, 2) + '\n');
  return { summary, md };
}

const hours = (comps.length * seeds.length * 2 * defaultBudgetMs) / 3_600_000;
console.log(`bench:loop  Gome (offline brain, preset ${presetName}) vs tuned HGB (Optuna TPE seed 0, 5-fold CV, search to 85% of the budget, refit in the rest)`);
console.log(`  ${comps.length} competition(s) × seeds ${seeds.join(',')} × 2 sides × ${defaultBudgetMs / 1000} s ≈ ${hours.toFixed(2)} h of budgets (more where a competition states its own budget); ${machine.nproc} cores (${machine.cpu})`);
console.log(`  runs in ${runs}; results to ${outPath}`);
console.log('  ratio > 1 means Gome better (Gome/baseline, or baseline/Gome for lower-is-better metrics); gap = how much worse test is than Gome\'s selection score (> 0: optimistic)\n');
console.log(`${'competition'.padEnd(26)} seed ${'gome test'.padStart(9)} ${'hgb test'.padStart(9)}  ${'ratio'.padStart(6)}  ${'gome medal'.padEnd(10)} ${'hgb medal'.padEnd(10)} ${'val→test gap'.padStart(12)} ${'waste'.padStart(6)} ${'hgb trials'.padStart(10)}`);

const rows: LoopRun[] = [];
/** Every Gome full run's actual / estimated time, from each run's message log (the cost model's accuracy). */
const costPairs: Array<{ jobId: string; ratio: number; rawRatio: number | null }> = [];
for (const seed of seeds) {
  for (const c of comps) {
    const dir = join(BENCH, c);
    const comp = await ensurePrepared(dir, '/usr/bin/python3');
    // a competition that states its own budget (the image task) runs at it, both sides
    const budgetMs = comp.budgetMinutes ? comp.budgetMinutes * 60_000 : defaultBudgetMs;
    let gome: RunResult | null = null;
    let gomeError: string | null = null;
    try {
      gome = await runCompetition({ competitionDir: dir, runsRoot: runs, runId: `${c}-s${seed}`, progress: null,
        config: { ...presetConfig, preset: presetName, budgetMs, seed } });
    } catch (e) { gomeError = errText(e); }
    let base: TunedHgbResult | null = null;
    let baseError: string | null = null;
    try {
      base = await runTunedHgb({ competitionDir: dir, runDir: join(runs, `${c}-s${seed}-tuned-hgb`), budgetMs });
    } catch (e) { baseError = errText(e); }
    const g = gomeSide(gome, gomeError, comp.lowerIsBetter);
    if (gome && existsSync(join(gome.runDir, 'messages.jsonl'))) costPairs.push(...JobLedger.fromLog(join(gome.runDir, 'messages.jsonl')).costPairs());
    const b = baselineSide(base, baseError);
    const row: LoopRun = { competition: c, seed, metric: comp.metric, lowerIsBetter: comp.lowerIsBetter, gome: g, baseline: b, budgetMs,
      ratio: orientedRatio(g.test, b.test, comp.lowerIsBetter), diff: orientedDifference(g.test, b.test, comp.lowerIsBetter) };
    rows.push(row);
    save(rows, false);
    console.log(`${c.padEnd(26)} ${String(seed).padStart(4)} ${f5(g.test)} ${f5(b.test)}  ${f3(row.ratio)}  ${g.medal.padEnd(10)} ${b.medal.padEnd(10)} ${f5(g.valTestGap, 12)} ${pct(g.wasteFrac)} ${String(b.trials ?? 'n/a').padStart(10)}`);
    for (const [who, err] of [['gome', g.error], ['baseline', b.error ?? (b.status !== 'ok' ? `job ${b.status}: ${b.reason}` : b.invalidReason)]] as const) {
      if (err) console.log(`  ${who}: ${err}`);
    }
  }
}

const { summary, md } = save(rows, true);
console.log('\naggregate per competition (difference oriented: > 0 means Gome better; ± standard error over seeds)');
console.log(`${'competition'.padEnd(26)} ${'metric'.padEnd(8)} pairs ${'mean diff'.padStart(10)} ${'± SE'.padStart(9)}  Gome ≥ baseline`);
for (const c of summary.competitions) {
  const verdict = c.gomeAtLeastBaseline === null ? 'n/a' : c.gomeAtLeastBaseline ? 'yes' : 'no';
  const extra = c.gomeOnlyValid || c.baselineOnlyValid ? ` (only Gome valid ${c.gomeOnlyValid}, only baseline valid ${c.baselineOnlyValid})` : '';
  console.log(`${c.competition.padEnd(26)} ${(rows.find((r) => r.competition === c.competition)?.metric ?? '').padEnd(8)} ${String(c.pairs).padStart(5)} ${f5(c.meanDiff, 10)} ${f5(c.seDiff)}  ${verdict}${extra}`);
}
console.log(`Gome ≥ baseline on ${summary.gomeAtLeastBaseline}/${summary.decided} competitions\n`);
const cost = costAccuracyOf(costPairs);
console.log(`cost model over ${cost.pairs} full runs: median actual/estimated ${f3(cost.median_ratio)} (the jobs' raw extrapolation: ${f3(cost.median_ratio_raw)}), `
  + `median fold error ${f3(cost.median_fold_error)}× (target: within 1.5×)\n`);
console.log('Markdown for bench/README.md:\n');
console.log(md);
console.log(`\nresults: ${outPath}${existsSync(outPath) ? '' : ' (not written)'}`);
