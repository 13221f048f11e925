// Builds competition folders in the MLE-bench layout inside temp dirs for grader, competition and report tests.
import { join } from 'node:path';
import { csv, tempDir, writeFile } from './helpers.ts';

export interface Fixture {
  root: string;
  /** Writes a submission CSV in the fixture dir and returns its path. */
  submit(text: string, name?: string): string;
}

export function makeCompetition(opts: {
  name: string;
  spec: Record<string, unknown>;
  answers: string;
  sample: string;
  leaderboard?: number[];
  omit?: string[];
}): Fixture {
  const root = join(tempDir(), opts.name);
  const files: Record<string, string> = {
    'competition.json': JSON.stringify({ id: opts.name, title: opts.name, ...opts.spec }),
    'description.md': `# ${opts.name}\n`,
    'public/train.csv': 'id,x,y\n1,0.5,1\n',
    'public/test.csv': 'id,x\n1,0.5\n',
    'public/sample_submission.csv': opts.sample,
    'private/test.csv': opts.answers,
    'leaderboard.csv': csv(['teamId', 'score'], (opts.leaderboard ?? [0.9, 0.8, 0.7, 0.6, 0.5]).map((s, i) => [i, s])),
  };
  for (const [rel, text] of Object.entries(files)) if (!opts.omit?.includes(rel)) writeFile(join(root, rel), text);
  return { root, submit: (text, name = 'submission.csv') => writeFile(join(root, 'sub', name), text) };
}

/** A small binary AUC competition: ids p1..p8, labels True/False. */
export function binaryAuc(leaderboard?: number[]): Fixture {
  const labels = ['True', 'False', 'True', 'True', 'False', 'False', 'True', 'False'];
  return makeCompetition({
    name: 'toy-binary',
    spec: { metric: 'auc', taskType: 'binary', idColumn: 'PassengerId', targetColumns: ['Transported'], classes: ['False', 'True'] },
    answers: csv(['PassengerId', 'Transported'], labels.map((l, i) => [`p${i + 1}`, l])),
    sample: csv(['PassengerId', 'Transported'], labels.map((_, i) => [`p${i + 1}`, 0.5])),
    leaderboard,
  });
}
