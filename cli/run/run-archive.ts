// Watches every message of a run and keeps what the run directory needs: code snapshots, experiments, the trajectory.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '../../protocols/codec.ts';
import type { LlmCall } from '../../protocols/llm.ts';
import type { Experiment } from '../../protocols/domain.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { subjects } from '../../protocols/subjects.ts';
import type { Bus } from '../../runtime/bus.ts';
import type { ArtifactStore } from '../../runtime/artifact-store.ts';
import type { Recorder } from '../../runtime/recorder.ts';
import { isBetter } from '../../actors/validator/run-checks.ts';
import { JobLedger } from './job-ledger.ts';

/** A submission to fetch from the object store: its experiment, artifact id, where it goes, and when it was recorded. */
interface SubmissionFetch { experiment: string; id: string; dest: string; t: number }

export interface TrajectoryPoint { t: number; experiment: string; trace: string; score: number | null; status: string; best: number | null }

export class RunArchive {
  readonly experiments: Experiment[] = [];
  readonly trajectory: TrajectoryPoint[] = [];
  firstValidAt: number | null = null;
  bestAt: number | null = null;
  /** The best harness-validated experiment … */
  best: Experiment | null = null;
  /** … and the LLM final selector's choice among the traces' best pipelines, when it chose one (choose()). */
  selected: Experiment | null = null;
  selectionReason: string | null = null;
  /** Every job submitted and its result: waste and cost-model accuracy for metrics.json. */
  readonly jobs = new JobLedger();
  private listeners: Array<(env: Envelope) => void> = [];
  /** A GPU node on another host: submissions come from the object store by id, never from its paths. */
  private store: ArtifactStore | null = null;
  /** Ids of the envelopes observed. */
  private readonly seen = new Set<string>();
  private readonly fetching: Array<Promise<void>> = [];
  /** Fetches that failed while the run went on (a NATS node lost, a partition): tried once more when the run settles. */
  private failed: SubmissionFetch[] = [];
  /** Submissions that could not be fetched, with why (the report's finalize problems). */
  readonly fetchProblems: string[] = [];

  constructor(readonly runDir: string, readonly run: string, readonly startedAt: number, readonly lowerIsBetter: boolean) {
    for (const d of ['code', 'submissions']) mkdirSync(join(runDir, d), { recursive: true });
  }

  /** Every LLM call of the run, in log order (accounting for metrics.json and the report). */
  readonly llmCalls: LlmCall[] = [];

  attach(bus: Bus): void {
    bus.subscribe(subjects.all(this.run), (data, subject) => {
      if (subjects.isDeadLetter(subject)) return;
      let env: Envelope;
      try { env = decode(data); } catch { return; }
      this.observe(env);
    });
  }

  onEnvelope(fn: (env: Envelope) => void): void { this.listeners.push(fn); }

  /** Submissions are fetched from this object store by artifact id (the jobs ran on another host). */
  fetchFrom(store: ArtifactStore): void { this.store = store; }

  /**
   * Every submission fetch started so far has ended. One that failed is tried once more here, when the cluster has had
   * the run's length to heal (a fetch during a lost node's leader election can outlast its patience); only a second
   * failure is a finalize problem.
   */
  async settled(): Promise<void> {
    await Promise.all(this.fetching);
    const again = this.failed;
    this.failed = [];
    await Promise.all(again.map((f) => this.fetch(f, true)));
  }

  /** A resumed run: the archive rebuilt from the log (experiments.jsonl written again from it, code and submissions kept). */
  restore(envs: readonly Envelope[]): void {
    writeFileSync(join(this.runDir, 'experiments.jsonl'), '');
    for (const env of envs) this.observe(env);
  }

  /**
   * The messages recorded after `fromSeq` (a resumed run whose actors on other hosts went on while its plan was read
   * and before the archive was attached): each observed once, whichever way it came.
   */
  async catchUp(recorder: Recorder, fromSeq: number): Promise<void> {
    for await (const m of recorder.readRaw(undefined, undefined, fromSeq)) {
      if (subjects.isDeadLetter(m.subject)) continue;
      try { this.observe(decode(m.data)); } catch { /* not an envelope */ }
    }
  }

  observe(env: Envelope): void {
    if (this.seen.has(env.id)) return; // caught up from the log and delivered live
    this.seen.add(env.id);
    this.jobs.observe(env);
    switch (env.type) {
      case 'validate.request':
        writeFileSync(join(this.runDir, 'code', `${env.payload.experiment}-a${env.payload.attempt}.py`), env.payload.code);
        break;
      case 'experiment.record': this.record(env.payload); break;
      case 'llm.call': this.llmCalls.push(env.payload); break;
      default: break;
    }
    for (const l of this.listeners) l(env);
  }

  private record(e: Experiment): void {
    this.experiments.push(e);
    appendFileSync(join(this.runDir, 'experiments.jsonl'), JSON.stringify({ ...e, code: undefined }) + '\n');
    const t = e.ts - this.startedAt;
    const dest = join(this.runDir, 'submissions', `${e.id}.csv`);
    if (this.store) {
      if (e.submissionId) this.fetching.push(this.fetch({ experiment: e.id, id: e.submissionId, dest, t }, false));
    } else if (e.submissionPath && existsSync(e.submissionPath)) {
      copyFileSync(e.submissionPath, dest);
      if (this.firstValidAt === null) this.firstValidAt = t;
    }
    if (e.status === 'accepted' && e.score !== null && (!this.best || isBetter(e.score, this.best.score, this.lowerIsBetter))) {
      this.best = e;
      this.bestAt = t;
    }
    this.trajectory.push({ t, experiment: e.id, trace: e.trace, score: e.score, status: e.status, best: this.best?.score ?? null });
  }

  /** Fetches one submission; a valid submission counts once it is here (fetches end in any order). */
  private async fetch(f: SubmissionFetch, last: boolean): Promise<void> {
    try {
      await this.store!.getFile(f.id, f.dest);
      this.firstValidAt = Math.min(this.firstValidAt ?? f.t, f.t);
    } catch (err) {
      if (last) this.fetchProblems.push(`submission of ${f.experiment} (${f.id}): ${(err as Error).message}`);
      else this.failed.push(f);
    }
  }

  /**
   * The final selector chose this experiment (an accepted one the archive holds): it becomes the final pipeline, the
   * one refit and handed in. Returns false (and changes nothing) for an id the archive does not hold as accepted.
   */
  choose(id: string, reason: string | null): boolean {
    const e = this.experiments.find((x) => x.id === id && x.status === 'accepted' && x.score !== null);
    if (!e) return false;
    this.selected = e;
    this.selectionReason = reason;
    return true;
  }

  /** The pipeline the run hands in: the selector's choice, else the best validated one. */
  get final(): Experiment | null { return this.selected ?? this.best; }

  /** The archived copy of the final pipeline's submission, if any. */
  bestSubmission(): string | null {
    const f = this.final;
    if (!f) return null;
    const p = join(this.runDir, 'submissions', `${f.id}.csv`);
    return existsSync(p) ? p : null;
  }
}
