// The typed error of a custom role that cannot be put in a run: which role, which file, why, and what to do.
import { GomeError } from '../../runtime/errors.ts';

export class RoleFileInvalid extends GomeError {
  constructor(readonly role: string, readonly file: string, reason: string, fix: string) {
    super(`the custom role ${role} (${file}) cannot be used: ${reason}`, fix);
  }
}
