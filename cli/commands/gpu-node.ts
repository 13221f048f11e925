// gome gpu-node: the GPU node as its own long-lived process on the GPU host. It serves every run that asks on the
// NATS cluster (gome run --remote-gpu), each in <work>/runs/<run>/ (its data fetched from the object store, its
// budget, its job workspaces), until SIGINT or SIGTERM; restarted, it takes up the runs it was serving, and a job that
// was running when it died runs again with its lost time refunded.
import { mkdirSync } from 'node:fs';
import { readKey } from './nats-auth.ts';
import { join, resolve } from 'node:path';
import { RemoteGpuNode } from '../../gpu-node/remote-node.ts';
import type { SandboxKind } from '../../gpu-node/sandbox.ts';
import { Bus } from '../../runtime/bus.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { createRootLogger } from '../../runtime/logger.ts';
import { ConfigInvalid } from '../../protocols/index.ts';

export interface GpuNodeFlags { nats: string; work: string; sandbox: string; python: string; logLevel: string; natsKey?: string; cpus?: number }

const SANDBOXES: readonly SandboxKind[] = ['bwrap', 'docker', 'none'];

/** Serves runs until a signal; resolves once the node has stopped (its running jobs killed, their outcomes sent). */
export async function serveGpuNode(f: GpuNodeFlags, say: (line: string) => void): Promise<void> {
  if (!(SANDBOXES as readonly string[]).includes(f.sandbox)) throw new ConfigInvalid([`--sandbox is "${f.sandbox}"; use one of ${SANDBOXES.join(', ')}.`]);
  const work = resolve(f.work);
  mkdirSync(work, { recursive: true });
  const logger = createRootLogger({ level: f.logLevel, destination: join(work, 'gpu-node.log') }).child({ actor: 'gpu-node' });
  const bus = await Bus.connect({ servers: f.nats, ...(f.natsKey ? { nkeySeed: readKey(f.natsKey) } : {}), name: `gome-gpu-node-${process.pid}`, stored: true, logger: logger.child({ component: 'bus' }) });
  const node = new RemoteGpuNode({ bus, workDir: work, sandbox: f.sandbox as SandboxKind, python: f.python, logger, clock: new SystemClock(), ...(f.cpus ? { cpus: f.cpus } : {}) });
  await node.start();
  say(`gome gpu-node ${node.name} serving runs on ${f.nats} (sandbox ${f.sandbox}, work ${work}${node.served.length ? `, taken up again: ${node.served.join(', ')}` : ''})`);
  await new Promise<void>((res) => {
    const stop = (sig: string) => { say(`gpu node stopping (${sig}): running jobs are killed and reported`); res(); };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await node.close();
  await bus.close();
}
