// The typed error of gome resume: a run that cannot be continued, why, and what to do instead.
import { GomeError } from '../../runtime/errors.ts';

export class RunNotResumable extends GomeError {
  constructor(readonly run: string, reason: string, fix: string) {
    super(`run ${run} cannot be resumed: ${reason}`, fix);
  }
}
