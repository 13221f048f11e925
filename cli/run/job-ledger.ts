// The run's job ledger, built from the job.submit and job.result messages: the budget wasted (debug runs of jobs then
// refused, full runs killed by their limit or by the budget) and how well the cost model estimated full runs.
import { readFileSync } from 'node:fs';
import type { JobOutcome } from '../../protocols/domain.ts';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import { median } from '../../grading/medals.ts';

export interface CostAccuracy {
  /** Full runs with a debug estimate that finished (the pairs the accuracy rests on). */
  pairs: number;
  /** Median of actual / corrected estimate (1 = exact), and of actual / the job's raw extrapolation. */
  median_ratio: number | null;
  median_ratio_raw: number | null;
  /** Median of max(ratio, 1/ratio): how many times off the corrected estimate typically is. */
  median_fold_error: number | null;
}

export interface WasteSummary {
  waste_ms: number;
  waste_frac: number;
  /** Debug runs whose full run admission control then refused, and full runs killed by their limit or the budget. */
  wasted_debug_runs: number;
  killed_full_runs: number;
}

/** The median, or null for no values. */
function medianOrNull(xs: number[]): number | null {
  return xs.length ? median(xs) : null;
}

export class JobLedger {
  private readonly submits = new Map<string, Payload<'job.submit'>>();
  private readonly results = new Map<string, JobOutcome>();

  observe(env: Envelope): void {
    if (env.type === 'job.submit') this.submits.set(env.payload.jobId, env.payload);
    else if (env.type === 'job.result') this.results.set(env.payload.jobId, env.payload);
  }

  waste(budgetMs: number): WasteSummary {
    let wasteMs = 0;
    let wastedDebug = 0;
    let killed = 0;
    for (const r of this.results.values()) {
      if (r.mode === 'full' && r.status === 'timeout') { wasteMs += r.usage.wallMs; killed++; }
      if (r.mode === 'full' && r.status === 'refused') {
        const debugId = this.submits.get(r.jobId)?.after;
        const debug = debugId ? this.results.get(debugId) : undefined;
        if (debug) { wasteMs += debug.usage.wallMs; wastedDebug++; }
      }
    }
    return { waste_ms: Math.round(wasteMs), waste_frac: budgetMs > 0 ? wasteMs / budgetMs : 0, wasted_debug_runs: wastedDebug, killed_full_runs: killed };
  }

  /** Every finished full run with a debug estimate: actual / corrected estimate and actual / raw estimate. */
  costPairs(): Array<{ jobId: string; ratio: number; rawRatio: number | null }> {
    const out: Array<{ jobId: string; ratio: number; rawRatio: number | null }> = [];
    for (const r of this.results.values()) {
      const s = this.submits.get(r.jobId);
      if (r.mode !== 'full' || r.status !== 'ok' || !s || !(r.usage.wallMs > 0)) continue;
      if (!(typeof s.estimatedMs === 'number' && s.estimatedMs > 0)) continue;
      const raw = typeof s.rawEstimatedMs === 'number' && s.rawEstimatedMs > 0 ? r.usage.wallMs / s.rawEstimatedMs : null;
      out.push({ jobId: r.jobId, ratio: r.usage.wallMs / s.estimatedMs, rawRatio: raw });
    }
    return out;
  }

  costAccuracy(): CostAccuracy {
    return costAccuracyOf(this.costPairs());
  }

  /** A ledger rebuilt from a run directory's messages.jsonl (one recorded message per line, the envelope as its body). */
  static fromLog(file: string): JobLedger {
    const l = new JobLedger();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const body = (JSON.parse(line) as { body?: { type?: unknown } }).body;
        if (body && (body.type === 'job.submit' || body.type === 'job.result')) l.observe(body as Envelope);
      } catch { /* a torn last line */ }
    }
    return l;
  }
}

/** The accuracy figures of any set of cost pairs (one run's, or a whole benchmark's). */
export function costAccuracyOf(pairs: ReadonlyArray<{ ratio: number; rawRatio: number | null }>): CostAccuracy {
  const ratios = pairs.map((p) => p.ratio);
  const raws = pairs.map((p) => p.rawRatio).filter((x): x is number => x !== null);
  return {
    pairs: ratios.length, median_ratio: medianOrNull(ratios), median_ratio_raw: medianOrNull(raws),
    median_fold_error: medianOrNull(ratios.map((x) => Math.max(x, 1 / x))),
  };
}
