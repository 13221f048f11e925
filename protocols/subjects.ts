// Subject naming: gome.<run>.<role>.<instance> is an actor's inbox, and a message to it goes on
// gome.<run>.<role>.<instance>.<sender role>; dead letters and the journal share the run prefix, by the writer's role.
import { TOKEN } from './envelope.ts';

function token(kind: string, s: string): string {
  if (!TOKEN.test(s)) throw new Error(`${kind} ${JSON.stringify(s)} is not a valid subject token (letters, digits, _ and - only)`);
  return s;
}

/** The role part of an address ("researcher" of "researcher.t0"). */
export function roleOf(address: string): string {
  const dot = address.indexOf('.');
  return dot < 0 ? address : address.slice(0, dot);
}

export const subjects = {
  /**
   * An actor's inbox prefix. Address "role.instance" maps to gome.<run>.role.instance; each message to it goes on
   * gome.<run>.role.instance.<sender role> (delivery), so a NATS server can permit a user to send only as its own roles.
   */
  inbox(run: string, address: string): string {
    const [role, instance, ...rest] = address.split('.');
    if (!role || !instance || rest.length) throw new Error(`address ${JSON.stringify(address)} must be role.instance`);
    return `gome.${token('run', run)}.${token('role', role)}.${token('instance', instance)}`;
  },
  /** What an actor subscribes to: its inbox, from any sender role. */
  inboxFilter(run: string, address: string): string { return `${subjects.inbox(run, address)}.*`; },
  /** The subject a message from `from` to `to` is published on: the recipient's inbox and the sender's role. */
  delivery(run: string, to: string, from: string): string { return `${subjects.inbox(run, to)}.${token('role', roleOf(from))}`; },
  /** Dead letters an actor of `role` posts (gome.<run>._dlq.<role>). */
  deadLetter(run: string, role: string): string { return `gome.${token('run', run)}._dlq.${token('role', role)}`; },
  /** Every dead letter of a run. */
  deadLetters(run: string): string { return `gome.${token('run', run)}._dlq.>`; },
  /** Records for replay that no actor consumes (actor.start, actor.stop), by the writing actor's role: in the run's stream, on no inbox. */
  journal(run: string, role: string): string { return `gome.${token('run', run)}._journal.${token('role', role)}`; },
  /** Every journal record of a run. */
  journals(run: string): string { return `gome.${token('run', run)}._journal.>`; },
  /** Everything of one run (used by the recorder's stream). */
  all(run: string): string { return `gome.${token('run', run)}.>`; },
  streamName(run: string): string { return `GOME_${token('run', run).replace(/-/g, '_')}`; },
  address(role: string, instance: string): string { return `${token('role', role)}.${token('instance', instance)}`; },
  /** A dead-letter subject (gome.<run>._dlq.<role>, or gome.<run>._dlq as logs recorded before sender roles have it). */
  isDeadLetter(subject: string): boolean { return subject.split('.')[2] === '_dlq'; },
  /** A journal subject (either form, as isDeadLetter). */
  isJournal(subject: string): boolean { return subject.split('.')[2] === '_journal'; },
  /** The sender role a delivery subject names (its fifth token), or null for a subject without one. */
  senderRole(subject: string): string | null { return subject.split('.')[4] ?? null; },
};
