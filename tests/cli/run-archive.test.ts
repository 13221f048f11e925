// The run archive with a GPU node on another host: submissions come from the object store (a real nats-server's) by
// id; one that cannot be fetched is a finalize problem and does not count as the run's first valid submission; one
// whose fetch failed while the server was down is fetched again when the run settles.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunArchive } from '../../cli/run/run-archive.ts';
import { ArtifactStore } from '../../runtime/artifact-store.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { tempDir } from '../grading/helpers.ts';
import { experiment } from '../helpers/envelopes.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); }, 30_000);
afterAll(async () => { await nats?.close(); });

describe('run archive', () => {
  it('run archive - remote submissions are fetched by id; a missing one is a problem and not the first valid submission', async () => {
    const store = await ArtifactStore.open(nats.bus.nc, { bucket: 'ARCHIVE_TEST' });
    const csv = new TextEncoder().encode('id,target\n1,0.9\n');
    const ref = await store.putBytes(csv);
    const runDir = tempDir('gome-archive-');
    const archive = new RunArchive(runDir, 'r1', 0, false);
    archive.fetchFrom(store);
    archive.observe({ id: 'env-1', type: 'experiment.record', payload: { ...experiment, id: 'e-missing', ts: 10, submissionId: 'f'.repeat(64) } } as never);
    await archive.settled();
    expect(archive.firstValidAt).toBeNull();
    expect(archive.fetchProblems).toEqual([expect.stringMatching(/^submission of e-missing \(f{64}\): artifact f{64} is not in the object store/)]);
    archive.observe({ id: 'env-2', type: 'experiment.record', payload: { ...experiment, id: 'e-here', ts: 20, submissionId: ref.id } } as never);
    await archive.settled();
    expect(archive.firstValidAt).toBe(20);
    expect(readFileSync(join(runDir, 'submissions', 'e-here.csv'), 'utf8')).toBe('id,target\n1,0.9\n');
    expect(existsSync(join(runDir, 'submissions', 'e-missing.csv'))).toBe(false);
    // an envelope seen twice (caught up from the log and delivered live) is archived once
    archive.observe({ id: 'env-2', type: 'experiment.record', payload: { ...experiment, id: 'e-here', ts: 20, submissionId: ref.id } } as never);
    expect(archive.experiments.map((e) => e.id)).toEqual(['e-missing', 'e-here']);
  }, 30_000);

  it('run archive - a submission whose fetch failed while the NATS server was down is fetched when the run settles, and is no finalize problem', async () => {
    const store = await ArtifactStore.open(nats.bus.nc, { bucket: 'ARCHIVE_RETRY' });
    const ref = await store.putBytes(new TextEncoder().encode('id,target\n2,0.1\n'));
    const runDir = tempDir('gome-archive-');
    const archive = new RunArchive(runDir, 'r2', 0, false);
    archive.fetchFrom(store);
    nats.server.kill(); // the node is lost while the experiment is recorded
    archive.observe({ id: 'env-3', type: 'experiment.record', payload: { ...experiment, id: 'e-late', ts: 30, submissionId: ref.id } } as never);
    await Promise.all(archive['fetching']); // the first fetch gives up
    expect(existsSync(join(runDir, 'submissions', 'e-late.csv'))).toBe(false);
    nats.server = await EmbeddedNats.start({ storeDir: nats.dir, port: nats.server.port }); // back, its store kept
    await archive.settled();
    expect(archive.fetchProblems).toEqual([]);
    expect(readFileSync(join(runDir, 'submissions', 'e-late.csv'), 'utf8')).toBe('id,target\n2,0.1\n');
    expect(archive.firstValidAt).toBe(30);
  }, 90_000);
});
