// Named presets: reproducible starting configs (a run prints and stores the full config it used). Each holds a
// topology; --topology NAME|FILE (bench/topologies) replaces it, and --traces / --no-memory override single fields.
import type { RunConfigInput } from './config.ts';

type Preset = Omit<Partial<RunConfigInput>, 'runId' | 'competitionDir' | 'runDir'> & { description: string };

export const PRESETS: Record<string, Preset> = {
  default: { description: 'the gradient on one trace, memory on, MLE-bench-like job limits (topology gome-1trace)', topology: { name: 'gome-1trace', traces: 1 } },
  quick: { description: 'short job limits for minute-scale budgets (topology gome-1trace)', limits: { debugMs: 60_000, fullMs: 300_000 }, topology: { name: 'gome-1trace', traces: 1 } },
  'multi-trace-4': { description: 'four parallel gradient traces with shared memory and forced diversity (topology gome)', topology: { name: 'gome', traces: 4 } },
  'tree-greedy': { description: 'tree-search baseline: AIDE-style greedy tree search, no structured reasoning, no memory (topology tree-greedy)', topology: { name: 'tree-greedy', policy: { kind: 'tree-greedy' }, memory: false, structuredReasoning: false } },
  'ablation-no-memory': { description: 'the gradient on one trace without success memory (no momentum)', topology: { name: 'gome-1trace-no-memory', traces: 1, memory: false } },
};
