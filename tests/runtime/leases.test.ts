// Leases in a JetStream KV bucket against a real nats-server: one holder at a time, kept by renewal; a lease that is
// not renewed expires and one claim takes it over; a holder whose renewal fails learns it lost the lease; a restarted
// holder with the same identity reclaims its own lease at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LEASE_BUCKET, LEASE_TTL_MS, Leases } from '../../runtime/leases.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';
import { until } from '../helpers/until.ts';

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); }, 30_000);
afterAll(async () => { await nats?.close(); });

describe('leases', () => {
  it('leases - a live lease is refused to others and reclaimed by its own holder; once it expires one claim takes it over', async () => {
    const leases = await Leases.open(nats.bus.nc);
    const a = await leases.claim('run1.researcher', 'host-a', { n: 1 }, () => {});
    expect(a).not.toBeNull();
    expect(await leases.claim('run1.researcher', 'host-b', { n: 2 }, () => {})).toBeNull(); // live: renewed by host-a
    const again = await leases.claim('run1.researcher', 'host-a', { n: 1 }, () => {}); // host-a restarted
    expect(again).not.toBeNull();
    a!.stop();
    again!.stop(); // host-a is lost: nobody renews
    expect(await leases.expired('researcher')).toEqual([]);
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 500));
    const expired = await leases.expired<{ n: number }>('researcher');
    expect(expired).toEqual([{ key: 'run1.researcher', value: { holder: 'host-a', body: { n: 1 } } }]);
    // two takers race: exactly one wins
    const [b, c] = await Promise.all([leases.claim('run1.researcher', 'host-b', { n: 1 }, () => {}), leases.claim('run1.researcher', 'host-c', { n: 1 }, () => {})]);
    expect([b, c].filter((x) => x !== null)).toHaveLength(1);
    await (b ?? c)!.release();
    expect(await leases.expired('researcher')).toEqual([]); // released: gone, not expired
  }, 30_000);

  it('leases - a holder whose renewal fails (another host wrote the lease) is told it lost it', async () => {
    const leases = await Leases.open(nats.bus.nc);
    let lost = false;
    const a = await leases.claim('run2.validator', 'host-a', {}, () => { lost = true; });
    expect(a).not.toBeNull();
    const kv = await nats.bus.nc.jetstream().views.kv(LEASE_BUCKET);
    await kv.put('run2.validator', new TextEncoder().encode(JSON.stringify({ holder: 'host-b', body: {} })));
    await until(() => lost, 10_000, 'the holder to learn it lost the lease');
  }, 20_000);
});
