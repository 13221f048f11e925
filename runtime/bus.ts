// The NATS connection: connect with reconnect, publish encoded envelopes, subscribe to subjects.
import { connect, nkeyAuthenticator, type NatsConnection, type Subscription, type ConnectionOptions } from 'nats';
import { encode } from '../protocols/codec.ts';
import { subjects } from '../protocols/subjects.ts';
import type { Envelope } from '../protocols/messages.ts';
import { NatsUnavailable } from './errors.ts';
import type { Logger } from './logger.ts';

export interface BusOptions {
  /** One server URL, several separated by commas (the nodes of a cluster), or a list of them. */
  servers: string | string[];
  name?: string;
  logger?: Logger;
  timeoutMs?: number;
  /** The nkey seed of this host's NATS user (runtime/nats-permissions.ts); absent: no authentication. */
  nkeySeed?: string;
  /**
   * Publish through JetStream: each message is acknowledged by the run's stream (retried while a cluster elects the
   * stream's leader, deduplicated by envelope id), so none is lost in a leader election, where a plain publish would be
   * delivered to subscribers but neither recorded nor given to durable inboxes. Used with an external server.
   */
  stored?: boolean;
}

/** How long a stored publish keeps being retried (a cluster electing a stream leader) before it is given up as plain. */
const STORED_PATIENCE_MS = 20_000;
const STORED_ATTEMPT_MS = 2_000;

/** The servers of a --nats value: one URL, or several separated by commas (the nodes of a cluster). */
function natsServers(value: string): string[] {
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}

/** JetStream replicas for what a run keeps: three (R3) on a cluster of at least three nodes, else one. */
export const CLUSTER_REPLICAS = 3;

export class Bus {
  /** Stored publishes, one after another: the order of a process's messages is kept. */
  private chain: Promise<void> = Promise.resolve();

  /** Stored publishes the stream never acknowledged (sent plain after the patience ran out). */
  private unconfirmed = 0;

  private constructor(readonly nc: NatsConnection, private readonly logger: Logger | undefined, private readonly stored: boolean) {}

  static async connect(opts: BusOptions): Promise<Bus> {
    const co: ConnectionOptions = {
      servers: typeof opts.servers === 'string' ? natsServers(opts.servers) : opts.servers,
      name: opts.name ?? 'gome',
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      timeout: opts.timeoutMs ?? 5000,
      pingInterval: 10_000,
      ...(opts.nkeySeed ? { authenticator: nkeyAuthenticator(new TextEncoder().encode(opts.nkeySeed.trim())) } : {}),
    };
    let nc: NatsConnection;
    try {
      nc = await connect(co);
    } catch (e) {
      throw new NatsUnavailable(String(opts.servers), (e as Error).message);
    }
    const bus = new Bus(nc, opts.logger, opts.stored === true);
    void bus.watchStatus();
    return bus;
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      this.logger?.info({ nats: s.type, data: typeof s.data === 'string' ? s.data : undefined }, 'nats status');
    }
  }

  /** Publishes a validated envelope to the recipient's inbox, on the subject that names the sender's role. */
  send(env: Envelope): void {
    this.publish(subjects.delivery(env.run, env.to, env.from), encode(env), env.id);
  }

  publishRaw(subject: string, data: Uint8Array): void {
    this.publish(subject, data);
  }

  private publish(subject: string, data: Uint8Array, id?: string): void {
    if (!this.stored) { this.nc.publish(subject, data); return; }
    this.chain = this.chain.then(() => this.publishStored(subject, data, id));
  }

  /** A publish the stream acknowledges, retried while it cannot (an election); past the patience, a plain publish. */
  private async publishStored(subject: string, data: Uint8Array, id?: string): Promise<void> {
    const js = this.nc.jetstream();
    const deadline = Date.now() + STORED_PATIENCE_MS;
    for (let wait = 100; ; wait = Math.min(1_000, wait * 2)) {
      try {
        await js.publish(subject, data, { timeout: STORED_ATTEMPT_MS, ...(id ? { msgID: id } : {}) });
        return;
      } catch (e) {
        if (this.nc.isClosed() || Date.now() + wait > deadline) {
          this.logger?.warn({ subject, err: (e as Error).message }, 'the stream did not acknowledge a message; it goes out unrecorded');
          this.unconfirmed++;
          if (!this.nc.isClosed()) this.nc.publish(subject, data);
          return;
        }
        await new Promise((r) => setTimeout(r, wait));
      }
    }
  }

  subscribe(subject: string, onMessage: (data: Uint8Array, subject: string) => void): Subscription {
    return this.nc.subscribe(subject, { callback: (err, msg) => { if (!err) onMessage(msg.data, msg.subject); } });
  }

  /** Every message sent so far has gone out (stored ones acknowledged). */
  async flush(): Promise<void> { await this.chain; await this.nc.flush(); }

  /** Whether every message sent so far is stored: a stored bus, each publish acknowledged by the stream (after waiting). */
  async flushStored(): Promise<boolean> {
    if (!this.stored) return false;
    await this.chain;
    return this.unconfirmed === 0;
  }

  /** The nodes of the cluster the connected server belongs to (its gossiped client URLs; 1 for a lone server). */
  clusterSize(): number {
    return Math.max(1, new Set(this.nc.info?.connect_urls ?? []).size);
  }

  /** How many copies a run's streams keep here: R3 on a cluster of three or more nodes, else one. */
  replicas(): number {
    return this.clusterSize() >= CLUSTER_REPLICAS ? CLUSTER_REPLICAS : 1;
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await Promise.race([this.chain, new Promise((r) => setTimeout(r, STORED_ATTEMPT_MS).unref())]);
    await this.nc.drain().catch(() => this.nc.close());
  }
}
