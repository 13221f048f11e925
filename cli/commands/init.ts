// gome init: a competition folder in the MLE-bench layout from your own CSV (split, answers, description, leaderboard).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCompetition } from '../../grading/competition.ts';
import { GomeError } from '../../runtime/errors.ts';

export class InitFailed extends GomeError {}

/** Exit status of init_from_csv.py when a binary text target needs --positive (or --positive is not a class). */
const POSITIVE_NEEDED = 3;

export interface InitOptions {
  csv: string; target: string; metric: string; out?: string; name?: string; id?: string; testFrac: number;
  leaderboard: boolean; repo: string; say: (s: string) => void; python?: string;
  /** Binary auc/logloss: the class whose probability is submitted; required when the labels are text. */
  positive?: string | undefined;
}

export async function initFromCsv(o: InitOptions): Promise<string> {
  const python = o.python ?? '/usr/bin/python3';
  if (!existsSync(o.csv)) throw new InitFailed(`CSV file ${o.csv} does not exist`, 'pass the path of your labelled CSV with --csv');
  if (!(o.testFrac > 0 && o.testFrac < 0.9)) throw new InitFailed(`--test-frac ${o.testFrac} is out of range`, 'use a share between 0.05 and 0.5');
  const name = (o.name ?? basename(o.csv).replace(/\.csv$/i, '')).toLowerCase().replace(/[^a-z0-9_-]+/g, '-');
  const out = resolve(o.out ?? join(o.repo, 'bench', name));
  const script = join(dirname(fileURLToPath(import.meta.url)), 'init_from_csv.py');
  const r = spawnSync(python, [script, resolve(o.csv), o.target, o.metric, out, name, o.id ?? '-', String(o.testFrac), o.positive ?? ''], { encoding: 'utf8' });
  if (r.status === POSITIVE_NEEDED) {
    throw new InitFailed((r.stderr || '').trim().split('\n').pop() ?? 'the positive class is needed', 'rerun gome init with --positive LABEL, naming the class whose probability the submission holds');
  }
  if (r.error || r.status !== 0) {
    throw new InitFailed(`could not build the competition: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`, 'check --target and --metric against your CSV (gome doctor checks the Python stack)');
  }
  o.say(`created ${out}`);
  if (o.leaderboard) {
    o.say('building leaderboard.csv from the reference population (a few minutes on large data)…');
    const lb = spawnSync(python, [join(o.repo, 'bench', '_lib', 'reference_population.py'), out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    if (lb.status !== 0) throw new InitFailed(`reference population failed: ${(lb.stderr ?? '').trim().split('\n').pop()}`, 'rerun with --no-leaderboard, or fix the data');
  }
  if (o.leaderboard) await loadCompetition(out); // validates the full layout
  return out;
}
