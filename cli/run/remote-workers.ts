// The coordinating host's side of workers on other hosts (gome run --remote): each worker role of the run is asked
// for, first from workers started for this run (gome worker --run RUN), then from any worker (--any); the run starts
// only once every role is taken, and at its end the workers are told to stop its actors.
import type { RunConfig, TaskInfo } from '../../protocols/index.ts';
import type { Bus } from '../../runtime/bus.ts';
import { GomeError } from '../../runtime/errors.ts';
import { encodeBody, parseBody } from '../../runtime/json-body.ts';
import { WORKER_ATTACH_TIMEOUT_MS, WORKER_ROLES, WorkerAttachReply, workerSubjects, type WorkerAttach } from '../worker/worker-protocol.ts';

export class WorkerUnavailable extends GomeError {
  constructor(servers: string, role: string, why: string) {
    super(`no worker took role ${role} of the run on ${servers}: ${why}`, `start one with: gome worker --nats ${servers} --roles ${WORKER_ROLES.join(',')} --any (or --run RUN for this run only)`);
  }
}

/** Asks for every worker role; resolves with who took each, or throws WorkerUnavailable naming the role. */
export async function attachWorkers(o: { bus: Bus; servers: string; run: string; config: RunConfig; task: TaskInfo; idPrefix: string; judge: boolean }): Promise<Array<{ role: string; worker: string; actors: string[] }>> {
  const taken: Array<{ role: string; worker: string; actors: string[] }> = [];
  for (const role of WORKER_ROLES) {
    const req: WorkerAttach = { run: o.run, role, config: o.config, task: o.task, idPrefix: o.idPrefix, judge: o.judge };
    let raw: Uint8Array | null = null;
    let why = 'no worker is serving it';
    for (const subject of [workerSubjects.forRun(o.run, role), workerSubjects.any(role)]) {
      try {
        raw = (await o.bus.nc.request(subject, encodeBody(req), { timeout: WORKER_ATTACH_TIMEOUT_MS })).data;
        break;
      } catch (e) {
        if (String((e as { code?: unknown }).code ?? '') !== '503') why = `none answered within ${WORKER_ATTACH_TIMEOUT_MS / 1000} s`;
      }
    }
    if (!raw) throw new WorkerUnavailable(o.servers, role, why);
    const reply = parseBody(WorkerAttachReply, raw);
    if (!reply.ok) throw new WorkerUnavailable(o.servers, role, `its answer could not be read: ${reply.error}`);
    if (!reply.value.ok) throw new WorkerUnavailable(o.servers, role, reply.value.error);
    taken.push({ role, worker: reply.value.worker, actors: reply.value.actors });
  }
  return taken;
}

/** Tells every worker the run is over (they stop its actors and remove their inboxes). */
export function detachWorkers(bus: Bus, run: string): void {
  bus.nc.publish(workerSubjects.detach, new TextEncoder().encode(run));
}
