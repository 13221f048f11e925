// The GPU node's circuit breaker: consecutive infrastructure failures (not the job's fault) are counted per part
// of the machine that failed; at the limit the node refuses further jobs and the run stops with InfrastructureFailing,
// which names the failing part and its fix, instead of burning refunded time on jobs that cannot run.
import { GomeError } from '../runtime/errors.ts';
import { BinaryNotFound, SandboxUnavailable, SpawnFailed, WorkspaceFailed } from './errors.ts';

/** After this many infrastructure failures in a row the breaker opens. */
export const MAX_CONSECUTIVE_INFRA = 5;

export type InfraPart = 'sandbox' | 'interpreter' | 'disk' | 'nats' | 'gpu-node';

const FIXES: Record<InfraPart, string> = {
  sandbox: 'run `gome doctor --sandbox` to see what the job sandbox cannot do; install bubblewrap (`apt-get install bubblewrap`) and allow user namespaces, or pass `--sandbox none` to run unsealed',
  interpreter: 'check the interpreter with `gome doctor` (Gome runs jobs with /usr/bin/python3 and the Debian ML stack: `apt-get install python3-sklearn python3-pandas python3-xgboost`), or pass the right one in the config\'s `python`',
  disk: 'free space on the disk that holds the run directory (`df -h`), or pass `--runs DIR` on a disk with room',
  nats: 'check that the NATS server is reachable (`--nats URL`), or drop `--nats` to use the embedded one',
  'gpu-node': 'see gome.log in the run directory for the GPU node\'s errors',
};

/** The run stopped because one part of the machine failed job after job. */
export class InfrastructureFailing extends GomeError {
  readonly code = 'INFRASTRUCTURE_FAILING' as const;
  constructor(readonly part: InfraPart, readonly failures: number, readonly lastReason: string) {
    super(`the run stopped after ${failures} infrastructure failures in a row; the failing part is the ${part} (last: ${lastReason})`, FIXES[part]);
  }
}

/** Which part of the machine an infrastructure failure came from. */
export function classifyInfra(cause: unknown, reason: string): InfraPart {
  if (cause instanceof SandboxUnavailable) return 'sandbox';
  if (cause instanceof BinaryNotFound) return cause.debianPackage === 'bubblewrap' ? 'sandbox' : 'interpreter';
  if (cause instanceof WorkspaceFailed) return 'disk';
  if (cause instanceof SpawnFailed) return /bwrap/.test(cause.file) ? 'sandbox' : 'interpreter';
  if (/ENOSPC|no space left|EDQUOT|EROFS/i.test(reason)) return 'disk';
  // the sandbox hid or broke the job wrapper (bwrap's own errors, or python unable to open the wrapper file)
  if (/bwrap:|can't open file|sandbox cannot start/i.test(reason)) return 'sandbox';
  // the wrapper never ran or never reported: the interpreter is missing or broken
  if (/cannot start|without reporting|interpreter|python/i.test(reason)) return 'interpreter';
  return 'gpu-node';
}

export class CircuitBreaker {
  private streak = 0;
  private lastPart: InfraPart = 'gpu-node';
  private lastReason = '';
  private tripped: InfrastructureFailing | null = null;

  constructor(private readonly limit = MAX_CONSECUTIVE_INFRA) {}

  /** A job ran (whatever its result): the infrastructure works. */
  success(): void { if (!this.tripped) this.streak = 0; }

  /** An infrastructure failure; returns the error once the breaker is open. */
  failure(part: InfraPart, reason: string): InfrastructureFailing | null {
    if (this.tripped) return this.tripped;
    this.streak++;
    this.lastPart = part;
    this.lastReason = reason;
    if (this.streak >= this.limit) this.tripped = new InfrastructureFailing(this.lastPart, this.streak, this.lastReason);
    return this.tripped;
  }

  get open(): InfrastructureFailing | null { return this.tripped; }
}
