// NATS connection handling: when the server dies and comes back on the same port, actors keep working.
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Envelope } from '../../protocols/messages.ts';
import { ActorHost } from '../../runtime/actor-host.ts';
import { Bus } from '../../runtime/bus.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { echoMachine } from '../helpers/echo-machine.ts';

describe('bus', () => {
  it('bus - reconnects after the server is killed and restarted, and request/reply works again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gome-rc-'));
    let server = await EmbeddedNats.start({ storeDir: dir });
    const port = server.port;
    const bus = await Bus.connect({ servers: server.url });
    const clock = new SystemClock();
    const host = new ActorHost({ bus, run: 'rc', trace: 't0', address: 'echo.0', clock, logger: silentLogger(), behavior: { kind: 'machine', machine: echoMachine } }).start();
    const cli = new Client(bus, 'rc', 'cli.0', clock).start();
    await bus.flush();
    const before = await cli.request('echo.0', 'run.stop', { reason: 'before' }, 2000);
    expect((before as Envelope<'run.stop'>).payload.reason).toBe('echo:before');

    server.kill();
    await new Promise((r) => setTimeout(r, 300));
    server = await EmbeddedNats.start({ storeDir: dir, port });
    const statuses: string[] = [];
    const deadline = Date.now() + 10_000;
    let after: Envelope | null = null;
    while (!after && Date.now() < deadline) {
      try { after = await cli.request('echo.0', 'run.stop', { reason: 'after' }, 500); } catch (e) { statuses.push((e as Error).name); }
    }
    expect(after).not.toBeNull();
    expect((after as Envelope<'run.stop'>).payload.reason).toBe('echo:after');
    expect((host.state?.context as { seen: string[] }).seen).toContain('after');
    cli.stop(); await host.stop(); await bus.close(); await server.stop();
  }, 30_000);
});
