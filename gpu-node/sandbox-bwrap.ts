// bubblewrap backend, sealed: the job sees only its workspace (rw, /gome/work), the competition's public data
// (ro, /gome/data), the job wrapper (ro) and the interpreter with its system libraries (ro); no network, its own
// pid/ipc/uts namespaces and session, a private /tmp, and masks over recorded source datasets and R's libraries; a job
// given the node's GPUs also sees their device nodes.
import { dirname, join, relative, resolve } from 'node:path';
import type { CommandLine, JobExecSpec, JobView, SandboxBackend } from './sandbox.ts';
import { JOB_WRAPPER, REPO_ROOT, runCommandLine, wrappedPythonArgv, type ProcessResult } from './process-runner.ts';
import { INNER, mountArgs, mountPlan, systemView } from './sandbox-mounts.ts';
import { pythonInstall } from './python-prefix.ts';
import { R_LIBRARY_TREES } from './seal.ts';
import { gpuDeviceNodes, type GpuInfo } from './gpu-detect.ts';

/** Namespaces and process flags of every sealed job (and of the start-up probe). */
export const NAMESPACE_ARGS: readonly string[] = [
  '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--new-session', '--die-with-parent',
];

export interface BwrapOptions {
  /** The host device nodes a job with these GPUs needs (default gpuDeviceNodes: those of the NVIDIA driver that exist). */
  deviceNodes?: (gpus: readonly GpuInfo[]) => string[];
}

export class BwrapSandbox implements SandboxBackend {
  readonly name = 'bwrap';
  readonly isolated = true;
  constructor(readonly bwrapPath = 'bwrap', private readonly opts: BwrapOptions = {}) {}

  /** Arguments of the start-up probe: the same namespaces and system view as a job, without a workspace. */
  static probeArgs(): string[] {
    return [...NAMESPACE_ARGS, ...mountArgs(systemView())];
  }

  view(_host: { workdir: string; dataDir: string }): JobView {
    return { workdir: INNER.workdir, dataDir: INNER.dataDir, home: INNER.workdir, tmpdir: INNER.tmp };
  }

  command(spec: JobExecSpec): CommandLine {
    const workdir = resolve(spec.workdir);
    const dataDir = resolve(spec.dataDir);
    const jobsRoot = dirname(workdir);
    const runDir = dirname(jobsRoot);
    const competition = dirname(dataDir);
    const inside = (hostPath: string) => join(INNER.workdir, relative(workdir, resolve(hostPath)));
    const python = pythonInstall(spec.python);
    const plan = mountPlan({
      workdir, dataDir, wrapper: JOB_WRAPPER,
      pythonPrefixes: python.prefixes, pythonPaths: python.paths,
      maskPaths: [...(spec.maskPaths ?? []), ...R_LIBRARY_TREES],
      // the repo, the competition and its siblings, the other workspaces, the run dir and the other runs
      protectedPaths: [REPO_ROOT, competition, dirname(competition), jobsRoot, runDir, dirname(runDir)],
      // a job given the node's GPUs sees their device nodes (and only those) in its minimal /dev
      devices: (this.opts.deviceNodes ?? gpuDeviceNodes)(spec.gpus ?? []),
    });
    return {
      file: this.bwrapPath,
      args: [
        ...NAMESPACE_ARGS,
        ...mountArgs(plan),
        '--chdir', INNER.workdir,
        '--',
        ...wrappedPythonArgv(spec.python, inside(spec.script), inside(spec.statsPath), spec.memoryLimitMb, INNER.wrapper),
      ],
    };
  }

  execute(spec: JobExecSpec): Promise<ProcessResult> {
    return runCommandLine(this.command(spec), spec);
  }
}
