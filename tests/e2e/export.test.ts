// gome export on real runs: the exported solution.py, run with /usr/bin/python3 outside any sandbox on a copy of the
// competition in a folder whose path has a space, rebuilds the run's data dir and reproduces the run's submission.csv
// (the final refit's, or the fold models' when the refit was switched off); bad runs are typed errors with the fix.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runCompetition } from '../../cli/run/run-session.ts';
import { ExportError, exportRun } from '../../cli/commands/export.ts';
import { identify } from '../../runtime/process-identity.ts';

const REPO = resolve(import.meta.dirname, '../..');
const COMP = join(REPO, 'bench', 'breast-cancer-diagnosis');
const PY = '/usr/bin/python3'; // the python3 on PATH lacks sklearn
const quick = { preset: 'quick', limits: { debugMs: 60_000, fullMs: 120_000 } };
const TMP = mkdtempSync(join(tmpdir(), 'gome export '));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

function gome(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO, 'bin/gome.mjs'), ...args], { encoding: 'utf8', cwd: REPO, timeout: 120_000 });
}

/** The competition copied to a folder whose path has a space (the script must not care where it lives). */
function competitionCopy(name: string): string {
  const dst = join(TMP, name, 'my competition');
  mkdirSync(join(TMP, name), { recursive: true });
  cpSync(COMP, dst, { recursive: true });
  return dst;
}

function solve(script: string, competition: string, outDir: string, keepData?: string) {
  return spawnSync(PY, [script, competition, '-o', outDir, ...(keepData ? ['--keep-data', keepData] : [])], { encoding: 'utf8', cwd: TMP, timeout: 300_000 });
}

/** ids and prediction columns of a submission (ids and numbers only: no quoting in these files). */
function table(path: string): { header: string[]; ids: string[]; values: number[][] } {
  const [head, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const rows = lines.map((l) => l.split(','));
  return { header: head!.split(','), ids: rows.map((r) => r[0]!), values: rows.map((r) => r.slice(1).map(Number)) };
}

function expectSameSubmission(got: string, want: string): void {
  const a = table(got);
  const b = table(want);
  expect(a.header).toEqual(b.header);
  expect(a.ids).toEqual(b.ids);
  const worst = Math.max(...a.values.flatMap((r, i) => r.map((v, j) => Math.abs(v - b.values[i]![j]!))));
  expect(worst).toBeLessThan(1e-6);
}

const same = (a: string, b: string) => readFileSync(a).equals(readFileSync(b));

describe('export', () => {
  it('export - the final refit\'s pipeline, exported by gome export, reproduces the run\'s submission.csv from a copied competition folder', async () => {
    const runsRoot = join(TMP, 'runs-refit');
    const r = await runCompetition({ competitionDir: COMP, runsRoot, runId: 'exp-refit', progress: null,
      config: { ...quick, budgetMs: 60_000, maxIterations: 2 } });
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
    expect(meta.finalRefit).toMatchObject({ used: true }); // the case under test: the submission is the refit's

    const script = join(TMP, 'refit solution.py');
    const cli = gome('export', 'exp-refit', '--runs', runsRoot, '-o', script);
    expect(cli.stderr).toContain('the final refit');
    expect(cli.status).toBe(0);
    expect(cli.stdout.trim()).toBe(script);
    const text = readFileSync(script, 'utf8');
    expect(text).toContain('#   run          exp-refit');
    expect(text).toContain(`#   experiment   ${meta.finalRefit.experiment}`);
    expect(text).toMatch(/#   refit        yes/);

    const comp = competitionCopy('refit');
    const out = join(TMP, 'refit out');
    const keep = join(TMP, 'refit data');
    const p = solve(script, comp, out, keep);
    expect(p.stderr).not.toMatch(/error:/);
    expect(p.status).toBe(0);
    expect(p.stdout.trim()).toBe(join(out, 'submission.csv'));
    expectSameSubmission(join(out, 'submission.csv'), join(r.runDir, 'submission.csv'));
    // it fitted on every labelled row with the refit's folds: the data dir is the run's harness/full, byte for byte
    for (const f of ['train.csv', 'folds.csv', 'holdout.csv', 'test.csv', 'sample_submission.csv']) expect(same(join(keep, f), join(r.runDir, 'harness', 'full', f)), f).toBe(true);
  }, 300_000);

  it('export - without the final refit the fold models are reproduced on the run\'s folds, without its held-back rows, and other data is refused', async () => {
    const r = await runCompetition({ competitionDir: COMP, runsRoot: join(TMP, 'runs-folds'), runId: 'exp-folds', progress: null,
      config: { ...quick, budgetMs: 45_000, maxIterations: 2, finalRefit: false } });
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
    expect(meta.finalRefit).toBeNull();

    const script = join(TMP, 'folds solution.py');
    const e = exportRun({ run: r.runDir, runsRoot: join(TMP, 'elsewhere'), out: script }); // a path works from anywhere
    expect(e).toMatchObject({ refit: false, runId: 'exp-folds' });
    expect(e.heldBack).toBeGreaterThan(0);
    expect(readFileSync(script, 'utf8')).toMatch(/#   refit        no: the final submission is the fold models'/);

    const comp = competitionCopy('folds');
    const out = join(TMP, 'folds out');
    const keep = join(TMP, 'folds data');
    const p = solve(script, join(comp, 'public'), out, keep); // the public/ folder itself is accepted too
    expect(p.stderr).not.toMatch(/error:/);
    expect(p.status).toBe(0);
    expectSameSubmission(join(out, 'submission.csv'), join(r.runDir, 'submission.csv'));
    // the same rows, folds and held-back slice as every job of the run saw: the run's data dir, byte for byte
    for (const f of ['train.csv', 'folds.csv', 'holdout.csv', 'test.csv', 'sample_submission.csv']) expect(same(join(keep, f), join(r.runDir, 'data', f)), f).toBe(true);

    // a competition folder that is not the run's data: refused with a sentence, before any fitting
    appendFileSync(join(comp, 'public', 'test.csv'), readFileSync(join(comp, 'public', 'test.csv'), 'utf8').split('\n')[1] + '\n');
    const bad = solve(script, comp, join(TMP, 'bad out'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/error: .*public\/test\.csv is not the test set this run used .*give the competition folder of breast-cancer-diagnosis/);
  }, 300_000);

  it('export - an unknown run is a typed error naming where it looked and the fix', () => {
    const runsRoot = join(TMP, 'no runs here');
    mkdirSync(runsRoot, { recursive: true });
    let caught: unknown = null;
    try { exportRun({ run: 'no-such-run', runsRoot, out: join(TMP, 'never.py') }); } catch (e) { caught = e; }
    expect(caught).toBeInstanceOf(ExportError);
    expect((caught as ExportError).problem).toBe('no-run');
    expect((caught as ExportError).message).toMatch(/there is no run "no-such-run": it is neither a run directory nor a run id under .*no runs here — fix: give the path of a run directory/);
    const cli = gome('export', 'no-such-run', '--runs', runsRoot, '-o', join(TMP, 'never.py'));
    expect(cli.status).toBe(1);
    expect(cli.stderr).toMatch(/^gome: there is no run "no-such-run".* — fix: /);
  });

  it('export - a run still running, or one without an accepted pipeline, is refused with the fix', () => {
    const fake = (id: string, status: string) => {
      const dir = join(TMP, 'fake-runs', id);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'run_meta.json'), JSON.stringify({ gome: '0.1.0', status,
        config: { runId: id, competitionDir: COMP, python: PY, finalRefit: true },
        task: { competition: 'breast-cancer-diagnosis', metric: 'auc', lowerIsBetter: false, idColumn: 'id' }, finished: null, finalRefit: null }));
      return dir;
    };
    const problem = (run: string): string => {
      try { exportRun({ run, runsRoot: join(TMP, 'fake-runs'), out: join(TMP, 'never.py') }); } catch (e) {
        expect(e).toBeInstanceOf(ExportError);
        expect((e as Error).message).toMatch(/ — fix: /);
        return (e as ExportError).problem;
      }
      return 'exported';
    };
    writeFileSync(join(fake('live', 'running'), 'gome.pid'), JSON.stringify({ owner: identify(process.pid), children: [] }));
    expect(problem('live')).toBe('running');
    fake('dead', 'running'); // no pid file: its gome process is gone
    expect(problem('dead')).toBe('crashed');
    writeFileSync(join(fake('empty', 'finished'), 'experiments.jsonl'), '');
    expect(problem('empty')).toBe('no-pipeline');
  });
});
