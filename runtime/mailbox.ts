// A mailbox: FIFO queue drained by one worker, so an actor handles exactly one message at a time, in arrival order.
export class Mailbox<T> {
  private readonly queue: T[] = [];
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly handle: (item: T) => Promise<void>) {}

  get size(): number { return this.queue.length; }

  push(item: T): void {
    if (this.closed) return;
    this.queue.push(item);
    if (!this.draining) void this.drain();
  }

  /** Items not yet handled (used when a host stops, so they can be handed on rather than lost). */
  pending(): T[] { return [...this.queue]; }

  close(): T[] {
    this.closed = true;
    return this.queue.splice(0);
  }

  /** Resolves when the queue is empty and nothing is being handled. */
  idle(): Promise<void> {
    if (!this.draining && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue.shift() as T;
        await this.handle(item);
      }
    } finally {
      this.draining = false;
      const w = this.idleWaiters.splice(0);
      for (const r of w) r();
    }
  }
}
