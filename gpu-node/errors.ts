// Typed GPU-node errors: each names the cause and the fix (missing binaries, sandbox probes, spawn and workspace failures).
import { GomeError } from '../runtime/errors.ts';

export type GpuNodeErrorCode =
  | 'MISSING_BINARY' | 'SANDBOX_UNAVAILABLE' | 'SANDBOX_PROBE' | 'SPAWN_FAILED' | 'WORKSPACE_FAILED' | 'INVALID_JOB' | 'NODE_CLOSED'
  | 'BUDGET_FILE' | 'DOCKER_UNAVAILABLE';

export abstract class GpuNodeError extends GomeError {
  abstract readonly code: GpuNodeErrorCode;
}

/** A program the node needs (bwrap, python3) is not installed. */
export class BinaryNotFound extends GpuNodeError {
  readonly code = 'MISSING_BINARY' as const;
  constructor(readonly binary: string, readonly debianPackage: string) {
    super(`required program "${binary}" was not found (absolute path or on PATH)`,
      `apt-get install -y ${debianPackage}, or point the GPU node at the right path`);
  }
}

/**
 * The sealed bubblewrap sandbox cannot be used here: bwrap is not installed, or it is installed but cannot build the
 * sandbox (no user namespaces, seccomp, a broken binary). There is no silent fallback: the run stops with this error.
 */
export class SandboxUnavailable extends GpuNodeError {
  readonly code = 'SANDBOX_UNAVAILABLE' as const;
  constructor(readonly sandbox: string, readonly detail: string, readonly missing = false) {
    super(missing
      ? `the ${sandbox} job sandbox cannot start because bubblewrap is not installed (${detail})`
      : `the ${sandbox} job sandbox cannot start on this machine: ${detail}`,
    'Install bubblewrap with `apt-get install bubblewrap`. If it is installed, enable unprivileged user namespaces with ' +
      '`sysctl kernel.unprivileged_userns_clone=1` (or run as root). Or pass `--sandbox none` to run jobs unsealed, ' +
      'knowing that they can then read the answers, the repository and your home directory.');
  }
}

/** The sandbox probe job ran but produced no report (it crashed, timed out, or the sandbox broke it). */
export class SandboxProbeFailed extends GpuNodeError {
  readonly code = 'SANDBOX_PROBE' as const;
  constructor(readonly status: string, detail: string) {
    super(`the sandbox probe job ended with status ${status} and wrote no report: ${detail}`,
      'run `gome doctor` for missing dependencies, then look at the probe workspace logs (stdout.log, stderr.log)');
  }
}

/** The OS refused to start the job process. */
export class SpawnFailed extends GpuNodeError {
  readonly code = 'SPAWN_FAILED' as const;
  constructor(readonly file: string, cause: string) {
    super(`could not start ${file}: ${cause}`, 'check that the binary exists and is executable and that the workspace is writable');
  }
}

/** The job workspace or its files could not be prepared or read. */
export class WorkspaceFailed extends GpuNodeError {
  readonly code = 'WORKSPACE_FAILED' as const;
  constructor(readonly path: string, cause: string) {
    super(`job workspace ${path} could not be prepared: ${cause}`, 'check that jobsRoot exists, is writable and has free space');
  }
}

/** The job.submit payload cannot be run as given (bad id, missing data dir). */
export class InvalidJob extends GpuNodeError {
  readonly code = 'INVALID_JOB' as const;
  constructor(readonly jobId: string, problem: string, fix: string) {
    super(`job ${JSON.stringify(jobId)} is invalid: ${problem}`, fix);
  }
}

/** A job was submitted to, or was running on, a node that has been closed. */
export class NodeClosed extends GpuNodeError {
  readonly code = 'NODE_CLOSED' as const;
  constructor() {
    super('the GPU node was closed', 'submit jobs before close(), or start a new GpuNode');
  }
}

/** budget.json is unreadable or malformed on resume. */
export class BudgetFileInvalid extends GpuNodeError {
  readonly code = 'BUDGET_FILE' as const;
  constructor(readonly path: string, cause: string) {
    super(`budget file ${path} cannot be resumed: ${cause}`,
      'restore budget.json from the run log, or start the run fresh (the budget clock restarts at zero)');
  }
}

/** The Docker job backend cannot run here: no engine answers, or the job image is not built. */
export class DockerUnavailable extends GpuNodeError {
  readonly code = 'DOCKER_UNAVAILABLE' as const;
  constructor(readonly detail: string, fix: string) {
    super(`the docker job sandbox cannot start: ${detail}`, fix);
  }
}
