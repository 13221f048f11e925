// Builds binary test competitions from R mlbench data at test time (Ionosphere: bad/good, Sonar: M/R) in temp dirs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const SCRIPT = resolve(import.meta.dirname, 'mlbench_binary.py');
export const PY = '/usr/bin/python3';
export type MlbenchBinary = 'Ionosphere' | 'Sonar';

/**
 * A competition folder (public/, private/test.csv) from an mlbench data set; `json: false` removes competition.json
 * so the folder is a plain MLE-bench folder. description.md holds `description`.
 */
export function mlbenchFolder(name: MlbenchBinary, description: string, opts: { json: boolean }): string {
  const dir = join(mkdtempSync(join(tmpdir(), `gome-${name.toLowerCase()}-`)), name.toLowerCase());
  execFileSync(PY, [SCRIPT, 'folder', name, dir], { stdio: 'pipe' });
  if (!opts.json) rmSync(join(dir, 'competition.json'));
  writeFileSync(join(dir, 'description.md'), description);
  return dir;
}

/** The whole mlbench data set as one labelled CSV (Class as text). */
export function mlbenchCsv(name: MlbenchBinary): string {
  const path = join(mkdtempSync(join(tmpdir(), `gome-${name.toLowerCase()}-csv-`)), `${name.toLowerCase()}.csv`);
  execFileSync(PY, [SCRIPT, 'csv', name, path], { stdio: 'pipe' });
  return path;
}

/** A submission giving each test id 1 when its answer is `label`, else 0 (a perfect ranker for that class). */
export function indicatorSubmission(answers: string, label: string, out: string): string {
  const [header, ...rows] = answers.trim().split('\n');
  writeFileSync(out, [header, ...rows.map((r) => { const [id, y] = r.split(','); return `${id},${y === label ? 1 : 0}`; })].join('\n') + '\n');
  return out;
}

export const IONOSPHERE_BAD = '# Ionosphere\n\nRadar returns from the ionosphere.\n\n## Evaluation\nSubmissions are evaluated on area under the ROC curve.\n\n'
  + '## Submission\nFor each `id` in the test set, submit the probability that `Class` is `bad`.\n';
export const IONOSPHERE_SILENT = '# Ionosphere\n\nRadar returns from the ionosphere: "good" returns show structure, "bad" ones do not.\n\n'
  + '## Evaluation\nSubmissions are evaluated on area under the ROC curve between the predicted probability and the observed target.\n';
