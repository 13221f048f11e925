// A non-machine participant (CLI, tests, tools) with its own inbox: send, request/reply with timeout, listen.
import type { Subscription } from 'nats';
import { decode } from '../protocols/codec.ts';
import type { Envelope, MessageType, Payload } from '../protocols/messages.ts';
import { subjects } from '../protocols/subjects.ts';
import type { Bus } from './bus.ts';
import type { Clock } from './clock.ts';
import { EnvelopeFactory } from './envelope-factory.ts';
import { RequestTimeout } from './errors.ts';

export class Client {
  private readonly factory: EnvelopeFactory;
  private readonly waiting = new Map<string, (env: Envelope) => void>();
  private readonly listeners = new Set<(env: Envelope) => void>();
  private sub: Subscription | null = null;

  /** `startSeq`: where its envelope ids go on (a resumed run's CLI continues after the ids its log holds). */
  constructor(private readonly bus: Bus, readonly run: string, readonly address: string, clock: Clock, trace = 'run', startSeq = 0) {
    this.factory = new EnvelopeFactory(run, address, trace, clock, startSeq);
  }

  start(): this {
    this.sub = this.bus.subscribe(subjects.inboxFilter(this.run, this.address), (data) => {
      let env: Envelope;
      try { env = decode(data); } catch { return; }
      const w = env.causation ? this.waiting.get(env.causation) : undefined;
      if (w) { this.waiting.delete(env.causation!); w(env); return; }
      for (const l of this.listeners) l(env);
    });
    return this;
  }

  onMessage(fn: (env: Envelope) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  send<T extends MessageType>(to: string, type: T, payload: Payload<T>, trace?: string): Envelope<T> {
    const env = this.factory.make({ to, type, payload, ...(trace ? { trace } : {}) });
    this.bus.send(env as Envelope);
    return env;
  }

  /** Sends and waits for the envelope whose causation is this request; RequestTimeout otherwise. */
  request<T extends MessageType>(to: string, type: T, payload: Payload<T>, timeoutMs: number, trace?: string): Promise<Envelope> {
    const env = this.factory.make({ to, type, payload, ...(trace ? { trace } : {}) });
    return new Promise<Envelope>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiting.delete(env.id); reject(new RequestTimeout(to, type, timeoutMs)); }, timeoutMs);
      this.waiting.set(env.id, (reply) => { clearTimeout(timer); resolve(reply); });
      this.bus.send(env as Envelope);
    });
  }

  stop(): void { this.sub?.unsubscribe(); this.sub = null; }
}
