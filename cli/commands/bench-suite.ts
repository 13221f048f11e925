// gome bench: runs every local competition for several seeds and writes the aggregate MLE-bench report (mean ± SEM).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aggregateReports, medalLabel, type CompetitionReport } from '../../grading/report.ts';
import type { RunConfigInput } from '../../protocols/config.ts';
import { runCompetition } from '../run/run-session.ts';

/** Suites: every bundled competition, or one half (bench/README.md: the test half reports comparisons, dev tunes). */
export const SUITES = ['local', 'test', 'dev'] as const;
export type SuiteName = (typeof SUITES)[number];

export function localCompetitions(benchDir: string, suite: SuiteName = 'local'): string[] {
  return readdirSync(benchDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('_') && existsSync(join(benchDir, d.name, 'competition.json')))
    .filter((d) => suite === 'local' || (JSON.parse(readFileSync(join(benchDir, d.name, 'competition.json'), 'utf8')) as { suite?: string }).suite === suite)
    .map((d) => d.name).sort();
}

export interface SuiteOptions {
  benchDir: string; runsRoot: string; seeds: number; budgetMs: number; only?: string[]; suite?: SuiteName;
  config?: Partial<RunConfigInput>; say: (s: string) => void; natsUrl?: string;
  /** Ctrl-C stops the current run gracefully and ends the suite with the runs done so far (the CLI sets it). */
  handleSignals?: boolean;
}

export async function runSuite(o: SuiteOptions): Promise<{ dir: string; aggregate: ReturnType<typeof aggregateReports> }> {
  const comps = (o.only?.length ? o.only : localCompetitions(o.benchDir, o.suite));
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const dir = resolve(o.runsRoot, `bench-${stamp}`);
  mkdirSync(dir, { recursive: true });
  const reports: CompetitionReport[] = [];
  const seeds: number[] = [];
  const rows: string[] = [];
  let k = 0;
  let interrupted = false;
  suite: for (let seed = 0; seed < o.seeds; seed++) {
    for (const c of comps) {
      k++;
      o.say(`\n=== [${k}/${comps.length * o.seeds}] ${c} seed ${seed} ===`);
      const r = await runCompetition({
        competitionDir: join(o.benchDir, c), runsRoot: dir, runId: `${c}-s${seed}`, natsUrl: o.natsUrl,
        config: { ...o.config, budgetMs: o.budgetMs, seed }, progress: null, handleSignals: o.handleSignals ?? false,
      });
      const rep = r.report as unknown as CompetitionReport;
      if (rep) { reports.push(rep); seeds.push(seed); }
      const medal = medalLabel(rep ?? null);
      const line = `${c.padEnd(28)} seed ${seed}  first ${fmt(r.metrics.first_score)}  best cv ${fmt(r.metrics.best_score)}  test ${fmt(rep?.score ?? null)}  ${medal}`;
      rows.push(line);
      o.say(line);
      if (r.status === 'stopped' && r.stopReason?.startsWith('signal')) { interrupted = true; break suite; }
    }
  }
  if (interrupted) o.say('\nthe suite was stopped by a signal: the aggregate below covers only the runs that were done');
  const aggregate = aggregateReports(reports, seeds);
  writeFileSync(join(dir, 'aggregate.json'), JSON.stringify({ ...aggregate, interrupted }, null, 2));
  const p = aggregate.percentages;
  const pct = (m: { mean: number; sem: number }) => `${m.mean.toFixed(1)}% ± ${m.sem.toFixed(1)}`;
  o.say(`\n${rows.join('\n')}\n\nany medal ${pct(p.any_medal)}  gold ${pct(p.gold_medal)}  silver ${pct(p.silver_medal)}  bronze ${pct(p.bronze_medal)}  above median ${pct(p.above_median)}  valid ${pct(p.valid_submissions)}\naggregate: ${join(dir, 'aggregate.json')}`);
  return { dir, aggregate };
}

function fmt(x: number | null): string { return x === null ? 'n/a'.padStart(8) : x.toFixed(5).padStart(8); }
