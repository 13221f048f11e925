// Seeded pseudo-random numbers (mulberry32): a pure step function for machines and a stateful wrapper for hosts.
export type RngState = number;

/** One pure step: returns a uniform draw in [0,1) and the next state. */
export function rngNext(state: RngState): [u: number, next: RngState] {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  return [u, next];
}

/** Derives a well-mixed initial state from a seed and a label (e.g. the trace id). */
export function rngSeed(seed: number, label = ''): RngState {
  let h = (seed ^ 0x9e3779b9) | 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b) | 0;
  return rngNext(h)[1];
}

export class SeededRng {
  private state: RngState;
  constructor(seed: number, label = '') { this.state = rngSeed(seed, label); }
  next(): number { const [u, s] = rngNext(this.state); this.state = s; return u; }
  int(n: number): number { return Math.floor(this.next() * n); }
  snapshot(): RngState { return this.state; }
}
