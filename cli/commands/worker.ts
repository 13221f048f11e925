// gome worker: hosts the actors of some roles (researcher, developer, validator, memory) for runs coordinated on other
// hosts (gome run --remote), until SIGINT or SIGTERM; restarted with the same --work, it takes up the roles it held,
// each actor rebuilt from the run's log.
import { mkdirSync } from 'node:fs';
import { readKey } from './nats-auth.ts';
import { join, resolve } from 'node:path';
import { ConfigInvalid } from '../../protocols/index.ts';
import { TOKEN } from '../../protocols/envelope.ts';
import { Bus } from '../../runtime/bus.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { createRootLogger } from '../../runtime/logger.ts';
import { WorkerNode } from '../worker/worker-node.ts';
import { WORKER_ROLES, type WorkerRole } from '../worker/worker-protocol.ts';

export interface WorkerFlags { nats: string; roles: string; run?: string; any?: boolean; work: string; logLevel: string; natsKey?: string }

/** The --roles list, checked: each a worker role. */
export function workerRoles(list: string): WorkerRole[] {
  const roles = list.split(',').map((r) => r.trim()).filter(Boolean);
  const bad = roles.filter((r) => !(WORKER_ROLES as readonly string[]).includes(r));
  if (!roles.length || bad.length) throw new ConfigInvalid([`--roles was ${JSON.stringify(list)}, but a worker hosts only ${WORKER_ROLES.join(', ')} (the coordinator and the brain stay with gome run, the GPU node is gome gpu-node).`]);
  return roles as WorkerRole[];
}

export async function serveWorker(f: WorkerFlags, say: (line: string) => void): Promise<void> {
  const roles = workerRoles(f.roles);
  if (f.run !== undefined && f.any) throw new ConfigInvalid(['--run and --any were both given: a worker serves one run (--run RUN) or any run (--any).']);
  if (f.run === undefined && !f.any) throw new ConfigInvalid(['a worker needs --run RUN (serve that run only) or --any (serve any run that asks).']);
  if (f.run !== undefined && !TOKEN.test(f.run)) throw new ConfigInvalid([`--run was ${JSON.stringify(f.run)}, but a run id is letters, digits, _ and - only.`]);
  const work = resolve(f.work);
  mkdirSync(work, { recursive: true });
  const logger = createRootLogger({ level: f.logLevel, destination: join(work, 'worker.log') }).child({ actor: 'worker' });
  const bus = await Bus.connect({ servers: f.nats, ...(f.natsKey ? { nkeySeed: readKey(f.natsKey) } : {}), name: `gome-worker-${process.pid}`, stored: true, logger: logger.child({ component: 'bus' }) });
  const worker = new WorkerNode({ bus, workDir: work, roles, ...(f.run ? { run: f.run } : {}), logger, clock: new SystemClock() });
  await worker.start();
  say(`gome worker ${worker.name} hosting ${roles.join(', ')} for ${f.run ? `run ${f.run}` : 'any run'} on ${f.nats} (work ${work}${worker.actors.length ? `, taken up again: ${worker.actors.join(', ')}` : ''})`);
  await new Promise<void>((res) => {
    const stop = (sig: string) => { say(`worker stopping (${sig}): what its actors have not handled waits in their inboxes`); res(); };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await worker.close();
  await bus.close();
}
