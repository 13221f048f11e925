// The overrun watch: a full run that reports its progress (`GOME_PROGRESS=<done>/<total>` lines on stdout, e.g. its
// cross-validation folds) and is projected past its limit is stopped when the projection says so, not at the limit.
// A run stopped at its limit wastes the whole limit; one stopped after its first fold wastes a fold. The projection
// is the time to the first line (loading, features: not repeated) plus the measured units' pace times the units
// left. Work after the last unit (ensembles, outputs) is not in it, so it errs low, and a run is stopped only when
// even that lower projection exceeds the limit by OVERRUN_MARGIN. Jobs that print no progress run to their limit.
// The watch is pure but for the clock it is given; the GPU node feeds it stdout and stops the job when it fires.

/** The prefix of a progress line: `GOME_PROGRESS=<done>/<total>` (units done, of the run's total). */
export const PROGRESS_PREFIX = 'GOME_PROGRESS=';
/**
 * A run is stopped when its projected time exceeds its limit by this factor. The first unit carries one-off costs
 * (imports, warm caches) that the projection repeats, which the margin absorbs; the work after the units, which the
 * projection leaves out, only makes a stopped run's real time longer.
 */
export const OVERRUN_MARGIN = 1.1;

export interface Progress { done: number; total: number }

const PROGRESS_LINE = new RegExp(`^${PROGRESS_PREFIX}(\\d+)/(\\d+)$`);

/** A progress line's units, or null when the line is not one (or malformed: done outside 0..total). */
export function parseProgress(line: string): Progress | null {
  const m = PROGRESS_LINE.exec(line.trim());
  if (!m) return null;
  const done = Number(m[1]);
  const total = Number(m[2]);
  return total > 0 && done <= total ? { done, total } : null;
}

/** A progress line as the watch saw it: its units and when (ms since the run started). */
export interface Mark { atMs: number; done: number }

/**
 * The projected wall time of a run (ms since it started), from its first progress line (`first`, normally 0 units
 * done) and its latest (`p`, at `atMs`): the units done since the first at their measured pace, the rest at the same.
 * Null until a unit is done after the first line.
 */
export function projectedMs(first: Mark, atMs: number, p: Progress): number | null {
  const units = p.done - first.done;
  if (units <= 0) return null;
  return atMs + ((atMs - first.atMs) / units) * (p.total - p.done);
}

export interface Overrun { projectedMs: number; atMs: number; progress: Progress }

/** A sentence for a run stopped by the watch. */
export function overrunReason(o: Overrun, limitMs: number): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
  return `stopped at ${s(o.atMs)}, after ${o.progress.done} of ${o.progress.total} units of its work: its pace projected ` +
    `${s(o.projectedMs)}, past its limit of ${s(limitMs)} (it would have been killed there, having wasted all of it)`;
}

/**
 * Watches one run's stdout. `feed` takes its chunks as they come; `onOverrun` is called once, when the projection
 * first exceeds limit × OVERRUN_MARGIN. `now` is the clock, in ms since the run started.
 */
export class ProgressWatch {
  private pending = '';
  private first: Mark | null = null;
  private fired: Overrun | null = null;

  constructor(private readonly limitMs: number, private readonly now: () => number,
    private readonly onOverrun: (o: Overrun) => void) {}

  /** The overrun that fired, if one did. */
  get overrun(): Overrun | null { return this.fired; }

  feed(chunk: Buffer | string): void {
    if (this.fired) return;
    this.pending += chunk.toString();
    let nl = this.pending.indexOf('\n');
    while (nl >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.line(line);
      if (this.fired) return;
      nl = this.pending.indexOf('\n');
    }
    // a line never ends in a stream that prints no newlines: keep only what a progress line could be
    if (this.pending.length > 256) this.pending = this.pending.slice(-256);
  }

  private line(line: string): void {
    const p = parseProgress(line);
    if (!p) return;
    const at = this.now();
    if (this.first === null || p.done === 0) { this.first = { atMs: at, done: p.done }; return; }
    const projected = projectedMs(this.first, at, p);
    if (projected !== null && projected > this.limitMs * OVERRUN_MARGIN) {
      this.fired = { projectedMs: projected, atMs: at, progress: p };
      this.onOverrun(this.fired);
    }
  }
}
