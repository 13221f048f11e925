// The typed refusal to resume a benchmark matrix (bench:loop, bench:topologies / gome bench) whose saved settings or
// code differ from the run asked for: cells of different settings or code are not comparable.
import { GomeError } from '../runtime/errors.ts';

export class MatrixMismatch extends GomeError {
  /** cause: what differs, in a sentence; fix: how to resume it or start another matrix. */
  constructor(readonly dir: string, cause: string, fix: string) {
    super(cause, fix);
  }
}
