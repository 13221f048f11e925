// Grader: scores valid submissions (aligned by id) like sklearn and raises InvalidSubmission for each bad shape.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { grade } from '../../grading/grader.ts';
import { loadCompetition } from '../../grading/competition.ts';
import { CompetitionError, InvalidSubmission, type InvalidReason } from '../../grading/errors.ts';
import { SeededRng } from '../../protocols/rng.ts';
import { csv, py } from './helpers.ts';
import { binaryAuc, makeCompetition } from './fixtures.ts';

const TRUTH = [1, 0, 1, 1, 0, 0, 1, 0];

async function expectInvalid(p: Promise<unknown>, reason: InvalidReason): Promise<void> {
  const e = await p.then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(InvalidSubmission);
  expect((e as InvalidSubmission).reason).toBe(reason);
  expect((e as InvalidSubmission).message).toMatch(/fix: /);
}

describe('grader', () => {
  it('grader - scores a binary AUC submission with shuffled rows like sklearn, rounded to 5 decimals', async () => {
    const fx = binaryAuc();
    const comp = await loadCompetition(fx.root);
    const probs = [0.9, 0.3, 0.6, 0.4, 0.45, 0.1, 0.8, 0.6];
    const order = [3, 7, 0, 5, 1, 6, 2, 4];
    const sub = fx.submit(csv(['Transported', 'PassengerId'], order.map((i) => [probs[i]!, `p${i + 1}`])));
    const ref = py<number>('import json,sys; from sklearn.metrics import roc_auc_score as f; d=json.load(sys.stdin); print(json.dumps(round(f(d[0], d[1]), 5)))', [TRUTH, probs]);
    expect(await grade(sub, comp)).toBe(ref);
    expect(await grade(sub, comp, { round: false })).toBeCloseTo(ref, 5);
  });

  it('grader - multiclass logloss with a raw answer label column matches sklearn', async () => {
    const rng = new SeededRng(11, 'mc');
    const classes = ['EAP', 'HPL', 'MWS'];
    const n = 40;
    const labels = Array.from({ length: n }, (_, i) => (i < 3 ? i : rng.int(3)));
    const P = labels.map(() => { const r = classes.map(() => rng.next()); const s = r[0]! + r[1]! + r[2]!; return r.map((v) => v / s); });
    const fx = makeCompetition({
      name: 'toy-multiclass',
      spec: { metric: 'logloss', taskType: 'multiclass', idColumn: 'id', targetColumns: classes, classes, answerColumn: 'author' },
      answers: csv(['id', 'author'], labels.map((l, i) => [`id${i}`, classes[l]!])),
      sample: csv(['id', ...classes], labels.map((_, i) => [`id${i}`, 1 / 3, 1 / 3, 1 / 3])),
    });
    const comp = await loadCompetition(fx.root);
    const sub = fx.submit(csv(['id', 'MWS', 'EAP', 'HPL'], P.map((r, i) => [`id${i}`, r[2]!, r[0]!, r[1]!]).reverse()));
    const ref = py<number>('import json,sys; from sklearn.metrics import log_loss; d=json.load(sys.stdin); print(json.dumps(log_loss(d[0], d[1], labels=[0,1,2])))', [labels, P]);
    expect(Math.abs((await grade(sub, comp, { round: false })) - ref)).toBeLessThan(1e-12);
  });

  it('grader - accuracy on labels and rmse on a regression target match sklearn', async () => {
    const acc = makeCompetition({
      name: 'toy-accuracy',
      spec: { metric: 'accuracy', taskType: 'multiclass', idColumn: 'id', targetColumns: ['label'], classes: ['a', 'b', 'c'] },
      answers: csv(['id', 'label'], [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'a']]),
      sample: csv(['id', 'label'], [[1, 'a'], [2, 'a'], [3, 'a'], [4, 'a']]),
    });
    expect(await grade(acc.submit(csv(['id', 'label'], [[4, 'a'], [3, 'b'], [2, 'b'], [1, 'a']])), await loadCompetition(acc.root))).toBe(0.75);

    const y = [3.5, 10, 7.25, 0, 12], p = [3, 11, 7, 1, 12.5];
    const reg = makeCompetition({
      name: 'toy-regression',
      spec: { metric: 'rmse', taskType: 'regression', idColumn: 'key', targetColumns: ['fare'] },
      answers: csv(['key', 'fare'], y.map((v, i) => [i, v])),
      sample: csv(['key', 'fare'], y.map((_, i) => [i, 0])),
    });
    const ref = py<number>('import json,sys; from sklearn.metrics import mean_squared_error as f; d=json.load(sys.stdin); print(json.dumps(round(f(d[0], d[1]) ** 0.5, 5)))', [y, p]);
    expect(await grade(reg.submit(csv(['key', 'fare'], p.map((v, i) => [i, v]))), await loadCompetition(reg.root))).toBe(ref);
  });

  it('grader - missing-file when the submission does not exist', async () => {
    const fx = binaryAuc();
    await expectInvalid(grade(join(fx.root, 'nope.csv'), await loadCompetition(fx.root)), 'missing-file');
  });

  it('grader - row-count when rows are missing or extra', async () => {
    const fx = binaryAuc();
    const comp = await loadCompetition(fx.root);
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], [[`p1`, 0.5]])), comp), 'row-count');
    const extra = TRUTH.map((_, i) => [`p${i + 1}`, 0.5]).concat([['p9', 0.5]]);
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], extra)), comp), 'row-count');
  });

  it('grader - ids when an id is wrong or duplicated', async () => {
    const fx = binaryAuc();
    const comp = await loadCompetition(fx.root);
    const wrong = TRUTH.map((_, i) => [i === 4 ? 'zz' : `p${i + 1}`, 0.5]);
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], wrong)), comp), 'ids');
    const dup = TRUTH.map((_, i) => [i === 4 ? 'p1' : `p${i + 1}`, 0.5]);
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], dup)), comp), 'ids');
  });

  it('grader - columns when a target column is missing or an extra one is present', async () => {
    const fx = binaryAuc();
    const comp = await loadCompetition(fx.root);
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'target'], TRUTH.map((_, i) => [`p${i + 1}`, 0.5]))), comp), 'columns');
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported', 'extra'], TRUTH.map((_, i) => [`p${i + 1}`, 0.5, 1]))), comp), 'columns');
  });

  it('grader - nan when a prediction is empty or NaN', async () => {
    const fx = binaryAuc();
    const comp = await loadCompetition(fx.root);
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], TRUTH.map((_, i) => [`p${i + 1}`, i === 2 ? 'NaN' : 0.5]))), comp), 'nan');
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], TRUTH.map((_, i) => [`p${i + 1}`, i === 2 ? '' : 0.5]))), comp), 'nan');
  });

  it('grader - range for probabilities outside [0,1], unknown labels and negative RMSLE predictions', async () => {
    const fx = binaryAuc();
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], TRUTH.map((_, i) => [`p${i + 1}`, i === 2 ? 1.2 : 0.5]))), await loadCompetition(fx.root)), 'range');

    const acc = makeCompetition({
      name: 'toy-accuracy',
      spec: { metric: 'accuracy', taskType: 'multiclass', idColumn: 'id', targetColumns: ['label'], classes: ['a', 'b'] },
      answers: csv(['id', 'label'], [[1, 'a'], [2, 'b']]),
      sample: csv(['id', 'label'], [[1, 'a'], [2, 'a']]),
    });
    await expectInvalid(grade(acc.submit(csv(['id', 'label'], [[1, 'a'], [2, 'z']])), await loadCompetition(acc.root)), 'range');

    const reg = makeCompetition({
      name: 'toy-rmsle',
      spec: { metric: 'rmsle', taskType: 'regression', idColumn: 'id', targetColumns: ['y'] },
      answers: csv(['id', 'y'], [[1, 2], [2, 3]]),
      sample: csv(['id', 'y'], [[1, 0], [2, 0]]),
    });
    await expectInvalid(grade(reg.submit(csv(['id', 'y'], [[1, 2], [2, -0.5]])), await loadCompetition(reg.root)), 'range');
  });

  it('grader - type when a numeric prediction column holds text', async () => {
    const fx = binaryAuc();
    await expectInvalid(grade(fx.submit(csv(['PassengerId', 'Transported'], TRUTH.map((_, i) => [`p${i + 1}`, i === 2 ? 'True' : 0.5]))), await loadCompetition(fx.root)), 'type');
  });

  it('grader - competition loading names missing layout files and the prepare script', async () => {
    const fx = makeCompetition({
      name: 'half-built', omit: ['private/test.csv', 'leaderboard.csv'],
      spec: { metric: 'auc', taskType: 'binary', idColumn: 'id', targetColumns: ['y'] }, answers: '', sample: 'id,y\n1,0\n',
    });
    const e = await loadCompetition(fx.root).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CompetitionError);
    expect((e as Error).message).toMatch(/private\/test\.csv, leaderboard\.csv/);
    expect((e as Error).message).toMatch(/\/usr\/bin\/python3 bench\/half-built\/prepare\.py/);

    const bad = makeCompetition({ name: 'bad-spec', spec: { metric: 'f1', taskType: 'binary', idColumn: 'id', targetColumns: [] }, answers: 'id,y\n', sample: 'id,y\n' });
    await expect(loadCompetition(bad.root)).rejects.toThrow(/competition\.json is invalid: metric/);
  });
});
