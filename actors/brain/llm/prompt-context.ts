// The facts a prompt carries, rendered from the brain requests the actors send: the task and its data, the budget,
// the SOTA with its harness feedback, the chain of successes, the failures since the SOTA, sibling ideas, and the
// same facts once more as a JSON block (code and host paths left out; code is referred to by its sha256).
import { createHash } from 'node:crypto';
import type { DevelopRequest, ResearchRequest } from '../brain.ts';
import type { TaskInfo } from '../../../protocols/domain.ts';
import { formatScore } from '../../../protocols/score-format.ts';

export function sha256(text: string): string { return createHash('sha256').update(text).digest('hex'); }

const secs = (ms: number | null | undefined): string => (typeof ms === 'number' ? `${Math.round(ms / 1000)} s` : 'unknown');
const num = formatScore;

/** The task as data (what a model needs of TaskInfo; no host paths, no description). */
export function taskFacts(t: TaskInfo): Record<string, unknown> {
  const { description: _d, dataDir: _p, ...rest } = t;
  return rest;
}

export function taskSummary(t: TaskInfo): string {
  const lines = [
    `- ${t.competition}: ${t.taskType} task, metric ${t.metric} (${t.lowerIsBetter ? 'lower' : 'higher'} is better), ${t.nTrainRows} training rows.`,
    `- id column ${t.idColumn}; target column(s) ${t.targetColumns.join(', ')}.`,
  ];
  if (t.classes?.length) lines.push(`- classes: ${t.classes.slice(0, 30).join(', ')}${t.classes.length > 30 ? ` … (${t.classes.length})` : ''}${t.positiveClass ? `; the submitted probability is P(${t.positiveClass})` : ''}.`);
  if (t.targetStats.minorityFrac !== null) lines.push(`- smallest class share ${num(t.targetStats.minorityFrac)}.`);
  if (t.targetStats.skew !== null) lines.push(`- target skewness ${num(t.targetStats.skew)}.`);
  if (t.harness) lines.push(`- the harness's fixed split: ${t.harness.folds} folds; ${t.harness.holdoutRows} rows held back for confirmation; a change must beat the SOTA by ${t.harness.acceptK} corrected standard errors of the paired per-fold differences.`);
  if (t.image) lines.push(`- each row is a ${t.image.side}×${t.image.side} grey-scale image in columns ${t.image.prefix}0…, row-major.`);
  const shown = t.columns.slice(0, 60);
  lines.push(`- ${t.columns.length} feature columns${t.columns.length > shown.length ? ` (the first ${shown.length})` : ''}: ${shown.map((c) => `${c.name} (${c.dtype}${c.missingFrac > 0 ? `, ${Math.round(c.missingFrac * 100)}% missing` : ''})`).join(', ')}.`);
  return lines.join('\n');
}

/**
 * The budget as a model is told it. `remainingMs` is what the change may plan with (the researcher's share of the
 * budget left, net of the final refit's reserve, when several traces are in flight), not the whole budget left: a model
 * told "left" would plan a change the traces' shares and the reserve then refuse.
 */
export function budgetText(remainingMs: number | null | undefined, usedFrac: number | null, baseRunMs: number | null | undefined): string {
  const parts = [`- this change may plan with ${secs(remainingMs)}: its share of the budget left, net of the final refit's reserve (the traces in flight share the machine's time)${usedFrac !== null ? `; ${Math.round(usedFrac * 100)}% of the budget is used` : ''}.`];
  if (typeof baseRunMs === 'number') parts.push(`- the current best pipeline's full run took ${secs(baseRunMs)}; a change whose full run would not fit in its share is refused.`);
  return parts.join('\n');
}

export function sotaText(sota: ResearchRequest['sota']): string {
  if (!sota) return 'None yet: this is the first pipeline.';
  const fb = sota.feedback ?? {};
  const lines = [
    `- experiment ${sota.experiment} (${sota.hypothesis}): harness score ${num(sota.score)}, per-fold ${sota.folds.map(num).join(', ') || 'n/a'}, fold spread ${num(sota.cvStd)}, train score ${num(sota.trainScore)}; full run ${secs(sota.fullRunMs)}.`,
  ];
  const extra = Object.entries(fb).filter(([k]) => !['cv_scores', 'estimated_full_seconds'].includes(k));
  if (extra.length) lines.push(`- its feedback: ${JSON.stringify(Object.fromEntries(extra)).slice(0, 4000)}`);
  lines.push('', 'Its code:', '```python', sota.code, '```');
  return lines.join('\n');
}

/** A merge's other pipelines: each trace's best, its score and its code. */
export function mergeText(others: NonNullable<ResearchRequest['mergeFrom']>): string {
  return others.map((o) => [`Trace ${o.trace}'s best pipeline: experiment ${o.experiment} (${o.kind}: ${o.hypothesis}), harness score ${num(o.score)}, per-fold ${o.folds.map(num).join(', ') || 'n/a'}.`,
    '```python', o.code, '```'].join('\n')).join('\n\n');
}

export function successesText(s: ResearchRequest['successes']): string {
  return s.length ? s.map((x) => `- ${x.kind} (${x.component}): gain ${num(x.gain)} in ${x.experiment}`).join('\n') : 'None yet.';
}

export function failuresText(f: ResearchRequest['failures']): string {
  return f.length ? f.map((x) => `- ${x.kind} (${x.experiment}, ${x.level}): ${x.reason}`).join('\n') : 'None.';
}

export function listText(xs: readonly string[], none: string): string {
  return xs.length ? xs.map((x) => `- ${x}`).join('\n') : none;
}

/** The research request as data: the SOTA's code by hash, the task without its description and paths. */
/**
 * `x` without its held-back scores (every `holdout` field, at any depth): the held-back slice confirms the final
 * choice, so no model that proposes, develops or selects may see a score on it (it would steer the search by it).
 */
export function withoutHeldBack<T>(x: T): T {
  if (Array.isArray(x)) return x.map((v) => withoutHeldBack(v)) as T;
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'holdout').map(([k, v]) => [k, withoutHeldBack(v)])) as T;
}

export function researchContext(req: ResearchRequest): Record<string, unknown> {
  const { task, sota, mergeFrom, ...rest } = req;
  const byHash = <T extends { code: string; spec?: unknown }>({ code, spec: _s, ...r }: T) => ({ ...r, codeSha256: sha256(code) });
  return withoutHeldBack({ role: 'researcher', ...rest, task: taskFacts(task), sota: sota ? byHash(sota) : null,
    // a merge's other pipelines: what they are and how they score (their code is in the prompt's merge section)
    ...(mergeFrom ? { mergeFrom: mergeFrom.map(byHash) } : {}) });
}

/** The develop request as data: code by hash. */
export function developContext(req: DevelopRequest): Record<string, unknown> {
  const { task, baseCode, previousCode, baseSpec: _b, previousSpec: _p, ...rest } = req;
  return withoutHeldBack({
    role: 'developer', ...rest, task: taskFacts(task),
    baseCodeSha256: baseCode ? sha256(baseCode) : null, previousCodeSha256: previousCode ? sha256(previousCode) : null,
  });
}

/** How a job writes its predictions, by metric and task (the contract's "Values" line). */
export function valueRule(t: TaskInfo): string {
  if (t.taskType === 'regression') return `the predicted ${t.targetColumns.join(', ')} value${t.metric === 'rmsle' ? ' (non-negative)' : ''}.`;
  if (t.metric === 'accuracy') return 'the predicted class label, spelled as in train.csv.';
  if (t.taskType === 'binary') return `the probability of the positive class${t.positiveClass ? ` (${t.positiveClass})` : ''} in the sample submission's prediction column.`;
  return 'one probability column per class, in the sample submission\'s column order.';
}
