// Recorder and embedded NATS against a real nats-server: a 10k burst is stored in order; the server leaves no orphan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope } from '../../protocols/messages.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { MissingBinary } from '../../runtime/errors.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); });
afterAll(async () => { await nats.close(); });

describe('recorder', () => {
  it('recording - the JetStream stream holds every envelope of a 10,000-message burst, in order', async () => {
    const run = 'burst1';
    const rec = await Recorder.ensure(nats.bus.nc, run);
    const c = new Client(nats.bus, run, 'cli.0', new SystemClock());
    for (let i = 0; i < 10_000; i++) c.send('sink.0', 'run.stop', { reason: String(i) });
    await nats.bus.flush();
    expect(await rec.waitFor(10_000)).toBe(10_000);
    const all = await rec.readAll();
    expect(all.length).toBe(10_000);
    const reasons = all.map((m) => (m.body as Envelope<'run.stop'>).payload.reason);
    expect(reasons).toEqual(Array.from({ length: 10_000 }, (_, i) => String(i)));
    expect(all.map((m) => (m.body as Envelope).seq)).toEqual(Array.from({ length: 10_000 }, (_, i) => i));
    const file = join(mkdtempSync(join(tmpdir(), 'gome-log-')), 'messages.jsonl');
    expect(await rec.export(file)).toBe(10_000);
    expect(readFileSync(file, 'utf8').trim().split('\n').length).toBe(10_000);
  });
});

describe('recorder limits', () => {
  it('recording - the stream takes the configured size and age limits, and past the size limit keeps the newest messages', async () => {
    const run = 'limits1';
    const rec = await Recorder.ensure(nats.bus.nc, run, { maxBytes: 64 * 1024, maxAgeMs: 3_600_000 });
    const info = await (await nats.bus.nc.jetstreamManager()).streams.info(rec.stream);
    expect(info.config.max_bytes).toBe(64 * 1024);
    expect(info.config.max_age).toBe(3_600_000 * 1_000_000); // nanoseconds
    const c = new Client(nats.bus, run, 'cli.0', new SystemClock());
    for (let i = 0; i < 2_000; i++) c.send('sink.0', 'run.stop', { reason: `message ${i} `.padEnd(100, '.') });
    await nats.bus.flush();
    await new Promise((r) => setTimeout(r, 300));
    const kept = await rec.readAll();
    expect(kept.length).toBeLessThan(2_000); // 2,000 messages of ~200 bytes do not fit in 64 KiB
    expect((kept.at(-1)!.body as Envelope<'run.stop'>).payload.reason).toMatch(/^message 1999 /); // the newest stay
  });
});

describe('embedded nats', () => {
  it('embedded nats - starts on a free port, stops, and leaves no orphan process', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gome-emb-'));
    const a = await EmbeddedNats.start({ storeDir: dir });
    const b = await EmbeddedNats.start({ storeDir: join(dir, 'b') });
    expect(a.port).not.toBe(b.port);
    expect(existsSync(`/proc/${a.pid}`)).toBe(true);
    await a.stop(); await b.stop();
    for (const pid of [a.pid, b.pid]) {
      const alive = existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
      expect(alive).toBe(false);
    }
    expect(existsSync(join(dir, 'js'))).toBe(true);
  });

  it('embedded nats - a missing binary raises MissingBinary naming the Debian package', async () => {
    const err = await EmbeddedNats.start({ storeDir: mkdtempSync(join(tmpdir(), 'gome-emb-')), binary: 'nats-server-not-here' }).catch((e) => e);
    expect(err).toBeInstanceOf(MissingBinary);
    expect(err.message).toMatch(/apt-get install -y nats-server/);
  });
});
