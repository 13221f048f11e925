// Builds envelopes for one sender: monotonic seq, deterministic ids, clock-stamped ts, causation and correlation.
import { PROTOCOL_VERSION } from '../protocols/version.ts';
import type { Envelope, MessageType, Payload } from '../protocols/messages.ts';
import type { Clock } from './clock.ts';

export interface Outgoing<T extends MessageType = MessageType> {
  to: string;
  type: T;
  payload: Payload<T>;
  /** Trace the message belongs to; defaults to the sender's trace, or the cause's trace. */
  trace?: string;
}

export class EnvelopeFactory {
  private seq: number;
  constructor(readonly run: string, readonly from: string, readonly trace: string, private readonly clock: Clock, startSeq = 0) {
    this.seq = startSeq;
  }

  get nextSeq(): number { return this.seq; }

  make<T extends MessageType>(out: Outgoing<T>, cause?: Envelope | null): Envelope<T> {
    const seq = this.seq++;
    const id = `${this.run}:${this.from}:${seq}`;
    return {
      v: PROTOCOL_VERSION,
      id,
      run: this.run,
      trace: out.trace ?? cause?.trace ?? this.trace,
      from: this.from,
      to: out.to,
      type: out.type,
      seq,
      causation: cause?.id ?? null,
      correlation: cause?.correlation ?? id,
      ts: Math.floor(this.clock.now()),
      payload: out.payload,
    } as Envelope<T>;
  }
}
