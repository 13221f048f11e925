// The GPU node: one serialised queue of sandboxed Python jobs under the run's budget clock, with admission control;
// every submitted job ends as a JobOutcome (ok / error / timeout / refused / infra), never as a thrown error.
import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Budget, HarnessScores, JobOutcome, JobStatus } from '../protocols/domain.ts';
import type { JobScorer } from '../grading/harness-scorer.ts';
import type { Payload } from '../protocols/messages.ts';
import { ADMISSION_SAFETY } from '../protocols/config.ts';
import type { Clock } from '../runtime/clock.ts';
import { fileSha, type ArtifactStore } from '../runtime/artifact-store.ts';
import { decideAdmission, effectiveLimitMs, scoredJobsClosed } from './admission.ts';
import { CircuitBreaker, classifyInfra, type InfrastructureFailing } from './circuit-breaker.ts';
import { CostModel } from './cost-model.ts';
import type { BudgetClock } from './budget-clock.ts';
import { InvalidJob, NodeClosed, WorkspaceFailed } from './errors.ts';
import { cudaVisibleDevices, detectGpus, type GpuInfo } from './gpu-detect.ts';
import { JobQueue, type QueueStats } from './job-queue.ts';
import { collectOutputs, SUBMISSION_FILE, type JobOutputs } from './outputs.ts';
import type { ProcessResult } from './process-runner.ts';
import { overrunReason, ProgressWatch, type Overrun } from './progress-watch.ts';
import { requirePython, resolveSandbox, type JobView, type SandboxBackend, type SandboxKind } from './sandbox.ts';
import type { Seal } from './seal.ts';

export type JobSubmit = Payload<'job.submit'>;

export interface GpuNodeOptions {
  /** jobs run in fresh workspaces `<jobsRoot>/<jobId>/` */
  jobsRoot: string;
  budget: BudgetClock;
  /** "bwrap" (sealed) or "none" (explicitly unsealed); a bwrap that cannot start is a typed error, never a fallback */
  sandbox: SandboxKind;
  /** what a sealed job must not see beyond the allow-list, e.g. sealFor(competitionRoot) from seal.ts */
  seal?: Seal;
  /** the interpreter jobs run with, e.g. /usr/bin/python3 */
  python: string;
  logger: Logger;
  clock: Clock;
  /** a ready backend (e.g. a dockerode one); overrides `sandbox` */
  backend?: SandboxBackend;
  /** thread count exported as OMP_NUM_THREADS etc.; default: this machine's cpu count */
  cpus?: number;
  /** GPUs to expose; default: detected with nvidia-smi */
  gpus?: GpuInfo[];
  /** address-space limit applied to the job's python (RLIMIT_AS); default none */
  memoryLimitMb?: number | null;
  /** bwrap binary (default "bwrap" on PATH) */
  bwrap?: string;
  tailBytes?: number;
  sampleMs?: number;
  /** Called once when consecutive infrastructure failures open the circuit breaker (the run must stop). */
  onBreakerOpen?: (err: InfrastructureFailing) => void;
  /** The cost model correcting debug-run estimates (default: a fresh one per node). */
  costModel?: CostModel;
  /** Scores each finished job's prediction files on labels the job never saw (the harness's side of the contract). */
  scorer?: JobScorer;
  /** The data folders this node holds, by artifact id (a job names its data by id: job.submit's `data`). */
  datasets?: ReadonlyMap<string, string>;
  /** Where a job's submission.csv is put for another host to fetch (a remote node); absent: only its id is computed. */
  artifacts?: ArtifactStore;
  /**
   * Jobs a lost node (another host's) was running, by id, with the charged time when each started: run again here,
   * what that node charged for them is refunded (the taken-over budget includes it).
   */
  lostAttempts?: ReadonlyMap<string, number>;
  /** Awaited as each job starts, once running() names it (a remote node writes its lease then: a node taking over knows it). */
  onJobStart?: () => Promise<void>;
}

export interface GpuNodeStats extends QueueStats {
  sandbox: string | null;
  gpus: GpuInfo[] | null;
  byStatus: Record<JobStatus, number>;
}

interface Ready { backend: SandboxBackend; python: string; gpus: GpuInfo[] }

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const STATS_DIR = '.gome';
/** Every job start, one line each (job id, node incarnation, clock ms), in the jobs root: counted from outside the node. */
export const STARTS_LOG = '.starts.log';
/** A job's own start record in its workspace: which incarnation of the node started it, at what charged time. */
const START_FILE = 'start.json';

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

export class GpuNode {
  private readonly queue: JobQueue;
  private readyP: Promise<Ready> | null = null;
  private ready_: Ready | null = null;
  private closed = false;
  private current: AbortController | null = null;
  private readonly counts: Record<JobStatus, number> = { ok: 0, error: 0, timeout: 0, refused: 0, infra: 0 };
  private readonly breaker = new CircuitBreaker();
  /** Learns the ratio of actual to raw-estimated full-run time; corrects every debug run's estimate. */
  private readonly cost: CostModel;
  /** Budget scored jobs must leave for the final refit (holdForRefit) … */
  private refitReserve = 0;
  /** … and the reserve the coordinator last asked for (null before it asked for one). */
  private refitAsked: number | null = null;
  /** The fastest scored full run measured in this run: a debug run whose full run could not be faster is not started. */
  private fastestFullMs: number | null = null;
  /** This process's life of the node (a job started by another life and found again was cut by that life's end) … */
  private readonly incarnation = randomBytes(6).toString('hex');
  /** … and the charged time when it began (what an earlier life charged ends there). */
  private readonly elapsedAtOpen: number;
  /** The job running now, and the charged time when it started. */
  private runningJob: { jobId: string; elapsedMs: number } | null = null;
  /** Lost attempts (lostAttempts) already refunded. */
  private readonly refundedLost = new Set<string>();

  constructor(private readonly opts: GpuNodeOptions) {
    this.queue = new JobQueue(opts.clock);
    this.cost = opts.costModel ?? new CostModel();
    this.elapsedAtOpen = opts.budget.elapsedMs();
  }

  /** The job running now and the charged time at its start (what a node taking over must refund if this one is lost). */
  running(): { jobId: string; elapsedMs: number } | null { return this.runningJob; }

  /** The cost model's current correction factor and how many measured pairs it rests on. */
  costCorrection(): { factor: number; pairs: number } { return { factor: this.cost.factor(), pairs: this.cost.pairs }; }

  /** Resolves the sandbox backend, the interpreter and the GPUs once; rejects with a typed error (BinaryNotFound, SandboxUnavailable). */
  ready(): Promise<Ready> {
    if (!this.readyP) {
      this.readyP = (async () => {
        const python = requirePython(this.opts.python);
        const backend = this.opts.backend ?? await resolveSandbox(this.opts.sandbox, { logger: this.opts.logger, bwrap: this.opts.bwrap });
        const gpus = this.opts.gpus ?? await detectGpus();
        this.opts.logger.info({ sandbox: backend.name, python, gpus: gpus.length }, 'gpu node ready');
        this.ready_ = { backend, python, gpus };
        return this.ready_;
      })();
      this.readyP.catch(() => { this.readyP = null; }); // retry on the next job
    }
    return this.readyP;
  }

  /** Queues the job; resolves with its outcome once it has run (or was refused). Never rejects. */
  submit(job: JobSubmit): Promise<JobOutcome> {
    if (this.closed || this.breaker.open) {
      const now = this.opts.clock.now();
      return Promise.resolve(this.infra(job, now, this.breaker.open?.message ?? new NodeClosed().message));
    }
    return this.queue.run(() => this.run(job)).catch((e: unknown) => {
      const now = this.opts.clock.now();
      return this.infra(job, now, `unexpected gpu-node failure: ${(e as Error).message}`);
    });
  }

  /**
   * The cost model learns from a finished full run's wall time, and from a full run the overrun watch stopped, its
   * projected time (which errs low: the work after its folds is not in it).
   */
  private observeCost(submit: JobSubmit, result: Pick<JobOutcome, 'status' | 'mode' | 'usage' | 'projectedMs'>): void {
    if (result.mode !== 'full') return;
    const bounded = submit.boundedEstimatedMs ?? 0;
    if (result.status === 'ok') this.cost.observe(submit.rawEstimatedMs, result.usage.wallMs, bounded);
    else if (result.status === 'timeout' && typeof result.projectedMs === 'number') this.cost.observe(submit.rawEstimatedMs, result.projectedMs, bounded);
  }

  /**
   * Continues from a crashed run's log (gome resume): the cost model learns again from every finished full run, the
   * fastest full run, the refit's reserve and the job counts are as they were, and utilisation carries over.
   */
  restore(jobs: ReadonlyArray<{ submit: JobSubmit; result: JobOutcome }>, refit: { askedMs: number; heldMs: number | null } | null): void {
    let busy = 0;
    let first: number | null = null;
    let last: number | null = null;
    for (const { submit, result } of jobs) {
      this.counts[result.status]++;
      this.observeCost(submit, result);
      if (result.status === 'ok' && submit.mode === 'full' && submit.score !== false) {
        this.fastestFullMs = Math.min(this.fastestFullMs ?? Infinity, result.usage.wallMs);
      }
      busy += Math.max(0, result.endedAt - result.startedAt);
      first = Math.min(first ?? Infinity, result.startedAt);
      last = Math.max(last ?? -Infinity, result.endedAt);
    }
    if (refit !== null) this.holdRefit(refit.askedMs, refit.heldMs ?? this.feasibleRefit(refit.askedMs));
    this.queue.carryOver({ busyMs: busy, elapsedMs: first === null ? 0 : last! - first, jobs: jobs.length });
  }

  /** The budget, and (closed) why no scored job could start any more once that is so. */
  budget(): Budget {
    const b = this.opts.budget.snapshot();
    const closed = scoredJobsClosed(b.remainingMs, this.refitReserve, this.fastestFullMs);
    const held = this.refitAsked === null ? b : { ...b, refitHeldMs: this.refitReserve };
    return closed === null ? held : { ...held, closed };
  }

  /**
   * The final refit's reserve (from the coordinator's budget requests): scored jobs must leave it untouched. A reserve
   * is judged once, when it is first asked for (a new best pipeline): one larger than the budget left then is not
   * held, since that refit could never start (the final refit runs only within what is left) and holding it would end
   * the search with the time unused. Asked again unchanged, it stays as judged: the budget running down to a held
   * reserve is how the search ends and the refit begins.
   */
  holdForRefit(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0 || ms === this.refitAsked) return;
    this.holdRefit(ms, this.feasibleRefit(ms));
  }

  private feasibleRefit(askedMs: number): number {
    const left = this.opts.budget.snapshot().remainingMs;
    if (askedMs <= left) return askedMs;
    this.opts.logger.info({ refitMs: askedMs, remainingMs: left }, 'the final refit of the best pipeline cannot fit in the budget left: no reserve is held for it');
    return 0;
  }

  private holdRefit(askedMs: number, heldMs: number): void {
    this.refitAsked = askedMs;
    this.refitReserve = heldMs;
  }

  /** The error that opened the circuit breaker, if it is open. */
  get breakerOpen(): InfrastructureFailing | null { return this.breaker.open; }

  stats(): GpuNodeStats {
    return { ...this.queue.stats(), sandbox: this.ready_?.backend.name ?? null, gpus: this.ready_?.gpus ?? null, byStatus: { ...this.counts } };
  }

  /** Refuses new jobs, kills the running one (its outcome is infra), lets queued ones resolve as infra, saves the budget. */
  async close(): Promise<void> {
    this.closed = true;
    this.current?.abort();
    await this.queue.idle();
    this.opts.budget.persist();
  }

  private workdirOf(jobId: string): string { return join(resolve(this.opts.jobsRoot), jobId); }

  /**
   * A job found started by an earlier life of the node (which died with it, e.g. its host lost) runs again; the time
   * that life charged for it is refunded: a lost attempt is the infrastructure's, not the job's.
   */
  private async refundLostAttempt(job: JobSubmit, workdir: string): Promise<void> {
    let start: { incarnation?: unknown; elapsedMs?: unknown };
    try { start = JSON.parse(await readFile(join(workdir, STATS_DIR, START_FILE), 'utf8')); } catch { return; }
    if (start.incarnation === this.incarnation || typeof start.elapsedMs !== 'number') return;
    this.refundLost(job, start.elapsedMs);
  }

  /** Refunds what an earlier life (or a lost node) charged for a job since it started at `startElapsedMs`, once. */
  private refundLost(job: JobSubmit, startElapsedMs: number): void {
    const lost = Math.max(0, this.elapsedAtOpen - startElapsedMs);
    this.opts.budget.refund(lost);
    this.opts.logger.warn({ jobId: job.jobId, refundedMs: lost }, 'job runs again after the node that started it was lost; its time is refunded');
  }

  /** The job's data on this host: the folder its artifact id names, else (older senders) its path. */
  private dataDirOf(job: JobSubmit): string {
    if (job.data === undefined) return resolve(job.dataDir);
    const dir = this.opts.datasets?.get(job.data);
    if (!dir) throw new InvalidJob(job.jobId, `its data ${job.data} is not a dataset this GPU node holds`, 'attach the run to this node first (gome run --remote-gpu uploads its data and names it by id)');
    return dir;
  }

  /** The sample submission a job's output is checked against: by its file name within the job's data on this host. */
  private sampleOf(job: JobSubmit): string | null {
    if (job.sampleSubmission === null) return null;
    return job.data === undefined ? job.sampleSubmission : join(this.dataDirOf(job), basename(job.sampleSubmission));
  }

  /** The submission's artifact id, put in the store for a remote coordinator; null without a valid one (or on a failed put). */
  private async submissionIdOf(workdir: string, outputs: JobOutputs | null, reasons: string[]): Promise<string | null> {
    if (!outputs?.submission?.ok) return null;
    const path = join(workdir, SUBMISSION_FILE);
    try {
      return this.opts.artifacts ? (await this.opts.artifacts.putFile(path)).id : await fileSha(path);
    } catch (e) {
      reasons.push(`submission.csv could not be stored for the coordinating host: ${(e as Error).message}`);
      return null;
    }
  }

  private base(job: JobSubmit, startedAt: number, endedAt: number): JobOutcome {
    return {
      jobId: job.jobId, mode: job.mode, status: 'infra', exitCode: null, signal: null, reason: null,
      stdoutTail: '', stderrTail: '', usage: { wallMs: 0, cpuMs: 0, peakRssKb: 0 }, startedAt, endedAt,
      estimatedFullMs: null, scores: null, feedback: null, submission: null,
      workdir: this.workdirOf(job.jobId), sandbox: this.ready_?.backend.name ?? this.opts.backend?.name ?? this.opts.sandbox,
      budgetCapped: false, harness: null, rawEstimatedFullMs: null, refusal: null, submissionId: null,
    };
  }

  /** An infrastructure failure: not the job's fault, so its time is refunded to the budget clock. */
  private infra(job: JobSubmit, startedAt: number, reason: string, partial: Partial<JobOutcome> = {}, cause: unknown = null): JobOutcome {
    const endedAt = this.opts.clock.now();
    this.opts.budget.refund(endedAt - startedAt);
    this.counts.infra++;
    this.opts.logger.error({ jobId: job.jobId, reason }, 'job failed for an infrastructure reason (time refunded)');
    if (!this.closed && !this.breaker.open) {
      const tripped = this.breaker.failure(classifyInfra(cause, reason), reason);
      if (tripped) {
        this.opts.logger.error({ part: tripped.part, err: tripped.message }, 'circuit breaker open: the run must stop');
        this.opts.onBreakerOpen?.(tripped);
      }
    }
    return { ...this.base(job, startedAt, endedAt), ...partial, status: 'infra', reason };
  }

  private async run(job: JobSubmit): Promise<JobOutcome> {
    const { clock, logger } = this.opts;
    const startedAt = clock.now();
    if (this.closed) return this.infra(job, startedAt, new NodeClosed().message);

    const remaining = this.opts.budget.snapshot().remainingMs;
    // scored jobs (every job but the final refit) leave the refit's reserve alone and fit with a margin
    const scored = job.score !== false;
    const decision = decideAdmission({ jobLimitMs: job.limitMs, estimatedMs: job.estimatedMs, estimateFrom: job.estimateFrom ?? 'debug', remainingBudgetMs: remaining,
      reservedMs: scored ? this.refitReserve : 0, safety: scored ? ADMISSION_SAFETY : 1,
      fastestFullMs: scored && job.mode === 'debug' ? this.fastestFullMs : null });
    if (!decision.admit) {
      this.counts.refused++;
      logger.warn({ jobId: job.jobId, reason: decision.reason }, 'job refused by admission control');
      return { ...this.base(job, startedAt, clock.now()), status: 'refused', reason: decision.reason, refusal: decision.refusal };
    }
    const limitMs = decision.effectiveLimitMs;
    const cappedByBudget = limitMs < job.limitMs;
    // a scored job's limit stops where the refit's reserve begins: say so when that, not the budget's end, capped it
    const capNote = !cappedByBudget ? '' : limitMs < effectiveLimitMs(job.limitMs, remaining)
      ? ` (the limit was capped by the budget left beyond the ${(this.refitReserve / 1000).toFixed(1)} s held back for the final refit)`
      : ' (the limit was capped by the remaining budget)';

    let ready: Ready;
    let workdir: string;
    let statsPath: string;
    try {
      ready = await this.ready();
      if (!SAFE_ID.test(job.jobId)) {
        throw new InvalidJob(job.jobId, 'the id is not a safe directory name', 'use letters, digits, ".", "_" and "-" only');
      }
      const dataDir = this.dataDirOf(job);
      const st = await stat(dataDir).catch(() => null);
      if (!st?.isDirectory()) {
        throw new InvalidJob(job.jobId, `data dir ${dataDir} does not exist or is not a directory`, "pass the competition's public/ directory as dataDir");
      }
      workdir = this.workdirOf(job.jobId);
      statsPath = join(workdir, STATS_DIR, 'job_stats.json');
      try {
        const lostElsewhere = this.opts.lostAttempts?.get(job.jobId);
        if (lostElsewhere !== undefined && !this.refundedLost.has(job.jobId)) { this.refundedLost.add(job.jobId); this.refundLost(job, lostElsewhere); }
        if (await stat(workdir).catch(() => null)) {
          await this.refundLostAttempt(job, workdir);
          logger.warn({ jobId: job.jobId, workdir }, 'job workspace already exists; replacing it');
          await rm(workdir, { recursive: true, force: true });
        }
        await mkdir(dirname(statsPath), { recursive: true });
        await writeFile(join(workdir, 'main.py'), job.code);
        await writeFile(join(workdir, STATS_DIR, START_FILE), JSON.stringify({ incarnation: this.incarnation, elapsedMs: this.opts.budget.elapsedMs() }));
        await appendFile(join(resolve(this.opts.jobsRoot), STARTS_LOG), `${job.jobId}\t${this.incarnation}\t${Math.round(clock.now())}\n`);
      } catch (e) {
        throw new WorkspaceFailed(workdir, (e as Error).message);
      }
      const env = this.jobEnv(job, ready.backend.view({ workdir, dataDir }), ready);
      const abort = new AbortController();
      this.current = abort;
      this.runningJob = { jobId: job.jobId, elapsedMs: this.opts.budget.elapsedMs() };
      await this.opts.onJobStart?.().catch(() => undefined);
      logger.info({ jobId: job.jobId, mode: job.mode, limitMs, sandbox: ready.backend.name }, 'job started');
      // a full run whose reported progress projects it past its limit is stopped then, not at the limit
      const runStart = clock.now();
      const watch = job.mode === 'full'
        ? new ProgressWatch(limitMs, () => clock.now() - runStart, (o) => {
          logger.warn({ jobId: job.jobId, limitMs, projectedMs: Math.round(o.projectedMs), atMs: Math.round(o.atMs), progress: o.progress },
            'job stopped: its progress projects it past its limit');
          abort.abort();
        })
        : null;
      let res: ProcessResult;
      try {
        res = await ready.backend.execute({
          jobId: job.jobId, workdir, dataDir, maskPaths: this.opts.seal?.maskPaths ?? [], python: ready.python,
          script: join(workdir, 'main.py'), env, limitMs,
          stdoutPath: join(workdir, 'stdout.log'), stderrPath: join(workdir, 'stderr.log'), statsPath,
          memoryLimitMb: this.opts.memoryLimitMb ?? null, gpus: ready.gpus, tailBytes: this.opts.tailBytes, sampleMs: this.opts.sampleMs,
          signal: abort.signal, onStdout: watch ? (b) => watch.feed(b) : undefined, logger,
        });
      } finally {
        this.current = null;
        this.runningJob = null;
      }
      return await this.finish(job, startedAt, workdir, limitMs, capNote, ready, res, watch?.overrun ?? null);
    } catch (e) {
      return this.infra(job, startedAt, (e as Error).message, {}, e);
    }
  }

  /**
   * The job's whole environment, built from scratch (nothing of the host's: no API keys, tokens or secrets), with the
   * paths as the job sees them inside its sandbox (`view`).
   */
  private jobEnv(job: JobSubmit, view: JobView, ready: Ready): Record<string, string> {
    const threads = String(this.opts.cpus ?? availableParallelism());
    const cuda = cudaVisibleDevices(ready.gpus);
    return {
      PATH: `${dirname(ready.python)}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      HOME: view.home, TMPDIR: view.tmpdir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8',
      PYTHONHASHSEED: '0', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1', MPLBACKEND: 'Agg',
      GOME_DATA_DIR: view.dataDir, GOME_MODE: job.mode, GOME_OUTPUT_DIR: view.workdir, GOME_JOB_ID: job.jobId,
      OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads,
      // passive OpenMP waiting for every job alike: spinning threads are many times slower on a shared, contended CPU
      OMP_WAIT_POLICY: 'PASSIVE',
      NUMEXPR_NUM_THREADS: threads, VECLIB_MAXIMUM_THREADS: threads,
      // CUDA numbers the GPUs as nvidia-smi does (by PCI bus), so the indices above name the same devices
      ...(cuda !== null ? { CUDA_VISIBLE_DEVICES: cuda, CUDA_DEVICE_ORDER: 'PCI_BUS_ID' } : {}),
    };
  }

  /** `capNote`: why the job's limit is below its own (the budget's end, or the refit's reserve), '' when it is not. */
  private async finish(job: JobSubmit, startedAt: number, workdir: string, limitMs: number, capNote: string,
    ready: Ready, res: ProcessResult, overrun: Overrun | null): Promise<JobOutcome> {
    const cappedByBudget = capNote !== '';
    const partial: Partial<JobOutcome> = {
      exitCode: res.exitCode, signal: res.signal, stdoutTail: res.stdoutTail, stderrTail: res.stderrTail,
      usage: { wallMs: Math.round(res.wallMs), cpuMs: Math.round(res.cpuMs), peakRssKb: Math.round(res.peakRssKb) },
      workdir, sandbox: ready.backend.name, budgetCapped: cappedByBudget,
    };
    if (res.aborted && !overrun) return this.infra(job, startedAt, `job was killed because ${new NodeClosed().message}`, partial);
    // a job the OOM killer ended may leave no wrapper report; it is the job's fault (an error), not the node's
    if (!res.timedOut && !overrun && !res.oomKilled && (!res.wrapper || res.wrapper.error)) {
      const why = res.wrapper?.error ?? `the sandbox or job wrapper exited (${res.exitCode ?? res.signal}) without reporting: ${lastLine(res.stderrTail) || 'no stderr'}`;
      return this.infra(job, startedAt, why, partial);
    }

    let outputs: JobOutputs | null = null;
    const outputReasons: string[] = [];
    try {
      const stdout = await readFile(join(workdir, 'stdout.log'), 'utf8').catch(() => res.stdoutTail);
      outputs = await collectOutputs(workdir, { mode: job.mode, stdout, sampleSubmission: this.sampleOf(job) });
      outputReasons.push(...outputs.reasons);
    } catch (e) {
      outputReasons.push(`outputs could not be read: ${(e as Error).message}`);
    }

    const submissionId = await this.submissionIdOf(workdir, outputs, outputReasons);
    let status: JobStatus;
    let reason: string | null;
    if (overrun) {
      status = 'timeout';
      reason = `${overrunReason(overrun, limitMs)}${capNote}`;
    } else if (res.timedOut) {
      status = 'timeout';
      reason = `killed at its limit of ${(limitMs / 1000).toFixed(1)} s${capNote}`;
    } else if (res.oomKilled) {
      status = 'error';
      const limit = this.opts.memoryLimitMb ?? ready.backend.memoryLimitMb ?? null;
      reason = `killed for exceeding its memory limit${limit ? ` of ${limit} MB` : ''} (out of memory): use less memory, e.g. fewer rows, features or models at once`;
    } else if (res.exitCode === 0) {
      status = 'ok';
      reason = outputReasons.length ? outputReasons.join('; ') : null;
    } else {
      status = 'error';
      const how = res.exitCode !== null ? `exit code ${res.exitCode}` : `killed by ${res.signal}`;
      reason = `${how}: ${lastLine(res.stderrTail) || 'no stderr output'}`;
    }
    let harness: HarnessScores | null = null;
    if (status === 'ok' && this.opts.scorer && job.score !== false) {
      try { harness = await this.opts.scorer.score(workdir, job.mode); } catch (e) {
        harness = { metric: this.opts.scorer.metric, folds: [], oof: null, holdout: null, rows: 0, problems: [`the harness could not score the predictions: ${(e as Error).message}`] };
      }
    }
    this.counts[status]++;
    this.breaker.success();
    const projectedMs = overrun ? Math.round(overrun.projectedMs) : null;
    this.observeCost(job, { status, mode: job.mode, usage: partial.usage!, projectedMs });
    if (status === 'ok' && job.mode === 'full' && job.score !== false) {
      this.fastestFullMs = Math.min(this.fastestFullMs ?? Infinity, partial.usage!.wallMs);
    }
    const rawEstimate = job.mode === 'debug' ? outputs?.estimatedFullMs ?? null : null;
    const bounded = job.mode === 'debug' && rawEstimate !== null ? outputs?.boundedFullMs ?? 0 : 0;
    const endedAt = this.opts.clock.now();
    this.opts.logger.info({ jobId: job.jobId, status, wallMs: partial.usage!.wallMs, cpuMs: partial.usage!.cpuMs, peakRssKb: partial.usage!.peakRssKb },
      'job finished');
    return {
      ...this.base(job, startedAt, endedAt), ...partial, status, reason,
      estimatedFullMs: job.mode === 'debug' ? this.cost.correct(rawEstimate, bounded) : outputs?.estimatedFullMs ?? null,
      rawEstimatedFullMs: rawEstimate, ...(bounded > 0 ? { boundedEstimatedFullMs: bounded } : {}), ...(projectedMs !== null ? { projectedMs } : {}), scores: outputs?.scores ?? null,
      feedback: outputs?.feedback ?? null, submission: outputs?.submission ?? null, harness, submissionId,
    };
  }
}
