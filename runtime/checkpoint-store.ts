// Actors' checkpoints (runtime/checkpoint.ts) in a JetStream KV bucket, one key per run and actor: `<run>.<address>`
// (e.g. run-1.researcher.t0; a NATS user may write only its roles' keys, runtime/nats-permissions.ts). A checkpoint
// larger than one NATS message goes in parts (`<key>.p<i>`) written first, then the key itself, which names how many
// parts there are and their sha256: a reader that finds parts of another write (a newer one under way) sees the digest
// differ and reads nothing rather than a mix.
import { createHash } from 'node:crypto';
import type { KV, NatsConnection } from 'nats';
import type { CheckpointSink } from './actor-host.ts';
import { CheckpointUnreadable, decodeCheckpoint, encodeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { patiently } from './recorder.ts';

export const CHECKPOINT_BUCKET = 'GOME_CHECKPOINTS';
/** Room left in a NATS message for its headers and the part's framing. */
const HEADROOM = 16 * 1024;

const INLINE = 1;
const PARTS = 2;

/** The key of an actor's checkpoint in a run. */
export function checkpointKey(run: string, address: string): string { return `${run}.${address}`; }

export class CheckpointStore {
  private constructor(private readonly kv: KV, private readonly partBytes: number) {}

  static async open(nc: NatsConnection, replicas = 1): Promise<CheckpointStore> {
    const kv = await patiently(() => nc.jetstream().views.kv(CHECKPOINT_BUCKET, { history: 1, replicas }));
    return new CheckpointStore(kv, Math.max(64 * 1024, (nc.info?.max_payload ?? 1024 * 1024) - HEADROOM));
  }

  /** A sink for one run's actors (ActorHost's checkpoints option). */
  sink(): CheckpointSink { return { write: (cp) => this.write(cp) }; }

  async write(cp: Checkpoint): Promise<void> {
    const key = checkpointKey(cp.run, cp.address);
    const bytes = encodeCheckpoint(cp);
    if (bytes.length + 1 <= this.partBytes) {
      await patiently(() => this.kv.put(key, tagged(INLINE, bytes)));
      return;
    }
    const parts = Math.ceil(bytes.length / this.partBytes);
    for (let i = 0; i < parts; i++) {
      const part = bytes.subarray(i * this.partBytes, (i + 1) * this.partBytes);
      await patiently(() => this.kv.put(`${key}.p${i}`, part));
    }
    const head = new TextEncoder().encode(JSON.stringify({ parts, bytes: bytes.length, sha256: sha256(bytes) }));
    await patiently(() => this.kv.put(key, tagged(PARTS, head)));
  }

  /** The actor's checkpoint in the run, or null when it has none. Throws CheckpointUnreadable when it cannot be read. */
  async read(run: string, address: string): Promise<Checkpoint | null> {
    const key = checkpointKey(run, address);
    const e = await patiently(() => this.kv.get(key));
    if (!e || e.operation !== 'PUT' || e.value.length === 0) return null;
    if (e.value[0] === INLINE) return decodeCheckpoint(key, e.value.subarray(1));
    if (e.value[0] !== PARTS) throw new CheckpointUnreadable(key, `its first byte is ${e.value[0]}, neither a checkpoint nor a list of parts`);
    const head = JSON.parse(new TextDecoder().decode(e.value.subarray(1))) as { parts: number; bytes: number; sha256: string };
    const bytes = new Uint8Array(head.bytes);
    let at = 0;
    for (let i = 0; i < head.parts; i++) {
      const p = await patiently(() => this.kv.get(`${key}.p${i}`));
      if (!p || p.operation !== 'PUT' || at + p.value.length > head.bytes) throw new CheckpointUnreadable(key, `its part ${i} of ${head.parts} is missing or too long`);
      bytes.set(p.value, at);
      at += p.value.length;
    }
    if (at !== head.bytes || sha256(bytes) !== head.sha256) throw new CheckpointUnreadable(key, 'its parts do not make up the bytes its head names (another write was under way)');
    return decodeCheckpoint(key, bytes);
  }

  /** Forgets a run's checkpoints of these actors (the run is over). */
  async remove(run: string, addresses: Iterable<string>): Promise<void> {
    for (const a of addresses) {
      const key = checkpointKey(run, a);
      const e = await this.kv.get(key).catch(() => null);
      if (!e) continue;
      if (e.value[0] === PARTS) {
        const head = JSON.parse(new TextDecoder().decode(e.value.subarray(1))) as { parts: number };
        for (let i = 0; i < head.parts; i++) await this.kv.purge(`${key}.p${i}`).catch(() => undefined);
      }
      await this.kv.purge(key).catch(() => undefined);
    }
  }
}

function tagged(tag: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 1);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

function sha256(b: Uint8Array): string { return createHash('sha256').update(b).digest('hex'); }
