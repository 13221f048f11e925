// Subject naming: gome.<run>.<role>.<instance> is an actor's inbox; dead letters and control share the run prefix.
import { TOKEN } from './envelope.ts';

function token(kind: string, s: string): string {
  if (!TOKEN.test(s)) throw new Error(`${kind} ${JSON.stringify(s)} is not a valid subject token (letters, digits, _ and - only)`);
  return s;
}

export const subjects = {
  /** An actor's inbox. Address "role.instance" maps to gome.<run>.role.instance. */
  inbox(run: string, address: string): string {
    const [role, instance, ...rest] = address.split('.');
    if (!role || !instance || rest.length) throw new Error(`address ${JSON.stringify(address)} must be role.instance`);
    return `gome.${token('run', run)}.${token('role', role)}.${token('instance', instance)}`;
  },
  deadLetter(run: string): string { return `gome.${token('run', run)}._dlq`; },
  /** Records for replay that no actor consumes (actor.start, actor.stop): in the run's stream, on no inbox. */
  journal(run: string): string { return `gome.${token('run', run)}._journal`; },
  /** Everything of one run (used by the recorder's stream). */
  all(run: string): string { return `gome.${token('run', run)}.>`; },
  streamName(run: string): string { return `GOME_${token('run', run).replace(/-/g, '_')}`; },
  address(role: string, instance: string): string { return `${token('role', role)}.${token('instance', instance)}`; },
};
