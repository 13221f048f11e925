// Artifacts over NATS: competition data, code, job outputs and submissions travel through a JetStream object store
// instead of host paths, so hosts need share no filesystem. An artifact's id is the sha256 of its bytes (content
// addressing: the same bytes are stored once), the store chunks it, and every read is verified against its id. A
// folder travels as a manifest artifact (each file's relative path, id and size). Reads are cached on the reading
// host's disk by id, so large data crosses the network once per host.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { StorageType, type NatsConnection, type ObjectStore } from 'nats';
import { GomeError } from './errors.ts';
import { patiently } from './recorder.ts';

/** The bucket a deployment's artifacts live in. */
export const ARTIFACT_BUCKET = 'GOME_ARTIFACTS';

export interface ArtifactRef { id: string; size: number }

/** A folder as an artifact: its files by relative path (with "/" separators). */
export interface Manifest { kind: 'gome-manifest'; files: Array<{ path: string; id: string; size: number }> }

export class ArtifactMissing extends GomeError {
  constructor(readonly id: string) {
    super(`artifact ${id} is not in the object store`, 'upload it first (the sender puts an artifact before naming it in a message), or check that both hosts use the same NATS server and bucket');
  }
}

export class ArtifactCorrupt extends GomeError {
  constructor(readonly id: string, readonly got: string) {
    super(`artifact ${id} read back with sha256 ${got}`, 'upload it again; if it recurs, the store or the network damages data: check the NATS server\'s storage');
  }
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const ID = /^[0-9a-f]{64}$/;

function streamOf(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream({ start(c) { c.enqueue(bytes); c.close(); } });
}

/** A file's sha256 (its artifact id), streamed. */
export async function fileSha(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A folder's files in manifest order (sorted, depth first), by path relative to it with "/" separators. */
function filesOf(dir: string): Array<{ rel: string; abs: string }> {
  const out: Array<{ rel: string; abs: string }> = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push({ rel: relative(dir, p).split(sep).join('/'), abs: p });
    }
  };
  walk(dir);
  return out;
}

const manifestBytes = (files: Manifest['files']): Uint8Array => new TextEncoder().encode(JSON.stringify({ kind: 'gome-manifest', files } satisfies Manifest));

/**
 * The artifact id a folder would have in the store (putDir's), computed here without a store: a host names its data
 * by id in every message, and uploads it only when another host needs it.
 */
export async function folderId(dir: string): Promise<ArtifactRef> {
  const files: Manifest['files'] = [];
  for (const f of filesOf(dir)) files.push({ path: f.rel, id: await fileSha(f.abs), size: statSync(f.abs).size });
  const bytes = manifestBytes(files);
  return { id: sha256(bytes), size: bytes.byteLength };
}

export class ArtifactStore {
  private constructor(private readonly os: ObjectStore, private readonly cacheDir: string | null) {}

  /** Opens (creating when needed) the bucket; `cacheDir`: where reads are cached on this host (none: no cache). */
  static async open(nc: NatsConnection, opts: { bucket?: string; cacheDir?: string; replicas?: number } = {}): Promise<ArtifactStore> {
    const os = await nc.jetstream().views.os(opts.bucket ?? ARTIFACT_BUCKET, { storage: StorageType.File, replicas: opts.replicas ?? 1 });
    if (opts.cacheDir) mkdirSync(opts.cacheDir, { recursive: true });
    return new ArtifactStore(os, opts.cacheDir ?? null);
  }

  /** Stores bytes under their sha256 (once: the same bytes again are not uploaded again). */
  async putBytes(bytes: Uint8Array): Promise<ArtifactRef> {
    const id = sha256(bytes);
    if (!(await patiently(() => this.os.info(id)))) await patiently(() => this.os.put({ name: id }, streamOf(bytes)));
    return { id, size: bytes.byteLength };
  }

  /** Stores a file, streamed (hashed first, so a file already stored is not read twice over the network). */
  async putFile(path: string): Promise<ArtifactRef> {
    const id = await fileSha(path);
    const size = statSync(path).size;
    if (!(await patiently(() => this.os.info(id)))) await patiently(() => this.os.put({ name: id }, Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>));
    return { id, size };
  }

  /** A folder's files, each stored, and their manifest stored as the folder's artifact. */
  async putDir(dir: string): Promise<ArtifactRef> {
    const files: Manifest['files'] = [];
    for (const f of filesOf(dir)) files.push({ path: f.rel, ...(await this.putFile(f.abs)) });
    return this.putBytes(manifestBytes(files));
  }

  /** The artifact's bytes, verified against its id (from this host's cache when it holds them). */
  async getBytes(id: string): Promise<Uint8Array> {
    if (!ID.test(id)) throw new ArtifactMissing(id);
    const cached = this.cacheDir ? join(this.cacheDir, id) : null;
    if (cached && existsSync(cached)) {
      const b = new Uint8Array(readFileSync(cached));
      if (sha256(b) === id) return b;
    }
    const b = await patiently(() => this.os.getBlob(id)); // a cluster electing the bucket's leader answers late
    if (!b) throw new ArtifactMissing(id);
    const got = sha256(b);
    if (got !== id) throw new ArtifactCorrupt(id, got);
    if (cached) {
      const tmp = `${cached}.${process.pid}.part`;
      writeFileSync(tmp, b);
      renameSync(tmp, cached); // whole or absent: a crash never leaves half a file under the id
    }
    return b;
  }

  /** Writes the artifact to `dest` (its parent folders made), verified. */
  async getFile(id: string, dest: string): Promise<string> {
    const b = await this.getBytes(id);
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, b);
    return dest;
  }

  /** Rebuilds a folder stored by putDir under `dest`; returns the files written. */
  async getDir(id: string, dest: string): Promise<string[]> {
    let m: Manifest;
    try { m = JSON.parse(new TextDecoder().decode(await this.getBytes(id))) as Manifest; } catch (e) {
      if (e instanceof GomeError) throw e;
      throw new ArtifactCorrupt(id, 'a manifest that is not JSON');
    }
    if (m.kind !== 'gome-manifest') throw new ArtifactCorrupt(id, 'an artifact that is not a folder manifest');
    const out: string[] = [];
    for (const f of m.files) {
      if (f.path.split('/').some((p) => p === '..' || p === '')) throw new ArtifactCorrupt(id, `a manifest naming the path ${JSON.stringify(f.path)} outside the folder`);
      out.push(await this.getFile(f.id, join(dest, ...f.path.split('/'))));
    }
    return out;
  }

  /** An artifact's size and the number of chunks it is stored in, or null when the store does not hold it. */
  async info(id: string): Promise<{ size: number; chunks: number } | null> {
    const i = await this.os.info(id);
    return i ? { size: i.size, chunks: i.chunks } : null;
  }

  /** How many objects the bucket holds (tests, the doctor). */
  async count(): Promise<number> { return (await this.os.list()).length; }

  /** Stores bytes under a name of the caller's choosing: for tests that must put a damaged object in place. */
  async putUnchecked(name: string, bytes: Uint8Array): Promise<void> { await this.os.put({ name }, streamOf(bytes)); }
}
