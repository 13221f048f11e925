// A private Docker engine for tests: Debian's dockerd with its own data root, exec root and socket, and
// --bridge=none --iptables=false (it touches no host networking), plus the job image built once by
// deploy/job-image/build.sh and kept with the data root (~/.cache/gome/test-dockerd) for later runs. Where no engine
// can start here (no dockerd, no root, a kernel without overlay or cgroups) `start` says why instead.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Docker from 'dockerode';
import { JOB_IMAGE_DIR, jobImageName } from '../../gpu-node/docker-engine.ts';

export interface TestEngine { docker: Docker; host: string; image: string; stop(): Promise<void> }
export type EngineOrReason = { ok: true; engine: TestEngine } | { ok: false; reason: string };

const which = (b: string): string | null => spawnSync('/usr/bin/which', [b], { encoding: 'utf8' }).stdout.trim() || null;

async function answers(docker: Docker, ms: number, child: ChildProcess): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until && child.exitCode === null) {
    try { await docker.ping(); return true; } catch { await new Promise((r) => setTimeout(r, 250)); }
  }
  return false;
}

/** Starts the engine and makes sure the job image is in it (building it the first time: minutes). */
export async function startTestEngine(): Promise<EngineOrReason> {
  const dockerd = which('dockerd');
  if (!dockerd) return { ok: false, reason: 'dockerd is not installed (./deploy/setup.sh installs docker.io)' };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'dockerd needs root here, and the tests do not run as root' };
  const dataRoot = join(process.env['GOME_CACHE'] ?? join(homedir(), '.cache', 'gome'), 'test-dockerd');
  mkdirSync(dataRoot, { recursive: true });
  // the exec root and socket live in a short private folder (unix socket paths are limited to 108 bytes)
  const run = mkdtempSync(join(tmpdir(), 'gdk-'));
  const socket = join(run, 'docker.sock');
  const child = spawn(dockerd, ['--data-root', dataRoot, '--exec-root', join(run, 'exec'), '-H', `unix://${socket}`, '--pidfile', join(run, 'dockerd.pid'),
    '--bridge=none', '--iptables=false', '--ip6tables=false', '--ip-masq=false'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (b: Buffer) => { log = (log + b.toString()).slice(-4000); });
  const docker = new Docker({ socketPath: socket });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise<void>((r) => { const t = setTimeout(() => { child.kill('SIGKILL'); r(); }, 15_000); child.once('exit', () => { clearTimeout(t); r(); }); });
    }
    rmSync(run, { recursive: true, force: true });
  };
  if (!(await answers(docker, 30_000, child))) {
    await stop();
    const why = log.split('\n').filter((l) => /level=(error|fatal)|failed/i.test(l)).slice(-2).join(' | ') || 'no answer within 30 s';
    return { ok: false, reason: `dockerd could not start here: ${why}` };
  }
  const host = `unix://${socket}`;
  const image = jobImageName();
  const built = spawnSync(resolve(JOB_IMAGE_DIR, 'build.sh'), [], { encoding: 'utf8', env: { ...process.env, DOCKER_HOST: host }, timeout: 1_800_000 });
  if (built.status !== 0) {
    await stop();
    return { ok: false, reason: `the job image could not be built: ${(built.stderr || built.error?.message || '').trim().split('\n').slice(-2).join(' | ')}` };
  }
  return { ok: true, engine: { docker, host, image, stop } };
}
