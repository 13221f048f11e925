// The --positive flag: gome init on text binary targets (mlbench Sonar, Class M/R) requires it and records it in
// competition.json (leaderboard and grading follow it; 0/1 labels take 1 by convention); gome run refuses to start a
// plain folder whose positive class is unknown and checks the flag against the observed classes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCompetition } from '../../grading/competition.ts';
import { grade } from '../../grading/grader.ts';
import { readLeaderboard } from '../../grading/medals.ts';
import { IONOSPHERE_SILENT, indicatorSubmission, mlbenchCsv, mlbenchFolder } from '../grading/mlbench-binary.ts';

const REPO = resolve(import.meta.dirname, '../..');
function gome(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO, 'bin/gome.mjs'), ...args], { encoding: 'utf8', cwd: REPO, timeout: 600_000 }); // the reference population's tuning is bounded at 150 s a study
}

let sonar = '';

describe('cli init positive class', () => {
  beforeAll(() => { sonar = mlbenchCsv('Sonar'); });

  it('cli init - a text binary target without --positive fails with a sentence asking for it', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gome-init-')), 'sonar');
    const r = gome('init', '--csv', sonar, '--target', 'Class', '--metric', 'auc', '--out', out);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the binary target 'Class' has text labels \(M, R\), so gome cannot tell which class the submitted probability is for: pass --positive LABEL with one of M, R/);
    expect(r.stderr).toMatch(/fix: rerun gome init with --positive LABEL/);
    expect(existsSync(join(out, 'competition.json'))).toBe(false);
    const wrong = gome('init', '--csv', sonar, '--target', 'Class', '--metric', 'auc', '--out', out, '--positive', 'mine');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/--positive 'mine' is not a class of the target 'Class'; its classes are: M, R/);
  });

  it('cli init - with --positive M it builds the folder and leaderboard, records positiveClass, loads and grades', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gome-init-')), 'sonar');
    const r = gome('init', '--csv', sonar, '--target', 'Class', '--metric', 'auc', '--out', out, '--positive', 'M');
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['competition.json', 'description.md', 'leaderboard.csv', 'public/train.csv', 'public/test.csv', 'public/sample_submission.csv', 'private/test.csv']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const spec = JSON.parse(readFileSync(join(out, 'competition.json'), 'utf8')) as Record<string, unknown>;
    expect(spec).toMatchObject({ metric: 'auc', taskType: 'binary', targetColumns: ['Class'], classes: ['M', 'R'], positiveClass: 'M' });
    expect(readFileSync(join(out, 'description.md'), 'utf8')).toContain('Submit the probability that `Class` is `M`.');
    const c = await loadCompetition(out);
    expect(c.positiveClass).toBe('M');
    expect(c.positiveFrom).toMatch(/competition\.json/);
    const answers = readFileSync(c.answersPath, 'utf8');
    expect(await grade(indicatorSubmission(answers, 'M', join(out, 'p-mine.csv')), c)).toBe(1);
    expect(await grade(indicatorSubmission(answers, 'R', join(out, 'p-rock.csv')), c)).toBe(0);
    expect(await grade(c.sampleSubmissionPath, c)).toBe(0.5);
    // the reference population predicted P(M): its best entries rank mines well above chance
    const lb = await readLeaderboard(c.leaderboardPath);
    expect(Math.max(...lb.map((x) => x))).toBeGreaterThan(0.85);
  }, 620_000);

  it('cli init - numeric 0/1 labels record positiveClass 1 without --positive (statsmodels ccard OWNRENT)', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gome-init-')), 'ccard');
    const csv = '/usr/lib/python3/dist-packages/statsmodels/datasets/ccard/ccard.csv';
    const r = gome('init', '--csv', csv, '--target', 'OWNRENT', '--metric', 'auc', '--out', out, '--no-leaderboard');
    expect(r.status, r.stderr).toBe(0);
    const spec = JSON.parse(readFileSync(join(out, 'competition.json'), 'utf8')) as Record<string, unknown>;
    expect(spec).toMatchObject({ classes: ['0', '1'], positiveClass: '1' });
    const c = await loadCompetition(out, { requireGradingFiles: false });
    expect(c.positiveClass).toBe('1');
  });
});

describe('cli run positive class', () => {
  it('cli run - a plain folder with text labels and no stated positive class stops before any job, asking for --positive', () => {
    const dir = mlbenchFolder('Ionosphere', IONOSPHERE_SILENT, { json: false });
    const runs = join(dir, '..', 'runs');
    expect(gome('run', '--help').stdout).toMatch(/--positive <label>/);
    const r = gome('run', dir, '--runs', runs, '--budget', '30s');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/PositiveClass|cannot tell which class of the binary target "Class"/);
    expect(r.stderr).toMatch(/pass --positive LABEL \(one of "bad", "good"\) to gome run/);
    expect(existsSync(runs)).toBe(false);
    const wrong = gome('run', dir, '--runs', runs, '--budget', '30s', '--positive', 'ugly');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/--positive "ugly" is not a class of the target "Class", whose classes are "bad", "good"/);
    expect(existsSync(runs)).toBe(false);
  });
});
