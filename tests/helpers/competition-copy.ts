// A temporary copy of a bundled binary competition for the honest-decision tests: scored by AUC or log loss, and with
// its labels (train and answers) permuted when `shuffle` is set.
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { py, tempDir } from '../grading/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');

/**
 * A copy of a bundled binary competition (spam or tweet-source), scored by AUC or by log loss; with `shuffle`, its
 * labels (train and answers) permuted.
 */
export function competitionCopy(name: 'spam-detection' | 'tweet-source', shuffle: boolean, metric: 'auc' | 'logloss' = 'auc'): string {
  const id = `${name}-${metric}${shuffle ? '-shuffled' : ''}`;
  const dir = join(tempDir('gome-honest-'), id);
  cpSync(join(REPO, 'bench', name), dir, { recursive: true });
  rmSync(join(dir, 'prepare.py'), { force: true });
  rmSync(join(dir, 'leaderboard.csv'));
  const spec = JSON.parse(readFileSync(join(dir, 'competition.json'), 'utf8'));
  writeFileSync(join(dir, 'competition.json'), JSON.stringify({ ...spec, id, metric, lowerIsBetter: metric === 'logloss' }, null, 2));
  if (metric === 'auc') {
    writeFileSync(join(dir, 'description.md'), readFileSync(join(dir, 'description.md'), 'utf8').replace(/log[- ]?loss|logarithmic loss/gi, 'area under the ROC curve'));
  }
  if (shuffle) {
    py(String.raw`
import json, sys, numpy as np, pandas as pd
d, col = json.load(sys.stdin)
rng = np.random.RandomState(12345)
for f in ("public/train.csv", "private/test.csv"):
    t = pd.read_csv(d + "/" + f)
    t[col] = rng.permutation(t[col].values)
    t.to_csv(d + "/" + f, index=False)
print("null")`, [dir, spec.answerColumn ?? spec.targetColumns[0]]);
  }
  return dir;
}

