// A worker (gome worker): hosts the actors of some roles (researcher, developer, validator, memory) for runs
// coordinated on other hosts. It takes a role of a run on request, builds that role's actors from the run's
// configuration and task as the coordinating host would (cli/run/actor-wiring.ts), and hosts each on a durable inbox,
// so messages wait for it while it is down. Restarted, it takes up the roles it held (kept in <work>/runs/<run>/),
// rebuilding each actor from its last checkpoint (runtime/checkpoint.ts, written by its host to a KV bucket) and the
// run's log after it (runtime/resume-plan.ts, as gome resume does from the whole log): its state, what it owed, its
// envelope ids; messages its rebuilt state holds are acked again without being handled twice. An actor without a
// readable checkpoint is rebuilt from the whole log. A role asked for again (a run resumed on its coordinating host)
// that no worker holds any more is taken up the same way: whenever the log already holds a role's actors, they go on.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Msg, Subscription } from 'nats';
import { roleOf, subjects } from '../../protocols/subjects.ts';
import type { ActorHost, CheckpointSink, ResumePoint } from '../../runtime/actor-host.ts';
import type { Bus } from '../../runtime/bus.ts';
import type { Clock } from '../../runtime/clock.ts';
import { DurableInbox } from '../../runtime/durable-inbox.ts';
import { bodyOf, type LoggedMessage } from '../../runtime/gomelog.ts';
import { encodeBody, parseBody } from '../../runtime/json-body.ts';
import { Leases, watchForTakeovers, type HeldLease } from '../../runtime/leases.ts';
import type { Checkpoint } from '../../runtime/checkpoint.ts';
import { CheckpointStore } from '../../runtime/checkpoint-store.ts';
import type { Logger } from '../../runtime/logger.ts';
import { readerName, Recorder } from '../../runtime/recorder.ts';
import { planResume } from '../../runtime/resume-plan.ts';
import { hostActors } from '../run/actor-wiring.ts';
import { roleAddresses } from '../../actors/addresses.ts';
import { machinesWith } from '../run/role-loader.ts';
import { WorkerAttach, workerSubjects, type WorkerAttachReply, type WorkerRole } from './worker-protocol.ts';

export interface WorkerOptions {
  bus: Bus;
  workDir: string;
  roles: readonly WorkerRole[];
  /** Serve this run only (else any run, in each role's queue group). */
  run?: string;
  logger: Logger;
  clock: Clock;
}

interface Held { req: WorkerAttach; hosts: ActorHost[]; inboxes: DurableInbox[]; lease: HeldLease }

/** A lease's body: the role's attach request, and when the run is over at the latest (its lease is then dropped). */
interface RoleLease { req: WorkerAttach; until: number }


export class WorkerNode {
  /** Roles held, by run and role. */
  private readonly held = new Map<string, Held>();
  private readonly subs: Subscription[] = [];
  readonly name = `${hostname()}:${process.pid}`;
  /** Who holds a lease: this host and folder, the same across restarts (a restarted worker keeps its leases). */
  private readonly holder: string;
  private leases: Leases | null = null;
  private checkpoints: CheckpointStore | null = null;
  private stopWatching: (() => void) | null = null;

  constructor(private readonly o: WorkerOptions) { this.holder = `${hostname()}:${resolve(o.workDir)}`; }

  /** Takes up the roles it held before a restart, then answers requests for its roles. */
  async start(): Promise<void> {
    this.leases = await Leases.open(this.o.bus.nc, this.o.bus.replicas());
    this.checkpoints = await CheckpointStore.open(this.o.bus.nc, this.o.bus.replicas());
    const runs = join(this.o.workDir, 'runs');
    mkdirSync(runs, { recursive: true });
    for (const run of readdirSync(runs)) {
      for (const f of readdirSync(join(runs, run)).filter((n) => n.endsWith('.json'))) {
        const parsed = parseBody(WorkerAttach, readFileSync(join(runs, run, f)));
        if (!parsed.ok) { this.o.logger.warn({ run, file: f, error: parsed.error }, 'a kept role cannot be read; it is not taken up again'); continue; }
        const r = await this.attach(parsed.value, true);
        if (!r.ok) rmSync(join(runs, run, f), { force: true }); // taken over by another worker meanwhile, or gone
        this.o.logger.info({ run, role: parsed.value.role, ok: r.ok, ...(r.ok ? {} : { error: r.error }) }, 'role taken up again after a restart');
      }
    }
    const nc = this.o.bus.nc;
    for (const role of this.o.roles) {
      const sub = this.o.run
        ? nc.subscribe(workerSubjects.forRun(this.o.run, role), { callback: (_e, m) => void this.onAttach(m) })
        : nc.subscribe(workerSubjects.any(role), { queue: workerSubjects.anyQueue(role), callback: (_e, m) => void this.onAttach(m) });
      this.subs.push(sub);
    }
    this.subs.push(nc.subscribe(workerSubjects.detach, { callback: (_e, m) => void this.detach(new TextDecoder().decode(m.data)) }));
    await nc.flush();
    // roles whose worker was lost (its lease expired) are taken over here, each actor rebuilt from the run's log
    this.stopWatching = watchForTakeovers(() => this.takeOver());
  }

  private async takeOver(): Promise<void> {
    for (const role of this.o.roles) {
      let expired: Array<{ key: string; value: { holder: string; body: RoleLease } }>;
      try { expired = await this.leases!.expired<RoleLease>(role); } catch { continue; }
      for (const { value } of expired) {
        const parsed = WorkerAttach.safeParse(value.body?.req);
        if (!parsed.success || (this.o.run && parsed.data.run !== this.o.run) || Date.now() > value.body.until) continue;
        if (this.held.has(`${parsed.data.run}/${parsed.data.role}`)) continue; // its own, not renewed for a while (a partition)
        const r = await this.attach(parsed.data, true);
        if (r.ok) this.o.logger.warn({ run: parsed.data.run, role, from: value.holder }, 'took over a role whose worker was lost');
      }
    }
  }

  /** The actors hosted now (tests, progress). */
  get actors(): string[] { return [...this.held.values()].flatMap((h) => h.hosts.map((x) => x.address)); }

  private async onAttach(m: Msg): Promise<void> {
    const parsed = parseBody(WorkerAttach, m.data);
    const reply: WorkerAttachReply = parsed.ok ? await this.attach(parsed.value, false) : { ok: false, error: parsed.error };
    m.respond(encodeBody(reply));
  }

  /**
   * Hosts a role's actors of a run, each rebuilt from its checkpoint and the run's log when the log holds it (a restart,
   * a takeover, a resumed run), else started. `takeUp`: taken up or over without a request (a failure then keeps the
   * lease, which expires so that this or another worker tries again).
   */
  async attach(req: WorkerAttach, takeUp: boolean): Promise<WorkerAttachReply> {
    const key = `${req.run}/${req.role}`;
    if (this.held.has(key)) return { ok: true, worker: this.name, actors: this.held.get(key)!.hosts.map((h) => h.address), resumed: false };
    if (!this.o.roles.includes(req.role)) return { ok: false, error: `worker ${this.name} does not host role ${req.role} (it hosts ${this.o.roles.join(', ')})` };
    const log = this.o.logger.child({ run: req.run, role: req.role });
    // the role's lease: only one worker hosts it; the run ends by its budget and grace at the latest
    const until = Date.now() + req.config.budgetMs + req.config.graceMs;
    const lease = await this.leases!.claim<RoleLease>(`${req.run}.${req.role}`, this.holder, { req, until }, () => void this.lost(key));
    if (!lease) return { ok: false, error: `role ${req.role} of run ${req.run} is held by another live worker` };
    try {
      const dir = join(this.o.workDir, 'runs', req.run);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${req.role}.json`), JSON.stringify(req));
      const only = new Set<string>([req.role]);
      const recorder = await Recorder.ensure(this.o.bus.nc, req.run, { replicas: this.o.bus.replicas() });
      const addresses = roleAddresses(req.role, req.config.topology.traces);
      const checkpoints = await this.readCheckpoints(req.run, addresses, log);
      // what the log holds of this role (to its actors, from them, their journal) from the earliest checkpoint on (all
      // of it when an actor has none): all a replay of them needs, and all its NATS user may read
      const from = checkpoints.size === addresses.length ? Math.min(...[...checkpoints.values()].map((c) => c.through)) + 1 : 1;
      const messages: LoggedMessage[] = [];
      for (const f of [`gome.${req.run}.${req.role}.*.*`, `gome.${req.run}.*.*.${req.role}`, subjects.journal(req.run, req.role)]) {
        for await (const m of recorder.readRaw(f, readerName(req.role), from)) messages.push({ seq: m.seq, subject: m.subject, body: bodyOf(m.data) });
      }
      messages.sort((a, b) => a.seq - b.seq);
      messages.splice(0, messages.length, ...messages.filter((m, i) => i === 0 || m.seq !== messages[i - 1]!.seq)); // a message to itself matched twice
      // an actor that was started (its checkpoint, or its actor.start in the log) continues from its rebuilt state
      const plan = messages.length || checkpoints.size ? planResume(messages, machinesWith([]), checkpoints) : null;
      const mine = (a: string) => roleOf(a) === req.role;
      const resumed = plan ? [...plan.machines].filter(mine) : [];
      // each of the role's actors gets its durable inbox, and writes its checkpoints
      const durable = new Map<string, { inbox: DurableInbox; checkpoints: CheckpointSink }>();
      for (const a of addresses) durable.set(a, { inbox: await DurableInbox.open(this.o.bus.nc, req.run, a), checkpoints: this.checkpoints!.sink() });
      const resume = resumed.length ? new Map<string, ResumePoint>(resumed.map((a) => [a, plan!.points.get(a)!])) : undefined;
      const hosts = hostActors({ bus: this.o.bus, runId: req.run, clock: this.o.clock, config: req.config, task: req.task, root: log,
        gpu: null, brain: null, judge: req.judge, idPrefix: req.idPrefix, only, durable, ...(resume ? { resume } : {}) });
      for (const h of hosts) h.listen();
      for (const h of hosts) h.start();
      this.held.set(key, { req, hosts, inboxes: [...durable.values()].map((d) => d.inbox), lease });
      log.info({ actors: hosts.map((h) => h.address), resumed: resumed.length, fromCheckpoints: checkpoints.size, logFrom: from, logRead: messages.length }, 'role attached');
      return { ok: true, worker: this.name, actors: hosts.map((h) => h.address), resumed: resumed.length > 0 };
    } catch (e) {
      // a role being taken up or over keeps its lease, which expires so that this or another worker tries again
      if (takeUp) lease.stop(); else await lease.release();
      log.error({ err: (e as Error).message }, 'role could not be attached');
      return { ok: false, error: `worker ${this.name} could not take role ${req.role} of run ${req.run}: ${(e as Error).message}` };
    }
  }

  /** The checkpoints of these actors of a run that can be read (one that cannot is rebuilt from the whole log). */
  private async readCheckpoints(run: string, addresses: readonly string[], log: Logger): Promise<Map<string, Checkpoint>> {
    const out = new Map<string, Checkpoint>();
    for (const a of addresses) {
      try {
        const cp = await this.checkpoints!.read(run, a);
        if (cp) out.set(a, cp);
      } catch (e) {
        log.warn({ actor: a, err: (e as Error).message }, 'checkpoint unreadable; the actor is rebuilt from the whole log');
      }
    }
    return out;
  }

  /** A run is over: its actors here stop, their consumers are removed, and the kept roles are forgotten. */
  async detach(run: string): Promise<void> {
    for (const [key, h] of [...this.held]) {
      if (h.req.run !== run) continue;
      this.held.delete(key);
      await h.lease.release();
      for (const host of h.hosts) await host.stop();
      for (const i of h.inboxes) await i.remove();
      await this.checkpoints!.remove(run, h.hosts.map((x) => x.address)).catch(() => undefined);
      rmSync(join(this.o.workDir, 'runs', run, `${h.req.role}.json`), { force: true });
    }
    if (existsSync(join(this.o.workDir, 'runs', run)) && readdirSync(join(this.o.workDir, 'runs', run)).length === 0) rmSync(join(this.o.workDir, 'runs', run), { recursive: true });
  }

  /** Stops hosting (a signal): actors stop, what they had not handled stays in their consumers for the next life. */
  async close(): Promise<void> {
    this.stopWatching?.();
    for (const s of this.subs) s.unsubscribe();
    // leases are not released: they expire, and another worker takes the roles over
    for (const h of this.held.values()) { h.lease.stop(); for (const host of h.hosts) await host.stop(); }
    this.held.clear();
  }

  /** Another worker took the role (this one's renewal failed, e.g. after a partition): its actors here stop. */
  private async lost(key: string): Promise<void> {
    const h = this.held.get(key);
    if (!h) return;
    this.held.delete(key);
    this.o.logger.warn({ run: h.req.run, role: h.req.role }, 'lost the lease on a role to another worker; its actors here stop');
    for (const host of h.hosts) await host.abandon(); // the taker's rebuilt actors send and journal from here on
    rmSync(join(this.o.workDir, 'runs', h.req.run, `${h.req.role}.json`), { force: true });
  }
}
