// Who serves what, in a JetStream KV bucket: a host that takes a role of a run (a worker's researcher role, say) holds
// a lease on `<run>.<role>` whose value is everything another host needs to take the role over (the attach request),
// and renews it every RENEW_EVERY_MS with a compare-and-set on its revision. A lease not renewed for LEASE_TTL_MS is
// expired: a host that serves the role may claim it with the same compare-and-set (only one claim wins) and take the
// role up, rebuilding its actors from the run's log. A holder whose renewal finds the lease overwritten (another
// claimed it) lets go; one whose renewal gets no answer (a partition) keeps trying.
// Expiry compares the server's time of the last renewal with the claimer's clock: hosts must keep their clocks in step
// (NTP) to well within the TTL.
import type { KV, NatsConnection } from 'nats';

export const LEASE_BUCKET = 'GOME_LEASES';
export const LEASE_TTL_MS = 10_000;
export const RENEW_EVERY_MS = 2_000;

/** A lease's value: who holds it, and what taking it over needs. */
export interface LeaseValue<T> { holder: string; body: T }

/** A lease held by this process: renewed until released, or until another host takes it (then onLost). */
export interface HeldLease {
  key: string;
  /** Writes the value now (the holder's state changed) instead of waiting for the next renewal. */
  refresh(): Promise<void>;
  release(): Promise<void>;
  stop(): void;
}

const enc = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));

/** The compare-and-set failed because the entry moved on (another holder wrote it), not for want of an answer. */
function overwritten(e: unknown): boolean {
  return /wrong last sequence/i.test((e as Error).message ?? '') || String((e as { api_error?: { err_code?: number } }).api_error?.err_code) === '10071';
}

export class Leases {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, replicas = 1): Promise<Leases> {
    return new Leases(await nc.jetstream().views.kv(LEASE_BUCKET, { history: 1, replicas }));
  }

  /**
   * Takes the lease on `key` for `holder`: when it is free, when it expired, or when `holder` already holds it (a
   * restarted host with the same identity). Null when another holder's lease is live, or another claim won.
   */
  async claim<T>(key: string, holder: string, body: T | (() => T), onLost: () => void): Promise<HeldLease | null> {
    // the value is written again at each renewal: a function gives the holder's state as it is then (a snapshot)
    const value = () => enc({ holder, body: typeof body === 'function' ? (body as () => T)() : body });
    let revision: number;
    try {
      const e = await this.kv.get(key);
      if (!e || e.operation !== 'PUT') {
        revision = e ? await this.kv.update(key, value(), e.revision) : await this.kv.create(key, value());
      } else {
        const cur = e.json<LeaseValue<T>>();
        if (cur.holder !== holder && Date.now() - e.created.getTime() < LEASE_TTL_MS) return null;
        revision = await this.kv.update(key, value(), e.revision);
      }
    } catch {
      return null; // another claim won the compare-and-set
    }
    let stopped = false;
    // one write at a time: each compare-and-set needs the revision the previous one made
    let chain: Promise<void> = Promise.resolve();
    const write = (): Promise<void> => (chain = chain.then(async () => {
      if (stopped) return;
      try { revision = await this.kv.update(key, value(), revision); } catch (e) {
        // a timeout or an unreachable leader (a partition, an election) is tried again at the next renewal; a
        // compare-and-set that finds the entry moved on is lost only if someone else wrote it (a renewal that timed out
        // here may have been applied there)
        if (stopped || !overwritten(e)) return;
        const now = await this.kv.get(key).catch(() => null);
        if (now?.operation === 'PUT' && now.json<LeaseValue<T>>().holder === holder) { revision = now.revision; return; }
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        onLost();
      }
    }));
    const timer = setInterval(() => void write(), RENEW_EVERY_MS);
    timer.unref();
    return {
      key,
      refresh: write,
      stop: () => { stopped = true; clearInterval(timer); },
      release: async () => { stopped = true; clearInterval(timer); await chain; await this.kv.delete(key).catch(() => undefined); },
    };
  }

  /** The leases whose keys end in `.<suffix>` that are expired, with their values (what taking them over needs). */
  async expired<T>(suffix: string): Promise<Array<{ key: string; value: LeaseValue<T> }>> {
    const out: Array<{ key: string; value: LeaseValue<T> }> = [];
    const keys: string[] = [];
    for await (const k of await this.kv.keys(`*.${suffix}`)) keys.push(k);
    for (const key of keys) {
      const e = await this.kv.get(key);
      if (e && e.operation === 'PUT' && Date.now() - e.created.getTime() >= LEASE_TTL_MS) out.push({ key, value: e.json<LeaseValue<T>>() });
    }
    return out;
  }
}

/** How often a host looks for expired leases of what it serves. */
export const TAKEOVER_EVERY_MS = 3_000;

/** Runs `takeOver` every TAKEOVER_EVERY_MS, never two at once, until the returned function is called. */
export function watchForTakeovers(takeOver: () => Promise<void>): () => void {
  let busy = false;
  const t = setInterval(() => {
    if (busy) return;
    busy = true;
    void takeOver().catch(() => undefined).finally(() => { busy = false; });
  }, TAKEOVER_EVERY_MS);
  t.unref();
  return () => clearInterval(t);
}
