// Metrics against scikit-learn (run via /usr/bin/python3) on seeded random data, including ties and unnormalised rows.
import { describe, expect, it } from 'vitest';
import { accuracy, auc, logloss, mae, rmse, rmsle, KAGGLE_LOGLOSS_EPS } from '../../grading/metrics.ts';
import { MetricError } from '../../grading/errors.ts';
import { SeededRng } from '../../protocols/rng.ts';
import { py } from './helpers.ts';

const SKLEARN = String.raw`
import json, sys, numpy as np
from sklearn.metrics import roc_auc_score, accuracy_score, log_loss, mean_squared_error, mean_squared_log_error, mean_absolute_error
cases = json.load(sys.stdin)
out = []
for c in cases:
    m, t, p = c['metric'], c['y'], c['p']
    if m == 'auc': v = roc_auc_score(t, p)
    elif m == 'accuracy': v = accuracy_score(t, p)
    elif m == 'logloss': v = log_loss(t, p, labels=c.get('labels'))
    elif m == 'rmse': v = mean_squared_error(t, p) ** 0.5
    elif m == 'rmsle': v = mean_squared_log_error(t, p) ** 0.5
    elif m == 'mae': v = mean_absolute_error(t, p)
    out.append(float(v))
print(json.dumps(out))
`;

interface Case { metric: string; y: number[]; p: number[] | number[][]; labels?: number[]; ours: number }

function cases(): Case[] {
  const rng = new SeededRng(2024, 'metrics');
  const out: Case[] = [];
  for (let k = 0; k < 12; k++) {
    const n = 20 + rng.int(500);
    const y = Array.from({ length: n }, () => (rng.next() < 0.3 ? 1 : 0));
    y[0] = 0; y[1] = 1;
    // Coarse scores force many ties; fine ones none; a few extreme probabilities exercise clipping.
    const coarse = k % 2 === 0;
    const p = y.map((t) => {
      const v = Math.min(1, Math.max(0, 0.35 * t + 0.65 * rng.next()));
      return coarse ? Math.round(v * 10) / 10 : v;
    });
    if (k % 3 === 0) { p[2] = 0; p[3] = 1; }
    out.push({ metric: 'auc', y, p, ours: auc(y, p) });
    out.push({ metric: 'logloss', y, p, labels: [0, 1], ours: logloss(y, p) });
    const pred = p.map((v) => (v > 0.5 ? 1 : 0));
    out.push({ metric: 'accuracy', y, p: pred, ours: accuracy(y, pred) });

    const kCls = 3 + rng.int(5);
    const yc = Array.from({ length: n }, (_, i) => (i < kCls ? i : rng.int(kCls)));
    // Rows deliberately not summing to 1 (sklearn renormalises), some exact zeros (clipped to 1e-15).
    const P = yc.map(() => Array.from({ length: kCls }, () => (rng.next() < 0.05 ? 0 : rng.next())));
    const labels = Array.from({ length: kCls }, (_, i) => i);
    out.push({ metric: 'logloss', y: yc, p: P, labels, ours: logloss(yc, P) });
    const Pn = P.map((r) => { const s = r.reduce((a, b) => a + b, 0) || 1; return r.map((v) => v / s); });
    out.push({ metric: 'logloss', y: yc, p: Pn, labels, ours: logloss(yc, Pn) });

    const yr = Array.from({ length: n }, () => rng.next() * 100);
    const pr = yr.map((v) => Math.max(0, v + (rng.next() - 0.5) * 20));
    out.push({ metric: 'rmse', y: yr, p: pr, ours: rmse(yr, pr) });
    out.push({ metric: 'rmsle', y: yr, p: pr, ours: rmsle(yr, pr) });
    out.push({ metric: 'mae', y: yr, p: pr, ours: mae(yr, pr) });
  }
  return out;
}

describe('metrics', () => {
  it('metrics - auc, accuracy, logloss, rmse, rmsle and mae match sklearn on seeded random data', () => {
    const cs = cases();
    const ref = py<number[]>(SKLEARN, cs.map(({ ours: _o, ...c }) => c));
    cs.forEach((c, i) => {
      const r = ref[i]!;
      expect(Math.abs(c.ours - r), `${c.metric} case ${i}: ours ${c.ours} sklearn ${r}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(r)));
    });
  });

  it('metrics - logloss with the Kaggle eps 1e-15 matches sklearn log_loss(eps=1e-15)', () => {
    const y = [0, 1, 0, 1, 0, 1], p = [0.1, 0.8, 0, 1, 1, 0];
    const ref = py<number>('import json,sys; from sklearn.metrics import log_loss; d=json.load(sys.stdin); print(json.dumps(log_loss(d[0], d[1], eps=1e-15)))', [y, p]);
    expect(Math.abs(logloss(y, p, KAGGLE_LOGLOSS_EPS) - ref)).toBeLessThan(1e-12);
  });

  it('metrics - auc averages tied ranks (all-tied scores give 0.5)', () => {
    expect(auc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
    expect(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('metrics - undefined inputs raise MetricError', () => {
    expect(() => auc([1, 1], [0.2, 0.3])).toThrow(MetricError);
    expect(() => rmsle([1, 2], [-1, 2])).toThrow(MetricError);
    expect(() => rmse([1], [1, 2])).toThrow(MetricError);
  });
});
