// LLM accounting for one run: tokens, latency and cost per call, per role and per model, priced from the config's
// optional table, and the run's hard caps. Once a cap is reached no further call may start (canCall says why).
import type { LlmModelSettings } from '../../../protocols/config.ts';
import type { LlmCall, LlmRole, LlmUsage } from '../../../protocols/llm.ts';

export interface UsageTotals { calls: number; promptTokens: number; completionTokens: number; latencyMs: number; costUsd: number | null; failed: number }

function empty(): UsageTotals { return { calls: 0, promptTokens: 0, completionTokens: 0, latencyMs: 0, costUsd: 0, failed: 0 }; }

function add(t: UsageTotals, c: Pick<LlmCall, 'usage' | 'latencyMs' | 'costUsd' | 'outcome'>): void {
  t.calls++;
  t.promptTokens += c.usage.promptTokens;
  t.completionTokens += c.usage.completionTokens;
  t.latencyMs += c.latencyMs;
  // one unpriced call makes the total unknown: a partial sum would understate the spend
  t.costUsd = t.costUsd === null || c.costUsd === null ? null : t.costUsd + c.costUsd;
  if (c.outcome !== 'ok') t.failed++;
}

/** A call's cost in US dollars from the model's prices; null when the model has none. */
export function priceOf(usage: LlmUsage, settings: LlmModelSettings | undefined): number | null {
  if (settings?.inputUsdPerMTok === undefined || settings.outputUsdPerMTok === undefined) return null;
  return (usage.promptTokens * settings.inputUsdPerMTok + usage.completionTokens * settings.outputUsdPerMTok) / 1e6;
}

export interface LlmCaps { maxUsd: number | null; maxTokens: number | null }

export class UsageLedger {
  readonly total = empty();
  readonly byRole = new Map<LlmRole, UsageTotals>();
  readonly byModel = new Map<string, UsageTotals>();
  /** Tokens and known dollars of every HTTP exchange so far (retries included): what the caps count. */
  private spentTokens = 0;
  private spentUsd = 0;
  private capped: string | null = null;

  constructor(private readonly caps: LlmCaps) {}

  /** Records a finished call (successful or not: a failed call's tokens were still spent). */
  record(c: Pick<LlmCall, 'role' | 'model' | 'usage' | 'latencyMs' | 'costUsd' | 'outcome'>): void {
    add(this.total, c);
    add(this.byRole.get(c.role) ?? this.byRole.set(c.role, empty()).get(c.role)!, c);
    add(this.byModel.get(c.model) ?? this.byModel.set(c.model, empty()).get(c.model)!, c);
  }

  /** Counts one HTTP exchange inside a call against the caps (a call may make several: schema retries). */
  spend(usage: LlmUsage, costUsd: number | null): void {
    this.spentTokens += usage.promptTokens + usage.completionTokens;
    this.spentUsd += costUsd ?? 0;
  }

  /** Null while calls may start; otherwise the sentence saying which cap stopped them (it stays reached). */
  capReached(): string | null {
    if (this.capped) return this.capped;
    const tokens = this.spentTokens;
    const usd = this.spentUsd;
    if (this.caps.maxTokens !== null && tokens >= this.caps.maxTokens) {
      this.capped = `the run's LLM token cap is reached (${tokens} of at most ${this.caps.maxTokens} tokens, --max-llm-tokens): no further LLM call is made`;
    } else if (this.caps.maxUsd !== null && usd >= this.caps.maxUsd) {
      this.capped = `the run's LLM spending cap is reached ($${usd.toFixed(4)} of at most $${this.caps.maxUsd}, --max-llm-usd): no further LLM call is made`;
    }
    return this.capped;
  }

  summary(): { total: UsageTotals; byRole: Record<string, UsageTotals>; byModel: Record<string, UsageTotals>; capReached: string | null } {
    return { total: { ...this.total }, byRole: Object.fromEntries(this.byRole), byModel: Object.fromEntries(this.byModel), capReached: this.capped };
  }
}

export type LlmUsageSummary = ReturnType<UsageLedger['summary']>;

/** The usage of recorded calls (the run's log): null when there were none (the offline brain). */
export function summariseLlmCalls(calls: readonly LlmCall[]): LlmUsageSummary | null {
  if (!calls.length) return null;
  const l = new UsageLedger({ maxUsd: null, maxTokens: null });
  for (const c of calls) l.record(c);
  const cap = calls.find((c) => c.outcome === 'cap');
  return { ...l.summary(), capReached: cap?.error ?? null };
}
