// The tuned-HGB baseline of bench:loop: bench/_lib/tuned_hgb.py runs as one job on a GPU node of its own — the same
// sealed bwrap sandbox, thread count and interpreter as Gome's jobs, the competition's public/ as its data — with the
// wall budget as its limit (plus a small grace, past which the node kills it); its submission is graded like Gome's.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JobStatus } from '../../protocols/domain.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { createRootLogger } from '../../runtime/logger.ts';
import { gradeToReport, type CompetitionReport } from '../../grading/report.ts';
import type { Competition } from '../../grading/competition.ts';
import { BudgetClock } from '../../gpu-node/budget-clock.ts';
import { GpuNode } from '../../gpu-node/gpu-node.ts';
import { sealFor } from '../../gpu-node/seal.ts';
import { ensurePrepared } from '../../cli/run/prepare.ts';
import { lowerIsBetter } from '../../protocols/metric-table.ts';
import { BENCH_METRICS_PY, pythonFunction } from '../../actors/brain/script-assembler.ts';

export const TUNED_HGB_SCRIPT = resolve(import.meta.dirname, '../_lib/tuned_hgb.py');
const INLINE_MARK = '# gome:inline';
/** The graders' helpers the baseline shares (bench/_lib/metrics.py), inlined into its sandboxed job. */
const SHARED_FUNCTIONS = ['label_key', 'conventional_positive'] as const;
export const TUNED_HGB_JOB = 'tuned-hgb';
/** The search stops at this share of the budget; the rest is the refit's reserve (fixed in tuned_hgb.py). */
export const SEARCH_FRAC = 0.85;
/** The line of tuned_hgb.py the runner replaces with the job's config. */
const CONFIG_LINE = 'CONFIG = None  # the runner (bench/baseline/tuned-hgb.ts) replaces this line with the job\'s config';

/** Past the budget, the job may take this long to exit before the node kills it: 2% of the budget, at least 5 s. */
export function baselineGraceMs(budgetMs: number): number {
  return Math.max(5_000, Math.round(0.02 * budgetMs));
}

/** What tuned_hgb.py tells about itself on stdout (KEY=VALUE lines; the last one of each key wins). */
export interface TunedHgbOutput {
  trials: number | null;
  bestCv: number | null;
  bestParams: Record<string, number> | null;
  /** How the search ended: "deadline" (stopped at 85% of the budget), "done" or "failed". */
  searchStop: string | null;
  searchEndedS: number | null;
  searchEndedFrac: number | null;
  /** "full" (refit on all rows), "fold-average" (the refit did not finish: the best trial's fold models), "none". */
  refit: string | null;
  refitProblem: string | null;
  refitS: number | null;
  endedS: number | null;
  threads: string | null;
}

export function parseTunedHgbOutput(stdout: string): TunedHgbOutput {
  const kv = new Map<string, string>();
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^BASELINE_([A-Z_]+)=(.*)$/.exec(line.trim());
    if (m) kv.set(m[1]!, m[2]!);
  }
  const num = (k: string): number | null => {
    const v = kv.get(k);
    if (v === undefined || v.trim() === '') return null;
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  };
  let bestParams: Record<string, number> | null = null;
  const params = kv.get('BEST_PARAMS');
  if (params !== undefined) {
    try {
      const parsed: unknown = JSON.parse(params);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
        bestParams = Object.fromEntries(Object.entries(parsed).filter((e): e is [string, number] => typeof e[1] === 'number'));
      }
    } catch { /* left null */ }
  }
  return {
    trials: num('TRIALS'), bestCv: num('BEST_CV'), bestParams, searchStop: kv.get('SEARCH_STOP') ?? null,
    searchEndedS: num('SEARCH_ENDED_S'), searchEndedFrac: num('SEARCH_ENDED_FRAC'), refit: kv.get('REFIT') ?? null,
    refitProblem: kv.get('REFIT_PROBLEM') ?? null, refitS: num('REFIT_S'), endedS: num('ENDED_S'), threads: kv.get('THREADS') ?? null,
  };
}

/** The job's main.py: tuned_hgb.py with the competition's conventions and the budget written into it. */
export function tunedHgbJobCode(comp: Competition, budgetMs: number, script = readFileSync(TUNED_HGB_SCRIPT, 'utf8')): string {
  const config = {
    metric: comp.metric, taskType: comp.taskType, idColumn: comp.idColumn, targetColumns: comp.targetColumns,
    labelColumn: comp.answerColumn ?? comp.targetColumns[0], classes: comp.classes ?? null,
    positiveClass: comp.positiveClass ?? null, lowerIsBetter: lowerIsBetter(comp.metric),
    budgetSeconds: budgetMs / 1000, dataDir: null, outDir: null,
  };
  if (script.split(CONFIG_LINE).length !== 2) throw new Error(`${TUNED_HGB_SCRIPT} must hold the line "${CONFIG_LINE}" exactly once`);
  // a JSON string literal is a valid Python string literal
  return inlineShared(script).replace(CONFIG_LINE, `CONFIG = json.loads(${JSON.stringify(JSON.stringify(config))})`);
}

/**
 * The script's "# gome:inline" lines (sys.path and the import of the graders' helpers from bench/_lib/metrics.py)
 * replaced by those helpers' code: the sandboxed job cannot see bench/_lib, and the helpers keep one source.
 */
function inlineShared(script: string): string {
  const lines = script.split('\n');
  const at = lines.findIndex((l) => l.endsWith(INLINE_MARK));
  if (at < 0 || lines.filter((l) => l.endsWith(INLINE_MARK)).length !== 2 || !lines[at + 1]!.endsWith(INLINE_MARK)) {
    throw new Error(`${TUNED_HGB_SCRIPT} must hold two consecutive lines ending "${INLINE_MARK}"`);
  }
  const metrics = readFileSync(BENCH_METRICS_PY, 'utf8');
  const code = ['import numpy as np  # label_key tests numbers with np.isfinite',
    ...SHARED_FUNCTIONS.map((f) => pythonFunction(metrics, f, BENCH_METRICS_PY))].join('\n\n\n');
  return [...lines.slice(0, at), code, ...lines.slice(at + 2)].join('\n');
}

export interface TunedHgbOptions {
  competitionDir: string;
  /** The baseline's own run dir: jobs/tuned-hgb/ (the workspace), gpu-node.log, budget.json, submission.csv. */
  runDir: string;
  budgetMs: number;
  graceMs?: number;
  python?: string;
}

export interface TunedHgbResult {
  competition: string;
  status: JobStatus;
  reason: string | null;
  budgetMs: number;
  /** The job's limit: budget + grace. */
  limitMs: number;
  wallMs: number;
  sandbox: string;
  output: TunedHgbOutput;
  /** The graded submission (a copy in runDir), null when the job did not end ok with one. */
  submissionPath: string | null;
  /** The MLE-bench report, null when the folder has no answers or leaderboard. */
  report: CompetitionReport | null;
  invalidReason: string | null;
  workdir: string;
}

export async function runTunedHgb(o: TunedHgbOptions): Promise<TunedHgbResult> {
  const python = o.python ?? '/usr/bin/python3';
  const comp = await ensurePrepared(o.competitionDir, python);
  const runDir = resolve(o.runDir);
  mkdirSync(runDir, { recursive: true });
  const limitMs = o.budgetMs + (o.graceMs ?? baselineGraceMs(o.budgetMs));
  const clock = new SystemClock();
  // the node's budget clock has a second more than the limit, so admission never trims the job's limit
  const budget = BudgetClock.start(clock, { budgetMs: limitMs + 1_000, file: join(runDir, 'budget.json') });
  const gpu = new GpuNode({
    jobsRoot: join(runDir, 'jobs'), budget, sandbox: 'bwrap', python, seal: sealFor(comp.root), clock,
    logger: createRootLogger({ level: 'info', destination: join(runDir, 'gpu-node.log') }),
  });
  try {
    await gpu.ready(); // a sandbox that cannot start is an error, never an unsealed fallback
    const job = await gpu.submit({
      jobId: TUNED_HGB_JOB, mode: 'full', code: tunedHgbJobCode(comp, o.budgetMs), dataDir: comp.publicDir, limitMs,
      estimatedMs: null, sampleSubmission: comp.sampleSubmissionPath, score: false,
    });
    const stdout = (() => { try { return readFileSync(join(job.workdir, 'stdout.log'), 'utf8'); } catch { return job.stdoutTail; } })();
    const produced = join(job.workdir, 'submission.csv');
    const submissionPath = job.status === 'ok' && existsSync(produced) ? join(runDir, 'submission.csv') : null;
    if (submissionPath) copyFileSync(produced, submissionPath);
    let report: CompetitionReport | null = null;
    let invalidReason: string | null = null;
    if (existsSync(comp.answersPath) && existsSync(comp.leaderboardPath)) {
      const g = await gradeToReport(submissionPath ?? join(runDir, 'submission.csv'), comp);
      report = g.report;
      invalidReason = g.invalid?.message ?? null;
    }
    return {
      // an ok job's reason lists the Gome job contract it does not follow (scores.csv): only its submission check matters
      competition: comp.id, status: job.status, reason: job.status === 'ok' ? (job.submission?.ok === false ? job.submission.error : null) : job.reason, budgetMs: o.budgetMs, limitMs, wallMs: job.usage.wallMs,
      sandbox: job.sandbox, output: parseTunedHgbOutput(stdout), submissionPath, report, invalidReason, workdir: job.workdir,
    };
  } finally {
    await gpu.close();
  }
}
