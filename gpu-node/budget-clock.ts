// The run's budget clock: wall time since the run started minus refunded infrastructure-failure time, persisted to budget.json so it survives a resume.
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Budget } from '../protocols/domain.ts';
import type { Clock } from '../runtime/clock.ts';
import { BudgetFileInvalid } from './errors.ts';

export const BUDGET_FILE = 'budget.json';
export const DEFAULT_BUDGET_MS = 12 * 3600 * 1000;

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
    const b = new BudgetClock(clock, c.budgetMs!, c.startedAt!, c.elapsedMs!, clock.now(), c.refundedMs!, file);
    b.persist();
    return b;
  }

  /** Resumes `<runDir>/budget.json` when it exists, else starts a fresh clock persisted there. */
  static open(runDir: string, clock: Clock, budgetMs = DEFAULT_BUDGET_MS): BudgetClock {
    const file = join(runDir, BUDGET_FILE);
    return existsSync(file) ? BudgetClock.resume(file, clock) : BudgetClock.start(clock, { budgetMs, file });
  }

  private elapsedMs(): number {
    return this.elapsedBeforeMs + Math.max(0, this.clock.now() - this.segmentStart);
  }

  usedMs(): number { return Math.max(0, this.elapsedMs() - this.refunded); }
  remainingMs(): number { return this.budgetMs - this.usedMs(); }
  refundedMs(): number { return this.refunded; }

  /** Gives back time lost to an infrastructure failure (never charged). */
  refund(ms: number): void {
    if (!Number.isFinite(ms) || ms <= 0) return;
    this.refunded += ms;
    this.persist();
  }

  snapshot(): Budget {
    const usedMs = this.usedMs();
    this.persist();
    return { startedAt: this.startedAt, budgetMs: this.budgetMs, usedMs, remainingMs: this.budgetMs - usedMs, refundedMs: this.refunded };
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
