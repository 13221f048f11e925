// Completes a run directory however the run ended (finished, stopped, failed): the best submission so far, the
// MLE-bench report, metrics, the message log, the HTML report and run_meta.json's final status. Each step is
// independent, so one that fails (say the message log after NATS died) does not cost the others.
import { copyFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunConfig, TaskInfo } from '../../protocols/index.ts';
import type { Envelope } from '../../protocols/messages.ts';
import type { Recorder } from '../../runtime/recorder.ts';
import { gradeToReport, medalLabel, type CompetitionReport } from '../../grading/report.ts';
import type { Competition } from '../../grading/competition.ts';
import type { BudgetClock } from '../../gpu-node/budget-clock.ts';
import type { RunArchive } from './run-archive.ts';
import { computeMetrics, type RunMetrics } from './run-metrics.ts';
import { JobLedger } from './job-ledger.ts';
import type { RefitResult } from './final-refit.ts';
import { renderHtmlReport } from './html-report.ts';
import { GOME_VERSION } from '../version.ts';
import { formatScore } from '../../protocols/score-format.ts';

/** The run's replay log in its run directory. */
export const RUN_LOG_FILE = 'run.gomelog';

/** finished: ended by itself (budget, iterations); stopped: a signal or the hard deadline; failed: infrastructure or an actor broke. */
export type RunStatus = 'finished' | 'stopped' | 'failed';

type Finished = Envelope<'run.finished'>['payload'];

/** What names a run and where it is: shared by the session that drives it and the step that completes it. */
export interface RunBasics {
  runId: string;
  runDir: string;
  comp: Competition;
  task: TaskInfo;
  config: RunConfig;
  /** run_meta.json as written when the run (or its latest resume) started. */
  meta: Record<string, unknown>;
}

export interface FinalizeInput extends RunBasics {
  status: RunStatus;
  stopReason: string | null;
  error: Error | null;
  /** The coordinator's run.finished, or null when the session stopped waiting for it. */
  finished: Finished | null;
  /** The final refit on every labelled row, when one was tried. */
  refit: RefitResult | null;
  archive: RunArchive | null;
  recorder: Recorder | null;
  budget: BudgetClock | null;
  /** The GPU node's figures (its own, or what a remote node answered at detach); null when there are none. */
  gpuStats: { busyMs: number; elapsedMs: number } | null;
  startedAt: number;
  wallMs: number;
  sealed: boolean;
}

export interface FinalizedRun {
  runId: string;
  runDir: string;
  status: RunStatus;
  submissionPath: string | null;
  report: Record<string, unknown> | null;
  metrics: RunMetrics;
  finished: Finished;
  stopReason: string | null;
}

/** The message log export may not hang the end of a run (NATS may be the part that failed). */
const EXPORT_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([p, new Promise<T>((_, rej) => { setTimeout(() => rej(new Error(`${what} took longer than ${ms} ms`)), ms).unref(); })]);
}

export async function finalizeRun(i: FinalizeInput): Promise<FinalizedRun> {
  const problems: string[] = [];
  const step = async <T>(what: string, fn: () => T | Promise<T>, fallback: T): Promise<T> => {
    try { return await fn(); } catch (e) { problems.push(`${what}: ${(e as Error).message}`); return fallback; }
  };

  // the confirmed pipeline's refit on every labelled row when it ran, else the best fold models' submission
  const best = i.refit?.used ? i.refit.submissionPath : (i.archive?.bestSubmission() ?? null);
  const submissionPath = best ? join(i.runDir, 'submission.csv') : null;
  if (best) await step('submission.csv', () => copyFileSync(best, submissionPath!), undefined);

  let report: Record<string, unknown> | null = null;
  if (existsSync(i.comp.answersPath) && existsSync(i.comp.leaderboardPath)) {
    report = await step('report.json', async () => {
      const g = await gradeToReport(submissionPath ?? join(i.runDir, 'submission.csv'), i.comp);
      const r = { ...g.report, invalid_reason: g.invalid?.message ?? null, sandbox: i.config.sandbox, sealed: i.sealed, run_status: i.status };
      writeFileSync(join(i.runDir, 'report.json'), JSON.stringify(r, null, 2));
      return r as Record<string, unknown>;
    }, null);
  }

  const stats = i.gpuStats;
  problems.push(...(i.archive?.fetchProblems ?? []));
  const budgetSnap = i.budget?.snapshot() ?? { startedAt: i.startedAt, budgetMs: i.config.budgetMs, usedMs: i.wallMs, remainingMs: i.config.budgetMs - i.wallMs, refundedMs: 0 };
  const metrics = i.archive
    ? computeMetrics(i.archive, budgetSnap, { busyMs: stats?.busyMs ?? 0, elapsedMs: stats?.elapsedMs ?? i.wallMs }, i.wallMs)
    : emptyMetrics(budgetSnap.budgetMs, budgetSnap.usedMs);
  await step('metrics.json', () => writeFileSync(join(i.runDir, 'metrics.json'), JSON.stringify(metrics, null, 2)), undefined);

  // one read of the run's stream gives both logs: messages.jsonl for people, run.gomelog (the messages' own bytes) for
  // gome replay RUN
  const messages = i.recorder
    ? await step('messages.jsonl', () => withTimeout(i.recorder!.exportTo({ jsonl: join(i.runDir, 'messages.jsonl'),
      log: { file: join(i.runDir, RUN_LOG_FILE), header: { config: i.config, topology: i.config.topology, gome: GOME_VERSION } } }),
    EXPORT_TIMEOUT_MS, 'exporting the message log'), null)
    : null;

  if (i.archive) {
    const archive = i.archive;
    await step('report.html', () => writeFileSync(join(i.runDir, 'report.html'), renderHtmlReport({
      title: `Gome run ${i.runId}${i.sealed ? '' : ' (UNSEALED: jobs could read the answers)'}${i.status === 'finished' ? '' : ` (${i.status})`}`,
      archive, metrics, report, config: i.config, lowerIsBetter: i.task.lowerIsBetter,
    })), undefined);
  }

  const bestExp = i.archive?.final ?? null;
  const finished: Finished = i.finished ?? {
    reason: i.status === 'failed' ? 'error' : 'stopped',
    best: bestExp ? { experiment: bestExp.id, trace: bestExp.trace, score: bestExp.score!, submissionPath: null } : null,
    iterations: i.archive?.experiments.length ?? 0,
  };
  writeFileSync(join(i.runDir, 'run_meta.json'), JSON.stringify({
    ...i.meta, status: i.status, finishedAt: new Date().toISOString(), wallMs: Math.round(i.wallMs),
    stopReason: i.stopReason, error: i.error ? { name: i.error.name, message: i.error.message } : null,
    finished, submission: submissionPath, finalRefit: i.refit, messages, gpu: stats, ...(problems.length ? { finalizeProblems: problems } : {}),
  }, null, 2));
  return { runId: i.runId, runDir: i.runDir, status: i.status, submissionPath, report, metrics, finished, stopReason: i.stopReason };
}

function emptyMetrics(budgetMs: number, usedMs: number): RunMetrics {
  return {
    experiments: 0, accepted: 0, valid_submissions: 0, valid_submission_rate: 0, time_to_first_valid_submission_ms: null,
    time_to_best_ms: null, first_score: null, best_score: null, selection_score: null, confirmation_score: null,
    first_confirmation_score: null, self_reported_best: null, accepted_after_first: 0, budget_ms: budgetMs, budget_used_ms: usedMs,
    budget_used_frac: budgetMs > 0 ? usedMs / budgetMs : 0, gpu_utilisation: 0, gpu_utilisation_after_first_job: 0,
    orchestration_overhead_ms_per_iteration: null, ...new JobLedger().waste(budgetMs), cost_model: new JobLedger().costAccuracy(), trajectory: [], llm: null, selection: null,
  };
}

const fmt = formatScore;

export function summarise(say: (l: string) => void, comp: Competition, task: TaskInfo, r: FinalizedRun): void {
  const { report, metrics: m, finished: fin } = r;
  const label = medalLabel(report as Partial<CompetitionReport> | null);
  const medal = !report ? 'ungraded' : label === '>median' ? 'above median' : label === '-' ? 'no medal' : label;
  say(`\nrun ${r.status} (${r.stopReason ?? fin.reason}) after ${fin.iterations} iterations`);
  say(`  first draft cv ${task.metric}: ${fmt(m.first_score)}   best cv (selection): ${fmt(m.best_score)}   held-back (confirmation): ${fmt(m.confirmation_score)} (first draft ${fmt(m.first_confirmation_score)})   changes accepted beyond noise: ${m.accepted_after_first}`);
  if (!report) say('  ungraded: the folder has no private/test.csv answers or leaderboard.csv');
  if (report) say(`  test ${comp.metric}: ${report.score ?? 'invalid'} → ${medal} (gold ${report.gold_threshold}, silver ${report.silver_threshold}, bronze ${report.bronze_threshold}, median ${report.median_threshold})`);
  say(`  gpu utilisation ${(m.gpu_utilisation * 100).toFixed(0)}%, valid-submission rate ${(m.valid_submission_rate * 100).toFixed(0)}%, `
    + `budget wasted ${(m.waste_frac * 100).toFixed(1)}% (${m.wasted_debug_runs} refused after their debug run, ${m.killed_full_runs} full runs killed), `
    + `cost estimates ${m.cost_model.median_ratio === null ? 'n/a' : `within ${fmt(m.cost_model.median_fold_error)}× (median actual/estimate ${fmt(m.cost_model.median_ratio)} over ${m.cost_model.pairs} runs)`}`);
  if (m.llm) {
    const t = m.llm.total;
    const roles = Object.entries(m.llm.byRole).map(([k, v]) => `${k} ${v.calls} calls, ${v.promptTokens + v.completionTokens} tokens${v.costUsd === null ? '' : `, $${v.costUsd.toFixed(4)}`}`).join('; ');
    say(`  LLM: ${t.calls} calls (${t.failed} failed), ${t.promptTokens} prompt + ${t.completionTokens} completion tokens, ${(t.latencyMs / 1000).toFixed(1)} s waiting, `
      + `cost ${t.costUsd === null ? 'unknown (no prices for a model in --llm-config)' : `$${t.costUsd.toFixed(4)}`} — ${roles}${m.llm.capReached ? `\n  LLM cap: ${m.llm.capReached}` : ''}`);
  }
  say(`  outputs: ${r.runDir}/{submission.csv,report.json,metrics.json,report.html,messages.jsonl,run.gomelog,run_meta.json}`);
}
