// Supervision policy: restart with exponential backoff, at most maxRestarts within a window, then escalate.
export interface SupervisionPolicy {
  maxRestarts: number;
  windowMs: number;
  backoffMs: number;
  maxBackoffMs: number;
  /** How many times one message is retried after a restart before it is dead-lettered. */
  retriesPerMessage: number;
}

export const defaultSupervision: SupervisionPolicy = {
  maxRestarts: 5, windowMs: 60_000, backoffMs: 50, maxBackoffMs: 2_000, retriesPerMessage: 1,
};

export class RestartCounter {
  private stamps: number[] = [];
  constructor(private readonly policy: SupervisionPolicy) {}

  /** Records a crash at time t; returns the backoff to wait, or null when the actor must escalate. */
  crash(t: number): number | null {
    this.stamps = this.stamps.filter((s) => t - s < this.policy.windowMs);
    this.stamps.push(t);
    if (this.stamps.length > this.policy.maxRestarts) return null;
    return Math.min(this.policy.maxBackoffMs, this.policy.backoffMs * 2 ** (this.stamps.length - 1));
  }

  get count(): number { return this.stamps.length; }
}
