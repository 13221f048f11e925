// Docker job backend (dockerode), sealed like bwrap: a container of the job image with no network, memory, CPU and
// process limits, a read-only root, the job's workspace as its only writable mount and the competition's public data
// read-only; the datasets competitions were cut from are hidden as in bwrap. The container is always removed — after an exit, a kill at the limit, an abort or an engine error — and
// every container carries its owner (host, pid, process start), so a sweep at start-up removes the leftovers of
// processes that crashed. A job killed by the kernel's OOM killer inside its memory limit is reported as such. The
// node's GPUs, when it has any, are a device request to the engine's NVIDIA runtime.
import { hostname } from 'node:os';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import Docker from 'dockerode';
import type { Logger } from 'pino';
import type { JobExecSpec, JobView, SandboxBackend } from './sandbox.ts';
import { exitStatus, JOB_WRAPPER, openJobOutput, readWrapperStats, withWrapperStats, wrappedPythonArgv, type ProcessResult, type TailBuffer, type WrapperStats } from './process-runner.ts';
import { identify, isAlive, type ProcessIdentity } from '../runtime/process-identity.ts';
import { isWithin, maskTargets } from './sandbox-mounts.ts';

/** Where the job sees its workspace, its data, the wrapper and the interpreter inside the container. */
export const CONTAINER_PATHS = { workdir: '/gome/work', dataDir: '/gome/data', wrapper: '/gome/wrapper/job_wrapper.py', python: '/usr/bin/python3', tmp: '/tmp' } as const;
/** The label every job container carries: who started it (`host:pid:start`). */
export const OWNER_LABEL = 'gome.owner';
export const JOB_LABEL = 'gome.job';
/** Processes a job may start (fork bombs stop here). */
const PIDS_LIMIT = 4096;
/** The private /tmp of a job. */
const TMPFS = 'rw,nosuid,nodev,size=2g';
/** An empty, read-only directory over a hidden one. */
const MASK_TMPFS = 'ro,nosuid,nodev,size=4k';

export interface DockerSandboxOptions {
  docker: Docker;
  /** The job image, e.g. gome-job:<tag> from deploy/job-image/build.sh. */
  image: string;
  /** CPUs a job may use (NanoCpus); default: no CPU quota. */
  cpus?: number | null;
  /** The memory limit when a job's spec gives none, in MB; null: no limit. */
  defaultMemoryMb?: number | null;
  /** This process, as the owner written on every container (default: the running process). */
  owner?: ProcessIdentity;
}

const ownerLabel = (p: ProcessIdentity): string => `${hostname()}:${p.pid}:${p.start}`;

export class DockerSandbox implements SandboxBackend {
  readonly name = 'docker';
  readonly isolated = true;
  readonly memoryLimitMb: number | null;
  private readonly owner: string;

  constructor(private readonly opts: DockerSandboxOptions) {
    this.memoryLimitMb = opts.defaultMemoryMb ?? null;
    const me = opts.owner ?? identify(process.pid);
    if (!me) throw new Error('the running process has no /proc entry to label its containers with');
    this.owner = ownerLabel(me);
  }

  view(_host: { workdir: string; dataDir: string }): JobView {
    return { workdir: CONTAINER_PATHS.workdir, dataDir: CONTAINER_PATHS.dataDir, home: CONTAINER_PATHS.workdir, tmpdir: CONTAINER_PATHS.tmp };
  }

  /** The container the job runs in (exported for tests: what the engine is asked for). */
  containerSpec(spec: JobExecSpec): Docker.ContainerCreateOptions {
    const inside = (hostPath: string) => CONTAINER_PATHS.workdir + hostPath.slice(spec.workdir.length);
    const memoryMb = spec.memoryLimitMb ?? this.memoryLimitMb;
    const gpus = spec.gpus ?? [];
    // the engine's NVIDIA runtime numbers a container's GPUs from 0, whatever their host indices
    const { CUDA_VISIBLE_DEVICES: _host, ...jobEnv } = spec.env;
    const env = { ...jobEnv, ...(gpus.length ? { CUDA_VISIBLE_DEVICES: gpus.map((_, i) => i).join(',') } : {}), PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    // the image ships the same Debian packages as the host, and with them the datasets competitions were cut from
    // (sklearn's breast_cancer.csv, …): the recorded sources and R's trees are hidden at the same paths, as in bwrap
    const place = (host: string): string | null => (isWithin(host, spec.dataDir) ? join(CONTAINER_PATHS.dataDir, relative(spec.dataDir, host))
      : isWithin(host, spec.workdir) ? null : host);
    const masks = maskTargets(spec.maskPaths ?? [], place);
    return {
      Image: this.opts.image,
      // the memory limit is the container's (the OOM killer), not the wrapper's address-space limit
      Cmd: wrappedPythonArgv(CONTAINER_PATHS.python, inside(spec.script), inside(spec.statsPath), null, CONTAINER_PATHS.wrapper),
      Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
      WorkingDir: CONTAINER_PATHS.workdir,
      User: `${uid}:${gid}`,
      Labels: { [OWNER_LABEL]: this.owner, [JOB_LABEL]: spec.jobId },
      NetworkDisabled: true,
      AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
      HostConfig: {
        NetworkMode: 'none',
        Binds: [`${spec.workdir}:${CONTAINER_PATHS.workdir}:rw`, `${spec.dataDir}:${CONTAINER_PATHS.dataDir}:ro`, `${JOB_WRAPPER}:${CONTAINER_PATHS.wrapper}:ro`,
          ...masks.filter((m) => !m.dir).map((m) => `/dev/null:${m.dest}:ro`)],
        ReadonlyRootfs: true,
        Tmpfs: { [CONTAINER_PATHS.tmp]: TMPFS, ...Object.fromEntries(masks.filter((m) => m.dir).map((m) => [m.dest, MASK_TMPFS])) },
        ...(memoryMb ? { Memory: memoryMb * 1024 * 1024, MemorySwap: memoryMb * 1024 * 1024 } : {}),
        ...(this.opts.cpus ? { NanoCpus: Math.round(this.opts.cpus * 1e9) } : {}),
        // the node's GPUs, through the engine's NVIDIA runtime (the NVIDIA Container Toolkit on the GPU host)
        ...(gpus.length ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: gpus.map((g) => String(g.index)), Capabilities: [['gpu']] }] } : {}),
        PidsLimit: PIDS_LIMIT,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        IpcMode: 'private',
        AutoRemove: false,
      },
    };
  }

  async execute(spec: JobExecSpec): Promise<ProcessResult> {
    const docker = this.opts.docker;
    const io = openJobOutput(spec);
    const t0 = performance.now();
    let container: Docker.Container | null = null;
    let timedOut = false;
    let aborted = false;
    let timer: NodeJS.Timeout | null = null;
    const kill = (why: 'timeout' | 'abort') => {
      if (why === 'timeout') timedOut = true; else aborted = true;
      spec.logger?.warn({ jobId: spec.jobId, limitMs: spec.limitMs, why }, 'job container killed');
      void container?.kill({ signal: 'SIGKILL' }).catch(() => { /* already stopped */ });
    };
    const onAbort = () => kill('abort');
    try {
      container = await docker.createContainer(this.containerSpec(spec)).catch((e: unknown) => { throw gpuRefusal(e, spec); });
      const stream = await container.attach({ stream: true, stdout: true, stderr: true });
      const drained = new Promise<void>((r) => { stream.once('end', r); stream.once('close', r); stream.once('error', () => r()); });
      docker.modem.demuxStream(stream, sink(io.writeOut), sink(io.writeErr));
      if (spec.signal?.aborted) throw new Error('the job was cancelled before it started');
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      await container.start();
      timer = setTimeout(() => kill('timeout'), Math.max(0, spec.limitMs));
      const waited = (await container.wait()) as { StatusCode: number };
      const wallMs = performance.now() - t0;
      await Promise.race([drained, new Promise<void>((r) => setTimeout(r, 1000).unref())]);
      const state = (await container.inspect()).State;
      await io.close();
      const wrapper = timedOut || aborted ? null : readWrapperStats(spec.statsPath);
      return resultOf({ waited: waited.StatusCode, oomKilled: !!state.OOMKilled, wrapper, timedOut, aborted, wallMs, outTail: io.out, errTail: io.err, pid: state.Pid ?? 0 });
    } finally {
      if (timer) clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      await io.close();
      if (container) await removeContainer(container, spec.logger);
    }
  }
}

function resultOf(r: { waited: number; oomKilled: boolean; wrapper: WrapperStats | null; timedOut: boolean; aborted: boolean; wallMs: number;
  outTail: TailBuffer; errTail: TailBuffer; pid: number }): ProcessResult {
  // the engine knows only the container's status (137: a kill at the limit or by the OOM killer); the wrapper more
  const usage = withWrapperStats({ ...exitStatus(r.waited), cpuMs: 0, peakRssKb: 0, usageSource: 'container' }, r.wrapper);
  return {
    pid: r.pid, ...usage, timedOut: r.timedOut, aborted: r.aborted, wallMs: r.wallMs, oomKilled: r.oomKilled && !r.timedOut && !r.aborted,
    stdoutTail: r.outTail.toString(), stderrTail: r.errTail.toString(), wrapper: r.wrapper,
  };
}

/** The engine's refusal of a GPU device request (no NVIDIA runtime) as a sentence with the fix; other errors as they are. */
export function gpuRefusal(e: unknown, spec: Pick<JobExecSpec, 'gpus'>): unknown {
  const msg = e instanceof Error ? e.message : String(e);
  if (!spec.gpus?.length || !/device driver|nvidia|capabilities/i.test(msg)) return e;
  return new Error(`the Docker engine could not give the job this node's ${spec.gpus.length} GPU(s) (${msg.trim()}): install the NVIDIA Container Toolkit ` +
    '(nvidia-container-toolkit) on the GPU host and restart dockerd, or run the GPU node with --sandbox bwrap');
}

function sink(write: (chunk: Buffer) => void): Writable {
  return new Writable({ write(chunk: Buffer, _enc, cb) { write(chunk); cb(); } });
}

async function removeContainer(c: Docker.Container, logger?: Logger): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try { await c.remove({ force: true, v: true }); return; } catch (e) {
      const status = (e as { statusCode?: number }).statusCode;
      if (status === 404) return;
      logger?.warn({ container: c.id, err: (e as Error).message }, 'job container not removed yet; retrying');
      await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
  }
  logger?.error({ container: c.id }, 'job container could not be removed; the next start-up sweep removes it');
}

/**
 * Removes the job containers whose owner on this host is gone (a crashed or killed Gome process): containers of a
 * live process, or of another host, are left alone. Returns the ids removed.
 */
export async function sweepContainers(docker: Docker, logger?: Logger): Promise<string[]> {
  const all = await docker.listContainers({ all: true, filters: { label: [OWNER_LABEL] } });
  const removed: string[] = [];
  for (const info of all) {
    const [host, pid, start] = (info.Labels[OWNER_LABEL] ?? '').split(':');
    if (host !== hostname() || !pid || !start) continue;
    if (isAlive({ pid: Number(pid), start })) continue;
    try { await docker.getContainer(info.Id).remove({ force: true, v: true }); removed.push(info.Id); } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e;
    }
  }
  if (removed.length) logger?.warn({ removed: removed.length }, 'removed job containers left by a crashed Gome process');
  return removed;
}
