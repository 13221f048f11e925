// The requests one actor has outstanding: each gets a deadline timer when sent; an incoming envelope that answers
// one settles it; an answer to a request whose deadline already passed is "late" and must not reach the machine
// (the machine has moved on, and a stale reply would be taken for the answer to a newer request). The bookkeeping
// (RequestBook) is pure, so replay settles recorded messages exactly as the live host did; the ledger adds the timers.
import type { Envelope } from '../protocols/messages.ts';
import { isAnswer, requestSpec, type DeadlineContext } from '../protocols/requests.ts';

/** How many expired requests are remembered for recognising late replies. */
const EXPIRED_KEPT = 1000;

export type Settlement = 'answer' | 'late' | 'other';

/** A book's contents as data (an actor's checkpoint holds it): pending requests and expired ones, oldest first. */
export interface BookState {
  pending: Envelope[];
  expired: Array<{ env: Envelope; noticed: boolean }>;
}

/** Pending and expired requests, and how an incoming envelope settles against them. No timers, no clock. */
export class RequestBook {
  private readonly pending = new Map<string, Envelope>();
  /** expired request id → the request, until its deadline notice has been delivered or it is forgotten */
  private readonly expired = new Map<string, { env: Envelope; noticed: boolean }>();

  get outstanding(): number { return this.pending.size; }

  /** The requests still waiting for an answer, oldest first. */
  pendingRequests(): Envelope[] { return [...this.pending.values()]; }

  /** Records an outgoing envelope when it is a request; returns whether it was one. */
  add(env: Envelope): boolean {
    if (!requestSpec(env.type)) return false;
    this.pending.set(env.id, env);
    return true;
  }

  /** The request's deadline passed: it is no longer pending; returns it (null when it was settled already). */
  expire(id: string): Envelope | null {
    const env = this.pending.get(id);
    if (!env) return null;
    this.pending.delete(id);
    this.expired.set(id, { env, noticed: false });
    if (this.expired.size > EXPIRED_KEPT) this.expired.delete(this.expired.keys().next().value!);
    return env;
  }

  /** Classifies an incoming envelope and settles the request it answers (its id, when one was pending). */
  settle(env: Envelope, self: string): { settlement: Settlement; settled: string | null } {
    if (env.type === 'request.failed') {
      const id = env.payload.requestId;
      if (this.pending.delete(id)) return { settlement: 'answer', settled: id };
      const e = this.expired.get(id);
      if (e && env.from === self && env.payload.code === 'deadline' && !e.noticed) { e.noticed = true; return { settlement: 'answer', settled: null }; }
      return { settlement: e ? 'late' : 'other', settled: null };
    }
    for (const [id, p] of this.pending) {
      if (isAnswer(p, env)) { this.pending.delete(id); return { settlement: 'answer', settled: id }; }
    }
    for (const e of this.expired.values()) if (isAnswer(e.env, env)) return { settlement: 'late', settled: null };
    return { settlement: 'other', settled: null };
  }

  clear(): void { this.pending.clear(); }

  state(): BookState {
    return { pending: [...this.pending.values()], expired: [...this.expired.values()].map((e) => ({ env: e.env, noticed: e.noticed })) };
  }

  /** A book as a checkpoint left it. */
  static from(state: BookState): RequestBook {
    const book = new RequestBook();
    for (const env of state.pending) book.pending.set(env.id, env);
    book.restoreExpired(state);
    return book;
  }

  restoreExpired(state: BookState): void {
    for (const e of state.expired) this.expired.set(e.env.id, { env: e.env, noticed: e.noticed });
  }
}

export class RequestLedger {
  private readonly book = new RequestBook();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: DeadlineContext, private readonly onDeadline: (req: Envelope) => void) {}

  get outstanding(): number { return this.book.outstanding; }

  /** The book as data (a checkpoint). */
  state(): BookState { return this.book.state(); }

  /** Takes up a book from a checkpoint: its expired requests, and its pending ones with fresh deadlines. */
  restore(state: BookState): void {
    this.book.restoreExpired(state);
    for (const env of state.pending) this.track(env);
  }

  /** Starts the deadline of an outgoing envelope when it is a request. */
  track(env: Envelope): void {
    if (!this.book.add(env)) return;
    const ms = Math.max(1, requestSpec(env.type)!.deadlineMs(env.payload as never, this.ctx));
    const timer = setTimeout(() => this.expire(env.id), Math.min(ms, 2 ** 31 - 1));
    timer.unref?.();
    this.timers.set(env.id, timer);
  }

  private expire(id: string): void {
    this.timers.delete(id);
    const env = this.book.expire(id);
    if (env) this.onDeadline(env);
  }

  /** Classifies an incoming envelope and settles the request it answers. */
  settle(env: Envelope, self: string): Settlement {
    const { settlement, settled } = this.book.settle(env, self);
    if (settled) { clearTimeout(this.timers.get(settled)); this.timers.delete(settled); }
    return settlement;
  }

  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.book.clear();
  }
}
