// An actor's checkpoint: a machine actor's state at a point of the run's log, written by its host now and then
// (runtime/actor-host.ts) to the checkpoint bucket (runtime/checkpoint-store.ts). A host that takes the actor up on
// another host continues from it and replays only the log after it (runtime/resume-plan.ts), instead of the whole log.
// What a checkpoint claims, and its host makes true before writing it: the state is the machine's after every message
// to it up to stream sequence `through`, consumed in stream order; and every message it sent with an envelope seq
// below `nextSeq` is stored in the run's stream. Any checkpoint that holds this is a valid point to continue from,
// whichever incarnation wrote it, since the machine is deterministic. Encoded as msgpack, then brotli (a memory actor's
// context is mostly code and text: ~30× smaller).
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { Route } from '../protocols/route.ts';
import { GomeError } from './errors.ts';
import type { BookState } from './request-ledger.ts';

export const CHECKPOINT_VERSION = 1;
/** How often, at most, a host writes an actor's checkpoint while it handles messages (and once more when it stops). */
export const CHECKPOINT_EVERY_MS = 5_000;

export interface Checkpoint {
  v: number;
  run: string;
  address: string;
  trace: string;
  /** The machine's xstate id (as its actor.start record names it). */
  machine: string;
  /** The stream sequence of the last message to it that its state holds. */
  through: number;
  /** Messages its machine was given in all. */
  consumed: number;
  /** Written as the actor stopped (its actor.stop is recorded): the messages after `through` wait for its next life. */
  stopped: boolean;
  /** Its envelope ids go on from here; everything it sent below is stored. */
  nextSeq: number;
  /** The machine snapshot's state value and context. */
  value: unknown;
  context: unknown;
  /** Its requests pending and expired, as its host's ledger holds them. */
  book: BookState;
  /** The routes its host applies (from its actor.start record). */
  routes: Route[];
}

export class CheckpointUnreadable extends GomeError {
  constructor(readonly key: string, reason: string) {
    super(`the checkpoint ${key} cannot be read: ${reason}`,
      'nothing to do: the actor is rebuilt from the run\'s whole log instead (its checkpoint is written again as it goes on)');
  }
}

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export function encodeCheckpoint(cp: Checkpoint): Uint8Array {
  // quality 5: a tenth of the time of the default 11, for a few percent more bytes
  return brotliCompressSync(packr.pack(cp), { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
}

export function decodeCheckpoint(key: string, bytes: Uint8Array): Checkpoint {
  let cp: Checkpoint;
  try { cp = packr.unpack(brotliDecompressSync(bytes)) as Checkpoint; } catch (e) {
    throw new CheckpointUnreadable(key, `it is not a compressed checkpoint (${(e as Error).message})`);
  }
  if (!cp || typeof cp !== 'object' || cp.v !== CHECKPOINT_VERSION) {
    throw new CheckpointUnreadable(key, `it has version ${String((cp as { v?: unknown } | null)?.v)}, and this Gome reads version ${CHECKPOINT_VERSION}`);
  }
  for (const k of ['through', 'consumed', 'nextSeq'] as const) {
    if (!Number.isInteger(cp[k]) || cp[k] < 0) throw new CheckpointUnreadable(key, `its ${k} is not a count`);
  }
  if (typeof cp.address !== 'string' || typeof cp.machine !== 'string' || !cp.book || !Array.isArray(cp.book.pending)) {
    throw new CheckpointUnreadable(key, 'it lacks its address, machine or requests');
  }
  return cp;
}

/** The machine snapshot a checkpoint holds, for `machine` (its state value and context resolved again). */
export function snapshotOf(machine: AnyStateMachine, cp: Checkpoint): AnyMachineSnapshot {
  return machine.resolveState({ value: cp.value as never, context: cp.context as never }) as AnyMachineSnapshot;
}
