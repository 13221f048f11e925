// The gome command line as a user runs it: help, doctor, grade (both forms), init from a real CSV, bad input.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const REPO = resolve(import.meta.dirname, '../..');
const LB = resolve(REPO, 'tests/fixtures/mlebench-leaderboards');
function gome(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO, 'bin/gome.mjs'), ...args], { encoding: 'utf8', cwd: REPO, timeout: 120_000 });
}

describe('cli', () => {
  it('cli - --help lists every command', () => {
    const r = gome('--help');
    expect(r.status).toBe(0);
    for (const c of ['run', 'bench', 'grade', 'export', 'replay', 'log', 'init', 'prepare', 'doctor', 'gpu-node', 'worker', 'nats-auth', 'resume']) expect(r.stdout).toContain(c);
  });

  it('cli - doctor reports the required dependencies as present on this machine', () => {
    const r = gome('doctor');
    expect(r.stdout).toMatch(/ok\s+nats-server/);
    expect(r.stdout).toMatch(/ok\s+\/usr\/bin\/python3 with sklearn/);
    expect(r.status).toBe(0);
  });

  it('cli - doctor names the fix when the interpreter is missing', () => {
    const r = gome('doctor', '--python', '/nonexistent/python3');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/MISSING.*python3[\s\S]*fix: apt-get install -y python3 python3-sklearn/);
  });

  it('cli - grade --leaderboard places a score with MLE-bench fields (spaceship-titanic vector)', () => {
    const r = gome('grade', '--leaderboard', join(LB, 'spaceship-titanic.csv'), '0.81');
    expect(r.status).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ gold_threshold: 0.82066, silver_threshold: 0.81388, bronze_threshold: 0.80967, median_threshold: 0.79565,
      bronze_medal: true, silver_medal: false, any_medal: true, above_median: true, is_lower_better: false });
  });

  it('cli - grade of a broken submission exits 2 with a typed reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gome-cli-'));
    const comp = join(REPO, 'bench', 'breast-cancer-diagnosis');
    expect(gome('prepare', 'breast-cancer-diagnosis').status).toBe(0);
    const sample = readFileSync(join(comp, 'public', 'sample_submission.csv'), 'utf8').trim().split('\n');
    writeFileSync(join(dir, 'short.csv'), sample.slice(0, -5).join('\n') + '\n');
    const r = gome('grade', join(dir, 'short.csv'), comp);
    expect(r.status).toBe(2);
    const rep = JSON.parse(r.stdout);
    expect(rep.valid_submission).toBe(false);
    expect(rep.invalid_reason).toMatch(/row/i);
    const ok = gome('grade', join(comp, 'public', 'sample_submission.csv'), comp);
    expect(ok.status).toBe(0);
    expect(JSON.parse(ok.stdout).score).toBe(0.5);
  });

  it('cli - init builds an MLE-bench folder from a real CSV (statsmodels fair)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'gome-init-')), 'affairs');
    const csv = '/usr/lib/python3/dist-packages/statsmodels/datasets/fair/fair.csv';
    const r = gome('init', '--csv', csv, '--target', 'affairs', '--metric', 'rmse', '--out', out, '--no-leaderboard');
    expect(r.status, r.stderr).toBe(0);
    for (const f of ['competition.json', 'description.md', 'public/train.csv', 'public/test.csv', 'public/sample_submission.csv', 'private/test.csv']) expect(existsSync(join(out, f)), f).toBe(true);
    const spec = JSON.parse(readFileSync(join(out, 'competition.json'), 'utf8'));
    expect(spec).toMatchObject({ metric: 'rmse', taskType: 'regression', idColumn: 'id', targetColumns: ['affairs'] });
    const rows = (p: string) => readFileSync(join(out, p), 'utf8').trim().split('\n').length - 1;
    expect(rows('public/train.csv') + rows('public/test.csv')).toBe(6366);
    expect(rows('public/test.csv')).toBe(rows('private/test.csv'));
    expect(readFileSync(join(out, 'public/test.csv'), 'utf8').split('\n')[0]).not.toContain('affairs');
  });

  it('cli - init rejects an unknown target column with the column list', () => {
    const r = gome('init', '--csv', '/usr/lib/python3/dist-packages/statsmodels/datasets/fair/fair.csv', '--target', 'nope', '--metric', 'rmse', '--out', join(tmpdir(), 'x-none'), '--no-leaderboard');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/nope.*columns are/);
  });

  it('cli - a bad duration is refused with a fix', () => {
    const r = gome('run', 'bench/breast-cancer-diagnosis', '--budget', 'soon');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/not a duration.*90s, 5m/);
  });

  it('cli - configuration errors are sentences naming the flag, the value and what is allowed, before any work', () => {
    const runs = mkdtempSync(join(tmpdir(), 'gome-cli-runs-'));
    const cases: Array<[string[], RegExp]> = [
      [['--traces', '0'], /--traces was 0, but it must be at least 1\./],
      [['--sandbox', 'auto'], /--sandbox was "auto", but allowed values are "bwrap", "none", "docker"\./],
      [['--grace', '5m'], /--grace was 300000, but it must be at most 60000\./],
      [['--log-max-mb', '0'], /--log-max-mb was 0, but it must be/],
      [['--remote-gpu'], /--remote-gpu was given without --nats: .*give its --nats URL\./],
      [['--remote', '--topology', 'docs/examples/critic/critic.yaml'], /--remote was given without --nats/],
      [['--remote', '--nats', 'nats://127.0.0.1:9', '--topology', 'docs/examples/critic/critic.yaml'], /--remote with custom roles is not built yet/],
    ];
    for (const [flags, want] of cases) {
      const r = gome('run', 'bench/breast-cancer-diagnosis', '--runs', runs, ...flags);
      expect(r.status, flags.join(' ')).toBe(1);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/"code":|\[\s*\{/); // no raw validation dump
    }
    expect(readdirSync(runs)).toEqual([]); // nothing was started
  });

  it('cli - gome worker refuses roles it cannot host and a missing --run/--any with sentences', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--roles', 'researcher,gpu', '--any'], /--roles was "researcher,gpu", but a worker hosts only researcher, developer, validator, memory/],
      [['--roles', 'researcher'], /a worker needs --run RUN \(serve that run only\) or --any/],
      [['--roles', 'memory', '--any', '--run', 'r1'], /--run and --any were both given/],
    ];
    for (const [flags, want] of cases) {
      const r = gome('worker', '--nats', 'nats://127.0.0.1:9', ...flags);
      expect(r.status, flags.join(' ')).toBe(1);
      expect(r.stderr).toMatch(want);
    }
  });

  it('cli - the help text claims only what exists', () => {
    const r = gome('run', '--help');
    expect(r.stdout).not.toMatch(/replay exactly|subprocess|auto,/);
    expect(r.stdout).toMatch(/--sandbox <kind>.*bwrap/);
  });

  it('cli - with --sandbox docker and no engine the run stops at once with the cause and the fix, and never falls back', () => {
    const runs = mkdtempSync(join(tmpdir(), 'gome-nodocker-runs-'));
    const socket = join(runs, 'no-engine.sock');
    const r = spawnSync(process.execPath, [join(REPO, 'bin/gome.mjs'), 'run', 'bench/breast-cancer-diagnosis', '--budget', '5m', '--runs', runs, '--sandbox', 'docker'],
      { encoding: 'utf8', cwd: REPO, timeout: 120_000, env: { ...process.env, DOCKER_HOST: `unix://${socket}` } });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`the docker job sandbox cannot start: no Docker engine answered at unix://${socket.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    expect(r.stderr).toMatch(/--sandbox bwrap/);
    const [run] = readdirSync(runs).filter((d) => d !== 'no-engine.sock');
    const meta = JSON.parse(readFileSync(join(runs, run!, 'run_meta.json'), 'utf8'));
    expect(meta.status).toBe('failed');
    expect(meta.error.name).toBe('DockerUnavailable');
    expect(existsSync(join(runs, run!, 'jobs')) ? readdirSync(join(runs, run!, 'jobs')) : []).toEqual([]); // no job ran
  });

  it('cli - when bubblewrap cannot start the run stops at once with the cause and the fix, and never runs unsealed', () => {
    // a PATH with everything a run needs except bwrap
    const bin = mkdtempSync(join(tmpdir(), 'gome-nobwrap-'));
    for (const b of ['node', 'nats-server', 'setpriv', 'true']) {
      const found = spawnSync('/usr/bin/which', [b], { encoding: 'utf8' }).stdout.trim();
      symlinkSync(found, join(bin, b));
    }
    const runs = mkdtempSync(join(tmpdir(), 'gome-nobwrap-runs-'));
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(REPO, 'bin/gome.mjs'), 'run', 'bench/breast-cancer-diagnosis', '--budget', '5m', '--runs', runs],
      { encoding: 'utf8', cwd: REPO, timeout: 120_000, env: { ...process.env, PATH: bin } });
    expect(r.status).toBe(1);
    expect(Date.now() - t0).toBeLessThan(60_000);
    expect(r.stderr).toMatch(/bubblewrap is not installed/);
    expect(r.stderr).toMatch(/apt-get install bubblewrap.*--sandbox none/s);
    const [run] = readdirSync(runs);
    const meta = JSON.parse(readFileSync(join(runs, run!, 'run_meta.json'), 'utf8'));
    expect(meta.status).toBe('failed');
    expect(meta.error.name).toBe('SandboxUnavailable');
    expect(readdirSync(runs).flatMap((d) => (existsSync(join(runs, d, 'jobs')) ? readdirSync(join(runs, d, 'jobs')) : []))).toEqual([]); // no job ran
  });
});

