// The GPU node as its own process on the GPU host (gome gpu-node): it takes runs that ask on gome._gpu.attach, fetches
// each run's data from the object store by id into its own work folder, and hosts the run's gpu actor on a JetStream
// durable inbox, so a job being run when this process dies is run again by its next life. Nothing here reads the
// coordinating host's files: data, labels and submissions travel as artifacts, the rest as messages. A run it served is
// taken up again on restart (its attach request is kept in <work>/runs/<run>/attach.json until the run detaches).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Msg, Subscription } from 'nats';
import { addr } from '../actors/addresses.ts';
import { HarnessScorer } from '../grading/harness-scorer.ts';
import { decode } from '../protocols/codec.ts';
import { subjects } from '../protocols/subjects.ts';
import { ActorHost } from '../runtime/actor-host.ts';
import { ArtifactStore } from '../runtime/artifact-store.ts';
import type { Bus } from '../runtime/bus.ts';
import type { Clock } from '../runtime/clock.ts';
import { DurableInbox } from '../runtime/durable-inbox.ts';
import { actorLogger, type Logger } from '../runtime/logger.ts';
import { readerName, Recorder } from '../runtime/recorder.ts';
import { Leases, watchForTakeovers, type HeldLease } from '../runtime/leases.ts';
import { encodeBody, GPU_QUEUE, GPU_SUBJECTS, GpuAttach, GpuDetach, parseBody, type GpuAttachReply, type GpuDetachReply } from './attach-protocol.ts';
import { BUDGET_FILE, BudgetClock } from './budget-clock.ts';
import { gpuNodeBehavior } from './gpu-actor.ts';
import { GpuNode } from './gpu-node.ts';
import type { SandboxKind } from './sandbox.ts';

export interface RemoteNodeOptions {
  bus: Bus;
  /** This node's own folder: fetched data (cache), and per run its data, budget and job workspaces. */
  workDir: string;
  sandbox: SandboxKind;
  python: string;
  logger: Logger;
  clock: Clock;
  cpus?: number;
  memoryLimitMb?: number | null;
}

interface Served { req: GpuAttach; node: GpuNode; host: ActorHost; inbox: DurableInbox; budget: BudgetClock; dir: string; stopPersisting: () => void; lease: HeldLease }

/**
 * A served run's lease value (runtime/leases.ts), renewed every 2 s: what another node needs to take the run over —
 * the attach request, the budget as charged so far, and the job running now — and when the run is over at the latest.
 */
interface GpuLease {
  req: GpuAttach;
  until: number;
  budget: { budgetMs: number; startedAt: number; elapsedMs: number; refundedMs: number } | null;
  running: { jobId: string; elapsedMs: number } | null;
}

/** A run is over by its budget plus at most this (its grace and wind-down) after it was attached. */
const RUN_END_SLACK_MS = 120_000;

const ATTACH_FILE = 'attach.json';
const DETACHED_FILE = 'detached.json';

export class RemoteGpuNode {
  private readonly runs = new Map<string, Served>();
  private readonly subs: Subscription[] = [];
  private store: ArtifactStore | null = null;
  private leases: Leases | null = null;
  private stopWatching: (() => void) | null = null;
  readonly name = `${hostname()}:${process.pid}`;
  /** Who holds a lease: this host and folder, the same across restarts. */
  private readonly holder: string;

  constructor(private readonly o: RemoteNodeOptions) { this.holder = `${hostname()}:${resolve(o.workDir)}`; }

  /** Opens the object store, takes up the runs it served before a restart, then answers attach and detach requests. */
  async start(): Promise<void> {
    mkdirSync(join(this.o.workDir, 'runs'), { recursive: true });
    this.store = await ArtifactStore.open(this.o.bus.nc, { cacheDir: join(this.o.workDir, 'cache'), replicas: this.o.bus.replicas() });
    this.leases = await Leases.open(this.o.bus.nc, this.o.bus.replicas());
    for (const run of readdirSync(join(this.o.workDir, 'runs'))) {
      const f = join(this.o.workDir, 'runs', run, ATTACH_FILE);
      if (!existsSync(f)) continue;
      const parsed = parseBody(GpuAttach, readFileSync(f));
      if (!parsed.ok) { this.o.logger.warn({ run, error: parsed.error }, 'a kept attach request cannot be read; the run is not taken up again'); continue; }
      const r = await this.attach(parsed.value);
      if (!r.ok) renameSync(f, join(this.o.workDir, 'runs', run, DETACHED_FILE)); // taken over by another node meanwhile, or gone
      this.o.logger.info({ run, ok: r.ok, ...(r.ok ? {} : { error: r.error }) }, 'run taken up again after a restart');
    }
    const nc = this.o.bus.nc;
    this.subs.push(nc.subscribe(GPU_SUBJECTS.attach, { queue: GPU_QUEUE, callback: (_e, m) => void this.onAttach(m) }));
    this.subs.push(nc.subscribe(GPU_SUBJECTS.detach, { callback: (_e, m) => void this.onDetach(m) }));
    await nc.flush();
    // runs whose node was lost (its lease expired) are taken over here: the budget as it last renewed it, the job it
    // was running run again with what it charged for it refunded
    this.stopWatching = watchForTakeovers(() => this.takeOver());
    this.o.logger.info({ workDir: this.o.workDir, sandbox: this.o.sandbox }, 'gpu node serving runs');
  }

  private async takeOver(): Promise<void> {
    let expired: Array<{ key: string; value: { holder: string; body: GpuLease } }>;
    try { expired = await this.leases!.expired<GpuLease>('gpu'); } catch { return; }
    for (const { value } of expired) {
      const req = GpuAttach.safeParse(value.body?.req);
      if (!req.success || this.runs.has(req.data.run) || Date.now() > value.body.until) continue;
      const r = await this.attach(req.data, value.body);
      if (r.ok) this.o.logger.warn({ run: req.data.run, from: value.holder, running: value.body.running?.jobId ?? null }, 'took over a run whose GPU node was lost');
    }
  }

  /** The runs being served (tests, progress). */
  get served(): string[] { return [...this.runs.keys()]; }

  private async onAttach(m: Msg): Promise<void> {
    const parsed = parseBody(GpuAttach, m.data);
    const reply: GpuAttachReply = parsed.ok ? await this.attach(parsed.value) : { ok: false, error: parsed.error };
    m.respond(encodeBody(reply));
  }

  private async onDetach(m: Msg): Promise<void> {
    const parsed = parseBody(GpuDetach, m.data);
    if (!parsed.ok) { m.respond(encodeBody({ ok: false, error: parsed.error } satisfies GpuDetachReply)); return; }
    if (!this.runs.has(parsed.value.run)) return; // another node's run: that node answers
    m.respond(encodeBody(await this.detach(parsed.value.run)));
  }

  /**
   * Serves a run: its data fetched by id, its scorer, budget and node built, its gpu actor on the durable inbox.
   * `from`: taking over from a lost node, its last lease value (the budget it had charged, the job it was running).
   */
  async attach(req: GpuAttach, from?: GpuLease): Promise<GpuAttachReply> {
    if (this.runs.has(req.run)) {
      // asked again: the run was resumed on its coordinating host, whose clock did not count the time it was down
      const s = this.runs.get(req.run)!;
      const behind = req.budgetMs - s.budget.remainingMs();
      if (behind > 1_000) {
        s.budget.uncount(behind);
        this.o.logger.warn({ run: req.run, uncountedMs: Math.round(behind) }, 'the run was resumed on its coordinating host: the time it was down is not counted');
      }
      return { ok: true, node: this.name, sandbox: s.node.stats().sandbox ?? this.o.sandbox, gpus: s.node.stats().gpus?.length ?? 0, resumed: false };
    }
    const dir = join(this.o.workDir, 'runs', req.run);
    const log = this.o.logger.child({ run: req.run });
    // one node serves a run: its lease, renewed with the budget and running job as they are then
    let built: { node: GpuNode; budget: BudgetClock } | null = null;
    const until = from?.until ?? Date.now() + req.budgetMs + RUN_END_SLACK_MS;
    const lease = await this.leases!.claim<GpuLease>(`${req.run}.gpu`, this.holder, () => ({
      req, until, running: built?.node.running() ?? from?.running ?? null,
      budget: built ? { budgetMs: built.budget.budgetMs, startedAt: built.budget.startedAt, elapsedMs: built.budget.elapsedMs(), refundedMs: built.budget.refundedMs() } : from?.budget ?? null,
    }), () => void this.lost(req.run));
    if (!lease) return { ok: false, error: `run ${req.run} is served by another live GPU node` };
    try {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, ATTACH_FILE), JSON.stringify(req, null, 2));
      const store = this.store!;
      const dataDir = join(dir, 'data');
      const fullDir = join(dir, 'full');
      await store.getDir(req.data, dataDir);
      await store.getDir(req.fullData, fullDir);
      const holdoutLabelsPath = req.holdoutLabels ? await store.getFile(req.holdoutLabels, join(dir, 'harness', 'holdout_labels.csv')) : null;
      const scorer = await HarnessScorer.load({ ...req.competition, answersPath: '(the held-back labels)' }, { dataDir, holdoutLabelsPath, folds: req.folds });
      const budget = from?.budget && !existsSync(join(dir, BUDGET_FILE))
        ? BudgetClock.continueFrom(join(dir, BUDGET_FILE), this.o.clock, from.budget)
        : BudgetClock.open(dir, this.o.clock, req.budgetMs);
      const stopPersisting = budget.persistEvery();
      const node = new GpuNode({
        jobsRoot: join(dir, 'jobs'), budget, sandbox: this.o.sandbox, python: this.o.python, logger: actorLogger(log, req.run, addr.gpu), clock: this.o.clock,
        // the sandbox binds only the job's data and workspace; the held-back labels are masked besides (the full rows
        // are the final refit's data, which must see them)
        seal: { maskPaths: [...req.maskPaths, join(dir, 'harness')] }, scorer,
        datasets: new Map([[req.data, dataDir], [req.fullData, fullDir]]), artifacts: store,
        ...(from?.running ? { lostAttempts: new Map([[from.running.jobId, from.running.elapsedMs]]) } : {}),
        onJobStart: () => lease.refresh(),
        ...(this.o.cpus ? { cpus: this.o.cpus } : {}), ...(this.o.memoryLimitMb !== undefined ? { memoryLimitMb: this.o.memoryLimitMb } : {}),
        onBreakerOpen: (err) => log.error({ err: err.message }, 'circuit breaker open: this node refuses the run\'s jobs'),
      });
      await node.ready();
      built = { node, budget };
      // what earlier lives of this actor sent: its envelope ids go on after them, and requests they answered are not run again
      const before = await sentBefore(this.o.bus, req.run, addr.gpu);
      const inbox = await DurableInbox.open(this.o.bus.nc, req.run, addr.gpu);
      const host = new ActorHost({
        bus: this.o.bus, run: req.run, trace: 'run', address: addr.gpu, behavior: gpuNodeBehavior(node), clock: this.o.clock,
        logger: actorLogger(log, req.run, addr.gpu), durable: inbox, handled: before.answered,
        ...(before.nextSeq > 0 ? { resume: { nextSeq: before.nextSeq } } : {}),
      });
      host.start();
      this.runs.set(req.run, { req, node, host, inbox, budget, dir, stopPersisting, lease });
      const st = node.stats();
      log.info({ resumed: before.nextSeq > 0, answered: before.answered.size }, 'run attached');
      return { ok: true, node: this.name, sandbox: st.sandbox ?? this.o.sandbox, gpus: st.gpus?.length ?? 0, resumed: before.nextSeq > 0 };
    } catch (e) {
      // a run being taken over keeps its lease, which expires so that this or another node tries again
      if (from) lease.stop(); else await lease.release();
      log.error({ err: (e as Error).message }, 'run could not be attached');
      return { ok: false, error: `GPU node ${this.name} could not take run ${req.run}: ${(e as Error).message}` };
    }
  }

  /** Ends a run here: its running job killed, its actor stopped, its consumer removed; answers with the node's figures. */
  async detach(run: string): Promise<GpuDetachReply> {
    const s = this.runs.get(run);
    if (!s) return { ok: false, error: `GPU node ${this.name} does not serve run ${run}` };
    this.runs.delete(run);
    await s.lease.release();
    await s.node.close();
    await s.host.stop();
    await s.inbox.remove();
    s.stopPersisting();
    renameSync(join(s.dir, ATTACH_FILE), join(s.dir, DETACHED_FILE));
    const st = s.node.stats();
    const b = s.budget.snapshot();
    return { ok: true, node: this.name, figures: {
      busyMs: st.busyMs, elapsedMs: st.elapsedMs, jobs: st.jobsRun, sandbox: st.sandbox, gpus: st.gpus?.length ?? null,
      byStatus: { ...st.byStatus }, usedMs: b.usedMs, refundedMs: b.refundedMs,
    } };
  }

  /**
   * Another node took the run over (this one's renewal failed, e.g. after a partition): its actor here stops taking
   * messages first, then the node closes, so the job it was running is answered by the node that took over only.
   */
  private async lost(run: string): Promise<void> {
    const s = this.runs.get(run);
    if (!s) return;
    this.runs.delete(run);
    this.o.logger.warn({ run }, 'lost the lease on a run to another GPU node; it stops serving the run');
    await s.host.abandon();
    await s.node.close(); // the job it was running is killed, and its outcome not sent
    s.stopPersisting();
    renameSync(join(s.dir, ATTACH_FILE), join(s.dir, DETACHED_FILE));
  }

  /** Stops serving (a signal): running jobs are killed (their outcome says so), inboxes kept for the next life. */
  async close(): Promise<void> {
    this.stopWatching?.();
    for (const sub of this.subs) sub.unsubscribe();
    for (const s of this.runs.values()) {
      s.lease.stop(); // not released: it expires, and another node may take the run over
      await s.node.close();
      await s.host.stop();
      s.stopPersisting();
    }
    this.runs.clear();
  }
}

/** What the run's log holds of an actor's sends: the next envelope seq, and the requests it answered. */
async function sentBefore(bus: Bus, run: string, address: string): Promise<{ nextSeq: number; answered: Set<string> }> {
  const rec = await Recorder.ensure(bus.nc, run, { replicas: bus.replicas() });
  const role = address.split('.')[0]!;
  let nextSeq = 0;
  const answered = new Set<string>();
  const take = (data: Uint8Array): void => {
    try {
      const env = decode(data);
      if (env.from !== address) return;
      nextSeq = Math.max(nextSeq, env.seq + 1);
      if (env.causation) answered.add(env.causation);
    } catch { /* not an envelope: not ours */ }
  };
  for await (const m of rec.readRaw(`gome.${run}.*.*.${role}`, readerName(role))) take(m.data);
  for await (const m of rec.readRaw(subjects.journal(run, role), readerName(role))) take(m.data);
  return { nextSeq, answered };
}
