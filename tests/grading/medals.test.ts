// Medal rules against MLE-bench: the 25 real leaderboards vs an independent pandas implementation, rounding, ranking.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { medalThresholds, medalPositions, pyRound, rankScore, readLeaderboard } from '../../grading/medals.ts';
import { LeaderboardError } from '../../grading/errors.ts';
import { SeededRng } from '../../protocols/rng.ts';
import { leaderboardsDir, py, tempDir, writeFile } from './helpers.ts';

const files = readdirSync(leaderboardsDir).filter((f) => f.endsWith('.csv')).sort();

// Independent reference: MLE-bench's Grader.rank_score / is_lower_better rewritten with pandas.
const REFERENCE = String.raw`
import json, sys, os
import pandas as pd
d = json.load(sys.stdin)
out = {}
for f in sorted(os.listdir(d)):
    if not f.endswith('.csv'): continue
    s = pd.read_csv(os.path.join(d, f))['score']
    n = len(s)
    at = lambda p: float(s.iloc[p - 1])
    if n < 100:   g, sv, b = max(1, int(n * 0.1)), max(1, int(n * 0.2)), max(1, int(n * 0.4))
    elif n < 250: g, sv, b = 10, int(n * 0.2), int(n * 0.4)
    elif n < 1000: g, sv, b = 10 + int(n * 0.002), 50, 100
    else:         g, sv, b = 10 + int(n * 0.002), int(n * 0.05), int(n * 0.1)
    out[f[:-4]] = dict(n=n, gold=at(g), silver=at(sv), bronze=at(b), median=float(s.median()),
                       lower=bool(s.iloc[0] < s.iloc[-1]))
print(json.dumps(out))
`;

interface Ref { n: number; gold: number; silver: number; bronze: number; median: number; lower: boolean }

describe('medals', () => {
  it('medals - the 25 MLE-bench leaderboards are present', () => {
    expect(files).toHaveLength(25);
  });

  it('medals - spaceship-titanic thresholds match MLE-bench', async () => {
    const t = medalThresholds(await readLeaderboard(join(leaderboardsDir, 'spaceship-titanic.csv')));
    expect(t).toEqual({ n: 2288, gold: 0.82066, silver: 0.81388, bronze: 0.80967, median: 0.79565, isLowerBetter: false });
  });

  it('medals - all 25 leaderboards match an independent pandas implementation of MLE-bench', async () => {
    const ref = py<Record<string, Ref>>(REFERENCE, leaderboardsDir);
    expect(Object.keys(ref)).toHaveLength(25);
    for (const f of files) {
      const id = f.slice(0, -4);
      const t = medalThresholds(await readLeaderboard(join(leaderboardsDir, f)));
      const r = ref[id]!;
      expect({ id, ...t }).toEqual({ id, n: r.n, gold: r.gold, silver: r.silver, bronze: r.bronze, median: r.median, isLowerBetter: r.lower });
    }
  });

  it('medals - direction detection: error and log-loss leaderboards are lower-is-better', async () => {
    const lower = ['new-york-city-taxi-fare-prediction', 'denoising-dirty-documents', 'nomad2018-predict-transparent-conductors',
      'predict-volcanic-eruptions-ingv-oe', 'dog-breed-identification', 'dogs-vs-cats-redux-kernels-edition',
      'leaf-classification', 'spooky-author-identification'];
    for (const f of files) {
      const id = f.slice(0, -4);
      const t = medalThresholds(await readLeaderboard(join(leaderboardsDir, f)));
      expect({ id, lower: t.isLowerBetter }).toEqual({ id, lower: lower.includes(id) });
    }
  });

  it('medals - positions follow the four team-count bands', () => {
    expect(medalPositions(1)).toEqual({ gold: 1, silver: 1, bronze: 1 });
    expect(medalPositions(50)).toEqual({ gold: 5, silver: 10, bronze: 20 });
    expect(medalPositions(99)).toEqual({ gold: 9, silver: 19, bronze: 39 });
    expect(medalPositions(100)).toEqual({ gold: 10, silver: 20, bronze: 40 });
    expect(medalPositions(249)).toEqual({ gold: 10, silver: 49, bronze: 99 });
    expect(medalPositions(250)).toEqual({ gold: 10, silver: 50, bronze: 100 });
    expect(medalPositions(999)).toEqual({ gold: 11, silver: 50, bronze: 100 });
    expect(medalPositions(1000)).toEqual({ gold: 12, silver: 50, bronze: 100 });
    expect(medalPositions(2288)).toEqual({ gold: 14, silver: 114, bronze: 228 });
  });

  it('medals - pyRound reproduces Python round(x, 5) including exact ties', () => {
    const rng = new SeededRng(7, 'round');
    const xs = [0.015625, -0.015625, 0.000005, 0.000015, 2.5e-6, 1.0000050000000001, 0.82066, 0.123455, 0.123465,
      1e-320, 123456789.123455, -3.000005, 0.5, 1e22];
    for (let i = 0; i < 2000; i++) {
      const scale = 10 ** (rng.int(12) - 6);
      xs.push((rng.next() - 0.3) * scale);
      xs.push(Math.round(rng.next() * 2e6) / 2e6 + (rng.int(3) - 1) * 1e-17); // near-halfway values
      xs.push(rng.int(1 << 20) / 64); // exact binary ties like k/64
    }
    const ref = py<number[]>('import json,sys; print(json.dumps([round(x, 5) for x in json.load(sys.stdin)]))', xs);
    const ours = xs.map((x) => pyRound(x, 5));
    for (let i = 0; i < xs.length; i++) expect([xs[i], ours[i]]).toEqual([xs[i], ref[i]]);
  });

  it('medals - rankScore gives exclusive medals, inclusive thresholds and a strict median', () => {
    const hi = { n: 2288, gold: 0.82066, silver: 0.81388, bronze: 0.80967, median: 0.79565, isLowerBetter: false };
    expect(rankScore(0.82066, hi)).toMatchObject({ gold_medal: true, silver_medal: false, bronze_medal: false, any_medal: true, above_median: true });
    expect(rankScore(0.820655, hi).gold_medal).toBe(true); // Python round(0.820655, 5) == 0.82066
    expect(rankScore(0.82065, hi)).toMatchObject({ gold_medal: false, silver_medal: true });
    expect(rankScore(0.80967, hi)).toMatchObject({ bronze_medal: true, any_medal: true });
    expect(rankScore(0.79565, hi)).toMatchObject({ any_medal: false, above_median: false });
    expect(rankScore(null, hi)).toEqual({ gold_medal: false, silver_medal: false, bronze_medal: false, any_medal: false, above_median: false });
    const lo = { n: 10, gold: 1, silver: 2, bronze: 3, median: 5, isLowerBetter: true };
    expect(rankScore(1, lo).gold_medal).toBe(true);
    expect(rankScore(2.5, lo)).toMatchObject({ gold_medal: false, silver_medal: false, bronze_medal: true, above_median: true });
    expect(rankScore(5, lo)).toMatchObject({ any_medal: false, above_median: false });
  });

  it('medals - readLeaderboard reports a missing file and a missing score column', async () => {
    const dir = tempDir();
    await expect(readLeaderboard(join(dir, 'nope.csv'))).rejects.toThrow(LeaderboardError);
    const p = writeFile(join(dir, 'lb.csv'), 'team,points\na,1\n');
    await expect(readLeaderboard(p)).rejects.toThrow(/no `score` column/);
  });
});
