// Injected clocks: machines never read time themselves; hosts stamp envelopes from one of these.
export interface Clock { now(): number }

export class SystemClock implements Clock {
  now(): number { return Date.now(); }
}

/** A clock tests and replays move by hand. */
export class ManualClock implements Clock {
  constructor(private t = 0) {}
  now(): number { return this.t; }
  set(t: number): void { this.t = t; }
  advance(ms: number): number { this.t += ms; return this.t; }
}

/** A clock that serves recorded readings in order (replay); falls back to the last reading. */
export class RecordedClock implements Clock {
  private i = 0;
  constructor(private readonly readings: number[]) {}
  now(): number {
    const r = this.readings[Math.min(this.i, this.readings.length - 1)] ?? 0;
    this.i++;
    return r;
  }
}
