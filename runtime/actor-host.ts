// Hosts one actor on the bus: inbox subscription → mailbox → pure machine transition (or async service) → sends.
import { initialTransition, transition, type AnyStateMachine, type AnyMachineSnapshot } from 'xstate';
import type { Subscription } from 'nats';
import { decode, encode } from '../protocols/codec.ts';
import { ProtocolError } from '../protocols/errors.ts';
import type { Envelope } from '../protocols/messages.ts';
import { roleOf, subjects } from '../protocols/subjects.ts';
import type { Bus } from './bus.ts';
import type { Clock } from './clock.ts';
import { DeadLetterOffice } from './dead-letters.ts';
import { EnvelopeFactory, type Outgoing } from './envelope-factory.ts';
import { ActorEscalation } from './errors.ts';
import type { Logger } from './logger.ts';
import { Mailbox } from './mailbox.ts';
import { defaultSupervision, RestartCounter, type SupervisionPolicy } from './supervision.ts';
import { collectSends } from './machine-io.ts';
import { requestSpec, type DeadlineContext } from '../protocols/requests.ts';
import { Limits } from '../protocols/config.ts';
import { RequestLedger } from './request-ledger.ts';
import { routedTo, type Route } from '../protocols/route.ts';
import type { Delivery, DurableInbox } from './durable-inbox.ts';
import { CHECKPOINT_EVERY_MS, CHECKPOINT_VERSION, type Checkpoint } from './checkpoint.ts';
import type { BookState } from './request-ledger.ts';

/** Where a host writes its actor's checkpoints (runtime/checkpoint-store.ts). */
export interface CheckpointSink { write(cp: Checkpoint): Promise<void> }

export interface ServiceContext {
  logger: Logger; clock: Clock; address: string;
  /** Records a side effect's details on the run's journal (in the log, on no inbox), e.g. an LLM call. */
  journal(out: Outgoing): void;
}

export type Behavior =
  | { kind: 'machine'; machine: AnyStateMachine; input?: unknown }
  /**
   * An effectful service (GPU node, brain). Serial services finish one message before the next;
   * concurrent ones start each message as it arrives (their own queues decide the order of work).
   */
  | { kind: 'service'; handle: (env: Envelope, ctx: ServiceContext) => Promise<Outgoing[]>; concurrent?: boolean };

/** The one inspection hook: everything a host does, in order. */
export type HostEvent =
  | { kind: 'received'; address: string; env: Envelope }
  | { kind: 'sent'; address: string; env: Envelope }
  | { kind: 'transition'; address: string; state: unknown; env: Envelope | null }
  | { kind: 'dead-letter'; address: string; code: string; reason: string }
  | { kind: 'restart'; address: string; restarts: number; backoffMs: number; error: string }
  | { kind: 'escalated'; address: string; error: string }
  | { kind: 'deadline'; address: string; request: Envelope }
  | { kind: 'late'; address: string; env: Envelope };

export interface ActorHostOptions {
  bus: Bus;
  run: string;
  trace: string;
  address: string;
  behavior: Behavior;
  clock: Clock;
  logger: Logger;
  supervision?: Partial<SupervisionPolicy>;
  inspect?: (e: HostEvent) => void;
  onEscalate?: (err: ActorEscalation) => void;
  /** Where sends go; defaults to the bus. Replay substitutes a collector. */
  sink?: (env: Envelope) => void;
  /** What request deadlines are computed from (protocols/requests.ts); defaults to the default limits and a 12 h budget. */
  deadlines?: DeadlineContext;
  /** Continue a crashed run's actor from its log (gome resume) instead of starting it afresh. */
  resume?: ResumePoint;
  /** Message types sent to one actor that go through another first (a custom role intercepting them; protocols/route.ts). */
  routes?: readonly Route[];
  /**
   * The inbox as a JetStream durable consumer (runtime/durable-inbox.ts) instead of a subscription: each message is
   * acked once handled, and one that was not comes back to the actor's next incarnation, on any host.
   */
  durable?: DurableInbox;
  /** Ids of messages an earlier incarnation already answered: a durable inbox acks them again without handling them. */
  handled?: Iterable<string>;
  /**
   * Write the machine's checkpoint (runtime/checkpoint.ts) now and then, and as it stops, once everything it sent
   * before is stored: a durable inbox's actor on a bus whose publishes the stream acknowledges.
   */
  checkpoints?: CheckpointSink;
}

/**
 * Where a resumed actor continues (runtime/resume-plan.ts builds it from the log): its ids go on from `nextSeq`; a
 * machine continues from its rebuilt snapshot, its unanswered requests get fresh deadlines, and it sends what it owed at
 * the crash; a service handles again the requests it had not answered (a job that was running at the crash).
 */
export interface ResumePoint {
  nextSeq: number;
  snapshot?: AnyMachineSnapshot;
  consumed?: number;
  pending?: Envelope[];
  unsent?: Array<{ out: Outgoing; cause: Envelope | null }>;
  redeliver?: Envelope[];
  /** The stream sequence of the last message to it the snapshot holds: a durable inbox acks those up to it unhandled. */
  through?: number;
  /** Its requests that had expired (late replies to them are kept from the machine). */
  expired?: BookState['expired'];
  /** Messages that came for it after its last life ended: handled first (a durable inbox delivers them again itself). */
  deferred?: Envelope[];
}

const DEFAULT_DEADLINES: DeadlineContext = { limits: Limits.parse({}), budgetMs: 12 * 3600_000 };

export class ActorHost {
  private snapshot: AnyMachineSnapshot | null = null;
  private sub: Subscription | null = null;
  private readonly mailbox: Mailbox<Envelope>;
  private readonly factory: EnvelopeFactory;
  private readonly dlo: DeadLetterOffice;
  private readonly restarts: RestartCounter;
  private readonly policy: SupervisionPolicy;
  private stopped = false;
  /** Messages handed to the machine (late replies and messages after stop are not): recorded in actor.stop. */
  private consumed = 0;
  private journaledStop = false;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly ledger: RequestLedger;
  /** Durable inbox: messages handled (acked, and acked again without handling when delivered again) … */
  private readonly done: Set<string>;
  /** … and those delivered but not yet handled, with how to ack them. */
  private readonly unsettled = new Map<string, Delivery>();
  private durableStarted = false;
  /** Abandoned: another incarnation took the actor over, so nothing this one still emits may go out (abandon()). */
  private silenced = false;
  /** Durable inbox: the stream sequence of the last message handled (its state holds every one up to it). */
  private through = 0;
  /** Checkpoints: the one being written, when the last began, and how far it went. */
  private checkpointing: Promise<void> | null = null;
  private lastCheckpointAt = -Infinity;
  private checkpointedThrough = 0;
  private checkpointWarned = false;
  readonly log: Logger;

  constructor(private readonly o: ActorHostOptions) {
    this.log = o.logger;
    this.policy = { ...defaultSupervision, ...o.supervision };
    this.restarts = new RestartCounter(this.policy);
    this.factory = new EnvelopeFactory(o.run, o.address, o.trace, o.clock, o.resume?.nextSeq ?? 0);
    this.dlo = new DeadLetterOffice(o.bus, o.run, o.logger);
    this.mailbox = new Mailbox((env) => this.handle(env));
    this.ledger = new RequestLedger(o.deadlines ?? DEFAULT_DEADLINES, (req) => this.deadlinePassed(req));
    this.done = new Set(o.handled ?? []);
  }

  get address(): string { return this.o.address; }
  get state(): AnyMachineSnapshot | null { return this.snapshot; }
  get queued(): number { return this.mailbox.size; }

  /** Subscribes to the inbox (start() does it too): call it on every host first when actors send to each other at start. */
  listen(): this {
    if (this.o.durable) {
      if (!this.durableStarted) {
        this.durableStarted = true;
        this.o.durable.start((d) => this.accept(d.data, d.subject, d)).catch((e: unknown) => {
          this.log.error({ err: (e as Error).message }, 'the durable inbox could not start');
          this.o.onEscalate?.(new ActorEscalation(this.address, 0, `its durable inbox could not start: ${(e as Error).message}`));
        });
      }
    } else if (!this.sub) {
      this.sub = this.o.bus.subscribe(subjects.inboxFilter(this.o.run, this.o.address), (data, subject) => this.accept(data, subject));
    }
    return this;
  }

  /** Subscribes to the inbox and runs the machine's initial transition (its entry sends go out), or resumes the actor. */
  start(): this {
    const inbox = subjects.inbox(this.o.run, this.o.address);
    this.listen();
    if (this.o.resume) {
      this.resume(this.o.resume);
    } else if (this.o.behavior.kind === 'machine') {
      // the machine and its input go in the log first: replay rebuilds the actor from them
      this.journal({ to: this.address, type: 'actor.start', payload: {
        machine: this.o.behavior.machine.id, input: this.o.behavior.input ?? null, ...(this.o.routes?.length ? { routes: [...this.o.routes] } : {}),
      } });
      const [snap, actions] = initialTransition(this.o.behavior.machine, this.o.behavior.input as never);
      this.snapshot = snap as AnyMachineSnapshot;
      this.o.inspect?.({ kind: 'transition', address: this.address, state: this.snapshot.value, env: null });
      this.emitAll(collectSends(actions), null);
    }
    this.log.debug({ inbox }, 'actor started');
    return this;
  }

  private resume(r: ResumePoint): void {
    const b = this.o.behavior;
    if (b.kind === 'machine') {
      if (!r.snapshot) throw new Error(`resuming machine actor ${this.address} needs its rebuilt snapshot`);
      this.snapshot = r.snapshot;
      this.consumed = r.consumed ?? 0;
      this.through = r.through ?? 0;
      this.checkpointedThrough = this.through;
    }
    const unsent = r.unsent ?? [];
    const redeliver = r.redeliver ?? [];
    this.journal({ to: this.address, type: 'actor.resume', payload: {
      machine: b.kind === 'machine' ? b.machine.id : null, consumed: this.consumed, unsent: unsent.length, redelivered: redeliver.map((e) => e.id),
      ...(b.kind === 'machine' && r.through !== undefined ? { through: r.through } : {}),
    } });
    // pending requests' deadlines start again: the downtime is nobody's fault
    this.ledger.restore({ pending: r.pending ?? [], expired: r.expired ?? [] });
    for (const u of unsent) this.emitAll([u.out], u.cause);
    if (!this.o.durable) for (const env of r.deferred ?? []) this.mailbox.push(env);
    if (!this.o.durable) for (const env of redeliver) this.mailbox.push(env); // a durable inbox delivers them again itself
    this.log.info({ consumed: this.consumed, pending: r.pending?.length ?? 0, unsent: unsent.length, redelivered: redeliver.length }, 'actor resumed from the log');
  }

  /** Feeds an already-decoded envelope (used by in-process tests and replay). */
  deliver(env: Envelope): void { this.mailbox.push(env); }

  async idle(): Promise<void> {
    await this.mailbox.idle();
    while (this.inFlight.size) await Promise.all([...this.inFlight]);
  }

  /** Stops taking messages; waits for the one being handled and returns the ones still queued (nothing is lost). */
  async stop(): Promise<Envelope[]> {
    this.stopped = true;
    this.ledger.clear();
    this.sub?.unsubscribe();
    await this.o.durable?.stop(); // what was not handled stays in the consumer for the next incarnation
    await this.mailbox.idle();
    this.journalStop();
    if (!this.silenced) await this.checkpoint(true);
    return this.mailbox.close();
  }

  /**
   * Stops, and drops whatever this incarnation would still send or journal (a reply its handler finishes later, its
   * actor.stop): another incarnation has taken the actor over (it lost its lease) and answers, and records, instead.
   */
  async abandon(): Promise<void> {
    this.silenced = true;
    await this.stop();
  }

  /** How far the machine got, once: replay gives it exactly these messages, not the ones that arrived after. */
  private journalStop(): void {
    if (this.o.behavior.kind !== 'machine' || this.journaledStop) return;
    this.journaledStop = true;
    this.journal({ to: this.address, type: 'actor.stop', payload: { consumed: this.consumed } });
  }

  private accept(data: Uint8Array, subject: string, delivery?: Delivery): void {
    const env = this.admit(data, subject);
    if (!env) { delivery?.ack(); return; } // dead-lettered: settled
    if (delivery) {
      // handled already (by this incarnation, or by an earlier one: its id is known, or its state holds it)
      if (this.done.has(env.id) || delivery.seq <= this.through) { delivery.ack(); return; }
      const again = this.unsettled.has(env.id);
      this.unsettled.set(env.id, delivery);
      if (again) return; // delivered again while still being handled: the newest delivery is acked when it is done
    }
    this.mailbox.push(env);
  }

  /** Decodes and checks a delivery: the envelope, or null once it is dead-lettered. */
  private admit(data: Uint8Array, subject: string): Envelope | null {
    let env: Envelope;
    try {
      env = decode(data);
    } catch (e) {
      const code = e instanceof ProtocolError ? e.code : 'UNDECODABLE';
      this.deadLetter(code, (e as Error).message, subject, data);
      return null;
    }
    if (env.to !== this.address) {
      this.deadLetter('MISROUTED', `envelope for ${env.to} arrived at ${this.address}`, subject, data);
      return null;
    }
    // the subject names the role the server let the sender publish as; an envelope claiming another is refused
    const sender = subjects.senderRole(subject);
    if (sender !== null && sender !== roleOf(env.from)) {
      this.deadLetter('IMPERSONATION', `envelope from ${env.from} was published as role ${sender}`, subject, data);
      return null;
    }
    return env;
  }

  /** A durable inbox's message is handled: acked, and remembered so that a redelivery is not handled twice. */
  private settle(env: Envelope): void {
    if (!this.o.durable) return;
    this.done.add(env.id);
    const d = this.unsettled.get(env.id);
    if (d) { this.through = Math.max(this.through, d.seq); d.ack(); }
    this.unsettled.delete(env.id);
    void this.checkpoint(false);
  }

  /**
   * Writes the machine's checkpoint when one is due (every CHECKPOINT_EVERY_MS while it handles messages; `final`: as
   * it stops), once every message it sent so far is stored (what a checkpoint claims, runtime/checkpoint.ts). One is
   * written at a time; a failure only costs a longer replay when the actor is taken up (the log stays the record).
   */
  private async checkpoint(final: boolean): Promise<void> {
    const sink = this.o.checkpoints;
    if (!sink || this.silenced || this.o.behavior.kind !== 'machine' || !this.snapshot || this.through === 0) return;
    if (this.checkpointing) {
      if (final) { await this.checkpointing; return this.checkpoint(true); }
      return; // the next message handled after it writes the newer state
    }
    if (!final && (this.through === this.checkpointedThrough || this.o.clock.now() - this.lastCheckpointAt < CHECKPOINT_EVERY_MS)) return;
    this.lastCheckpointAt = this.o.clock.now();
    const cp: Checkpoint = {
      v: CHECKPOINT_VERSION, run: this.o.run, address: this.address, trace: this.o.trace, machine: this.o.behavior.machine.id,
      through: this.through, consumed: this.consumed, stopped: this.journaledStop, nextSeq: this.factory.nextSeq,
      value: this.snapshot.value, context: this.snapshot.context, book: this.ledger.state(), routes: [...(this.o.routes ?? [])],
    };
    this.checkpointing = (async () => {
      if (!(await this.o.bus.flushStored())) {
        if (!this.checkpointWarned) this.log.warn('a message sent was not acknowledged as stored; no checkpoint is written from here on');
        this.checkpointWarned = true;
        return;
      }
      if (this.silenced) return;
      await sink.write(cp);
      if (this.checkpointedThrough === 0) this.log.info({ through: cp.through, consumed: cp.consumed }, 'first checkpoint written');
      this.checkpointedThrough = cp.through;
    })().catch((e: unknown) => { this.log.warn({ err: (e as Error).message }, 'checkpoint not written; a host taking the actor up replays more of the log'); })
      .finally(() => { this.checkpointing = null; });
    await this.checkpointing;
  }

  private deadLetter(code: string, reason: string, subject: string, raw: Uint8Array): void {
    this.o.inspect?.({ kind: 'dead-letter', address: this.address, code, reason });
    this.dlo.post({ code, reason, actor: this.address, subject, ts: this.o.clock.now(), raw });
  }

  private async handle(env: Envelope): Promise<void> {
    if (this.stopped && this.sub === null) {
      this.unsettled.get(env.id)?.release(); // a durable inbox's message goes back for the next incarnation
      this.unsettled.delete(env.id);
      return;
    }
    if (this.ledger.settle(env, this.address) === 'late') {
      // the answer to a request whose deadline already passed: the requester has moved on (it is in the log)
      this.o.inspect?.({ kind: 'late', address: this.address, env });
      this.log.warn({ type: env.type, from: env.from, causation: env.causation }, 'late reply after the deadline; ignored');
      this.settle(env);
      return;
    }
    this.o.inspect?.({ kind: 'received', address: this.address, env });
    const b = this.o.behavior;
    if (b.kind === 'machine') this.consumed++;
    if (b.kind === 'service' && b.concurrent) {
      const p = this.process(env).finally(() => { this.inFlight.delete(p); this.settle(env); });
      this.inFlight.add(p);
      return;
    }
    await this.process(env);
    this.settle(env);
  }

  private async process(env: Envelope): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        const outs = await this.step(env);
        this.emitAll(outs, env);
        return;
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        const backoff = this.restarts.crash(this.o.clock.now());
        if (backoff === null) {
          const esc = new ActorEscalation(this.address, this.restarts.count, err.message);
          this.deadLetter('ACTOR_CRASH', `escalated: ${err.message}`, subjects.inbox(env.run, env.to), encodeForDlq(env));
          this.failRequest(env, `${this.address} crashed on it and stopped (escalated after ${this.restarts.count} restarts): ${err.message}`);
          this.o.inspect?.({ kind: 'escalated', address: this.address, error: err.message });
          this.log.error({ err, type: env.type }, 'actor escalated');
          this.stopped = true;
          this.sub?.unsubscribe();
          this.sub = null;
          this.journalStop(); // the decision (taken on the restart window's clock) is in the log at once
          this.o.onEscalate?.(esc);
          return;
        }
        this.o.inspect?.({ kind: 'restart', address: this.address, restarts: this.restarts.count, backoffMs: backoff, error: err.message });
        this.log.warn({ err: err.message, type: env.type, backoff }, 'actor crashed; restarting from last good state');
        await new Promise((r) => setTimeout(r, backoff));
        if (attempt >= this.policy.retriesPerMessage) {
          this.deadLetter('ACTOR_CRASH', `message crashed the actor ${attempt + 1} times: ${err.message}`, subjects.inbox(env.run, env.to), encodeForDlq(env));
          this.failRequest(env, `${this.address} crashed on it ${attempt + 1} times: ${err.message}`);
          return;
        }
      }
    }
  }

  /** One message through the behaviour. A machine's snapshot only advances when the transition succeeds. */
  private async step(env: Envelope): Promise<Outgoing[]> {
    const b = this.o.behavior;
    if (b.kind === 'service') return b.handle(env, { logger: this.log, clock: this.o.clock, address: this.address, journal: (o) => this.journal(o) });
    const [next, actions] = transition(b.machine, this.snapshot as never, env as never);
    const snap = next as AnyMachineSnapshot;
    if (snap.status === 'error') throw snap.error instanceof Error ? snap.error : new Error(String(snap.error));
    this.snapshot = snap;
    this.o.inspect?.({ kind: 'transition', address: this.address, state: snap.value, env });
    return collectSends(actions);
  }

  private emitAll(outs: Outgoing[], cause: Envelope | null): void {
    for (const out of outs) {
      const env = routedTo(this.o.routes, this.address, this.factory.make(out, cause));
      this.o.inspect?.({ kind: 'sent', address: this.address, env });
      if (!this.stopped) this.ledger.track(env);
      this.post(env);
    }
  }

  /** A record for replay on the run's journal subject (in the stream, on no actor's inbox). */
  private journal(out: Outgoing): void {
    if (this.silenced) return;
    const env = this.factory.make(out);
    if (this.o.sink) this.o.sink(env);
    else this.o.bus.publishRaw(subjects.journal(this.o.run, roleOf(this.address)), encode(env));
  }

  private post(env: Envelope): void {
    if (this.silenced) { this.log.warn({ type: env.type, to: env.to }, 'abandoned: another incarnation answers instead; not sent'); return; }
    if (this.o.sink) this.o.sink(env);
    else this.o.bus.send(env);
  }

  /** A request this actor could not answer gets a typed failure reply, so its requester moves on. */
  private failRequest(req: Envelope, reason: string): void {
    if (!requestSpec(req.type) || req.from === this.address) return;
    this.emitAll([{ to: req.from, type: 'request.failed', payload: { request: req.type, requestId: req.id, to: req.to, code: 'crash', reason } }], req);
  }

  /** No answer in time: record a request.failed to ourselves (through the bus, so it is in the log). */
  private deadlinePassed(req: Envelope): void {
    if (this.stopped) return;
    this.o.inspect?.({ kind: 'deadline', address: this.address, request: req });
    this.log.warn({ type: req.type, to: req.to, id: req.id }, 'request deadline passed; the actor moves on');
    const reason = `${req.to} did not answer ${req.type} in time`;
    this.post(this.factory.make({ to: this.address, type: 'request.failed', payload: { request: req.type, requestId: req.id, to: req.to, code: 'deadline', reason } }, req));
  }
}

function encodeForDlq(env: Envelope): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(env));
}
