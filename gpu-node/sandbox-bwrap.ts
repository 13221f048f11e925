// bubblewrap backend: read-only root, writable workspace, read-only data dir, private /tmp, no network, own pid namespace.
import type { CommandLine, JobExecSpec, SandboxBackend } from './sandbox.ts';
import { runCommandLine, wrappedPythonArgv, type ProcessResult } from './process-runner.ts';

export class BwrapSandbox implements SandboxBackend {
  readonly name = 'bwrap';
  readonly isolated = true;
  constructor(readonly bwrapPath = 'bwrap') {}

  /** Namespace and filesystem flags shared by the probe and every job. */
  static isolationArgs(): string[] {
    return ['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp',
      '--unshare-net', '--unshare-pid', '--die-with-parent'];
  }

  command(spec: JobExecSpec): CommandLine {
    return {
      file: this.bwrapPath,
      args: [
        ...BwrapSandbox.isolationArgs(),
        // binds come after --tmpfs /tmp so workspaces/data under /tmp are mounted on top of it
        '--bind', spec.workdir, spec.workdir,
        '--ro-bind', spec.dataDir, spec.dataDir,
        '--chdir', spec.workdir,
        '--',
        ...wrappedPythonArgv(spec.python, spec.script, spec.statsPath, spec.memoryLimitMb),
      ],
    };
  }

  execute(spec: JobExecSpec): Promise<ProcessResult> {
    return runCommandLine(this.command(spec), spec);
  }
}
