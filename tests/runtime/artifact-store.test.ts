// Artifacts over NATS on a real nats-server (JetStream object store): content-addressed (the same bytes stored once),
// chunked, verified on every read; a folder travels as a manifest; reads are cached on the reading host's disk.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactCorrupt, ArtifactMissing, ArtifactStore, folderId } from '../../runtime/artifact-store.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';

const REPO = resolve(import.meta.dirname, '../..');
let nats: NatsFixture;
let dir: string;
beforeAll(async () => { nats = await startNats(); dir = mkdtempSync(join(tmpdir(), 'gome artifacts ')); });
afterAll(async () => { await nats.close(); rmSync(dir, { recursive: true, force: true }); });

describe('artifact store', () => {
  it('artifacts - the id is the sha256 of the bytes, the same bytes are stored once, and a large file is chunked and read back whole', async () => {
    const store = await ArtifactStore.open(nats.bus.nc, { bucket: 'A1' });
    // a real file of the repository, and one several chunks long (a recorded run's log)
    const small = join(REPO, 'package.json');
    const a = await store.putFile(small);
    expect(a.id).toBe(createHash('sha256').update(readFileSync(small)).digest('hex'));
    expect(await store.putBytes(new Uint8Array(readFileSync(small)))).toEqual(a); // same bytes, same id
    expect(await store.count()).toBe(1);
    const big = new Uint8Array(readFileSync(join(REPO, 'tests', 'fixtures', 'replay', 'house-votes-tree-mcts.gomelog')));
    expect(big.byteLength).toBeGreaterThan(128 * 1024 * 2);
    const b = await store.putBytes(big);
    expect((await store.info(b.id))!.chunks).toBeGreaterThan(2);
    expect(Buffer.from(await store.getBytes(b.id)).equals(Buffer.from(big))).toBe(true);
    expect(await store.count()).toBe(2);
  });

  it('artifacts - a missing id and bytes that do not match their id are typed errors, never silently returned', async () => {
    const store = await ArtifactStore.open(nats.bus.nc, { bucket: 'A2' });
    await expect(store.getBytes('0'.repeat(64))).rejects.toBeInstanceOf(ArtifactMissing);
    await expect(store.getBytes('not-an-id')).rejects.toBeInstanceOf(ArtifactMissing);
    const claimed = createHash('sha256').update('what the sender meant').digest('hex');
    await store.putUnchecked(claimed, new TextEncoder().encode('something else'));
    const e = await store.getBytes(claimed).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ArtifactCorrupt);
    expect((e as Error).message).toMatch(/read back with sha256 [0-9a-f]{64}.*fix: upload it again/);
  });

  it('artifacts - a folder travels as a manifest to a path with spaces, and the second read comes from the host\'s cache', async () => {
    const src = join(dir, 'competition data');
    mkdirSync(join(src, 'public', 'sub dir'), { recursive: true });
    writeFileSync(join(src, 'public', 'train.csv'), readFileSync(join(REPO, 'tests', 'fixtures', 'mlebench-leaderboards', 'SHA256SUMS')));
    writeFileSync(join(src, 'public', 'sub dir', 'notes.md'), readFileSync(join(REPO, 'README.md')));
    const sender = await ArtifactStore.open(nats.bus.nc, { bucket: 'A3' });
    const ref = await sender.putDir(src);
    expect(await folderId(src)).toEqual(ref); // the id a host names its data by before any upload is the stored one
    const cache = join(dir, 'cache on gpu host');
    const receiver = await ArtifactStore.open(nats.bus.nc, { bucket: 'A3', cacheDir: cache });
    const dest = join(dir, 'gpu host', 'data');
    const files = await receiver.getDir(ref.id, dest);
    expect(files.map((f) => f.slice(dest.length + 1)).sort()).toEqual(['public/sub dir/notes.md', 'public/train.csv']);
    expect(readFileSync(join(dest, 'public', 'sub dir', 'notes.md'), 'utf8')).toBe(readFileSync(join(REPO, 'README.md'), 'utf8'));
    const id = createHash('sha256').update(readFileSync(join(REPO, 'README.md'))).digest('hex');
    const before = statSync(join(cache, id)).mtimeMs;
    await new Promise((r) => setTimeout(r, 20));
    await receiver.getDir(ref.id, join(dir, 'again'));
    expect(statSync(join(cache, id)).mtimeMs).toBe(before); // served from the cache, not written again
  });
});
