// Watches every message of a run and keeps what the run directory needs: code snapshots, experiments, the trajectory.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decode } from '../../protocols/codec.ts';
import type { LlmCall } from '../../protocols/llm.ts';
import type { Experiment } from '../../protocols/domain.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { subjects } from '../../protocols/subjects.ts';
import type { Bus } from '../../runtime/bus.ts';
import { isBetter } from '../../actors/validator/run-checks.ts';
import { JobLedger } from './job-ledger.ts';

export interface TrajectoryPoint { t: number; experiment: string; trace: string; score: number | null; status: string; best: number | null }

export class RunArchive {
  readonly experiments: Experiment[] = [];
  readonly trajectory: TrajectoryPoint[] = [];
  firstValidAt: number | null = null;
  bestAt: number | null = null;
  best: Experiment | null = null;
  /** Every job submitted and its result: waste and cost-model accuracy for metrics.json. */
  readonly jobs = new JobLedger();
  private listeners: Array<(env: Envelope) => void> = [];

  constructor(readonly runDir: string, readonly run: string, readonly startedAt: number, readonly lowerIsBetter: boolean) {
    for (const d of ['code', 'submissions']) mkdirSync(join(runDir, d), { recursive: true });
  }

  /** Every LLM call of the run, in log order (accounting for metrics.json and the report). */
  readonly llmCalls: LlmCall[] = [];

  attach(bus: Bus): void {
    bus.subscribe(subjects.all(this.run), (data, subject) => {
      if (subject === subjects.deadLetter(this.run)) return;
      let env: Envelope;
      try { env = decode(data); } catch { return; }
      this.observe(env);
    });
  }

  onEnvelope(fn: (env: Envelope) => void): void { this.listeners.push(fn); }

  /** A resumed run: the archive rebuilt from the log (experiments.jsonl written again from it, code and submissions kept). */
  restore(envs: readonly Envelope[]): void {
    writeFileSync(join(this.runDir, 'experiments.jsonl'), '');
    for (const env of envs) this.observe(env);
  }

  observe(env: Envelope): void {
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
    if (e.submissionPath && existsSync(e.submissionPath)) {
      copyFileSync(e.submissionPath, join(this.runDir, 'submissions', `${e.id}.csv`));
      if (this.firstValidAt === null) this.firstValidAt = t;
    }
    if (e.status === 'accepted' && e.score !== null && (!this.best || isBetter(e.score, this.best.score, this.lowerIsBetter))) {
      this.best = e;
      this.bestAt = t;
    }
    this.trajectory.push({ t, experiment: e.id, trace: e.trace, score: e.score, status: e.status, best: this.best?.score ?? null });
  }

  /** The archived copy of the best experiment's submission, if any. */
  bestSubmission(): string | null {
    if (!this.best) return null;
    const p = join(this.runDir, 'submissions', `${this.best.id}.csv`);
    return existsSync(p) ? p : null;
  }
}
