// How pure machines talk to the host: they emit({ type: 'send', out }) (declare `emitted: SendEvent` in setup types);
// the host turns each into an envelope.
import type { MessageType, Payload } from '../protocols/messages.ts';
import type { Outgoing } from './envelope-factory.ts';

export type SendEvent = { type: 'send'; out: Outgoing };

/** Builds a send event (for use inside emit(...) in machine definitions). */
export function out<T extends MessageType>(to: string, type: T, payload: Payload<T>, trace?: string): SendEvent {
  return { type: 'send', out: { to, type, payload, ...(trace ? { trace } : {}) } as Outgoing };
}

/** Extracts the send events from the actions a pure transition() returned. */
export function collectSends(actions: ReadonlyArray<{ type: string; params?: unknown }>): Outgoing[] {
  const outs: Outgoing[] = [];
  for (const a of actions) {
    if (a.type !== 'xstate.emit') continue;
    const ev = (a.params as { event?: SendEvent } | undefined)?.event;
    if (ev && ev.type === 'send') outs.push(ev.out);
  }
  return outs;
}
