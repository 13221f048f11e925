// Plain-subprocess backend (fallback): same process-group limits and measurement, but no network or filesystem isolation.
import type { CommandLine, JobExecSpec, SandboxBackend } from './sandbox.ts';
import { runProcess, wrappedPythonArgv, type ProcessResult } from './process-runner.ts';

export class SubprocessSandbox implements SandboxBackend {
  readonly name = 'subprocess';
  readonly isolated = false;

  command(spec: JobExecSpec): CommandLine {
    const [file, ...args] = wrappedPythonArgv(spec.python, spec.script, spec.statsPath, spec.memoryLimitMb);
    return { file: file!, args };
  }

  execute(spec: JobExecSpec): Promise<ProcessResult> {
    const cmd = this.command(spec);
    return runProcess({
      file: cmd.file, args: cmd.args, env: spec.env, cwd: spec.workdir, limitMs: spec.limitMs,
      stdoutPath: spec.stdoutPath, stderrPath: spec.stderrPath, statsPath: spec.statsPath,
      tailBytes: spec.tailBytes, sampleMs: spec.sampleMs, signal: spec.signal, logger: spec.logger,
    });
  }
}
