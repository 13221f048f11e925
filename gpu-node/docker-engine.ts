// The Docker engine the docker job backend talks to: the connection ($DOCKER_HOST, as the docker CLI reads it), the
// job image's name (gome-job:<sha256 of deploy/job-image's recipe>, the tag deploy/job-image/build.sh gives it), and
// resolving the backend: the engine answers, the image is there, leftovers of crashed runs are swept. Every refusal is
// a DockerUnavailable naming the cause and the fix; there is never a fallback to another sandbox.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { resolve } from 'node:path';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import { DockerUnavailable } from './errors.ts';
import { REPO_ROOT } from './process-runner.ts';
import { DockerSandbox, sweepContainers } from './sandbox-docker.ts';

/** The job image's recipe: the files whose content names the image. */
export const JOB_IMAGE_DIR = resolve(REPO_ROOT, 'deploy', 'job-image');
/** Share of this machine's memory a job container may use when no limit is configured. */
const DEFAULT_MEMORY_SHARE = 0.8;

/** gome-job:<first 12 hex of sha256(build.sh ‖ packages.txt)>, exactly as build.sh computes it. */
export function jobImageName(dir = JOB_IMAGE_DIR): string {
  const h = createHash('sha256');
  for (const f of ['build.sh', 'packages.txt']) h.update(readFileSync(resolve(dir, f)));
  return `gome-job:${h.digest('hex').slice(0, 12)}`;
}

/** The engine named by $DOCKER_HOST (unix:///path or tcp://host:port), else the default local socket. */
export function dockerClient(host = process.env['DOCKER_HOST']): { docker: Docker; where: string } {
  if (!host) return { docker: new Docker({ socketPath: '/var/run/docker.sock' }), where: 'unix:///var/run/docker.sock' };
  if (host.startsWith('unix://')) return { docker: new Docker({ socketPath: host.slice('unix://'.length) }), where: host };
  const u = new URL(host.replace(/^tcp:/, 'http:'));
  return { docker: new Docker({ host: u.hostname, port: Number(u.port) || 2375 }), where: host };
}

export interface ResolveDockerOptions {
  logger?: Logger;
  /** default: $DOCKER_HOST */
  host?: string;
  /** default: jobImageName() */
  image?: string;
  /** default: every core of this machine */
  cpus?: number;
  /** default: 80% of this machine's memory */
  memoryMb?: number;
}

export async function resolveDocker(opts: ResolveDockerOptions = {}): Promise<DockerSandbox> {
  const { docker, where } = dockerClient(opts.host);
  try { await docker.ping(); } catch (e) {
    throw new DockerUnavailable(`no Docker engine answered at ${where} (${(e as Error).message})`,
      'Start one (`./deploy/setup.sh` installs docker.io; `dockerd --data-root DIR -H unix:///PATH --bridge=none --iptables=false`) and point DOCKER_HOST at its socket, or pass `--sandbox bwrap`.');
  }
  const image = opts.image ?? jobImageName();
  try { await docker.getImage(image).inspect(); } catch {
    throw new DockerUnavailable(`the job image ${image} is not in the engine at ${where}`,
      `Build it once with \`sudo DOCKER_HOST=${where} ${resolve(JOB_IMAGE_DIR, 'build.sh')}\` (a Debian 12 root filesystem from debootstrap; no registry needed).`);
  }
  await sweepContainers(docker, opts.logger);
  return new DockerSandbox({
    docker, image, cpus: opts.cpus ?? availableParallelism(),
    defaultMemoryMb: opts.memoryMb ?? Math.floor((totalmem() / 2 ** 20) * DEFAULT_MEMORY_SHARE),
  });
}
