// One serialised FIFO queue for accelerator jobs: one job at a time, in submission order, with utilisation figures.
import type { Clock } from '../runtime/clock.ts';

export interface QueueStats {
  /** jobs waiting (not counting the running one) */
  queueLength: number;
  running: boolean;
  jobsRun: number;
  /** busy time since the first job started */
  busyMs: number;
  /** wall time since the first job started */
  elapsedMs: number;
  /** busyMs / elapsedMs (0 before the first job) */
  utilisation: number;
}

export class JobQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;
  private active = false;
  private firstStart: number | null = null;
  private currentStart: number | null = null;
  private busyDone = 0;
  private done = 0;

  /** Busy and elapsed time, and jobs run, carried over from the run's earlier lives (before a resume). */
  private earlier = { busyMs: 0, elapsedMs: 0, jobs: 0 };

  constructor(private readonly clock: Clock) {}

  /** A resumed run's queue starts from what its earlier lives measured; the downtime counts as neither. */
  carryOver(earlier: { busyMs: number; elapsedMs: number; jobs: number }): void { this.earlier = { ...earlier }; }

  /** Runs `task` after every previously enqueued task has settled; resolves/rejects with its result. */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(async () => {
      this.waiting--;
      this.active = true;
      const start = this.clock.now();
      this.currentStart = start;
      if (this.firstStart === null) this.firstStart = start;
      try {
        return await task();
      } finally {
        this.busyDone += Math.max(0, this.clock.now() - start);
        this.currentStart = null;
        this.active = false;
        this.done++;
      }
    });
    this.tail = result.then(() => undefined, () => undefined);
    return result;
  }

  get length(): number { return this.waiting; }
  get running(): boolean { return this.active; }

  stats(): QueueStats {
    const now = this.clock.now();
    const busyMs = this.earlier.busyMs + this.busyDone + (this.currentStart === null ? 0 : Math.max(0, now - this.currentStart));
    const elapsedMs = this.earlier.elapsedMs + (this.firstStart === null ? 0 : Math.max(0, now - this.firstStart));
    return {
      queueLength: this.waiting, running: this.active, jobsRun: this.earlier.jobs + this.done, busyMs, elapsedMs,
      utilisation: elapsedMs > 0 ? Math.min(1, busyMs / elapsedMs) : 0,
    };
  }

  /** Resolves once every task enqueued so far has settled. */
  idle(): Promise<void> { return this.tail; }
}
