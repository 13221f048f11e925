// gome doctor: checks every external dependency and prints what is missing with the exact command that fixes it;
// `gome doctor --sandbox [COMPETITION]` runs a probe job in the real sandbox and prints what it can and cannot reach.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { which } from '../../runtime/which.ts';
import { SandboxUnavailable } from '../../gpu-node/errors.ts';
import { probeBwrap } from '../../gpu-node/sandbox.ts';
import { dockerClient, jobImageName, JOB_IMAGE_DIR } from '../../gpu-node/docker-engine.ts';
import { probeSandbox, type ProbeCheck, type SandboxProbeReport } from '../../gpu-node/sandbox-probe.ts';
import { ensurePrepared } from '../run/prepare.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The competition `gome doctor --sandbox` probes when none is named. */
export const DEFAULT_PROBE_COMPETITION = resolve(REPO, 'bench', 'breast-cancer-diagnosis');

export interface Check { name: string; ok: boolean; required: boolean; detail: string; fix: string }

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30_000 });
  return { ok: !r.error && r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

export async function runChecks(python = '/usr/bin/python3'): Promise<Check[]> {
  const checks: Check[] = [];
  const nats = which('nats-server');
  const nv = nats ? run(nats, ['--version']) : null;
  checks.push({ name: 'nats-server (JetStream)', ok: !!nv?.ok, required: true, detail: nv?.out || 'not on PATH', fix: 'apt-get install -y nats-server' });

  const py = existsSync(python) ? run(python, ['-c', 'import sklearn, pandas, xgboost; print(sklearn.__version__, pandas.__version__, xgboost.__version__)']) : null;
  checks.push({ name: `${python} with sklearn, pandas, xgboost`, ok: !!py?.ok, required: true, detail: py ? (py.ok ? `sklearn/pandas/xgboost ${py.out}` : py.out.split('\n').pop() ?? '') : 'not found',
    fix: 'apt-get install -y python3 python3-sklearn python3-pandas python3-xgboost' });

  const data = existsSync(python) ? run(python, ['-c', 'import statsmodels, rdata; print("ok")']) : null;
  const rdaOk = ['mlbench/data/LetterRecognition.rda', 'kernlab/data/spam.rda', 'AER/data/Fertility.rda', 'dslabs/data/Rdata.rdb']
    .every((f) => existsSync(`/usr/lib/R/site-library/${f}`));
  checks.push({ name: 'bundled datasets (statsmodels, rdata, mlbench, kernlab, AER, dslabs)', ok: !!data?.ok && rdaOk, required: true,
    detail: data?.ok && rdaOk ? 'present' : 'missing dataset packages', fix: 'apt-get install -y python3-statsmodels python3-rdata r-cran-mlbench r-cran-kernlab r-cran-aer r-cran-dslabs' });

  const bw = await probeBwrap();
  const bwErr = bw.ok ? null : new SandboxUnavailable('bwrap', bw.detail, bw.missing);
  checks.push({ name: 'bubblewrap job sandbox (the default; sealed)', ok: bw.ok, required: true,
    detail: bw.ok ? `works (${bw.path}); run \`gome doctor --sandbox\` to see what a job can reach` : bwErr!.message.split(' — fix:')[0]!,
    fix: bwErr?.fix ?? '' });

  let dockerDetail = 'no engine answering';
  let dockerOk = false;
  let dockerFix = 'apt-get install -y docker.io && dockerd --data-root /var/lib/gome-docker -H unix:///run/gome-docker.sock --bridge=none --iptables=false & export DOCKER_HOST=unix:///run/gome-docker.sock';
  const { docker, where } = dockerClient();
  const image = jobImageName();
  try {
    const v = await Promise.race([docker.version(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 3000))]);
    const built = await docker.getImage(image).inspect().then(() => true, () => false);
    dockerOk = built;
    dockerDetail = `engine ${v.Version} at ${where}; job image ${image} ${built ? 'present' : 'not built'}`;
    if (!built) dockerFix = `sudo DOCKER_HOST=${where} ${resolve(JOB_IMAGE_DIR, 'build.sh')}`;
  } catch (e) { dockerDetail = `no engine at ${where}: ${(e as Error).message.split('\n')[0]}`; }
  checks.push({ name: 'Docker engine and job image (optional: --sandbox docker)', ok: dockerOk, required: false, detail: dockerDetail, fix: dockerFix });

  const nodeMajor = Number(process.versions.node.split('.')[0]);
  checks.push({ name: 'Node.js ≥ 20', ok: nodeMajor >= 20, required: true, detail: process.version, fix: 'install Node.js 20 or newer' });
  return checks;
}

export async function doctor(write: (s: string) => void, python?: string): Promise<number> {
  const checks = await runChecks(python);
  for (const c of checks) {
    const mark = c.ok ? 'ok     ' : c.required ? 'MISSING' : 'absent ';
    write(`${mark}  ${c.name}: ${c.detail}${c.ok ? '' : `\n         fix: ${c.fix}`}`);
  }
  const bad = checks.filter((c) => c.required && !c.ok);
  write(bad.length ? `\n${bad.length} required dependenc${bad.length === 1 ? 'y is' : 'ies are'} missing.` : '\nall required dependencies are present.');
  return bad.length ? 1 : 0;
}

const MARK = (c: ProbeCheck): string => (c.leak ? 'LEAK   ' : c.area === 'workspace' ? 'ok     ' : c.reached ? 'reached' : 'blocked');

/** Prints a probe report line by line; returns the number of leaks. */
export function printProbeReport(r: SandboxProbeReport, write: (s: string) => void): number {
  write(`sandbox probe: a job in the "${r.sandbox}" sandbox, competition ${r.competitionRoot}`);
  write(`  the job sees its data at ${r.view.dataDir}, its workspace at ${r.view.outputDir} (HOME ${r.view.home}, TMPDIR ${r.view.tmpdir})`);
  const width = Math.max(...r.checks.map((c) => c.area.length));
  for (const c of r.checks) write(`  ${MARK(c)}  ${c.area.padEnd(width)}  ${c.target} — ${c.detail}`);
  const w = r.walk;
  const what = r.secrets.map((s) => s.label).join(', ') || 'nothing (no private/test.csv and no recorded source)';
  write(`  walked ${w.filesSeen.toLocaleString('en')} files in ${(w.ms / 1000).toFixed(1)} s (${w.filesHashed} hashed on a size match), `
    + `comparing with ${what}: ${w.matches.length ? `${w.matches.length} cop${w.matches.length === 1 ? 'y' : 'ies'} found` : 'no copy found'}`);
  write(r.ok ? '\nsealed: the job reached nothing beyond its workspace, its public data and the interpreter.'
    : `\n${r.leaks.length} leak${r.leaks.length === 1 ? '' : 's'}: the job sandbox is NOT sealed (see the LEAK lines).`);
  return r.leaks.length;
}

/** `gome doctor --sandbox [COMPETITION]`: exit 0 when sealed, 1 when anything leaks or the sandbox cannot start. */
export async function doctorSandbox(write: (s: string) => void, opts: { competition?: string; python?: string } = {}): Promise<number> {
  const python = opts.python ?? '/usr/bin/python3';
  try {
    const comp = await ensurePrepared(opts.competition ?? DEFAULT_PROBE_COMPETITION, python, write);
    const report = await probeSandbox({ competitionRoot: comp.root, python });
    return printProbeReport(report, write) ? 1 : 0;
  } catch (e) {
    write(`sandbox probe failed: ${(e as Error).message}`);
    return 1;
  }
}
