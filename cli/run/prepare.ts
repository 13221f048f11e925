// Makes sure a competition folder has what a run needs, running its prepare.py when the data is missing.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadCompetition, type Competition } from '../../grading/competition.ts';
import { CompetitionError } from '../../grading/errors.ts';
import type { MetricName } from '../../protocols/domain.ts';

/** `positive`: the --positive LABEL of a binary probability target (checked against the observed classes). */
export async function ensurePrepared(dir: string, python: string, log: (s: string) => void = () => {}, metric?: MetricName, positive?: string): Promise<Competition> {
  const root = resolve(dir);
  const prepare = join(root, 'prepare.py');
  const needs = !existsSync(join(root, 'public', 'train.csv')) || !existsSync(join(root, 'private', 'test.csv'));
  if (needs && existsSync(prepare)) {
    log(`preparing ${root} (${python} prepare.py, deterministic, seed 0)…`);
    const r = spawnSync(python, [prepare], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.error || r.status !== 0) {
      throw new CompetitionError(root, `prepare.py failed (${r.error?.message ?? `exit ${r.status}`}): ${(r.stderr ?? '').slice(-1500)}`,
        'run gome doctor: the dataset comes from a Debian package that may be missing');
    }
  }
  return loadCompetition(root, { requireGradingFiles: false, ...(metric ? { metric } : {}), ...(positive !== undefined ? { positive } : {}) });
}
