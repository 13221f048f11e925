// bench:loop — the Gome loop on every bundled competition: best vs first draft vs medal bars, GPU-node utilisation, overhead.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localCompetitions } from '../../cli/commands/bench-suite.ts';
import { runCompetition } from '../../cli/run/run-session.ts';
import { parseDuration } from '../../cli/duration.ts';
import { isBetter } from '../../actors/validator/run-checks.ts';
import { medalLabel, type CompetitionReport } from '../../runtime/grading/report.ts';

const REPO = resolve(import.meta.dirname, '../..');
const budgetMs = parseDuration(process.env.GOME_LOOP_BUDGET ?? '2m');
const only = process.env.GOME_LOOP_ONLY?.split(',').filter(Boolean);
const comps = only?.length ? only : localCompetitions(join(REPO, 'bench'));
const runs = mkdtempSync(join(tmpdir(), 'gome-loop-'));
const f = (x: unknown) => (typeof x === 'number' ? x.toFixed(5) : 'n/a').padStart(9);

console.log(`bench:loop  budget ${budgetMs / 1000}s per competition, offline brain, seed 0, preset quick (runs in ${runs})`);
console.log(`${'competition'.padEnd(26)} ${'first cv'.padStart(9)} ${'best cv'.padStart(9)} ${'test'.padStart(9)} ${'median'.padStart(9)} ${'bronze'.padStart(9)} ${'gold'.padStart(9)}  medal     iters  util(after 1st job)  overhead/iter`);
let improved = 0;
let medals = 0;
for (const c of comps) {
  const r = await runCompetition({ competitionDir: join(REPO, 'bench', c), runsRoot: runs, runId: c, progress: null,
    config: { budgetMs, seed: 0, preset: 'quick', limits: { debugMs: 60_000, fullMs: 300_000 } } });
  const rep = r.report ?? {};
  const m = r.metrics;
  const lower = rep.is_lower_better === true;
  if (m.first_score !== null && m.best_score !== null && isBetter(m.best_score, m.first_score, lower)) improved++;
  const medal = medalLabel(r.report as Partial<CompetitionReport> | null);
  if (rep.any_medal) medals++;
  console.log(`${c.padEnd(26)} ${f(m.first_score)} ${f(m.best_score)} ${f(rep.score)} ${f(rep.median_threshold)} ${f(rep.bronze_threshold)} ${f(rep.gold_threshold)}  ${medal.padEnd(8)} ${String(m.experiments).padStart(5)}  ${(m.gpu_utilisation_after_first_job * 100).toFixed(1).padStart(6)}%              ${String(m.orchestration_overhead_ms_per_iteration ?? 'n/a').padStart(6)} ms`);
}
console.log(`\nimproved over the first draft on ${improved}/${comps.length}; any medal on ${medals}/${comps.length}; utilisation target ≥ 90% after the first job starts`);
