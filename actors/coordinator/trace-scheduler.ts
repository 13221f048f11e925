// The PUCT trace scheduler: when fewer traces may have an iteration under way than there are traces (concurrency),
// the idle trace to start next is the one with the highest Q + c·P·sqrt(N)/(1 + n): Q its best pipeline's score
// min-max normalised over the traces' bests (0 for a trace with none yet, 1 for the best), P a uniform prior (1/traces),
// n the iterations it was given, N the iterations given in all. It favours the leading trace and still gives
// neglected ones their turn, as a PUCT tree policy does among children; a trace never started comes first (as an
// unvisited child is expanded first), so every trace has a result before the scores weigh in. Pure: ties keep trace order.
import { orientedDifference } from '../../protocols/metric-table.ts';

export interface TraceStats {
  /** Iterations started on each trace. */
  started: Readonly<Record<string, number>>;
  /** Each trace's best score (absent: none yet). */
  best: Readonly<Record<string, number | undefined>>;
  lowerIsBetter: boolean;
}

/** Each trace's PUCT priority, with its terms (for the log and the tests). */
export function puctPriorities(traces: readonly string[], s: TraceStats, c: number): Array<{ trace: string; q: number; u: number; priority: number }> {
  const scores = traces.map((t) => s.best[t]).filter((x): x is number => x !== undefined);
  const N = traces.reduce((a, t) => a + (s.started[t] ?? 0), 0);
  const P = 1 / Math.max(1, traces.length);
  const gain = (a: number, b: number) => orientedDifference(a, b, s.lowerIsBetter) ?? 0; // > 0: a is better than b
  const lo = scores.length ? scores.reduce((a, b) => (gain(b, a) < 0 ? b : a)) : 0;
  const hi = scores.length ? scores.reduce((a, b) => (gain(b, a) > 0 ? b : a)) : 0;
  const span = gain(hi, lo);
  return traces.map((t) => {
    const b = s.best[t];
    const q = b === undefined ? 0 : span > 0 ? gain(b, lo) / span : 1;
    const u = c * P * Math.sqrt(Math.max(1, N)) / (1 + (s.started[t] ?? 0));
    return { trace: t, q, u, priority: (s.started[t] ?? 0) === 0 ? Infinity : q + u };
  });
}

/** The idle traces in the order PUCT starts them (highest priority first; ties keep the given order). */
export function puctOrder(idle: readonly string[], all: readonly string[], s: TraceStats, c: number): string[] {
  const p = new Map(puctPriorities(all, s, c).map((x) => [x.trace, x.priority]));
  return idle.map((t, i) => ({ t, i })).sort((a, b) => (p.get(b.t)! - p.get(a.t)!) || a.i - b.i).map((x) => x.t);
}
