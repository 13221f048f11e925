// The requests one actor has outstanding: each gets a deadline timer when sent; an incoming envelope that answers
// one settles it; an answer to a request whose deadline already passed is "late" and must not reach the machine
// (the machine has moved on, and a stale reply would be taken for the answer to a newer request).
import type { Envelope } from '../protocols/messages.ts';
import { isAnswer, requestSpec, type DeadlineContext } from '../protocols/requests.ts';

interface Pending { env: Envelope; timer: NodeJS.Timeout }

/** How many expired requests are remembered for recognising late replies. */
const EXPIRED_KEPT = 1000;

export type Settlement = 'answer' | 'late' | 'other';

export class RequestLedger {
  private readonly pending = new Map<string, Pending>();
  /** expired request id → the request, until its deadline notice has been delivered or it is forgotten */
  private readonly expired = new Map<string, { env: Envelope; noticed: boolean }>();

  constructor(private readonly ctx: DeadlineContext, private readonly onDeadline: (req: Envelope) => void) {}

  get outstanding(): number { return this.pending.size; }

  /** Starts the deadline of an outgoing envelope when it is a request. */
  track(env: Envelope): void {
    const spec = requestSpec(env.type);
    if (!spec) return;
    const ms = Math.max(1, spec.deadlineMs(env.payload as never, this.ctx));
    const timer = setTimeout(() => this.expire(env.id), Math.min(ms, 2 ** 31 - 1));
    timer.unref?.();
    this.pending.set(env.id, { env, timer });
  }

  private expire(id: string): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    this.expired.set(id, { env: p.env, noticed: false });
    if (this.expired.size > EXPIRED_KEPT) this.expired.delete(this.expired.keys().next().value!);
    this.onDeadline(p.env);
  }

  /** Classifies an incoming envelope and settles the request it answers. */
  settle(env: Envelope, self: string): Settlement {
    if (env.type === 'request.failed') {
      const id = env.payload.requestId;
      const p = this.pending.get(id);
      if (p) { clearTimeout(p.timer); this.pending.delete(id); return 'answer'; }
      const e = this.expired.get(id);
      if (e && env.from === self && env.payload.code === 'deadline' && !e.noticed) { e.noticed = true; return 'answer'; }
      return e ? 'late' : 'other';
    }
    for (const [id, p] of this.pending) {
      if (isAnswer(p.env, env)) { clearTimeout(p.timer); this.pending.delete(id); return 'answer'; }
    }
    for (const e of this.expired.values()) if (isAnswer(e.env, env)) return 'late';
    return 'other';
  }

  clear(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
  }
}
