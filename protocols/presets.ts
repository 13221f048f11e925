// Named presets: reproducible starting configs (a run prints and stores the full config it used).
import type { RunConfigInput } from './config.ts';

type Preset = Omit<Partial<RunConfigInput>, 'runId' | 'competitionDir' | 'runDir'> & { description: string };

export const PRESETS: Record<string, Preset> = {
  default: { description: 'gradient researcher, one trace, memory on, MLE-bench-like job limits', topology: { researcher: 'gradient', traces: 1, memory: true, structuredReasoning: true } },
  quick: { description: 'short job limits for minute-scale budgets', limits: { debugMs: 60_000, fullMs: 300_000 }, topology: { researcher: 'gradient', traces: 1, memory: true, structuredReasoning: true } },
  'multi-trace-4': { description: 'four parallel traces with shared memory and forced diversity', topology: { researcher: 'gradient', traces: 4, memory: true, structuredReasoning: true } },
  'tree-greedy': { description: 'tree-search baseline: hypotheses not weighted by reasoning, no memory bias (AIDE-style greedy)', topology: { researcher: 'greedy', traces: 1, memory: false, structuredReasoning: false } },
  'ablation-no-memory': { description: 'gradient researcher without success memory (no momentum)', topology: { researcher: 'gradient', traces: 1, memory: false, structuredReasoning: true } },
};
