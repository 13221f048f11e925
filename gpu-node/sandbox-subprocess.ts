// The "none" backend: an explicitly unsealed plain subprocess with the same process-group limits and measurement,
// but no network or filesystem isolation (the job sees host paths, the answers included). Chosen only on request.
import type { CommandLine, JobExecSpec, JobView, SandboxBackend } from './sandbox.ts';
import { runCommandLine, wrappedPythonArgv, type ProcessResult } from './process-runner.ts';

export class SubprocessSandbox implements SandboxBackend {
  readonly name = 'none';
  readonly isolated = false;

  view(host: { workdir: string; dataDir: string }): JobView {
    return { workdir: host.workdir, dataDir: host.dataDir, home: host.workdir, tmpdir: '/tmp' };
  }

  command(spec: JobExecSpec): CommandLine {
    const [file, ...args] = wrappedPythonArgv(spec.python, spec.script, spec.statsPath, spec.memoryLimitMb);
    return { file: file!, args };
  }

  execute(spec: JobExecSpec): Promise<ProcessResult> {
    return runCommandLine(this.command(spec), spec);
  }
}
