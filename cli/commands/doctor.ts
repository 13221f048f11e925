// gome doctor: checks every external dependency and prints what is missing with the exact command that fixes it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import Docker from 'dockerode';
import { which } from '../../runtime/which.ts';

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
  const rdaOk = existsSync('/usr/lib/R/site-library/mlbench/data/LetterRecognition.rda') && existsSync('/usr/lib/R/site-library/kernlab/data/spam.rda');
  checks.push({ name: 'bundled datasets (statsmodels, rdata, mlbench, kernlab)', ok: !!data?.ok && rdaOk, required: true,
    detail: data?.ok && rdaOk ? 'present' : 'missing dataset packages', fix: 'apt-get install -y python3-statsmodels python3-rdata r-cran-mlbench r-cran-kernlab' });

  const bw = which('bwrap');
  const bwr = bw ? run(bw, ['--ro-bind', '/', '/', '--unshare-net', '--dev', '/dev', '--proc', '/proc', 'true']) : null;
  checks.push({ name: 'bubblewrap sandbox', ok: !!bwr?.ok, required: false, detail: bw ? (bwr?.ok ? 'works (no-network sandbox)' : `installed but cannot sandbox: ${bwr?.out}`) : 'not installed; jobs fall back to plain subprocesses',
    fix: 'apt-get install -y bubblewrap' });

  let dockerDetail = 'no engine answering';
  let dockerOk = false;
  try {
    const d = new Docker(process.env.DOCKER_HOST ? undefined : { socketPath: '/var/run/docker.sock' });
    const v = await Promise.race([d.version(), new Promise<never>((_, rej) => setTimeout(() => rej(new Error('timeout')), 3000))]);
    dockerOk = true; dockerDetail = `engine ${v.Version}`;
  } catch (e) { dockerDetail = `no engine: ${(e as Error).message.split('\n')[0]}`; }
  checks.push({ name: 'Docker engine (optional job sandbox)', ok: dockerOk, required: false, detail: dockerDetail,
    fix: 'apt-get install -y docker.io && dockerd --data-root /var/lib/gome-docker --bridge=none --iptables=false &' });

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
