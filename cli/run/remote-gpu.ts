// The coordinating host's side of a GPU node on another host (gome run --remote-gpu): the run's data goes into the
// object store, a node is asked to take the run (gpu-node/attach-protocol.ts), submissions come back by artifact id,
// and at the end the node is told the run is over and answers with what it measured.
import type { Competition } from '../../grading/competition.ts';
import type { HarnessSplit } from '../../grading/harness-split.ts';
import { ATTACH_TIMEOUT_MS, DETACH_TIMEOUT_MS, encodeBody, GPU_SUBJECTS, GpuAttachReply, GpuDetachReply, parseBody, type GpuAttach, type GpuNodeFigures } from '../../gpu-node/attach-protocol.ts';
import { sealFor } from '../../gpu-node/seal.ts';
import type { ArtifactStore } from '../../runtime/artifact-store.ts';
import type { Bus } from '../../runtime/bus.ts';
import { GomeError } from '../../runtime/errors.ts';

export class RemoteGpuUnavailable extends GomeError {
  constructor(servers: string, why: string) {
    super(`no GPU node took the run on ${servers}: ${why}`, `start one on the GPU host with: gome gpu-node --nats ${servers} --work DIR (and check that both hosts reach the same NATS cluster)`);
  }
}

/** The run's data ids (as job.submit names them): the jobs' split and the final refit's rows. */
export interface RunDatasets { data: string; fullData: string }

/** Puts the run's data and held-back labels in the store (each stored once by content) and asks a GPU node to serve the run. */
export async function attachRemoteGpu(o: {
  bus: Bus; servers: string; store: ArtifactStore; run: string; budgetMs: number; split: HarnessSplit; datasets: RunDatasets; comp: Competition;
}): Promise<Extract<GpuAttachReply, { ok: true }>> {
  const data = await o.store.putDir(o.split.dataDir);
  const fullData = await o.store.putDir(o.split.fullDataDir);
  // the ids the messages carry were computed before any upload; the store's must be the same
  if (data.id !== o.datasets.data || fullData.id !== o.datasets.fullData) throw new Error('the run\'s data changed on disk after it was named by id');
  const holdoutLabels = o.split.holdoutLabelsPath ? (await o.store.putFile(o.split.holdoutLabelsPath)).id : null;
  const c = o.comp;
  const req: GpuAttach = {
    run: o.run, budgetMs: o.budgetMs, data: data.id, fullData: fullData.id, holdoutLabels, folds: o.split.folds,
    competition: { id: c.id, title: c.title, metric: c.metric, taskType: c.taskType, idColumn: c.idColumn, targetColumns: c.targetColumns,
      ...(c.classes ? { classes: c.classes } : {}), ...(c.positiveClass !== undefined ? { positiveClass: c.positiveClass } : {}),
      ...(c.answerColumn ? { answerColumn: c.answerColumn } : {}) },
    maskPaths: sealFor(c.root).maskPaths,
  };
  let raw: Uint8Array;
  try {
    raw = (await o.bus.nc.request(GPU_SUBJECTS.attach, encodeBody(req), { timeout: ATTACH_TIMEOUT_MS })).data;
  } catch (e) {
    const code = String((e as { code?: unknown }).code ?? '');
    throw new RemoteGpuUnavailable(o.servers, code === '503' ? 'no GPU node is serving' : `none answered within ${ATTACH_TIMEOUT_MS / 1000} s (${(e as Error).message})`);
  }
  const reply = parseBody(GpuAttachReply, raw);
  if (!reply.ok) throw new RemoteGpuUnavailable(o.servers, `its answer could not be read: ${reply.error}`);
  if (!reply.value.ok) throw new RemoteGpuUnavailable(o.servers, reply.value.error);
  return reply.value;
}

/** Tells the run's GPU node the run is over (it kills what still runs); its figures, or null when it does not answer. */
export async function detachRemoteGpu(bus: Bus, run: string): Promise<GpuNodeFigures | null> {
  try {
    const m = await bus.nc.request(GPU_SUBJECTS.detach, encodeBody({ run }), { timeout: DETACH_TIMEOUT_MS });
    const r = parseBody(GpuDetachReply, m.data);
    return r.ok && r.value.ok ? r.value.figures : null;
  } catch { return null; }
}
