// Diagnosis: turns the task, the SOTA's real feedback and the failure log into weighted problems,
// each of which boosts (or penalises) some kinds of move.
import type { Payload } from '../../protocols/messages.ts';
import type { Problem, Stage } from '../../protocols/domain.ts';
import { perfectScore } from '../../protocols/metric-table.ts';
import { specFromData, type PipelineSpec } from './pipeline-spec.ts';

export type ResearchRequest = Payload<'brain.research.request'>;

export interface DiagProblem extends Problem {
  /** How much this problem counts now (scenario problems fade as experiments accumulate). */
  weight: number;
  /** Kind (or "prefix:") → alignment boost. Negative values penalise. */
  boosts: Record<string, number>;
}

export interface ParsedFeedback {
  trainScore: number | null;
  valScore: number | null;
  cvStd: number | null;
  minorityFrac: number | null;
  targetSkew: number | null;
  elapsedSeconds: number | null;
  estimatedFullSeconds: number | null;
  modelScores: Record<string, number>;
}

export interface Diagnosis {
  problems: DiagProblem[];
  stage: Stage;
  spec: PipelineSpec | null;
  feedback: ParsedFeedback;
  /** Kinds (single) that failed, with counts. */
  failedKinds: Record<string, number>;
  /** Failures looked like time or memory exhaustion. */
  resourceTrouble: boolean;
  experiments: number;
}

function numField(obj: Record<string, unknown> | null, text: string, key: string): number | null {
  const v = obj?.[key];
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  const m = new RegExp(`["']?${key}["']?\\s*[:=]\\s*(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)`).exec(text);
  if (m) {
    const x = Number(m[1]);
    if (Number.isFinite(x)) return x;
  }
  return null;
}

/** Extracts the structured pipeline feedback from free text (JSON embedded or key=value pairs). */
export function parseFeedback(text: string | null): ParsedFeedback {
  const t = text ?? '';
  let obj: Record<string, unknown> | null = null;
  const a = t.indexOf('{');
  const b = t.lastIndexOf('}');
  if (a >= 0 && b > a) {
    try {
      const parsed: unknown = JSON.parse(t.slice(a, b + 1));
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) obj = parsed as Record<string, unknown>;
    } catch { /* not JSON: fall back to regexes */ }
  }
  const modelScores: Record<string, number> = {};
  const ms = obj?.['model_scores'];
  if (ms && typeof ms === 'object') {
    for (const [k, v] of Object.entries(ms as Record<string, unknown>)) if (typeof v === 'number') modelScores[k] = v;
  }
  return {
    trainScore: numField(obj, t, 'train_score'),
    valScore: numField(obj, t, 'val_score'),
    cvStd: numField(obj, t, 'cv_std'),
    minorityFrac: numField(obj, t, 'minority_frac'),
    targetSkew: numField(obj, t, 'target_skew'),
    elapsedSeconds: numField(obj, t, 'elapsed_seconds'),
    estimatedFullSeconds: numField(obj, t, 'estimated_full_seconds'),
    modelScores,
  };
}

/**
 * The feedback diagnosis works from, best source first: target statistics the harness computed from train.csv
 * (task.targetStats), then the SOTA's structured full-run feedback (its gome_feedback.json, carried by memory),
 * then whatever numbers the last failure's text holds.
 */
export function feedbackFor(req: ResearchRequest): ParsedFeedback {
  const fromSota = parseFeedback(req.sota?.feedback ? JSON.stringify(req.sota.feedback) : null);
  const fromText = parseFeedback(req.lastFeedback);
  const pick = <K extends keyof ParsedFeedback>(k: K): ParsedFeedback[K] => (fromSota[k] ?? fromText[k]) as ParsedFeedback[K];
  const stats = req.task.targetStats;
  return {
    trainScore: pick('trainScore'), valScore: pick('valScore'), cvStd: pick('cvStd'),
    minorityFrac: stats?.minorityFrac ?? pick('minorityFrac'),
    targetSkew: stats?.skew ?? pick('targetSkew'),
    elapsedSeconds: pick('elapsedSeconds'), estimatedFullSeconds: pick('estimatedFullSeconds'),
    modelScores: Object.keys(fromSota.modelScores).length ? fromSota.modelScores : fromText.modelScores,
  };
}

const clamp = (x: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, x));
const f4 = (x: number): string => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

export function diagnose(req: ResearchRequest): Diagnosis {
  const { task, sota } = req;
  const spec = specFromData(sota?.spec);
  const fb = feedbackFor(req);
  const experiments = req.successes.length + req.failures.length + (sota ? 1 : 0);
  const scenarioW = clamp(1 - experiments / 10, 0.3, 1);
  const feedbackW = clamp(0.4 + experiments / 6, 0.4, 1.5);
  const problems: DiagProblem[] = [];
  const scen = (summary: string, evidence: string, boosts: Record<string, number>, w = 1): void => {
    problems.push({ category: 'scenario', summary, evidence, weight: scenarioW * w, boosts });
  };
  const feed = (summary: string, evidence: string, boosts: Record<string, number>, w = 1): void => {
    problems.push({ category: 'feedback', summary, evidence, weight: feedbackW * w, boosts });
  };

  // ── scenario (data-driven) problems ──
  const cats = task.columns.filter((c) => c.dtype === 'categorical');
  const texts = task.columns.filter((c) => c.dtype === 'text');
  const nums = task.columns.filter((c) => c.dtype === 'numeric');
  const missing = task.columns.filter((c) => c.missingFrac > 0);
  if (cats.length > 0) {
    scen('Categorical features need a good encoding', `${cats.length} categorical columns (${cats.slice(0, 5).map((c) => c.name).join(', ')})`,
      { 'fe:onehot': 2, 'fe:count': 2, 'fe:freq': 1.5, 'fe:target-enc': 1.5, 'model:hgb': 0.5, 'model:xgb': 0.5 });
  }
  if (missing.length > 0) {
    const worst = missing.reduce((x, y) => (y.missingFrac > x.missingFrac ? y : x));
    scen('Missing values must be imputed or modelled', `${missing.length} columns with missing values (max ${(worst.missingFrac * 100).toFixed(1)}% in ${worst.name})`,
      { 'fe:missing-ind': 2, 'fe:impute-mean': 0.5, 'fe:impute-mode': 0.3, 'model:hgb': 1, 'model:xgb': 1 });
  }
  if (texts.length > 0) {
    scen('Free-text columns carry signal that length features miss', `${texts.length} text columns (${texts.map((c) => c.name).join(', ')})`,
      { 'fe:text-tfidf': 4, 'model:linear': 1, 'draft:linear': 2 });
  }
  if (task.taskType === 'regression' && !(spec?.targetLog ?? false)) {
    const skewed = fb.targetSkew !== null && fb.targetSkew > 1;
    if (task.metric === 'rmsle') {
      scen('RMSLE is an RMSE in log space: the model should be trained on log1p(target)', 'metric is rmsle and the target is not log-transformed', { 'fe:target-log': 5 });
    } else if (skewed) {
      scen('Skewed regression target', `target skew ${f4(fb.targetSkew!)}`, { 'fe:target-log': task.metric === 'mae' ? 2 : 1.5 });
    }
  }
  if (task.nTrainRows > 0 && task.nTrainRows < 2000) {
    scen('Small training set: estimates are noisy and complex models overfit', `${task.nTrainRows} training rows`,
      { 'wf:folds-up': 1.5, 'wf:seeds': 1, 'hp:regularize': 1, 'model:linear': 1, 'ens:avg3': 1, 'draft:linear': 1 });
  }
  if (task.nTrainRows > 100_000) {
    scen('Large training set: compute-heavy moves are costly', `${task.nTrainRows} training rows`,
      { 'model:knn': -3, 'model:rf': -1, 'data:more-rows': 2, 'model:hgb': 1, 'model:xgb': 1, 'wf:seeds': -1 });
  }
  if (nums.length >= 2 && nums.length <= 40) {
    scen('Few numeric features: interactions may add signal', `${nums.length} numeric columns`, { 'fe:ratios': 1.5, 'fe:rowstats': 0.5 }, 0.7);
  }
  if (fb.minorityFrac !== null && fb.minorityFrac < 0.15 && task.taskType !== 'regression') {
    scen('Imbalanced classes', `minority class fraction ${f4(fb.minorityFrac)}`,
      { 'wf:balanced': task.metric === 'logloss' ? -2 : 3, 'wf:folds-up': 1 });
  }
  if (task.image && !spec?.models.some((m) => m.family === 'cnn')) {
    scen('Images: a convolutional network sees the spatial structure that tabular models miss',
      `${task.image.side}x${task.image.side} grey-scale images (${task.image.side ** 2} pixel columns ${task.image.prefix}…)`,
      { 'draft:cnn': 4, 'model:cnn': 4, 'draft:knn': -2, 'model:knn': -2 }, 1.5);
  }
  if (spec) {
    const fam = spec.models[0]!.family;
    if (fam === 'linear' || fam === 'knn') {
      scen('The main model is a weak learner for tabular data', `main model: ${fam}`,
        { 'model:hgb': 3, 'model:xgb': 3, 'fe:log1p': 2, 'fe:ratios': 1 });
    }
    if (fam === 'rf' || fam === 'et') scen('Bagged trees usually trail gradient boosting on tabular data', `main model: ${fam}`, { 'model:xgb': 2, 'model:hgb': 1.5 }, 0.8);
  }

  // ── feedback-driven problems ──
  const lower = task.lowerIsBetter;
  const train = sota?.trainScore ?? fb.trainScore;
  const val = sota?.score ?? fb.valScore;
  if (sota && train !== null && val !== null && Number.isFinite(train) && Number.isFinite(val)) {
    const gap = lower ? val - train : train - val;
    const perfect = perfectScore(task.metric); // higher-is-better metrics: the headroom is perfect - val
    const overfit = lower ? gap > 0.25 * Math.abs(val) && gap > 1e-6 : gap > 0.02 && gap > 0.5 * Math.max(1e-9, perfect - val);
    const underfit = lower ? gap < 0.05 * Math.abs(val) : gap < 0.005 && val < perfect - 0.03;
    if (overfit) {
      feed('Overfitting: large train/validation gap', `train ${f4(train)} vs CV ${f4(val)} (${task.metric})`,
        { 'hp:regularize': 3, 'hp:subsample': 2, 'hp:lr-down': 1, 'wf:seeds': 1, 'ens:avg3': 1.5, 'ens:hill': 1, 'hp:capacity-up': -3, 'fe:ratios': -0.5 });
    } else if (underfit) {
      feed('Underfitting: the model fits training data no better than validation', `train ${f4(train)} vs CV ${f4(val)} (${task.metric})`,
        { 'hp:capacity-up': 3, 'hp:more-trees': 2, 'hp:lr-down': 1, 'fe:ratios': 2, 'fe:rowstats': 1, 'model:xgb': 1, 'hp:regularize': -3 });
    }
  }
  const std = sota?.cvStd ?? fb.cvStd;
  if (sota && std !== null && val !== null) {
    const high = lower ? std > 0.05 * Math.abs(val) : std > 0.01;
    if (high) {
      feed('High variance across CV folds', `fold std ${f4(std)} around ${f4(val)}`,
        { 'wf:folds-up': 3, 'wf:seeds': 3, 'ens:avg3': 1.5, 'hp:regularize': 1 });
    }
  }
  const failedKinds: Record<string, number> = {};
  let resourceTrouble = false;
  for (const f of req.failures) {
    for (const k of f.kind.split('+')) failedKinds[k] = (failedKinds[k] ?? 0) + 1;
    if (/time ?out|timed out|time limit|memory|killed|oom|budget|too slow|refused/i.test(f.reason)) resourceTrouble = true;
  }
  if (req.failures.length > 0) {
    const boosts: Record<string, number> = {};
    for (const [k, n] of Object.entries(failedKinds)) boosts[k] = -2 * n;
    if (resourceTrouble) Object.assign(boosts, { 'wf:seeds': -2, 'wf:folds-up': -2, 'hp:more-trees': -2, 'ens:stack': -1, 'ens:hill': -1 });
    feed(resourceTrouble ? 'Recent experiments ran out of time or memory' : 'Recent experiments failed',
      req.failures.slice(-3).map((f) => `${f.kind}@${f.level}: ${f.reason.slice(0, 80)}`).join(' | '), boosts);
  }
  if (req.failures.length >= 3) {
    feed('Stagnation: several changes since the last SOTA did not help', `${req.failures.length} failures since the last SOTA`,
      { 'model:': 1.5, 'ens:': 1.5, 'fe:': 0.5 }, 0.8);
  }
  const stage = req.stage;
  if (stage === 'ensemble' && sota) {
    feed('Late in the budget: combine the best models rather than explore', `budget used ${(req.budgetUsedFrac * 100).toFixed(0)}%`,
      { 'ens:': 3, 'wf:seeds': 1.5, 'wf:folds-up': 0.5 });
  } else if (stage === 'draft' && sota) {
    feed('Early in the budget: large moves are cheap to explore', `budget used ${(req.budgetUsedFrac * 100).toFixed(0)}%`, { 'model:': 1.5, 'ens:': -2 });
  }
  if (Object.keys(fb.modelScores).length > 1 && spec && spec.ensemble !== 'none') {
    const entries = Object.entries(fb.modelScores).sort((x, y) => (lower ? x[1] - y[1] : y[1] - x[1]));
    feed('Ensemble members differ in strength', entries.map(([k, v]) => `${k}=${f4(v)}`).join(', '), { 'ens:hill': 1.5, 'ens:stack': 1 }, 0.6);
  }
  problems.sort((x, y) => y.weight - x.weight || x.summary.localeCompare(y.summary));
  return { problems, stage, spec, feedback: fb, failedKinds, resourceTrouble, experiments };
}

/** The boost a problem gives to one single kind (exact match or "prefix:" match). */
export function boostFor(problem: DiagProblem, kind: string): number {
  let b = problem.boosts[kind] ?? 0;
  const prefix = `${kind.split(':')[0]}:`;
  if (problem.boosts[prefix] !== undefined) b += problem.boosts[prefix]!;
  return b;
}
