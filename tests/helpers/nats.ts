// Test helper: a real nats-server (JetStream) on a random loopback port in a temp dir, plus a connected bus.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { Bus } from '../../runtime/bus.ts';

export interface NatsFixture { server: EmbeddedNats; bus: Bus; dir: string; close(): Promise<void> }

export async function startNats(): Promise<NatsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gome-nats-'));
  const server = await EmbeddedNats.start({ storeDir: dir });
  const bus = await Bus.connect({ servers: server.url });
  return {
    server, bus, dir,
    async close() { await bus.close(); await server.stop(); rmSync(dir, { recursive: true, force: true }); },
  };
}
