// Job outputs: scores.csv / gome_feedback.json / estimate-line parsing, and a real job's outputs end to end.
import { afterEach, describe, expect, it } from 'vitest';
import { parseEstimateMs, parseFeedback, parseScoresCsv } from '../../gpu-node/index.ts';
import { JobOutcome } from '../../protocols/domain.ts';
import { fixture, job, makeNode, type Fixture } from './helpers.ts';

let fx: Fixture;
afterEach(() => fx?.cleanup());

describe('outputs (pure)', () => {
  it('outputs - a well-formed scores.csv parses to a ScoresTable', () => {
    expect(parseScoresCsv(',auc\nlgb,0.81\nxgb,0.8\nensemble,0.83\n')).toEqual({
      value: { metric: 'auc', rows: { lgb: 0.81, xgb: 0.8, ensemble: 0.83 } }, reasons: [],
    });
  });

  it('outputs - missing ensemble row and NaN are reported as reasons', () => {
    const p = parseScoresCsv('model,rmse\nlgb,NaN\nxgb,0.5\n');
    expect(p.value).toEqual({ metric: 'rmse', rows: { lgb: null, xgb: 0.5 } });
    expect(p.reasons.some((r) => /NaN rmse for model "lgb"/.test(r))).toBe(true);
    expect(p.reasons.some((r) => /no "ensemble" row/.test(r))).toBe(true);
  });

  it('outputs - no metric column, extra columns, a wrong metric name, inf and bad CSV are reasons', () => {
    expect(parseScoresCsv('model\nensemble\n').reasons[0]).toMatch(/no metric column/);
    expect(parseScoresCsv(',auc,acc\nensemble,0.8,0.7\n').reasons[0]).toMatch(/2 value columns/);
    expect(parseScoresCsv(',acc\nensemble,0.8\n', { expectedMetric: 'auc' }).reasons[0]).toMatch(/expected "auc"/);
    expect(parseScoresCsv(',auc\nensemble,inf\n').reasons[0]).toMatch(/non-finite/);
    expect(parseScoresCsv(',auc\nensemble,0.8,1\n').reasons[0]).toMatch(/not valid CSV/);
  });

  it('outputs - the estimate line is read from stdout (last one wins)', () => {
    expect(parseEstimateMs('x\nGOME_ESTIMATED_FULL_SECONDS=12.5\n')).toBe(12_500);
    expect(parseEstimateMs('GOME_ESTIMATED_FULL_SECONDS=1\nGOME_ESTIMATED_FULL_SECONDS=2e1\n')).toBe(20_000);
    expect(parseEstimateMs('GOME_ESTIMATED_FULL_SECONDS=abc\n')).toBeNull();
    expect(parseEstimateMs('nothing here')).toBeNull();
  });

  it('outputs - gome_feedback.json must be an object matching PipelineFeedback', () => {
    expect(parseFeedback('{"cv_scores":[0.8,0.82],"n_rows":10,"extra":"kept"}').value).toEqual({ cv_scores: [0.8, 0.82], n_rows: 10, extra: 'kept' });
    expect(parseFeedback('[1]').reasons[0]).toMatch(/JSON object/);
    expect(parseFeedback('{"cv_scores":"high"}').reasons[0]).toMatch(/cv_scores/);
    expect(parseFeedback('{').reasons[0]).toMatch(/not valid JSON/);
  });
});

const GOOD = `
import json, os, pandas as pd
d = os.environ['GOME_DATA_DIR']
out = os.environ['GOME_OUTPUT_DIR']
test = pd.read_csv(os.path.join(d, 'test.csv'))
pd.DataFrame({'id': test['id'], 'y': 0.3}).to_csv(os.path.join(out, 'submission.csv'), index=False)
pd.DataFrame({'auc': [0.7, 0.75]}, index=['lr', 'ensemble']).to_csv(os.path.join(out, 'scores.csv'))
json.dump({'cv_scores': [0.7, 0.72], 'train_score': 0.9, 'n_rows': 4}, open(os.path.join(out, 'gome_feedback.json'), 'w'))
print('GOME_ESTIMATED_FULL_SECONDS=42.0')
`;

describe('outputs (real job)', () => {
  it('gpu-node - outputs of a tiny real script are parsed (submission, scores, feedback, estimate)', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const out = await node.submit(job(fx, GOOD, { mode: 'debug', sampleSubmission: fx.sample }));
    expect(out.status).toBe('ok');
    expect(out.reason).toBeNull();
    expect(out.scores).toEqual({ metric: 'auc', rows: { lr: 0.7, ensemble: 0.75 } });
    expect(out.feedback).toEqual({ cv_scores: [0.7, 0.72], train_score: 0.9, n_rows: 4 });
    expect(out.estimatedFullMs).toBe(42_000);
    expect(out.submission).toEqual({ ok: true, error: null, rows: 2 });
    expect(JobOutcome.safeParse(out).success).toBe(true); // the outcome is a valid job.result payload
    await node.close();
  });

  it('gpu-node - a malformed scores.csv, a bad submission and a missing estimate line are reported in the reason', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const code = `
import os
out = os.environ['GOME_OUTPUT_DIR']
open(os.path.join(out, 'scores.csv'), 'w').write(',auc\\nlr,nan\\n')
open(os.path.join(out, 'submission.csv'), 'w').write('id,y\\n10,0.5\\n')
`;
    const out = await node.submit(job(fx, code, { mode: 'debug', sampleSubmission: fx.sample }));
    expect(out.status).toBe('ok');
    expect(out.reason).toMatch(/NaN auc for model "lr"/);
    expect(out.reason).toMatch(/no "ensemble" row/);
    expect(out.reason).toMatch(/GOME_ESTIMATED_FULL_SECONDS/);
    expect(out.reason).toMatch(/submission\.csv: submission has 1 rows/);
    expect(out.scores).toEqual({ metric: 'auc', rows: { lr: null } });
    expect(out.submission?.ok).toBe(false);
    expect(out.estimatedFullMs).toBeNull();
    await node.close();
  });

  it('gpu-node - a job that writes nothing reports the missing files', async () => {
    fx = fixture();
    const node = makeNode(fx);
    const out = await node.submit(job(fx, 'print(1)', { mode: 'full' }));
    expect(out.status).toBe('ok');
    expect(out.reason).toMatch(/scores\.csv was not written/);
    expect(out.reason).toMatch(/submission\.csv was not written/);
    expect(out.reason).not.toMatch(/ESTIMATED/); // only debug runs must print the estimate
    await node.close();
  });
});
