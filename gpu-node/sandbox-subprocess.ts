// Plain-subprocess backend (fallback): same process-group limits and measurement, but no network or filesystem isolation.
import type { CommandLine, JobExecSpec, SandboxBackend } from './sandbox.ts';
import { runCommandLine, wrappedPythonArgv, type ProcessResult } from './process-runner.ts';

export class SubprocessSandbox implements SandboxBackend {
  readonly name = 'subprocess';
  readonly isolated = false;

  command(spec: JobExecSpec): CommandLine {
    const [file, ...args] = wrappedPythonArgv(spec.python, spec.script, spec.statsPath, spec.memoryLimitMb);
    return { file: file!, args };
  }

  execute(spec: JobExecSpec): Promise<ProcessResult> {
    return runCommandLine(this.command(spec), spec);
  }
}
