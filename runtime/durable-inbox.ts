// An actor's inbox as a JetStream durable consumer on the run's stream (instead of a plain subscription): a message
// stays in the consumer until the actor acks it after handling, so what is sent while the actor is down, or is being
// handled when its host dies, is delivered to the actor's next incarnation on any host. While a message is being
// handled (a job may run for minutes) its ack deadline is pushed back every few seconds; a host that dies stops doing
// that, and the message comes back after ACK_WAIT_MS. Handling is idempotent by envelope id (runtime/actor-host.ts).
import { AckPolicy, DeliverPolicy, nanos, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import { subjects } from '../protocols/subjects.ts';

/** How long a delivered message may go without an ack or a "still working" before the server delivers it again. */
export const ACK_WAIT_MS = 10_000;
/** How often a message being handled is reported as still in progress. */
export const WORKING_EVERY_MS = 3_000;
/**
 * How long one pull request waits on the server. A pull outlives the process that made it (the server still sends to
 * it), so a message sent just after an incarnation stops could go to that dead pull; kept short, pulls of a stopped or
 * dead incarnation end within it and the message goes to the next one.
 */
export const PULL_EXPIRES_MS = 2_000;

/** One delivery: the bytes, and how to settle it once handled. */
export interface Delivery {
  data: Uint8Array;
  subject: string;
  /** Its stream sequence (its place in the run's log). */
  seq: number;
  /** How many times the server has delivered it (1: the first time). */
  deliveries: number;
  ack(): void;
  /** Hands it back at once (this incarnation is stopping): the server delivers it to another. */
  release(): void;
}

/** The durable consumer's name for an actor address (gpu.0 → gpu_0). */
export function durableName(address: string): string { return address.replace(/\./g, '_'); }

export class DurableInbox {
  private messages: ConsumerMessages | null = null;
  private readonly open = new Set<JsMsg>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(private readonly nc: NatsConnection, readonly stream: string, readonly name: string) {}

  /** Creates (or binds to) the actor's durable consumer on the run's stream. */
  static async open(nc: NatsConnection, run: string, address: string): Promise<DurableInbox> {
    const stream = subjects.streamName(run);
    const name = durableName(address);
    const jsm = await nc.jetstreamManager();
    await jsm.consumers.add(stream, {
      durable_name: name, filter_subject: subjects.inboxFilter(run, address), ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All, ack_wait: nanos(ACK_WAIT_MS), max_ack_pending: 10_000,
    });
    return new DurableInbox(nc, stream, name);
  }

  /** Starts delivering, in order; each delivery stays unsettled (and kept alive) until its ack(). */
  async start(onMessage: (d: Delivery) => void): Promise<void> {
    const consumer = await this.nc.jetstream().consumers.get(this.stream, this.name);
    if (this.stopped) return; // stopped while starting
    this.messages = await consumer.consume({ max_messages: 256, expires: PULL_EXPIRES_MS });
    this.timer = setInterval(() => { for (const m of this.open) m.working(); }, WORKING_EVERY_MS);
    this.timer.unref();
    void (async () => {
      for await (const m of this.messages!) {
        if (this.stopped) { m.nak(); continue; }
        this.open.add(m);
        onMessage({ data: m.data, subject: m.subject, seq: m.seq, deliveries: m.info.deliveryCount,
          ack: () => { if (this.open.delete(m)) m.ack(); }, release: () => { if (this.open.delete(m)) m.nak(); } });
      }
    })().catch(() => undefined); // the iterator ends with stop() or the connection
  }

  /** Stops delivering; unsettled messages stay in the consumer for the actor's next incarnation. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.open.clear();
    await this.messages?.close().catch(() => undefined);
    this.messages = null;
  }

  /** Removes the consumer (the run is over: nothing more will be delivered). */
  async remove(): Promise<void> {
    await this.stop();
    const jsm = await this.nc.jetstreamManager();
    await jsm.consumers.delete(this.stream, this.name).catch(() => undefined);
  }
}
