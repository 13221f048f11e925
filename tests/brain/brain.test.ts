// Offline brain: research (diagnosis + hypotheses) and develop (minimal edits, repair), without running Python.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { payloads } from '../../protocols/messages.ts';
import { Hypothesis } from '../../protocols/domain.ts';
import { offlineBrain } from '../../actors/brain/offline-brain.ts';
import { offlineAsyncBrain } from '../../actors/brain/brain.ts';
import { MOVES } from '../../actors/brain/catalogue.ts';
import { generateCode } from '../../actors/brain/codegen.ts';
import { fnv1a } from '../../actors/brain/hash.ts';
import { draftSpec, specFromData, type PipelineSpec } from '../../actors/brain/pipeline-spec.ts';
import { PYTHON, researchRequest, taskFor } from './fixtures.ts';

const task = taskFor('mixed', 'auc');
task.columns = [
  ...Array.from({ length: 6 }, (_, i) => ({ name: `num${i}`, dtype: 'numeric' as const, missingFrac: i === 0 ? 0.1 : 0 })),
  { name: 'colour', dtype: 'categorical' as const, missingFrac: 0.05 },
];

function sotaFrom(spec: PipelineSpec, score: number, extra: { cvStd?: number; trainScore?: number } = {}) {
  return {
    experiment: 'exp-1', score, code: generateCode(spec, task), hypothesis: 'draft:hgb',
    cvStd: extra.cvStd ?? 0.002, trainScore: extra.trainScore ?? score + 0.005, folds: [], holdout: null, feedback: null,
  };
}

function mkHypothesis(kind: string, moves?: string[]): Hypothesis {
  return {
    kind, component: 'model', title: kind, rationale: 'test', problem: null,
    scores: { alignment: 5, impact: 5, novelty: 5, feasibility: 5, risk: 5 }, change: moves ? { moves } : {},
  };
}

const improveReq = (over = {}) => researchRequest(task, {
  stage: 'improve', budgetUsedFrac: 0.35, sota: sotaFrom(draftSpec(task), 0.9), ...over,
});

describe('brain research', () => {
  it('research - same request gives the same reply', () => {
    const req = improveReq({ tried: ['draft:hgb'], failures: [{ kind: 'model:knn', experiment: 'e2', level: 'L3', reason: 'worse' }] });
    expect(offlineBrain.research(req)).toEqual(offlineBrain.research(JSON.parse(JSON.stringify(req))));
    expect(fnv1a('abc')).toBe(fnv1a('abc'));
    expect(fnv1a('abc')).not.toBe(fnv1a('abd'));
  });

  it('research - at most 5 hypotheses with distinct kinds and valid 1-10 scores', () => {
    for (const req of [researchRequest(task), improveReq(), improveReq({ stage: 'ensemble', budgetUsedFrac: 0.8 })]) {
      const reply = offlineBrain.research(req);
      expect(() => payloads['brain.research.reply'].parse(reply)).not.toThrow();
      expect(reply.hypotheses.length).toBeGreaterThanOrEqual(1);
      expect(reply.hypotheses.length).toBeLessThanOrEqual(5);
      expect(new Set(reply.hypotheses.map((h) => h.kind)).size).toBe(reply.hypotheses.length);
      for (const h of reply.hypotheses) {
        for (const v of Object.values(h.scores)) { expect(v).toBeGreaterThanOrEqual(1); expect(v).toBeLessThanOrEqual(10); }
      }
      expect(reply.brain).toBe('offline-heuristic-v1');
    }
  });

  it('research - siblings and tried kinds are excluded', () => {
    const base = offlineBrain.research(improveReq());
    const top = base.hypotheses.slice(0, 2).map((h) => h.kind);
    const reply = offlineBrain.research(improveReq({ siblings: [top[0]!], tried: [top[1]!] }));
    for (const h of reply.hypotheses) {
      expect(h.kind.split('+')).not.toContain(top[0]);
      expect(h.kind).not.toBe(top[1]);
    }
    const drafts = offlineBrain.research(researchRequest(task, { siblings: ['draft:hgb'] }));
    expect(drafts.hypotheses.map((h) => h.kind)).not.toContain('draft:hgb');
  });

  it('research - drafts without a SOTA, improvements mid-budget, ensembles late', () => {
    const draft = offlineBrain.research(researchRequest(task));
    expect(draft.hypotheses.every((h) => h.kind.startsWith('draft:'))).toBe(true);
    expect(draft.hypotheses[0]!.kind).toBe('draft:hgb');
    const improve = offlineBrain.research(improveReq());
    expect(improve.hypotheses.some((h) => h.kind.startsWith('draft:'))).toBe(false);
    expect(improve.hypotheses[0]!.kind.startsWith('ens:')).toBe(false);
    const late = offlineBrain.research(improveReq({ stage: 'ensemble', budgetUsedFrac: 0.85 }));
    expect(late.hypotheses[0]!.kind.startsWith('ens:')).toBe(true);
    expect(late.diagnosis.some((p) => /Late in the budget/.test(p.summary))).toBe(true);
  });

  it('research - diagnosis reads real feedback (overfitting, variance) and scenario problems', () => {
    const reply = offlineBrain.research(improveReq({
      sota: sotaFrom(draftSpec(task), 0.85, { trainScore: 0.999, cvStd: 0.03 }),
      lastFeedback: JSON.stringify({ train_score: 0.999, val_score: 0.85, cv_std: 0.03, minority_frac: 0.08 }),
    }));
    const summaries = reply.diagnosis.map((p) => p.summary).join(' | ');
    expect(summaries).toMatch(/Overfitting/);
    expect(summaries).toMatch(/High variance/);
    expect(summaries).toMatch(/Categorical/);
    expect(summaries).toMatch(/Imbalanced/);
    expect(reply.diagnosis.some((p) => p.category === 'feedback')).toBe(true);
    expect(reply.diagnosis.some((p) => p.category === 'scenario')).toBe(true);
    const kinds = reply.hypotheses.map((h) => h.kind);
    expect(kinds.some((k) => ['hp:regularize', 'wf:seeds', 'wf:folds-up', 'hp:subsample'].includes(k))).toBe(true);
  });

  it('research - success memory biases proposals towards kinds that gained', () => {
    const without = offlineBrain.research(improveReq());
    const target = 'fe:rowstats';
    const rank = (r: typeof without) => r.hypotheses.findIndex((h) => h.kind.split('+').includes(target));
    const withMem = offlineBrain.research(improveReq({
      successes: [{ kind: 'fe:count', component: 'features', gain: 0.02, experiment: 'e5', ts: 5 },
        { kind: 'fe:rowstats', component: 'features', gain: 0.03, experiment: 'e4', ts: 4 }],
      tried: ['fe:rowstats'],
    }));
    // fe:rowstats itself was tried, so it may only come back combined; fe:* moves gain impact from momentum
    expect(rank(without) === -1 || without.hypotheses.find((h) => h.kind === target)).toBeTruthy();
    const feImpact = (r: typeof without) => Math.max(0, ...r.hypotheses.filter((h) => h.kind.startsWith('fe:')).map((h) => h.scores.impact));
    expect(feImpact(withMem)).toBeGreaterThan(feImpact(without));
    expect(withMem.hypotheses.some((h) => h.kind.startsWith('fe:') || h.kind.includes('+'))).toBe(true);
    // failures penalise
    const failed = offlineBrain.research(improveReq({ failures: [{ kind: without.hypotheses[0]!.kind, experiment: 'e9', level: 'L1', reason: 'Traceback' }] }));
    const again = failed.hypotheses.find((h) => h.kind === without.hypotheses[0]!.kind);
    if (again) expect(again.scores.risk).toBeLessThan(without.hypotheses[0]!.scores.risk);
  });

  it('research - async Brain adapter returns the same reply', async () => {
    const req = improveReq();
    expect(await offlineAsyncBrain.research(req)).toEqual(offlineBrain.research(req));
    expect(offlineAsyncBrain.name).toBe('offline-heuristic-v1');
  });
});

describe('brain develop', () => {
  const baseSpec = draftSpec(task);
  const base = generateCode(baseSpec, task);

  it('develop - a hypothesis makes a minimal change to the base spec, which travels as data beside the code', () => {
    const reply = offlineBrain.develop({ task, hypothesis: mkHypothesis('hp:lr-down', ['hp:lr-down']), baseCode: base, baseSpec, attempt: 1, error: null, previousCode: null });
    expect(() => payloads['brain.develop.reply'].parse(reply)).not.toThrow();
    const before = baseSpec;
    const after = specFromData(reply.spec)!;
    expect(after.models[0]!.params['learning_rate']).toBe(0.05);
    expect(after.models[0]!.params['max_iter']).toBe(200);
    expect({ ...after, models: [], notes: [] }).toEqual({ ...before, models: [], notes: [] });
    expect(reply.code).not.toMatch(/GOME-SPEC/); // the spec is not a comment inside the code
    expect(reply.code).not.toBe(base);
  });

  it('develop - base code without a spec falls back to a fresh draft; unknown kinds still change the code', () => {
    const llm = 'import pandas as pd\nprint("hello")\n';
    const r1 = offlineBrain.develop({ task, hypothesis: mkHypothesis('model:xgb', ['model:xgb']), baseCode: llm, attempt: 1, error: null, previousCode: null });
    expect(specFromData(r1.spec)!.models[0]!.family).toBe('xgb');
    expect(r1.summary).toMatch(/fresh draft/);
    const r2 = offlineBrain.develop({ task, hypothesis: mkHypothesis('model:catboost-magic'), baseCode: base, baseSpec, attempt: 1, error: null, previousCode: null });
    expect(r2.code).not.toBe(base);
    const r3 = offlineBrain.develop({ task, hypothesis: mkHypothesis('draft:rf', ['draft:rf']), baseCode: null, attempt: 1, error: null, previousCode: null });
    expect(specFromData(r3.spec)!.models.map((m) => m.family)).toEqual(['rf']);
  });

  it('develop - repair changes the code in response to the error', () => {
    const spec = draftSpec(task, 'xgb');
    spec.models.push({ family: 'knn', name: 'knn', params: { n_neighbors: 15 } });
    spec.ensemble = 'avg';
    spec.encoding = 'onehot';
    spec.fe.pairs = 4;
    const prev = generateCode(spec, task);
    const h = mkHypothesis('ens:avg3', ['ens:avg3']);
    const repair = (error: string, attempt = 2) => {
      const r = offlineBrain.develop({ task, hypothesis: h, baseCode: base, baseSpec, attempt, error, previousCode: prev, previousSpec: spec });
      expect(r.code).not.toBe(prev);
      return { r, spec: specFromData(r.spec)! };
    };
    const s1 = repair('ValueError: could not convert string to float: \'red\'').spec;
    expect(s1.encoding).toBe('ordinal');
    const s2 = repair('MemoryError: Unable to allocate 3.2 GiB').spec;
    expect(s2.models[0]!.params['n_estimators']).toBe(150);
    expect(s2.models.some((m) => m.family === 'knn')).toBe(false);
    const s3 = repair('ValueError: Input contains NaN, infinity or a value too large').spec;
    expect(s3.imputeNative).toBe(true);
    const s4 = repair('xgboost.core.XGBoostError: Invalid classes inferred from unique values of `y`').spec;
    expect(s4.models.some((m) => m.family === 'xgb')).toBe(false);
    const { r: r5, spec: s5 } = repair('SomeWeirdError: nobody knows', 3);
    expect(s5.models.length).toBe(1);
    expect(s5.ensemble).toBe('none');
    expect(r5.summary).toMatch(/Repair attempt 3/);
    // same request, same repair
    expect(repair('MemoryError').r).toEqual(repair('MemoryError').r);
  });

  it('catalogue - seed averaging applies only where a model depends on its seed', () => {
    const seeds = MOVES.find((m) => m.kind === 'wf:seeds')!;
    const ctx = (edit: (s: PipelineSpec) => void) => { const s = draftSpec(task); edit(s); return { task, spec: s, goodFamilies: [] }; };
    expect(seeds.applies(ctx(() => {}))).toBe(false); // plain histogram boosting: the seed changes nothing
    expect(seeds.applies(ctx((s) => { s.earlyStop = true; }))).toBe(true); // its early-stopping split does
    expect(seeds.applies(ctx((s) => { s.models = [{ family: 'rf', name: 'rf', params: {} }]; }))).toBe(true);
    expect(seeds.applies(ctx((s) => { s.models = [{ family: 'xgb', name: 'xgb', params: { subsample: 1, colsample_bytree: 1 } }]; }))).toBe(false);
    expect(seeds.applies(ctx((s) => { s.models = [{ family: 'xgb', name: 'xgb', params: { subsample: 0.8 } }]; }))).toBe(true);
  });

  it('develop - every catalogue move yields valid Python for every task type', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gome-brain-compile-'));
    const files: string[] = [];
    const tasks = [task, taskFor('multiclass', 'logloss'), taskFor('regression', 'rmsle')];
    tasks[2]!.columns.push({ name: 'notes', dtype: 'text', missingFrac: 0.1 });
    let i = 0;
    for (const t of tasks) {
      for (const move of MOVES) {
        const code = offlineBrain.develop({ task: t, hypothesis: mkHypothesis(move.kind, [move.kind]), baseCode: generateCode(draftSpec(t), t), baseSpec: draftSpec(t), attempt: 1, error: null, previousCode: null }).code;
        const f = join(dir, `m${i++}.py`);
        writeFileSync(f, code);
        files.push(f);
      }
    }
    const out = execFileSync(PYTHON, ['-c', 'import sys, ast\nfor f in sys.argv[1:]:\n    ast.parse(open(f).read(), f)\nprint("ok", len(sys.argv) - 1)', ...files], { encoding: 'utf8' });
    expect(out.trim()).toBe(`ok ${files.length}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('develop - with the harness\'s fixed folds, the spec takes their count and fold-count moves do not apply', () => {
    const harnessed = { ...task, harness: { folds: 4, holdoutRows: 60, acceptK: 2 } };
    const spec = draftSpec(harnessed);
    expect(spec.folds).toBe(4);
    const foldsUp = MOVES.find((m) => m.kind === 'wf:folds-up')!;
    expect(foldsUp.applies({ task: harnessed, spec, goodFamilies: [] })).toBe(false);
    expect(foldsUp.applies({ task, spec: draftSpec(task), goodFamilies: [] })).toBe(true);
    const dev = offlineBrain.develop({ task: harnessed, hypothesis: mkHypothesis('wf:folds-up', ['wf:folds-up']), baseCode: generateCode(spec, harnessed), baseSpec: spec, attempt: 1, error: null, previousCode: null });
    expect(specFromData(dev.spec)!.folds).toBe(4);
    expect(dev.summary).toMatch(/the run's 4 fixed folds/);
  });
});

describe('research (class count)', () => {
  it('research - with many classes, forest drafts outrank boosting drafts (boosting fits a tree per class)', () => {
    const few = offlineBrain.research(researchRequest({ ...taskFor('multiclass', 'logloss'), nClasses: 3 }));
    const many = offlineBrain.research(researchRequest({ ...taskFor('multiclass', 'logloss'), nClasses: 19 }));
    const w = (r: typeof few, kind: string) => {
      const h = r.hypotheses.find((x) => x.kind === kind);
      return h ? h.scores.feasibility : null;
    };
    expect(w(many, 'draft:hgb')! < w(few, 'draft:hgb')!).toBe(true);
    const rank = (r: typeof few) => r.hypotheses.map((h) => h.kind);
    const firstForest = rank(many).findIndex((k) => k === 'draft:et' || k === 'draft:rf');
    const firstBoost = rank(many).findIndex((k) => k === 'draft:hgb' || k === 'draft:xgb');
    expect(firstForest).toBeGreaterThanOrEqual(0);
    expect(firstBoost === -1 || firstForest < firstBoost).toBe(true);
  });
});
