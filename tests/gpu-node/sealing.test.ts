// The sealed job sandbox, with real bwrap, real /usr/bin/python3 and the real bundled competition: a hostile job
// reaches nothing beyond its allow-list, the probe finds no leak (and does find a planted copy of the answers), the
// source dataset is masked, the environment holds no secrets, and everything works from paths with spaces under /tmp.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { JOB_WRAPPER, REPO_ROOT, mountPlan, probeSandbox, sealFor, type SandboxKind } from '../../gpu-node/index.ts';
import type { JobOutcome } from '../../protocols/domain.ts';
import { PYTHON, job, makeNode, type Fixture } from './helpers.ts';

const BREAST = resolve(REPO_ROOT, 'bench', 'breast-cancer-diagnosis');
const ANSWERS = join(BREAST, 'private', 'test.csv');
const SOURCE = '/usr/lib/python3/dist-packages/sklearn/datasets/data/breast_cancer.csv';

let server: Server;
let port = 0;
let tmpRoots: string[] = [];

beforeAll(async () => {
  if (!existsSync(ANSWERS)) {
    const r = spawnSync(PYTHON, [join(BREAST, 'prepare.py')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`prepare.py failed: ${r.stderr}`);
  }
  server = createServer((s) => s.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const a = server.address();
  port = typeof a === 'object' && a ? a.port : 0;
});
afterAll(() => { server.close(); });
afterEach(() => { for (const r of tmpRoots) rmSync(r, { recursive: true, force: true }); tmpRoots = []; });

/** A fixture around a copy (or the real folder) of the competition: jobs root, a sibling workspace with a secret. */
function setup(opts: { base?: string; copyCompetition?: boolean } = {}): Fixture & { comp: string; sibling: string } {
  const root = mkdtempSync(join(opts.base ?? tmpdir(), 'gome-seal-'));
  tmpRoots.push(root);
  let comp = BREAST;
  if (opts.copyCompetition) {
    comp = join(root, 'competition');
    for (const part of ['public', 'private', 'competition.json', 'description.md']) cpSync(join(BREAST, part), join(comp, part), { recursive: true });
  }
  const jobsRoot = join(root, 'run', 'jobs');
  const sibling = join(jobsRoot, 'other-job', 'secret.txt');
  mkdirSync(join(jobsRoot, 'other-job'), { recursive: true });
  writeFileSync(sibling, 'another job\n');
  return { root, comp, sibling, dataDir: join(comp, 'public'), jobsRoot, sample: join(comp, 'public', 'sample_submission.csv'),
    cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Every attempt records "READ …" or "blocked: …"; nothing else. */
const HOSTILE = (t: { answers: string; sibling: string; jobsRoot: string; repo: string; home: string; port: number }) => `
import json, os, socket
r = {}
def attempt(name, fn):
    try:
        r[name] = 'READ ' + repr(fn())[:80]
    except Exception as e:
        r[name] = 'blocked: ' + type(e).__name__
def read(p):
    with open(p) as f:
        return f.read()
data = os.environ['GOME_DATA_DIR']
attempt('answers by host path', lambda: read(${JSON.stringify(t.answers)}))
attempt('answers walking up from the data dir', lambda: read(os.path.join(data, '..', 'private', 'test.csv')))
attempt('answers via realpath of the data dir', lambda: read(os.path.join(os.path.dirname(os.path.realpath(data)), 'private', 'test.csv')))
attempt('another workspace', lambda: read(${JSON.stringify(t.sibling)}))
attempt('the jobs root', lambda: os.listdir(${JSON.stringify(t.jobsRoot)}) or 1/0)
attempt('the repo', lambda: read(${JSON.stringify(join(t.repo, 'package.json'))}))
attempt('the host HOME', lambda: os.listdir(${JSON.stringify(t.home)}) or 1/0)
attempt('/root', lambda: os.listdir('/root') or 1/0)
attempt('/home', lambda: os.listdir('/home') or 1/0)
attempt('/etc/shadow', lambda: read('/etc/shadow'))
attempt('/etc/hostname', lambda: read('/etc/hostname'))
attempt('docker socket', lambda: os.stat('/var/run/docker.sock'))
attempt('/run', lambda: os.listdir('/run') or 1/0)
def connect(host, port):
    s = socket.create_connection((host, port), timeout=2)
    s.close()
    return 'connected'
attempt('loopback listener of the host', lambda: connect('127.0.0.1', ${t.port}))
attempt('public address', lambda: connect('1.1.1.1', 443))
r['parent of the data dir'] = sorted(os.listdir(os.path.dirname(data)))
json.dump(r, open(os.path.join(os.environ['GOME_OUTPUT_DIR'], 'attempts.json'), 'w'), indent=1)
`;

async function runHostile(sandbox: SandboxKind, fx: ReturnType<typeof setup>): Promise<{ out: JobOutcome; r: Record<string, unknown> }> {
  const node = makeNode(fx, { sandbox, seal: sealFor(fx.comp) });
  const code = HOSTILE({ answers: join(fx.comp, 'private', 'test.csv'), sibling: fx.sibling, jobsRoot: fx.jobsRoot, repo: REPO_ROOT,
    home: process.env.HOME ?? '/root', port });
  const out = await node.submit(job(fx, code));
  await node.close();
  const r = JSON.parse(readFileSync(join(out.workdir, 'attempts.json'), 'utf8')) as Record<string, unknown>;
  return { out, r };
}

describe('sealing', () => {
  it('sandbox - a hostile job cannot read the answers, other workspaces, the repo, home dirs or the network', async () => {
    const fx = setup();
    const { out, r } = await runHostile('bwrap', fx);
    expect(out.status).toBe('ok');
    const { ['parent of the data dir']: parent, ...attempts } = r;
    expect(Object.keys(attempts).length).toBe(15);
    for (const [name, result] of Object.entries(attempts)) expect(`${name}: ${String(result)}`).toMatch(/: blocked: /);
    expect(parent).toEqual(['bin', 'data', 'work']);
  });

  it('sandbox - the same hostile job under "none" reads everything (so the sealed run above proves the seal)', async () => {
    const fx = setup();
    const { r } = await runHostile('none', fx);
    expect(r['answers by host path']).toMatch(/^READ 'id,malignant/);
    expect(r['answers walking up from the data dir']).toMatch(/^READ/);
    expect(r['another workspace']).toMatch(/^READ 'another job/);
    expect(r['the repo']).toMatch(/^READ/);
    expect(r['loopback listener of the host']).toMatch(/^READ 'connected'/);
  });

  it('sandbox - sklearn.datasets.load_breast_cancer() inside the sandbox gets no labels under the competition seal', async () => {
    const fx = setup();
    const code = `
import json, os
r = {}
try:
    from sklearn.datasets import load_breast_cancer
    d = load_breast_cancer()
    r['sklearn'] = 'LABELS %d' % len(d.target)
except Exception as e:
    r['sklearn'] = 'blocked: ' + type(e).__name__
try:
    import pandas as pd
    r['pandas'] = 'ROWS %d' % len(pd.read_csv(${JSON.stringify(SOURCE)}))
except Exception as e:
    r['pandas'] = 'blocked: ' + type(e).__name__
r['R'] = os.path.exists('/usr/lib/R/site-library/mlbench/data/Soybean.rda')
json.dump(r, open(os.path.join(os.environ['GOME_OUTPUT_DIR'], 'r.json'), 'w'))
`;
    const sealed = makeNode(fx, { seal: sealFor(BREAST) });
    const a = await sealed.submit(job(fx, code));
    await sealed.close();
    expect(a.status).toBe('ok');
    expect(JSON.parse(readFileSync(join(a.workdir, 'r.json'), 'utf8'))).toEqual({ sklearn: 'blocked: PermissionError', pandas: 'blocked: PermissionError', R: false });
    // the contrast: without the seal the file is inside /usr and the labels load
    const open = makeNode(fx, { seal: { maskPaths: [] } });
    const b = await open.submit(job(fx, code));
    await open.close();
    expect(JSON.parse(readFileSync(join(b.workdir, 'r.json'), 'utf8'))).toMatchObject({ sklearn: 'LABELS 569', pandas: 'ROWS 569' });
    expect(sealFor(BREAST).maskPaths).toEqual(expect.arrayContaining([SOURCE, '/usr/lib/R']));
  });

  it.each(['bwrap', 'none'] as const)('sandbox - the job environment holds no KEY, TOKEN or SECRET variable even when the host does (%s)', async (sandbox) => {
    const fx = setup();
    const planted = { OPENAI_API_KEY: 'sk-planted', GH_TOKEN: 'ghp_planted', MY_SECRET: 'planted', AWS_SECRET_ACCESS_KEY: 'planted' };
    Object.assign(process.env, planted);
    try {
      const node = makeNode(fx, { sandbox });
      const out = await node.submit(job(fx, "import os, json\nprint(json.dumps(dict(os.environ)))\n"));
      await node.close();
      const env = JSON.parse(out.stdoutTail.trim()) as Record<string, string>;
      expect(Object.keys(env).filter((k) => /KEY|TOKEN|SECRET/i.test(k))).toEqual([]);
      expect(Object.values(env).some((v) => v.includes('planted'))).toBe(false);
      expect(env.GOME_JOB_ID).toBe(out.jobId);
      expect(env.HOME).toBe(sandbox === 'bwrap' ? '/gome/work' : out.workdir);
    } finally {
      for (const k of Object.keys(planted)) delete process.env[k];
    }
  });

  it('sandbox - the probe reports no leak for a bundled competition', async () => {
    const r = await probeSandbox({ competitionRoot: BREAST });
    expect(r.sandbox).toBe('bwrap');
    expect(r.leaks).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.walk.filesSeen).toBeGreaterThan(10_000);
    expect(r.secrets.map((s) => s.path)).toEqual([ANSWERS, SOURCE]);
    const areas = new Set(r.checks.map((c) => c.area));
    for (const a of ['network', 'answers', 'repo', 'other workspace', 'run dir', 'home', 'host socket', 'source dataset', 'data dir', 'workspace', 'environment']) {
      expect(areas.has(a)).toBe(true);
    }
    expect(r.checks.find((c) => c.area === 'workspace')).toMatchObject({ reached: true, leak: false });
    expect(r.view).toMatchObject({ dataDir: '/gome/data', outputDir: '/gome/work', home: '/gome/work', tmpdir: '/tmp' });
  });

  it('sandbox - the probe finds a copy of the answers planted in the visible data', async () => {
    const fx = setup({ copyCompetition: true });
    copyFileSync(join(fx.comp, 'private', 'test.csv'), join(fx.comp, 'public', 'old_answers.csv'));
    const r = await probeSandbox({ competitionRoot: fx.comp, workRoot: fx.root });
    expect(r.ok).toBe(false);
    expect(r.walk.matches).toEqual([{ path: '/gome/data/old_answers.csv', copyOf: 'private/test.csv (the answers)' }]);
    expect(r.leaks.map((c) => c.target)).toEqual(['/gome/data/old_answers.csv']);
  });

  it('sandbox - gome doctor --sandbox prints what the job reached and exits 1 only when something leaks', () => {
    const gome = (...args: string[]) => spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'gome.mjs'), 'doctor', ...args], { encoding: 'utf8', timeout: 120_000 });
    const sealed = gome('--sandbox');
    expect(sealed.status).toBe(0);
    expect(sealed.stdout).toMatch(/blocked\s+answers\s+.*breast-cancer-diagnosis\/private\/test\.csv/);
    expect(sealed.stdout).toMatch(/blocked\s+network\s+1\.1\.1\.1:443/);
    expect(sealed.stdout).toMatch(/walked [\d,]+ files .*no copy found/);
    expect(sealed.stdout).toMatch(/^sealed: /m);
    expect(sealed.stdout).not.toMatch(/LEAK/);
    const fx = setup({ copyCompetition: true });
    copyFileSync(join(fx.comp, 'private', 'test.csv'), join(fx.comp, 'public', 'answers.csv'));
    const leaky = gome('--sandbox', fx.comp);
    expect(leaky.status).toBe(1);
    expect(leaky.stdout).toMatch(/LEAK\s+file walk\s+\/gome\/data\/answers\.csv — same sha256 as private\/test\.csv/);
    expect(leaky.stdout).toMatch(/1 leak: the job sandbox is NOT sealed/);
  });

  it('sandbox - competition and jobs under /tmp in a path with spaces: jobs run, read their data and stay sealed', async () => {
    const base = join(mkdtempSync(join(tmpdir(), 'gome seal ')), 'with space');
    mkdirSync(base, { recursive: true });
    tmpRoots.push(resolve(base, '..'));
    const fx = setup({ base, copyCompetition: true });
    expect(fx.comp).toMatch(/^\/tmp\/.* .*with space/);
    const node = makeNode(fx, { seal: sealFor(fx.comp) });
    const code = `
import os, pandas as pd
d = os.environ['GOME_DATA_DIR']
train = pd.read_csv(os.path.join(d, 'train.csv'))
test = pd.read_csv(os.path.join(d, 'test.csv'))
out = os.environ['GOME_OUTPUT_DIR']
pd.DataFrame({'id': test['id'], 'malignant': train['malignant'].mean()}).to_csv(os.path.join(out, 'submission.csv'), index=False)
open(os.path.join(out, 'scores.csv'), 'w').write(',auc\\nensemble,0.5\\n')
print(len(train), len(test))
`;
    const out = await node.submit(job(fx, code, { sampleSubmission: fx.sample }));
    await node.close();
    expect(out.status).toBe('ok');
    expect(out.reason).toBeNull();
    expect(out.stdoutTail.trim()).toBe('455 114');
    expect(out.submission?.ok).toBe(true);
    expect(out.workdir.startsWith(fx.jobsRoot)).toBe(true);
    const r = await probeSandbox({ competitionRoot: fx.comp, workRoot: base });
    expect(r.leaks).toEqual([]);
  });

  it('sandbox - a checkout cloned under /tmp in a path with spaces runs sealed jobs (the wrapper is bound, not hidden)', () => {
    const base = mkdtempSync(join(tmpdir(), 'gome clone '));
    tmpRoots.push(base);
    const clone = join(base, 'with space', 'gome');
    for (const part of ['gpu-node', 'grading', 'runtime', 'protocols', 'package.json']) cpSync(join(REPO_ROOT, part), join(clone, part), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'));
    const fx = setup({ base, copyCompetition: true });
    const script = join(clone, 'one-job.mts');
    const jobCode = `import os\nprint(open(os.path.join(os.environ['GOME_DATA_DIR'], 'train.csv')).readline()[:3], os.path.exists(${JSON.stringify(join(clone, 'package.json'))}))\n`;
    writeFileSync(script, `
import pino from 'pino';
import { BudgetClock, GpuNode, JOB_WRAPPER, sealFor } from './gpu-node/index.ts';
import { SystemClock } from './runtime/clock.ts';
const clock = new SystemClock();
const node = new GpuNode({ jobsRoot: ${JSON.stringify(fx.jobsRoot)}, budget: BudgetClock.start(clock, { budgetMs: 600_000 }), sandbox: 'bwrap',
  seal: sealFor(${JSON.stringify(fx.comp)}), python: '/usr/bin/python3', logger: pino({ level: 'silent' }), clock, gpus: [] });
const out = await node.submit({ jobId: 'clone-job', mode: 'full', dataDir: ${JSON.stringify(fx.dataDir)}, limitMs: 60_000, estimatedMs: null,
  sampleSubmission: null, code: ${JSON.stringify(jobCode)} });
await node.close();
console.log(JSON.stringify({ wrapper: JOB_WRAPPER, status: out.status, stdout: out.stdoutTail.trim() }));
`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: clone, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    const res = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, string>;
    // the job ran under the clone's wrapper, read its data, and cannot see the clone itself
    expect(res).toEqual({ wrapper: join(clone, 'gpu-node', 'job_wrapper.py'), status: 'ok', stdout: 'id, False' });
  });

  it('sandbox - an interpreter installed outside /usr (a venv under /tmp) is bound read-only and works', async () => {
    const base = mkdtempSync(join(tmpdir(), 'gome venv '));
    tmpRoots.push(base);
    const venv = join(base, 'venv');
    const made = spawnSync(PYTHON, ['-m', 'venv', '--without-pip', venv], { encoding: 'utf8' });
    expect(made.stderr).toBe('');
    const site = spawnSync(join(venv, 'bin', 'python'), ['-c', 'import sysconfig; print(sysconfig.get_paths()["purelib"])'], { encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(site, 'gome_marker.py'), 'WHERE = "venv"\n');
    const fx = setup({ base });
    const node = makeNode(fx, { python: join(venv, 'bin', 'python'), seal: sealFor(BREAST) });
    const code = `
import sys, gome_marker
try:
    open(${JSON.stringify(join(site, 'gome_marker.py'))}, 'a').write('x')
    w = 'writable'
except OSError as e:
    w = 'blocked: ' + type(e).__name__
print(sys.prefix == ${JSON.stringify(venv)}, gome_marker.WHERE, w)
`;
    const out = await node.submit(job(fx, code));
    await node.close();
    expect(out.status).toBe('ok');
    expect(out.stdoutTail.trim()).toBe('True venv blocked: OSError');
  });

  it('sandbox - competitions and runs inside a bound system path (/usr/local) are masked; only the public data is visible', async () => {
    const base = mkdtempSync('/usr/local/share/gome-seal-test-');
    tmpRoots.push(base);
    const fx = setup({ base, copyCompetition: true });
    const node = makeNode(fx, { seal: sealFor(fx.comp) });
    const answers = join(fx.comp, 'private', 'test.csv');
    const code = `
import os
def tryread(p):
    try:
        return 'READ ' + open(p).read(20)
    except Exception as e:
        return 'blocked: ' + type(e).__name__
print(tryread(${JSON.stringify(answers)}))
print(tryread(${JSON.stringify(fx.sibling)}))
print(os.path.isdir('/usr/local/lib'), sorted(os.listdir(${JSON.stringify(fx.root)})))
print(open(os.path.join(os.environ['GOME_DATA_DIR'], 'train.csv')).readline()[:3])
`;
    const out = await node.submit(job(fx, code));
    await node.close();
    expect(out.status).toBe('ok');
    expect(out.stdoutTail.trim().split('\n')).toEqual(['blocked: FileNotFoundError', 'blocked: FileNotFoundError', 'True []', 'id,']);
  });

  it('sandbox - the mount plan masks the repo, competition and run dir only where a bound path would show them', () => {
    const plan = mountPlan({
      workdir: '/srv/runs/r1/jobs/j1', dataDir: '/usr/local/share/comps/c1/public', wrapper: JOB_WRAPPER, pythonPrefixes: ['/usr', '/opt/py'],
      pythonPaths: ['/usr/lib/python3/dist-packages', '/opt/py/lib/python3.12'],
      maskPaths: [SOURCE, '/usr/lib/R', '/nonexistent/source.csv'],
      protectedPaths: ['/usr/local/share/gome', '/usr/local/share/comps/c1', '/usr/local/share/comps', '/usr/local', '/opt/py/lib',
        '/srv/runs/r1/jobs', '/srv/runs/r1', '/usr'],
    });
    const tmpfs = plan.filter((o) => o.op === 'tmpfs').map((o) => o.dest);
    expect(tmpfs).toEqual(expect.arrayContaining(['/tmp', '/usr/local/share/comps', '/usr/local/share/gome', '/usr/lib/R']));
    expect(tmpfs).not.toContain('/usr/local/share/comps/c1'); // already hidden by its parent
    for (const kept of ['/usr', '/usr/local', '/opt/py/lib']) expect(tmpfs).not.toContain(kept); // the system, a top-level dir, a library dir
    expect(tmpfs.some((d) => d.startsWith('/srv'))).toBe(false); // not bound, so nothing to hide
    expect(plan).toContainEqual({ op: 'mask-file', dest: SOURCE });
    expect(plan).toContainEqual({ op: 'ro-bind', src: '/opt/py', dest: '/opt/py' });
    expect(plan).toContainEqual({ op: 'ro-bind', src: JOB_WRAPPER, dest: '/gome/bin/job_wrapper.py' });
    expect(plan.some((o) => o.op === 'mask-file' && o.dest.includes('nonexistent'))).toBe(false);
  });
});
