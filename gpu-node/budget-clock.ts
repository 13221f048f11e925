// The run's budget clock: wall time since the run started minus refunded infrastructure-failure time, persisted to budget.json so it survives a resume.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Budget } from '../protocols/domain.ts';
import type { Clock } from '../runtime/clock.ts';
import { BudgetFileInvalid } from './errors.ts';

export const BUDGET_FILE = 'budget.json';
/** Refunded infrastructure time never exceeds this share of the budget (so failing infrastructure cannot stretch a run). */
export const MAX_REFUND_FRAC = 0.1;
export const DEFAULT_BUDGET_MS = 12 * 3600 * 1000;
/** How often a running clock is saved (persistEvery): a crash loses at most this much charged time. */
export const PERSIST_EVERY_MS = 1_000;

/** What budget.json holds. `elapsedMs` is gross wall time counted so far (refunds not subtracted). */
export interface BudgetFileContent {
  version: 1;
  budgetMs: number;
  startedAt: number;
  elapsedMs: number;
  refundedMs: number;
  usedMs: number;
  savedAt: number;
}

export class BudgetClock {
  /** Wall-clock time (clock ms) after which no work may run, whatever the refunds: the run's hard deadline less its wind-down. */
  private workEndsAt: number | null = null;

  private constructor(
    private readonly clock: Clock,
    readonly budgetMs: number,
    readonly startedAt: number,
    /** gross wall time charged in earlier segments (before the last resume) */
    private elapsedBeforeMs: number,
    /** when the current segment (this process's life) began */
    private readonly segmentStart: number,
    private refunded: number,
    readonly file: string | null,
  ) {
    if (!(budgetMs > 0)) throw new RangeError(`budgetMs must be positive, got ${budgetMs}`);
  }

  /** Starts a fresh clock now; persists to `file` when given (conventionally `<runDir>/budget.json`). */
  static start(clock: Clock, opts: { budgetMs?: number; file?: string | null } = {}): BudgetClock {
    const now = clock.now();
    const b = new BudgetClock(clock, opts.budgetMs ?? DEFAULT_BUDGET_MS, now, 0, now, 0, opts.file ?? null);
    b.persist();
    return b;
  }

  /** Continues a saved clock: counting restarts from the saved usage; time while the run was down is not charged. */
  static resume(file: string, clock: Clock): BudgetClock {
    let raw: unknown;
    try { raw = JSON.parse(readFileSync(file, 'utf8')); } catch (e) { throw new BudgetFileInvalid(file, (e as Error).message); }
    const c = raw as Partial<BudgetFileContent>;
    const nums = ['budgetMs', 'startedAt', 'elapsedMs', 'refundedMs'] as const;
    for (const k of nums) {
      if (typeof c[k] !== 'number' || !Number.isFinite(c[k])) throw new BudgetFileInvalid(file, `field ${k} is missing or not a number`);
    }
    return BudgetClock.continueFrom(file, clock, { budgetMs: c.budgetMs!, startedAt: c.startedAt!, elapsedMs: c.elapsedMs!, refundedMs: c.refundedMs! });
  }

  /**
   * A clock taken over from another host's (its last snapshot, e.g. from the lease a lost GPU node renewed): it goes on
   * from what that one had charged and refunded, persisted to `file`; the time between the snapshot and now is not charged.
   */
  static continueFrom(file: string, clock: Clock, was: { budgetMs: number; startedAt: number; elapsedMs: number; refundedMs: number }): BudgetClock {
    const b = new BudgetClock(clock, was.budgetMs, was.startedAt, was.elapsedMs, clock.now(), was.refundedMs, file);
    b.persist();
    return b;
  }

  /** Resumes `<runDir>/budget.json` when it exists, else starts a fresh clock persisted there. */
  static open(runDir: string, clock: Clock, budgetMs = DEFAULT_BUDGET_MS): BudgetClock {
    const file = join(runDir, BUDGET_FILE);
    return existsSync(file) ? BudgetClock.resume(file, clock) : BudgetClock.start(clock, { budgetMs, file });
  }

  /** Gross wall time charged so far, over every life of the run (the time it was down is not in it). */
  elapsedMs(now = this.clock.now()): number {
    return this.elapsedBeforeMs + Math.max(0, now - this.segmentStart);
  }

  private usedAt(now: number): number { return Math.max(0, this.elapsedMs(now) - this.refunded); }
  private remainingAt(now: number): number {
    const charged = this.budgetMs - this.usedAt(now);
    return this.workEndsAt === null ? charged : Math.min(charged, this.workEndsAt - now);
  }

  usedMs(): number { return this.usedAt(this.clock.now()); }
  remainingMs(): number { return this.remainingAt(this.clock.now()); }

  /** Caps the remaining budget at a wall-clock time (refunds never let work run past the run's hard deadline). */
  endWorkBy(at: number): this { this.workEndsAt = at; return this; }
  refundedMs(): number { return this.refunded; }

  /** Gives back time lost to an infrastructure failure (never charged), up to MAX_REFUND_FRAC of the budget in all. */
  refund(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    const room = MAX_REFUND_FRAC * this.budgetMs - this.refunded;
    if (room <= 0) return;
    this.refunded += Math.min(ms, room);
    this.persist();
  }

  /**
   * Time the run was not going on is not counted: a GPU node serving a run whose coordinating host was down and has
   * resumed it (whose own clock did not count that time) goes on with no more used than the run says.
   */
  uncount(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    this.elapsedBeforeMs -= Math.min(ms, this.elapsedMs());
    this.persist();
  }

  /** One clock reading: used and remaining are consistent with each other. */
  snapshot(): Budget {
    const now = this.clock.now();
    const usedMs = this.usedAt(now);
    this.persist();
    return { startedAt: this.startedAt, budgetMs: this.budgetMs, usedMs, remainingMs: this.remainingAt(now), refundedMs: this.refunded };
  }

  /**
   * Saves the clock every `ms` (a crash then loses at most that much charged time) until the returned function is
   * called, which saves it once more.
   */
  persistEvery(ms = PERSIST_EVERY_MS): () => void {
    const t = setInterval(() => this.persist(), ms);
    t.unref();
    return () => { clearInterval(t); this.persist(); };
  }

  /** Writes the current state to the budget file (atomic rename). No-op without a file. */
  persist(): void {
    if (!this.file) return;
    const content: BudgetFileContent = {
      version: 1, budgetMs: this.budgetMs, startedAt: this.startedAt, elapsedMs: this.elapsedMs(),
      refundedMs: this.refunded, usedMs: this.usedMs(), savedAt: this.clock.now(),
    };
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(content, null, 2) + '\n');
    renameSync(tmp, this.file);
  }
}
