// Replay: re-runs a recorded run's machine actors from its log, with no Python, no LLM and no NATS, and checks that
// every message they emit is the one recorded. Each actor is rebuilt from its actor.start record (machine and input),
// then given the messages addressed to it in stream order — the order it consumed them in, since one process publishes
// and delivers them over one connection — skipping what its host kept from it: replies that came after their request's
// deadline (the log holds the deadline notice) and messages after its actor.stop. Services (the GPU node, the brain)
// are not re-run: their replies are served from the log. The first difference stops replay with a ReplayDivergence.
// A resumed run's log holds segments: an actor.resume record continues the actor where the log before it left it (so
// the crashed part and the resumed part replay end to end as one run). What a machine would have sent after the end
// of a log that stopped at a crash is not a difference: it is what the machine owed then, and what resume sends
// (rebuild() hands it over with every actor's state). Messages to an actor after its actor.stop wait for its next life:
// they are consumed, in stream order, once its actor.resume record starts it (a durable inbox keeps them for it; a
// resumed host hands them over).
// rebuild() may also start actors from their checkpoints (runtime/checkpoint.ts) and replay only the log after them:
// what an actor sent or journaled before its checkpoint, and the messages to it up to the checkpoint, are in it.
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { checkHeader, validate } from '../protocols/codec.ts';
import type { Envelope } from '../protocols/messages.ts';
import { collectSends } from './machine-io.ts';
import { EnvelopeFactory, type Outgoing } from './envelope-factory.ts';
import { GomeError } from './errors.ts';
import type { LoggedMessage } from './gomelog.ts';
import { RequestBook, type BookState } from './request-ledger.ts';
import { routedTo, type Route } from '../protocols/route.ts';
import { subjects } from '../protocols/subjects.ts';
import { snapshotOf, type Checkpoint } from './checkpoint.ts';

export type MachineRegistry = Readonly<Record<string, AnyStateMachine>>;

export interface FieldDiff { path: string; expected: unknown; actual: unknown }

export class ReplayDivergence extends GomeError {
  constructor(readonly seq: number, readonly actor: string, readonly type: string, readonly what: string, readonly diff: FieldDiff[]) {
    super(`replay diverged at message ${seq} (${actor}, ${type}): ${what}`,
      'if the change of behaviour is intended, record the log again (npm run fixtures:record for the test fixtures); otherwise the code now decides differently from the run that was recorded, at the fields shown');
    if (diff.length) this.message += `\n${formatDiff(diff)}`; // the fields after the sentence and its fix
  }
}

export class ReplayUnavailable extends GomeError {
  constructor(reason: string, fix: string) { super(`cannot replay: ${reason}`, fix); }
}

export interface ReplayOptions {
  /** Replay only this actor (its inputs still come from the log). */
  actor?: string;
  /** Stop after the message with this stream sequence (time travel): the report holds every actor's state there. */
  until?: number;
}

export interface ActorState {
  address: string;
  machine: string;
  /** The machine's state value and context where replay stopped. */
  value: unknown;
  context: unknown;
  /** Messages given to the machine, and messages it emitted that were compared with the log. */
  consumed: number;
  compared: number;
  /** Messages it emitted after the end of a log that ended at a crash (nothing recorded to compare them with). */
  unsent: number;
}

export interface ReplayReport {
  messages: number;
  /** Messages every machine emitted that matched the log. */
  compared: number;
  actors: ActorState[];
  /** The stream sequence replay stopped at (--until), or null when it went to the end. */
  until: number | null;
  /** Actors in the log that were not replayed (services, or machines without an actor.start record). */
  notReplayed: string[];
}

interface Actor {
  address: string;
  machine: AnyStateMachine;
  snapshot: AnyMachineSnapshot;
  factory: EnvelopeFactory;
  /** The machine's recorded messages, in order, and how many were matched. */
  expected: Array<{ seq: number; env: Envelope }>;
  next: number;
  /**
   * Per segment of its life (a resume starts a new one): the number of messages its host had given it in all when the
   * segment ended with an actor.stop, or null when it ended at a crash.
   */
  stops: Array<number | null>;
  segment: number;
  consumed: number;
  /** What it emitted after the last recorded message of a life that ended at a crash. */
  unsent: Array<{ out: Outgoing; cause: Envelope | null }>;
  /** The stream sequence of the last message to it that it consumed or kept from its machine. */
  through: number;
  /** Messages to it after the end of its life: its next life consumes them first. */
  deferred: Decoded[];
  /** Per life, how far the state its next life was resumed from went (see run()). */
  resumedThrough: Array<number | null>;
  /** Its requests, settled as its host settled them; a request expires where its deadline notice is in the log. */
  book: RequestBook;
  /** The ids of its requests whose deadline notice is in the log. */
  expiring: Set<string>;
  /** The routes its host applied (recorded in its actor.start). */
  routes: readonly Route[];
}

/** A logged envelope: its stream sequence, whether it is a journal record, and the envelope. */
export interface Decoded { seq: number; journal: boolean; env: Envelope }

/** Replays a log (its messages in stream order); throws ReplayDivergence at the first difference. */
export function replay(messages: readonly LoggedMessage[], machines: MachineRegistry, opts: ReplayOptions = {}): ReplayReport {
  const log = decodeAll(messages);
  const { actors, compared, replayed } = run(log, machines, opts);
  const all = new Set(log.filter((m) => !m.journal).map((m) => m.env.from));
  return {
    messages: log.length, compared, until: opts.until ?? null,
    notReplayed: [...all].filter((a) => !replayed.has(a)).sort(),
    actors: [...actors.values()].map((a) => ({
      address: a.address, machine: a.machine.id, value: a.snapshot.value, context: a.snapshot.context, consumed: a.consumed, compared: a.next,
      unsent: a.unsent.length,
    })),
  };
}

/** A machine actor as the log leaves it: what a resumed host continues from. */
export interface RebuiltActor {
  address: string;
  machine: string;
  snapshot: AnyMachineSnapshot;
  /** Messages its machine was given in all. */
  consumed: number;
  /** The stream sequence of the last message to it that its state holds (0: none). */
  through: number;
  /** Its requests still unanswered (as sent, with their recorded ids): their deadlines start again. */
  pending: Envelope[];
  /** Its requests whose deadline passed (a late reply to one is kept from its machine). */
  expired: BookState['expired'];
  /** Messages to it after its life ended (an actor.stop): the next life consumes them first. */
  deferred: Envelope[];
  /** What it owed at the crash: messages its machine emitted for inputs whose outputs the log does not hold. */
  unsent: Array<{ out: Outgoing; cause: Envelope | null }>;
}

/**
 * Every machine actor's state at the end of the log (replaying it, so a log that diverges cannot be resumed). Actors
 * with a checkpoint start from it, and `log` need only hold what follows the earliest one.
 */
export function rebuild(log: readonly Decoded[], machines: MachineRegistry, checkpoints: ReadonlyMap<string, Checkpoint> = new Map()): RebuiltActor[] {
  const { actors } = run(log, machines, {}, checkpoints);
  return [...actors.values()].map((a) => ({
    address: a.address, machine: a.machine.id, snapshot: a.snapshot, consumed: a.consumed, through: a.through, pending: a.book.pendingRequests(),
    expired: a.book.state().expired, deferred: a.deferred.map((d) => d.env), unsent: a.unsent,
  }));
}

function run(log: readonly Decoded[], machines: MachineRegistry, opts: ReplayOptions, checkpoints: ReadonlyMap<string, Checkpoint> = new Map()):
  { actors: Map<string, Actor>; compared: number; replayed: Set<string> } {
  const starts = log.filter((m) => m.journal && m.env.type === 'actor.start');
  if (starts.length === 0 && checkpoints.size === 0) {
    throw new ReplayUnavailable('the log has no actor.start records (it was recorded before replay existed, or holds no machine actor)', 'record the run again with this version of Gome');
  }
  if (opts.actor && !starts.some((m) => m.env.from === opts.actor)) {
    throw new ReplayUnavailable(`the log has no machine actor ${opts.actor}`, `pick one of: ${[...new Set(starts.map((m) => m.env.from))].join(', ')}`);
  }
  const replayed = new Set([...starts.map((m) => m.env.from), ...checkpoints.keys()].filter((a) => !opts.actor || a === opts.actor));
  const actors = new Map<string, Actor>();
  let compared = 0;
  // what an actor sent or journaled before its checkpoint, and the messages to it up to there, are in the checkpoint
  const sentBefore = (m: Decoded) => { const cp = checkpoints.get(m.env.from); return cp !== undefined && m.env.seq < cp.nextSeq; };
  const consumedBefore = (m: Decoded) => { const cp = checkpoints.get(m.env.to); return cp !== undefined && m.seq <= cp.through; };

  // what each machine emitted (its host's own deadline and crash notices aside), how far it got, what expired
  const expected = new Map<string, Array<{ seq: number; env: Envelope }>>();
  const stops = new Map<string, Array<number | null>>();
  // per life after the first: the last message its resumed state held (messages after it and before the actor.resume
  // record reached the actor after the record); null when the record does not say (every message before it)
  const resumedThrough = new Map<string, Array<number | null>>();
  const expiredIds = new Map<string, Set<string>>();
  // the life it was checkpointed in: ended when it was written at the actor's stop, else until an actor.stop after it
  for (const cp of checkpoints.values()) stops.set(cp.address, [cp.stopped ? cp.consumed : null]);
  for (const m of log) {
    const a = m.env.from;
    if (!replayed.has(a) || sentBefore(m)) continue;
    if (m.journal) {
      const segs = stops.get(a) ?? stops.set(a, []).get(a)!;
      if (m.env.type === 'actor.start' || (m.env.type === 'actor.resume' && m.env.payload.machine !== null)) segs.push(null);
      if (m.env.type === 'actor.resume' && m.env.payload.machine !== null) (resumedThrough.get(a) ?? resumedThrough.set(a, []).get(a)!).push(m.env.payload.through ?? null);
      else if (m.env.type === 'actor.stop' && segs.length) segs[segs.length - 1] = m.env.payload.consumed;
      continue;
    }
    if (m.env.type === 'request.failed') {
      if (m.env.to === a && m.env.payload.code === 'deadline') (expiredIds.get(a) ?? expiredIds.set(a, new Set()).get(a)!).add(m.env.payload.requestId);
      continue;
    }
    (expected.get(a) ?? expected.set(a, []).get(a)!).push({ seq: m.seq, env: m.env });
  }

  for (const cp of checkpoints.values()) {
    if (replayed.has(cp.address)) actors.set(cp.address, fromCheckpoint(cp, machines, expected, stops, expiredIds, resumedThrough));
  }
  for (const m of log) {
    if (opts.until !== undefined && m.seq > opts.until) break;
    if (m.journal) {
      if (sentBefore(m)) continue;
      if (m.env.type === 'actor.start' && replayed.has(m.env.from)) {
        if (actors.has(m.env.from)) {
          throw new ReplayUnavailable(`actor ${m.env.from} started twice in this log (a resumed run)`, 'replaying a resumed run is not built yet: replay the log up to the restart with --until');
        }
        const actor = startActor(m, machines, expected, stops, expiredIds, resumedThrough);
        actors.set(actor.address, actor);
        compared += check(actor, m, initial(actor, m));
      } else if (m.env.type === 'actor.resume' && m.env.payload.machine !== null) {
        const actor = actors.get(m.env.from);
        if (actor) {
          resumeActor(actor, m as Decoded & { env: Envelope<'actor.resume'> });
          // what came for it while it was stopped, first
          const waiting = actor.deferred.splice(0);
          for (const d of waiting) {
            const limit = actor.stops[actor.segment] ?? null;
            if (limit !== null && actor.consumed >= limit) actor.deferred.push(d);
            else compared += consume(actor, d);
          }
        }
      }
      continue;
    }
    const actor = actors.get(m.env.to);
    if (consumedBefore(m)) continue;
    if (!actor) continue;
    const limit = actor.stops[actor.segment] ?? null;
    const resumedAt = actor.resumedThrough[actor.segment] ?? null; // the next life's actor.resume names how far its state went
    if ((limit !== null && actor.consumed >= limit) || (resumedAt !== null && m.seq > resumedAt)) { actor.deferred.push(m); continue; }
    compared += consume(actor, m);
  }

  if (opts.until === undefined) {
    for (const a of actors.values()) {
      const left = a.expected[a.next];
      if (left) throw new ReplayDivergence(left.seq, a.address, left.env.type, `the log holds this message from ${a.address}, and replay did not emit it (it emitted ${a.next} of ${a.expected.length})`, []);
    }
  }
  return { actors, compared, replayed };
}

/** One message to an actor, as its host gives it: kept from the machine (a late reply), or through its transition. */
function consume(actor: Actor, m: Decoded): number {
  actor.through = m.seq;
  if (keptFromMachine(actor, m.env)) return 0;
  actor.consumed++;
  const [next, actions] = transition(actor.machine, actor.snapshot as never, m.env as never);
  const snap = next as AnyMachineSnapshot;
  if (snap.status === 'error') return 0; // the live host restarted from the last good state: so does replay
  actor.snapshot = snap;
  return check(actor, m, collectSends(actions).map((o) => ({ out: o, cause: m.env })));
}

/** The log's envelopes in stream order (dead letters and what a host dead-lettered left out). */
export function decodeAll(messages: readonly LoggedMessage[]): Decoded[] {
  const out: Decoded[] = [];
  for (const m of messages) {
    if (subjects.isDeadLetter(m.subject)) continue;
    let env: Envelope;
    // payloads were validated when they were published; the header check keeps out what a host dead-lettered
    try { env = checkHeader(m.body); } catch { continue; }
    out.push({ seq: m.seq, journal: subjects.isJournal(m.subject), env });
  }
  return out;
}

function startActor(m: Decoded, machines: MachineRegistry, expected: Map<string, Array<{ seq: number; env: Envelope }>>, stops: Map<string, Array<number | null>>,
  expiredIds: Map<string, Set<string>>, resumedThrough: Map<string, Array<number | null>>): Actor {
  const start = m.env as Envelope<'actor.start'>;
  const machine = machines[start.payload.machine];
  if (!machine) {
    throw new ReplayUnavailable(`actor ${start.from} ran machine "${start.payload.machine}", which this build does not have`,
      `replay with the Gome version that recorded it (machines here: ${Object.keys(machines).join(', ')})`);
  }
  const address = start.from;
  return {
    address, machine, snapshot: null as unknown as AnyMachineSnapshot,
    // the same sender, run and trace as the recorded host; ids and times are not compared
    factory: new EnvelopeFactory(start.run, address, start.trace, { now: () => start.ts }),
    expected: expected.get(address) ?? [], next: 0, stops: stops.get(address) ?? [null], segment: 0, consumed: 0, unsent: [], through: 0, deferred: [],
    resumedThrough: resumedThrough.get(address) ?? [],
    book: new RequestBook(), expiring: expiredIds.get(address) ?? new Set(), routes: start.payload.routes ?? [],
  };
}

/** An actor as its checkpoint left it: its state, its counts, its requests; it goes on with the log after it. */
function fromCheckpoint(cp: Checkpoint, machines: MachineRegistry, expected: Map<string, Array<{ seq: number; env: Envelope }>>, stops: Map<string, Array<number | null>>,
  expiredIds: Map<string, Set<string>>, resumedThrough: Map<string, Array<number | null>>): Actor {
  const machine = machines[cp.machine];
  if (!machine) {
    throw new ReplayUnavailable(`the checkpoint of ${cp.address} holds machine "${cp.machine}", which this build does not have`,
      `take the run up with the Gome version that wrote it (machines here: ${Object.keys(machines).join(', ')})`);
  }
  return {
    address: cp.address, machine, snapshot: snapshotOf(machine, cp),
    factory: new EnvelopeFactory(cp.run, cp.address, cp.trace, { now: () => 0 }, cp.nextSeq),
    expected: expected.get(cp.address) ?? [], next: 0, stops: stops.get(cp.address) ?? [null], segment: 0, consumed: cp.consumed, unsent: [], through: cp.through, deferred: [],
    resumedThrough: resumedThrough.get(cp.address) ?? [],
    book: RequestBook.from(cp.book), expiring: expiredIds.get(cp.address) ?? new Set(), routes: cp.routes,
  };
}

/**
 * A resumed host continued the actor from the log before its actor.resume: the same machine, every message up to
 * there consumed. Anything else means the resume was not a continuation of this log.
 */
function resumeActor(actor: Actor, m: Decoded & { env: Envelope<'actor.resume'> }): void {
  const r = m.env.payload;
  if (r.machine !== actor.machine.id || r.consumed !== actor.consumed) {
    throw new ReplayDivergence(m.seq, actor.address, m.env.type, `the resumed actor continued ${r.machine} after ${r.consumed} messages; replay has ${actor.machine.id} after ${actor.consumed}`, []);
  }
  // what it owed at the crash was sent after this record, and replay has matched it already (a log that ends before
  // all of it went out owes the rest again)
  let owed = 0;
  for (let i = actor.next - 1; i >= 0 && actor.expected[i]!.seq > m.seq; i--) owed++;
  if (owed + actor.unsent.length !== r.unsent) {
    throw new ReplayDivergence(m.seq, actor.address, m.env.type, `the resumed actor sent ${r.unsent} messages owed at the crash; replay owes ${owed + actor.unsent.length}`, []);
  }
  actor.segment++;
}

function initial(actor: Actor, m: Decoded): Array<{ out: Outgoing; cause: Envelope | null }> {
  const [snap, actions] = initialTransition(actor.machine, (m.env as Envelope<'actor.start'>).payload.input as never);
  actor.snapshot = snap as AnyMachineSnapshot;
  return collectSends(actions).map((o) => ({ out: o, cause: null }));
}

/**
 * What the live host kept from the machine: a late reply. Its ledger is rebuilt from the log: a request's timer fired
 * no later than the moment its deadline notice was consumed, so the request expires there.
 */
function keptFromMachine(actor: Actor, env: Envelope): boolean {
  if (env.type === 'request.failed' && env.from === actor.address && env.payload.code === 'deadline' && actor.expiring.has(env.payload.requestId)) {
    actor.book.expire(env.payload.requestId);
  }
  return actor.book.settle(env, actor.address).settlement === 'late';
}

/** Compares what the machine emitted with what the log holds next for it; returns how many matched. */
function check(actor: Actor, at: Decoded, outs: Array<{ out: Outgoing; cause: Envelope | null }>): number {
  for (const { out, cause } of outs) {
    const want = actor.expected[actor.next];
    const made = routedTo(actor.routes, actor.address, actor.factory.make(out, cause));
    if (!want && actor.stops[actor.stops.length - 1] === null) {
      // the log holds nothing more from this actor, and its last life ended at a crash: it owed this message then
      actor.unsent.push({ out, cause });
      continue;
    }
    if (!want) {
      throw new ReplayDivergence(at.seq, actor.address, made.type, `replay emitted ${made.type} to ${made.to} in answer to message ${at.seq}, and the log holds no further message from ${actor.address}`, []);
    }
    let diff = diffEnvelopes(want.env, made);
    if (diff.length) {
      // the live host sent the validated form (defaults filled in, unknown keys dropped): compare that before calling it a difference
      let sent: Envelope;
      try { sent = validate(made); } catch (e) {
        throw new ReplayDivergence(want.seq, actor.address, out.type, `replay emitted a message the protocol rejects: ${(e as Error).message}`, []);
      }
      diff = diffEnvelopes(want.env, sent);
    }
    if (diff.length) throw new ReplayDivergence(want.seq, actor.address, want.env.type, `${diff.length} field${diff.length > 1 ? 's differ' : ' differs'} from the recorded message`, diff);
    actor.book.add(want.env); // a request the host tracked, under its recorded id
    actor.next++;
  }
  return outs.length;
}

/** The fields that carry decisions: where it goes, what it is, what caused it, and its payload (ids and times are not compared). */
function diffEnvelopes(want: Envelope, got: Envelope): FieldDiff[] {
  const same = want.to === got.to && want.type === got.type && want.trace === got.trace && want.causation === got.causation
    && (!want.causation || want.correlation === got.correlation) && deepEqual(want.payload, got.payload);
  if (same) return [];
  const pick = (e: Envelope) => ({ to: e.to, type: e.type, trace: e.trace, causation: e.causation, ...(e.causation ? { correlation: e.correlation } : {}), payload: e.payload });
  return diffValues(pick(want), pick(got), '');
}

/** Structural equality, a key whose value is undefined counting as absent (as after encoding); no allocation. */
function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (!a || !b || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let defined = 0;
  for (const k in ra) {
    if (ra[k] === undefined) continue;
    defined++;
    if (!deepEqual(ra[k], rb[k])) return false;
  }
  for (const k in rb) if (rb[k] !== undefined) defined--;
  return defined === 0;
}

const DIFF_CAP = 20;

export function diffValues(a: unknown, b: unknown, path: string, out: FieldDiff[] = []): FieldDiff[] {
  if (out.length >= DIFF_CAP) return out;
  if (Object.is(a, b)) return out;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) diffValues(a[i], b[i], `${path}[${i}]`, out);
      return out;
    }
    const ka = a as Record<string, unknown>;
    const kb = b as Record<string, unknown>;
    for (const k of [...new Set([...Object.keys(ka), ...Object.keys(kb)])].sort()) {
      if (ka[k] === undefined && kb[k] === undefined) continue;
      diffValues(ka[k], kb[k], path ? `${path}.${k}` : k, out);
    }
    return out;
  }
  out.push({ path: path || '(value)', expected: a, actual: b });
  return out;
}

export function formatDiff(diff: FieldDiff[]): string {
  const show = (x: unknown): string => {
    const s = x === undefined ? '(absent)' : JSON.stringify(x);
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  return diff.map((d) => `  ${d.path}: expected ${show(d.expected)}, got ${show(d.actual)}`).join('\n');
}
