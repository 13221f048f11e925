// bench:bus — actor messaging over NATS against raw nats publish/request, measured in the same run on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeRaw, encode, encodeRaw } from '../../protocols/codec.ts';
import { ActorHost } from '../../runtime/actor-host.ts';
import { Bus } from '../../runtime/bus.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { EnvelopeFactory } from '../../runtime/envelope-factory.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { echoMachine } from '../helpers/echo-machine.ts';

const N = Number(process.env.GOME_BENCH_N ?? 100_000);
const RR = Number(process.env.GOME_BENCH_RR ?? 2_000);
const clock = new SystemClock();

function pct(xs: number[], p: number): number { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]!; }
const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

const dir = mkdtempSync(join(tmpdir(), 'gome-bench-'));
const server = await EmbeddedNats.start({ storeDir: dir });
const bus = await Bus.connect({ servers: server.url });
const recv = await Bus.connect({ servers: server.url });

// ── raw nats baselines: (a) pre-encoded bytes; (b) msgpack-encode each envelope, subscriber decodes (no actor layer) ──
const factory = new EnvelopeFactory('bench', 'cli.0', 't0', clock);
const sample = encode(factory.make({ to: 'sink.0', type: 'run.stop', payload: { reason: 'x' } }) as never);
async function rawRun(subject: string, encodeEach: boolean): Promise<number> {
  let got = 0;
  let done!: () => void;
  const all = new Promise<void>((r) => { done = r; });
  const sub = recv.nc.subscribe(subject, { callback: (_e, m) => { if (encodeEach) decodeRaw(m.data); if (++got === N) done(); } });
  await recv.nc.flush();
  const t = performance.now();
  for (let i = 0; i < N; i++) {
    bus.nc.publish(subject, encodeEach ? encodeRaw(factory.make({ to: 'sink.0', type: 'run.stop', payload: { reason: String(i) } })) : sample);
    if (i % 5000 === 0) await new Promise((r) => setImmediate(r));
  }
  await all;
  sub.unsubscribe();
  return performance.now() - t;
}
const bytesMs = await rawRun('raw.bytes', false);
const rawMs = await rawRun('raw.msgpack', true);
let t0 = 0;

// ── actors: a client sends N validated envelopes to an actor's mailbox (a serial service that counts) ──
let actorGot = 0;
let actorDone!: () => void;
const actorAll = new Promise<void>((r) => { actorDone = r; });
const sink = new ActorHost({ bus: recv, run: 'bench', trace: 't0', address: 'sink.0', clock, logger: silentLogger(),
  behavior: { kind: 'service', handle: async () => { if (++actorGot === N) actorDone(); return []; } } }).start();
await recv.flush();
const client = new Client(bus, 'bench', 'cli.0', clock).start();
t0 = performance.now();
for (let i = 0; i < N; i++) { client.send('sink.0', 'run.stop', { reason: String(i) }); if (i % 5000 === 0) await new Promise((r) => setImmediate(r)); }
await actorAll;
const actorMs = performance.now() - t0;
await sink.stop();

// ── request/reply latency: raw nats request vs Client.request to an XState machine actor ──
recv.nc.subscribe('raw.echo', { callback: (_e, m) => m.respond(m.data) });
await recv.nc.flush();
const rawLat: number[] = [];
for (let i = 0; i < RR; i++) { const s = performance.now(); await bus.nc.request('raw.echo', sample, { timeout: 5000 }); rawLat.push(performance.now() - s); }
const echo = new ActorHost({ bus: recv, run: 'bench', trace: 't0', address: 'echo.0', clock, logger: silentLogger(), behavior: { kind: 'machine', machine: echoMachine } }).start();
await recv.flush();
const actLat: number[] = [];
for (let i = 0; i < RR; i++) { const s = performance.now(); await client.request('echo.0', 'run.stop', { reason: 'ping' }, 5000); actLat.push(performance.now() - s); }
await echo.stop();

const rawRate = N / (rawMs / 1000);
const actorRate = N / (actorMs / 1000);
console.log(`bench:bus  ${fmt(N)} msgpack envelopes over NATS on loopback (nats-server ${server.url})`);
console.log(`  raw nats, pre-encoded ${fmt(N / (bytesMs / 1000)).padStart(10)} msgs/s   (same bytes published N times; no encode/decode)`);
console.log(`  raw nats + msgpack    ${fmt(rawRate).padStart(10)} msgs/s   request/reply p50 ${pct(rawLat, 0.5).toFixed(3)} ms  p99 ${pct(rawLat, 0.99).toFixed(3)} ms   ← baseline`);
console.log(`  actor mailboxes       ${fmt(actorRate).padStart(10)} msgs/s   request/reply p50 ${pct(actLat, 0.5).toFixed(3)} ms  p99 ${pct(actLat, 0.99).toFixed(3)} ms`);
console.log(`  ratio actor/baseline  throughput ${(actorRate / rawRate).toFixed(2)}×   p50 latency ${(pct(actLat, 0.5) / pct(rawLat, 0.5)).toFixed(2)}×   (target: throughput ≥ 0.50×; vs pre-encoded ${(actorRate / (N / (bytesMs / 1000))).toFixed(2)}×)`);
client.stop();
await bus.close(); await recv.close(); await server.stop();
rmSync(dir, { recursive: true, force: true });
