// Plain MLE-bench folders (no competition.json): the spec is inferred from the files and the description.
import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCompetition } from '../../grading/competition.ts';
import { CompetitionError } from '../../grading/errors.ts';
import { metricFromDescription } from '../../grading/infer-spec.ts';
import { grade } from '../../grading/grader.ts';

const BENCH = resolve(import.meta.dirname, '../../bench');

function plainCopy(name: string, description: string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'gome-plain-')), name);
  for (const f of ['public', 'private', 'leaderboard.csv']) cpSync(join(BENCH, name, f), join(dir, f), { recursive: true });
  writeFileSync(join(dir, 'description.md'), description);
  return dir;
}

describe('infer spec', () => {
  it('infer spec - metric phrases from the Evaluation section', () => {
    expect(metricFromDescription('# T\n## Evaluation\nSubmissions are evaluated on area under the ROC curve.\n## Data\nlog loss elsewhere')).toEqual(['auc']);
    expect(metricFromDescription('## Evaluation\nRoot Mean Squared Logarithmic Error (RMSLE)')).toEqual(['rmsle']);
    expect(metricFromDescription('## Evaluation\nmulti-class logarithmic loss')).toEqual(['logloss']);
    expect(metricFromDescription('nothing here')).toEqual([]);
  });

  it('infer spec - a plain binary AUC folder grades exactly like its competition.json twin', async () => {
    const dir = plainCopy('breast-cancer-diagnosis', '# Breast cancer\n## Evaluation\nScored by AUC.\n');
    const plain = await loadCompetition(dir);
    const twin = await loadCompetition(join(BENCH, 'breast-cancer-diagnosis'));
    expect(plain).toMatchObject({ metric: 'auc', taskType: 'binary', idColumn: 'id', targetColumns: twin.targetColumns, answerColumn: twin.answerColumn, classes: ['0', '1'] });
    const sub = join(BENCH, 'breast-cancer-diagnosis', 'public', 'sample_submission.csv');
    expect(await grade(sub, plain)).toBe(await grade(sub, twin));
  });

  it('infer spec - multiclass log-loss with one column per class (soybean)', async () => {
    const dir = plainCopy('soybean-disease', '## Evaluation\nmulti-class log loss\n');
    const c = await loadCompetition(dir);
    expect(c.taskType).toBe('multiclass');
    expect(c.classes).toEqual(c.targetColumns);
    expect(c.answerColumn).toBe('disease');
    expect(await grade(join(dir, 'public', 'sample_submission.csv'), c)).toBeCloseTo(Math.log(19), 4);
  });

  it('infer spec - an unclear description asks for --metric; the override wins; runs need only public files', async () => {
    const dir = plainCopy('house-votes', '# Votes\nPredict the party.\n');
    await expect(loadCompetition(dir)).rejects.toThrow(/--metric/);
    await expect(loadCompetition(dir)).rejects.toBeInstanceOf(CompetitionError);
    expect((await loadCompetition(dir, { metric: 'auc' })).metric).toBe('auc');
    rmSync(join(dir, 'private'), { recursive: true });
    await expect(loadCompetition(dir, { metric: 'auc' })).rejects.toThrow(/private\/test\.csv/);
    expect((await loadCompetition(dir, { metric: 'auc', requireGradingFiles: false })).taskType).toBe('binary');
  });
});
