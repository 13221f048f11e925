// The Developer's coding: applies a hypothesis' change to the base spec as a minimal edit and generates the
// script; on an error (attempt > 1) makes a targeted repair, else falls back to a simpler, safer variant.
import type { Payload } from '../../protocols/messages.ts';
import type { Hypothesis, TaskInfo } from '../../protocols/domain.ts';
import { ADMISSION_SAFETY } from '../../protocols/config.ts';
import { MOVE_BY_KIND, isDraftKind, splitKind, type Move, type MoveContext } from './catalogue.ts';
import { generateCode } from './codegen.ts';
import { allowedMs, estimateMs, measuredBase, parseTooSlow, reshapeToFit, withSearchAllowance } from './cost-estimate.ts';
import {
  ESTIMATOR_PARAM, MODEL_FAMILIES, cloneSpec, defaultParams, draftSpec, modelSpec, renameModels, specFromData,
  type ModelFamily, type PipelineSpec,
} from './pipeline-spec.ts';
import { stableStringify } from './hash.ts';

export type DevelopRequest = Payload<'brain.develop.request'>;
export type DevelopReply = Payload<'brain.develop.reply'>;

/** Move kinds of a change object ({moves:[...]} or {move:"..."}), else of the hypothesis kind. */
function requestedKinds(h: Hypothesis): string[] {
  const c = h.change;
  if (Array.isArray(c['moves'])) return (c['moves'] as unknown[]).filter((x): x is string => typeof x === 'string');
  if (typeof c['move'] === 'string') return splitKind(c['move']);
  return splitKind(h.kind);
}

/** Fallback moves, by component, for hypotheses whose kinds the catalogue does not know (e.g. from an LLM researcher). */
const FALLBACK_BY_COMPONENT: Record<Hypothesis['component'], string[]> = {
  model: ['model:xgb', 'hp:lr-down', 'model:hgb', 'hp:more-trees', 'hp:regularize'],
  features: ['fe:ratios', 'fe:rowstats', 'fe:count', 'fe:log1p', 'fe:onehot'],
  data: ['fe:missing-ind', 'fe:count', 'data:more-rows', 'fe:impute-mean'],
  ensemble: ['ens:avg3', 'ens:hill', 'ens:stack'],
  workflow: ['wf:seeds', 'wf:folds-up', 'hp:lr-down'],
};
const LAST_RESORT = ['hp:regularize', 'hp:lr-down', 'hp:more-trees', 'wf:seeds', 'fe:rowstats', 'hp:capacity-up'];

const same = (a: PipelineSpec, b: PipelineSpec): boolean =>
  stableStringify({ ...a, notes: [] }) === stableStringify({ ...b, notes: [] });

function goodFamilies(h: Hypothesis): ModelFamily[] {
  const f = h.change['families'];
  return Array.isArray(f) ? f.filter((x): x is ModelFamily => typeof x === 'string' && (MODEL_FAMILIES as readonly string[]).includes(x)) : [];
}

/** Applies the hypothesis to the base spec; guarantees the result differs from the base. */
export function applyHypothesis(base: PipelineSpec | null, h: Hypothesis, task: TaskInfo): { spec: PipelineSpec; applied: string[] } {
  const kinds = requestedKinds(h);
  const known = kinds.map((k) => MOVE_BY_KIND.get(k)).filter((m): m is Move => !!m);
  // a draft the task cannot take (a network without images) is no draft: the hypothesis falls back like an unknown kind
  const draft = known.find((m) => isDraftKind(m.kind) && m.applies({ task, spec: draftSpec(task), goodFamilies: [] }));
  const start = base ? cloneSpec(base) : draftSpec(task, 'hgb');
  const spec = draft ? draftSpec(task) : cloneSpec(start);
  const ctx = (): MoveContext => ({ task, spec, goodFamilies: goodFamilies(h) });
  const applied: string[] = [];
  for (const m of draft ? [draft] : known) {
    if (!m.applies(ctx())) continue;
    m.apply(spec, ctx());
    applied.push(m.kind);
  }
  if (draft) {
    spec.notes = [draft.kind];
    return { spec, applied };
  }
  if (same(spec, start)) {
    // unknown kind or no-op: a sensible substitute for the hypothesis' component, then anything that changes the spec
    for (const k of [...FALLBACK_BY_COMPONENT[h.component], ...LAST_RESORT]) {
      const m = MOVE_BY_KIND.get(k)!;
      if (!m.applies(ctx())) continue;
      m.apply(spec, ctx());
      if (!same(spec, start)) { applied.push(`${k} (substitute for ${h.kind})`); break; }
    }
  }
  spec.notes = [...start.notes, ...applied].slice(-12);
  return { spec, applied };
}

interface Repair { label: string; fix: (s: PipelineSpec, task: TaskInfo) => void }

const REPAIRS: { re: RegExp; repair: Repair }[] = [
  {
    re: /MemoryError|out of memory|Unable to allocate|bad_alloc|Killed|signal 9|SIGKILL|timed? ?out|time limit|TIMEOUT|exceeded/i,
    repair: {
      label: 'resource exhaustion → fewer estimators, folds, seeds and features',
      fix: (s, task) => {
        for (const m of s.models) {
          const key = ESTIMATOR_PARAM[m.family];
          if (key) m.params[key] = Math.max(20, Math.round((typeof m.params[key] === 'number' ? (m.params[key] as number) : 100) / 2));
        }
        if (s.models.length > 1) s.models = s.models.filter((m) => m.family !== 'knn' && m.family !== 'rf').slice(0, 3);
        if (s.models.length === 0) s.models = [modelSpec('hgb')];
        s.seeds = 1; s.folds = Math.min(s.folds, 3); s.fe.pairs = 0; s.fe.text = 'stats';
        if (task.nTrainRows > 100_000) s.maxTrainRows = Math.max(50_000, Math.floor(Math.min(s.maxTrainRows, task.nTrainRows) / 2));
      },
    },
  },
  {
    re: /xgboost|XGB|Invalid classes inferred|base_score|label must be in \[0, ?num_class\)/i,
    repair: {
      label: 'XGBoost failure → replace XGBoost with histogram gradient boosting',
      fix: (s) => {
        s.models = s.models.map((m) => (m.family === 'xgb' ? modelSpec('hgb', { ...defaultParams('hgb'), learning_rate: m.params['learning_rate'] ?? 0.1, max_iter: m.params['n_estimators'] ?? 200 }) : m));
        s.models = s.models.filter((m, i, a) => a.findIndex((x) => x.family === m.family) === i);
      },
    },
  },
  {
    re: /Input (X )?contains NaN|contains NaN|NaN, infinity|missing values|Input contains infinity|value too large/i,
    repair: { label: 'NaN/inf reached a model → impute for every model, drop ratio features', fix: (s) => { s.imputeNative = true; s.fe.pairs = 0; } },
  },
  {
    re: /could not convert string to float|convert.*to float|dtype\(?'?O|Cannot cast|unsupported operand type.*str|invalid literal/i,
    repair: { label: 'string values reached a model → ordinal encoding, text as length statistics', fix: (s) => { s.encoding = 'ordinal'; s.fe.text = 'stats'; s.fe.count = false; } },
  },
  {
    re: /n_neighbors|Expected n_neighbors/i,
    repair: { label: 'kNN failure → drop kNN', fix: (s) => { s.models = s.models.filter((m) => m.family !== 'knn'); if (!s.models.length) s.models = [modelSpec('hgb')]; } },
  },
  {
    re: /log1p|Mean Squared Logarithmic|negative values|RMSLE/i,
    repair: { label: 'log-target failure → no target transform', fix: (s) => { s.targetLog = false; } },
  },
  {
    re: /TfidfVectorizer|TruncatedSVD|empty vocabulary/i,
    repair: { label: 'text featurisation failure → length statistics only', fix: (s) => { s.fe.text = 'stats'; } },
  },
  {
    re: /stacker|LogisticRegression|lbfgs|ConvergenceWarning|Ridge/i,
    repair: { label: 'linear/stacking failure → averaging, stronger scaling', fix: (s) => { if (s.ensemble === 'stack') s.ensemble = 'hill'; s.scale = true; } },
  },
];

/** A simpler safe variant: one model, no feature engineering, imputation everywhere. */
function simplify(s: PipelineSpec, level: number): PipelineSpec {
  const out = cloneSpec(s);
  out.models = [out.models.find((m) => m.family === 'hgb' || m.family === 'rf') ?? modelSpec('hgb')];
  out.ensemble = 'none';
  out.fe = { rowStats: false, pairs: 0, log1p: false, count: false, text: 'stats' };
  out.seeds = 1;
  out.folds = Math.min(out.folds, 5);
  if (level >= 2) {
    out.models = [modelSpec(out.models[0]!.family === 'hgb' && level >= 3 ? 'rf' : 'hgb', { ...(level >= 3 ? { n_estimators: 100 } : {}) })];
    if (out.models[0]!.family === 'rf') out.models[0]!.params = { n_estimators: 100, max_depth: null, min_samples_leaf: 2, max_features: 'auto' };
    out.encoding = 'ordinal';
    out.imputeNative = true;
    out.missingIndicator = false;
    out.classWeight = 'none';
    out.folds = 3;
  }
  renameModels(out);
  return out;
}

export function repairSpec(prev: PipelineSpec, error: string, attempt: number, task: TaskInfo): { spec: PipelineSpec; label: string } {
  const start = cloneSpec(prev);
  let spec = cloneSpec(prev);
  const labels: string[] = [];
  for (const { re, repair } of REPAIRS) {
    if (!re.test(error)) continue;
    repair.fix(spec, task);
    renameModels(spec);
    labels.push(repair.label);
    if (!same(spec, start)) break;
  }
  // unrecognised errors, or repeated failures: progressively simpler, safer variants
  if (same(spec, start) || attempt >= 4) {
    const level = attempt >= 3 ? 2 : 1;
    spec = simplify(spec, level);
    labels.push(level >= 2 ? 'fallback to a minimal safe pipeline' : 'fallback to a simpler single-model pipeline');
  }
  for (const level of [2, 3]) {
    if (!same(spec, start)) break;
    spec = simplify(spec, level);
    labels.push(level === 2 ? 'fallback to a minimal safe pipeline' : 'fallback: switch the minimal model family');
  }
  spec.notes = [...start.notes, `repair#${attempt}: ${labels.join('; ')}`].slice(-12);
  return { spec, label: labels.join('; ') };
}

/** What a too-slow refusal leaves: the change reshaped to 80% of the time that was available for it, less the
 * margin admission control asks of a scored job's estimate. */
const TOO_SLOW_TARGET = 0.8 / ADMISSION_SAFETY;

function reshapeNote(r: { steps: string[]; before: { ms: number }; after: { ms: number } }, limitMs: number): string {
  return `reshaped to fit (${r.steps.join(', ')}): estimated ${(r.before.ms / 1000).toFixed(1)} s → ${(r.after.ms / 1000).toFixed(1)} s, `
    + `${(limitMs / 1000).toFixed(1)} s available`;
}

export function develop(req: DevelopRequest): DevelopReply {
  const { task, hypothesis } = req;
  // the spec travels as data beside the code (code alone, e.g. an LLM's, gives no spec: a fresh draft is the base)
  const base = specFromData(req.baseSpec);
  const measured = measuredBase(base, req.baseRunMs, req.baseFeedback, req.measured);
  if (req.error && req.attempt > 1) {
    const prev = specFromData(req.previousSpec) ?? applyHypothesis(base, hypothesis, task).spec;
    const slow = parseTooSlow(req.error);
    if (slow) {
      // refused as too slow for the budget left: the same change, smaller, estimated from the refused run's estimate
      // the refusal names the bound it met (budget left or job limit); the reshaped change must fit the other too
      const limit = Math.min(slow.availableMs, req.fullLimitMs ?? Infinity) * TOO_SLOW_TARGET;
      const r = reshapeToFit(prev, task, { spec: prev, runMs: slow.estimatedMs }, limit);
      if (r) {
        const label = reshapeNote(r, limit);
        const spec = withSearchAllowance(r.spec, task, r.after);
        spec.notes = [...prev.notes, `repair#${req.attempt}: ${label}`].slice(-12);
        return { code: generateCode(spec, task, `${hypothesis.title} (${label})`), spec,
          summary: `Repair attempt ${req.attempt} of "${hypothesis.kind}": ${label}.`, brain: 'offline-heuristic-v1', plannedMs: r.after.ms };
      }
    }
    const { spec: repaired, label } = repairSpec(prev, req.error, req.attempt, task);
    let spec = withSearchAllowance(repaired, task, estimateMs(repaired, task, measured));
    let code = generateCode(spec, task, `${hypothesis.title} (repair attempt ${req.attempt}: ${label})`);
    if (code === req.previousCode) {
      spec = simplify(spec, 3);
      code = generateCode(spec, task, `${hypothesis.title} (repair attempt ${req.attempt}: minimal)`);
    }
    return { code, spec, summary: `Repair attempt ${req.attempt} of "${hypothesis.kind}": ${label}.`, brain: 'offline-heuristic-v1',
      plannedMs: estimateMs(spec, task, measured)?.ms ?? null };
  }
  const applied = applyHypothesis(base, hypothesis, task);
  let spec = applied.spec;
  let shaped = '';
  const limit = allowedMs(req.remainingMs ?? null, req.fullLimitMs ?? null);
  if (limit !== null) {
    const r = reshapeToFit(spec, task, measured, limit);
    if (r) {
      shaped = reshapeNote(r, limit);
      spec = r.spec;
      spec.notes = [...spec.notes, shaped].slice(-12);
    }
  }
  const est = estimateMs(spec, task, measured);
  spec = withSearchAllowance(spec, task, est);
  const code = generateCode(spec, task, hypothesis.title);
  const from = base ? 'the SOTA pipeline' : req.baseCode ? 'a fresh draft (base spec not readable)' : 'scratch';
  return {
    code,
    spec,
    summary: `Applied ${applied.applied.length ? applied.applied.join(', ') : 'no catalogue move'} to ${from}: `
      + `${spec.models.map((m) => m.name).join(' + ')}${spec.models.length > 1 ? ` (${spec.ensemble})` : ''}, `
      + `${task.harness ? `the run's ${task.harness.folds} fixed folds` : `${spec.folds} folds`}, ${spec.seeds} seed(s), encoding ${spec.encoding}`
      + `${est ? `; estimated full run ${(est.ms / 1000).toFixed(1)} s` : ''}`
      + `${spec.search?.seconds ? `; the search may take ${spec.search.seconds} s per fold` : ''}${shaped ? `; ${shaped}` : ''}.`,
    brain: 'offline-heuristic-v1',
    plannedMs: est?.ms ?? null,
  };
}
