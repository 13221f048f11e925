// Test helper: one valid sample payload per message type, so codec tests cover the whole union.
import type { MessageType, Payload } from '../../protocols/messages.ts';
import { Topology } from '../../protocols/topology.ts';
import type { JobOutcome, TaskInfo, Hypothesis, SotaRef, Budget, Experiment } from '../../protocols/domain.ts';

export const task: TaskInfo = {
  competition: 'breast-cancer-diagnosis', description: 'Predict malignancy.', metric: 'auc', lowerIsBetter: false,
  idColumn: 'id', targetColumns: ['target'], taskType: 'binary', dataDir: '/tmp/data', nTrainRows: 455, nClasses: 2,
  columns: [{ name: 'mean radius', dtype: 'numeric', missingFrac: 0 }],
  harness: { folds: 2, holdoutRows: 68, acceptK: 2 },
  targetStats: { minorityFrac: 0.37, skew: null },
};
export const hypothesis: Hypothesis = {
  kind: 'model:hgb', component: 'model', title: 'Use gradient boosting', rationale: 'nonlinear interactions', problem: null,
  scores: { alignment: 7, impact: 8, novelty: 5, feasibility: 9, risk: 6 }, change: { op: 'set_model', model: 'hgb' },
};
export const sota: SotaRef = { experiment: 'e1', score: 0.97, code: 'print(1)', hypothesis: 'baseline', cvStd: 0.01, trainScore: 0.99, folds: [0.96, 0.98], holdout: 0.965, feedback: { cv_scores: [0.96, 0.98], train_score: 0.99 } };
export const budget: Budget = { startedAt: 0, budgetMs: 60_000, usedMs: 1000, remainingMs: 59_000, refundedMs: 0 };
export const outcome: JobOutcome = {
  jobId: 'j1', mode: 'debug', status: 'ok', exitCode: 0, signal: null, reason: null, stdoutTail: 'ok', stderrTail: '',
  usage: { wallMs: 10, cpuMs: 8, peakRssKb: 1000 }, startedAt: 1, endedAt: 11, estimatedFullMs: 100,
  scores: { metric: 'auc', rows: { hgb: 0.98, ensemble: 0.98 } }, feedback: { cv_scores: [0.97, 0.99] },
  submission: { ok: true, error: null, rows: 114 }, workdir: '/tmp/j1', sandbox: 'none', budgetCapped: false,
  harness: { metric: 'auc', folds: [0.97, 0.99], oof: 0.98, holdout: 0.975, rows: 387, problems: [] },
};
export const experiment: Experiment = {
  id: 'e2', trace: 't0', parent: 'e1', iteration: 1, stage: 'improve', hypothesis, code: 'print(2)', status: 'accepted',
  level: 'L3', reasons: [], blame: 'none', score: 0.98, cvStd: 0.01, trainScore: 0.99, attempts: 1, wallMs: 100, submissionPath: '/tmp/s.csv', ts: 5,
  folds: [0.97, 0.99], holdout: 0.975, selfReported: 0.98, feedback: { cv_scores: [0.97, 0.99] },
};

export const samples: { [K in MessageType]: Payload<K> } = {
  'run.start': { config: { runId: 'r1', competitionDir: '/c', runDir: '/r', budgetMs: 60000, seed: 0, preset: 'default',
    topology: Topology.parse({ name: 'gome-1trace' }), brain: { kind: 'offline', noise: 0 },
    graceMs: 30000, limits: { debugMs: 1000, fullMs: 2000, brainMs: 5000, replyMs: 1000 }, folds: 5, holdoutFrac: 0.15, acceptK: 2, finalRefit: true, maxRepairs: 2, topK: 3, maxIterations: null, sandbox: 'bwrap', overfitGap: 0.15, python: '/usr/bin/python3', messageLog: { maxBytes: 2 * 1024 ** 3, maxAgeMs: 0 } }, task },
  'run.stop': { reason: 'user' },
  'run.finished': { reason: 'budget', best: { experiment: 'e2', trace: 't0', score: 0.98, submissionPath: null }, iterations: 3 },
  'research.request': { iteration: 0, budget },
  'memory.context.request': { trace: 't0' },
  'memory.tree.request': { trace: 't0' },
  'memory.tree': { nodes: [{ id: 't0-e0', parent: null, status: 'accepted', score: 0.9, blame: 'none', kind: 'draft:hgb', operator: 'draft', debugDepth: 0 }] },
  'memory.claim': { trace: 't0', experiment: 't0-e2', kind: 'model:hgb' },
  'memory.context': { sota, successes: [{ kind: 'model:hgb', component: 'model', gain: 0.01, experiment: 'e2', ts: 1 }],
    failures: [{ kind: 'fe:ratios', experiment: 'e3', level: 'L1', reason: 'crash' }], bias: { 'model:hgb': 0.5 },
    crossTrace: [{ trace: 't1', hypothesis: 'xgb', score: 0.97 }], tried: ['model:hgb'], siblings: ['model:xgb'], experiments: 3 },
  'brain.research.request': { task, stage: 'improve', budgetUsedFrac: 0.3, sota, successes: [], failures: [], siblings: [], tried: [], lastFeedback: null },
  'brain.research.reply': { diagnosis: [{ category: 'feedback', summary: 'overfit', evidence: 'gap 0.2' }], hypotheses: [hypothesis], brain: 'offline' },
  'research.hypothesis': { experiment: 'e2', iteration: 1, stage: 'improve', parent: sota, chosen: { ...hypothesis, weighted: 7.1, bias: 0 },
    candidates: [{ ...hypothesis, weighted: 7.1, bias: 0 }], diagnosis: [], draw: { u: 0.3, index: 0 } },
  'brain.develop.request': { task, hypothesis, baseCode: 'print(1)', attempt: 1, error: null, previousCode: null },
  'brain.develop.reply': { code: 'print(2)', summary: 'switched model', brain: 'offline' },
  'validate.request': { experiment: 'e2', code: 'print(2)', baseCode: 'print(1)', attempt: 1, sota: { score: 0.97, folds: [0.96, 0.98] }, task },
  'validate.result': { experiment: 'e2', verdict: 'accept', level: 'L3', reasons: [], repairable: false, blame: 'none', score: 0.98, cvStd: 0.01, trainScore: 0.99, folds: [0.97, 0.99], holdout: 0.975, selfReported: 0.98, debug: outcome, full: outcome },
  'job.submit': { jobId: 'j1', mode: 'debug', code: 'print(1)', dataDir: '/tmp/data', limitMs: 1000, estimatedMs: null, sampleSubmission: '/tmp/data/sample_submission.csv' },
  'job.result': outcome,
  'budget.request': {},
  'budget.status': budget,
  'experiment.record': experiment,
  'iteration.done': { experiment: 'e2', trace: 't0', status: 'accepted', score: 0.98, improved: true, sota, reason: null },
  'request.failed': { request: 'brain.research.request', requestId: 'r1:researcher.t0:3', to: 'brain.0', code: 'deadline', reason: 'brain.0 did not answer brain.research.request in time' },
  'actor.start': { machine: 'researcher', input: { trace: 't0', seed: 1, topK: 3, mode: 'gradient' } },
  'actor.stop': { consumed: 12 },
  'actor.resume': { machine: 'researcher', consumed: 7, unsent: 1, redelivered: [] },
  'brain.judge.request': { experiment: 't0-e2', task, code: 'print(2)', baseCode: 'print(1)',
    score: 0.98, folds: [0.97, 0.99], cvStd: 0.014, trainScore: 0.99, sota: { score: 0.97, folds: [0.96, 0.98] }, harnessReasons: ['auc 0.98 against SOTA 0.97 beats it beyond noise'] },
  'brain.judge.reply': { decision: 'accept', observations: ['no target in the features'], reason: 'a plausible gain from a sound change', brain: 'llm:m:v1' },
  'brain.select.request': { task, candidates: [
    { experiment: 't0-e4', trace: 't0', hypothesis: 'ens:hill', score: 0.981, folds: [0.98, 0.982], cvStd: 0.0014, trainScore: 0.99, code: 'print(4)' },
    { experiment: 't1-e3', trace: 't1', hypothesis: 'model:xgb', score: 0.979, folds: [0.978, 0.98], cvStd: 0.0014, trainScore: 0.995, code: 'print(3)' }] },
  'brain.select.reply': { experiment: 't0-e4', reason: 'the stronger, steadier pipeline', brain: 'llm:m:v1' },
  'llm.call': { role: 'researcher', model: 'test-model', answer: 'research', promptVersion: 'v1', requestHash: 'ab12', trace: 't0', ordinal: 0,
    messages: [{ role: 'system', content: 'You are…' }, { role: 'user', content: 'Diagnose…' }], responses: ['{"diagnosis":[]}'],
    usage: { promptTokens: 1200, completionTokens: 300 }, costUsd: 0.0021, latencyMs: 840, mode: 'json_schema', outcome: 'ok', error: null },
};
