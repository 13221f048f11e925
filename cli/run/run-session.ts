// One Gome run end to end: prepare, configure, start NATS and every actor, drive the loop to the budget, then report.
// Every run ends: at the budget, at the hard wall-clock deadline (budget + grace), on a signal, when the GPU node's
// circuit breaker opens, or when an actor escalates; whichever way, the run directory is completed and consistent.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigInvalid, RunConfig, parseConfig, safeRunId, type RunConfigInput, type TaskInfo } from '../../protocols/index.ts';
import { customRoles } from '../../protocols/topology.ts';
import { randomBytes } from 'node:crypto';
import { roleModels } from '../../protocols/config.ts';
import { prepareRunData, type RunData } from './run-data.ts';
import { attachRemoteGpu, detachRemoteGpu } from './remote-gpu.ts';
import { attachWorkers, detachWorkers } from './remote-workers.ts';
import { ArtifactStore } from '../../runtime/artifact-store.ts';
import type { GpuNodeFigures } from '../../gpu-node/attach-protocol.ts';
import type { Envelope, Payload } from '../../protocols/messages.ts';
import type { JobOutcome } from '../../protocols/domain.ts';
import { bodyOf, type LoggedMessage } from '../../runtime/gomelog.ts';
import { planResume, type ResumePlan } from '../../runtime/resume-plan.ts';
import { RunNotResumable } from './run-not-resumable.ts';
import type { ActorHost } from '../../runtime/actor-host.ts';
import { Bus } from '../../runtime/bus.ts';
import { DurableInbox } from '../../runtime/durable-inbox.ts';
import { requestSpec } from '../../protocols/requests.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { EmbeddedNats, killAllEmbedded } from '../../runtime/embedded-nats.ts';
import { createRootLogger } from '../../runtime/logger.ts';
import { Recorder } from '../../runtime/recorder.ts';
import type { MetricName } from '../../protocols/domain.ts';
import { addr } from '../../actors/addresses.ts';
import { brainBehavior } from '../../actors/brain/brain-actor.ts';
import type { Brain } from '../../actors/brain/brain.ts';
import { createBrain, type RunBrain } from './brain-factory.ts';
import { BudgetClock } from '../../gpu-node/budget-clock.ts';
import { GpuNode } from '../../gpu-node/gpu-node.ts';
import { gpuNodeBehavior } from '../../gpu-node/gpu-actor.ts';
import { sealFor } from '../../gpu-node/seal.ts';
import { ensurePrepared } from './prepare.ts';
import { buildTaskInfo, describeTask } from './task-info.ts';
import { RunArchive } from './run-archive.ts';
import { progressPrinter } from './progress.ts';
import { RunPidFile, reapOrphans } from './run-pid-file.ts';
import { RunStopper, type StopRequest } from './run-stopper.ts';
import { finalRefit, type RefitResult } from './final-refit.ts';
import { finalizeRun, summarise, type FinalizedRun, type RunBasics, type RunStatus } from './run-finalize.ts';
import { hostActors } from './actor-wiring.ts';
import { loadRoles, machinesWith, withRoleFiles } from './role-loader.ts';
import type { LoadedRole } from '../../actors/custom-role.ts';
import type { MachineRegistry } from '../../runtime/replay.ts';
import { GOME_VERSION } from '../version.ts';

export interface RunOptions {
  competitionDir: string;
  runsRoot?: string;
  runId?: string;
  natsUrl?: string;
  /** The nkey seed file of this host's NATS user (gome nats-auth), for a natsUrl server with users. */
  natsKeyFile?: string;
  config?: Partial<RunConfigInput>;
  /** Overrides the brain (tests, LLM brains); defaults to the config's brain. */
  brain?: Brain;
  /** Metric for a plain MLE-bench folder whose description.md does not name one clearly. */
  metric?: MetricName;
  /** Positive class of a binary probability target (--positive); must be one of the observed labels. */
  positive?: string;
  /** Progress lines; default stderr. Pass null for silence. */
  progress?: ((line: string) => void) | null;
  logLevel?: string;
  /** Handle SIGINT/SIGTERM (graceful stop, a second signal forces the exit). The CLI sets it; library callers need not. */
  handleSignals?: boolean;
  /** Jobs run on a GPU node on another host (gome gpu-node) reached through natsUrl, not in this process. */
  remoteGpu?: boolean;
  /**
   * Coordinate only: the Researcher, Developer, Validator and Memory actors run on workers (gome worker) and the jobs
   * on a GPU node (gome gpu-node), all reached through natsUrl; this process hosts the coordinator and the brain.
   */
  remote?: boolean;
}

/** What a run hands back: its directory, final status, submission, report and metrics. */
export type RunResult = FinalizedRun;

/** After run.finished, how long trailing messages (the last records) may take before the reports are written. */
const SETTLE_MS = 3_000;
/** What the coordinating host of a --remote run hosts itself: the loop's coordinator and the brain. */
const COORDINATING_ROLES: ReadonlySet<string> = new Set(['coordinator', 'brain']);

function defaultRunId(comp: string, seed: number): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${safeRunId(comp)}-${t}-s${seed}`;
}

export async function runCompetition(opts: RunOptions): Promise<RunResult> {
  const say = opts.progress === undefined ? (l: string) => process.stderr.write(l + '\n') : (opts.progress ?? (() => {}));
  const runsRoot = resolve(opts.runsRoot ?? 'runs');
  for (const r of reapOrphans(runsRoot)) say(`reaped an earlier run that was killed: ${r.runDir}${r.killed.length ? ` (stopped ${r.killed.join(', ')})` : ''}`);
  const configIn = { budgetMs: 300_000, ...opts.config };
  if (opts.natsKeyFile !== undefined) {
    if (!opts.natsUrl) throw new ConfigInvalid(['--nats-key was given without --nats: the embedded NATS server has no users; give the --nats URL of the server the key belongs to.']);
    if (!existsSync(opts.natsKeyFile)) throw new ConfigInvalid([`--nats-key was ${JSON.stringify(opts.natsKeyFile)}, but there is no such file: give the .nk file gome nats-auth wrote for this host.`]);
  }
  const flag = opts.remote ? '--remote' : '--remote-gpu';
  if (opts.remoteGpu || opts.remote) {
    if (!opts.natsUrl) throw new ConfigInvalid([`${flag} was given without --nats: actors on other hosts are reached through a NATS server the hosts share; give its --nats URL.`]);
  }
  const preflight = parseConfig(RunConfig, { ...configIn, runId: 'preflight', competitionDir: '.', runDir: '.' }); // config errors before any work
  // the topology's custom roles, loaded and checked before any work; the run records each file's path and sha256
  const roles = await loadRoles(preflight.topology);
  if (opts.remote && roles.length) throw new ConfigInvalid(['--remote with custom roles is not built yet: workers host the built-in roles only; run the topology without --remote.']);
  if (roles.length) configIn.topology = withRoleFiles(preflight.topology, roles);
  const python = configIn.python ?? '/usr/bin/python3';
  const comp = await ensurePrepared(opts.competitionDir, python, say, opts.metric, opts.positive);
  const publicTask = await buildTaskInfo(comp);
  const runId = opts.runId ?? defaultRunId(comp.id, configIn.seed ?? 0);
  const runDir = resolve(runsRoot, runId);
  const config = parseConfig(RunConfig, { ...configIn, runId, competitionDir: comp.root, runDir });
  mkdirSync(runDir, { recursive: true });
  const data = await prepareRunData(comp, runDir, config, publicTask);
  const { split, task } = data;
  const clock = new SystemClock();
  const startedAt = clock.now();
  const sealed = config.sandbox !== 'none';
  // experiment ids unique beyond this run: a random tag before each (k3f9a2qx-t0-e3); replay and resume take it from the
  // log. A cassette re-run reproduces the recorded run's experiments, prompts and all, so it keeps that run's ids.
  const idPrefix = config.brain.kind === 'replay' ? recordedIdPrefix(config.brain.cassette) : `${experimentTag()}-`;
  const meta = { gome: GOME_VERSION, node: process.version, status: 'running', startedAt: new Date(startedAt).toISOString(), sealed, experimentIdPrefix: idPrefix, config,
    ...(opts.remoteGpu || opts.remote ? { remoteGpu: true } : {}), ...(opts.remote ? { remoteWorkers: true } : {}), task: { ...task, description: undefined } };
  writeFileSync(join(runDir, 'run_meta.json'), JSON.stringify(meta, null, 2));
  say(`gome run ${runId}\n  competition ${comp.id} (${comp.taskType}, ${comp.metric}, ${task.nTrainRows} train rows)\n  budget ${(config.budgetMs / 1000).toFixed(0)} s (hard stop at +${config.graceMs / 1000} s), seed ${config.seed}, brain ${config.brain.kind}, sandbox ${config.sandbox}\n  ${describeTopology(config.topology)}\n  resolved topology ${JSON.stringify(config.topology)}\n  run dir ${runDir}
  config ${JSON.stringify(config)}`);
  say(describeTask(task)); // the task as understood (type, metric, direction, target, positive class / classes)
  say(`  harness: ${split.folds} fixed folds over ${split.trainRows} rows, ${split.holdoutRows} rows held back (their labels never enter the sandbox); a change is accepted beyond ${config.acceptK} corrected SE`);
  if (!sealed) say('  WARNING: --sandbox none: jobs run unsealed and could read the answers; run_meta.json and the report say so.');
  return drive({ opts, say, runId, runDir, comp, task, config, meta, clock, startedAt, data, resume: false, roles, idPrefix });
}

/**
 * The durable inboxes of the coordinator and the brain (a run with workers elsewhere), and the requests the brain
 * answered in the log so far (a resumed run: acked again without being answered twice).
 */
async function coordinatingInboxes(bus: Bus, run: string, plan: ResumePlan | null): Promise<Map<string, { inbox: DurableInbox; handled?: Iterable<string> }>> {
  const open = new Set((plan?.points.get(addr.brain)?.redeliver ?? []).map((e) => e.id));
  const answered = (plan?.envelopes ?? []).filter((e) => e.to === addr.brain && requestSpec(e.type) && !open.has(e.id)).map((e) => e.id);
  return new Map([
    [addr.coordinator, { inbox: await DurableInbox.open(bus.nc, run, addr.coordinator) }],
    [addr.brain, { inbox: await DurableInbox.open(bus.nc, run, addr.brain), handled: answered }],
  ]);
}

/** 40 random bits in base 36 (8 characters): the tag that makes a run's experiment ids unique beyond it. */
export function experimentTag(): string {
  return BigInt(`0x${randomBytes(5).toString('hex')}`).toString(36).padStart(8, '0');
}

/** The experiment id prefix of the run a cassette was recorded in (run_meta.json beside it); none for runs made before ids had one. */
function recordedIdPrefix(cassette: string): string {
  const dir = existsSync(cassette) && statSync(cassette).isDirectory() ? cassette : dirname(cassette);
  try {
    const p = (JSON.parse(readFileSync(join(dir, 'run_meta.json'), 'utf8')) as { experimentIdPrefix?: unknown }).experimentIdPrefix;
    return typeof p === 'string' ? p : '';
  } catch { return ''; }
}

/** The run's topology in one line: `topology gome (policy gradient, traces 4, memory on, reasoning on)`. */
export function describeTopology(t: RunConfig['topology']): string {
  const on = (b: boolean) => (b ? 'on' : 'off');
  const custom = customRoles(t).map(([n, r]) => `${n} ×${r.count === undefined || r.count === 'per-trace' ? ' per trace' : ` ${r.count}`}`);
  return `topology ${t.name} (policy ${t.policy.kind}, traces ${t.traces}, memory ${on(t.memory)}, reasoning ${on(t.structuredReasoning)}${custom.length ? `, custom roles ${custom.join(', ')}` : ''})`;
}

/** A run ready to go: fresh (runCompetition) or continued from its log (resumeRun). */
export interface Session extends RunBasics {
  opts: Pick<RunOptions, 'natsUrl' | 'natsKeyFile' | 'brain' | 'logLevel' | 'handleSignals' | 'remoteGpu' | 'remote'>;
  say: (line: string) => void;
  clock: SystemClock;
  /** When the run first started (clock ms). */
  startedAt: number;
  /** The run's split, scorer and data ids (cli/run/run-data.ts). */
  data: RunData;
  /** Continue from the run's own log (its NATS store) instead of starting the loop. */
  resume: boolean;
  /** The topology's custom roles, loaded (cli/run/role-loader.ts). */
  roles: readonly LoadedRole[];
  /** The run's experiment id prefix (a random tag, recorded in run_meta.json and in the researchers' inputs). */
  idPrefix: string;
}

/** Starts NATS and every actor (fresh, or rebuilt from the log), drives the loop to its end, refits and reports. */
export async function drive(s: Session): Promise<RunResult> {
  const { opts, say, runId, runDir, comp, task, config, meta, clock, startedAt } = s;
  const { scorer, split, datasets } = s.data;
  const remote = opts.remoteGpu === true || opts.remote === true;
  const workers = opts.remote === true;
  const sealed = config.sandbox !== 'none';
  const metaPath = join(runDir, 'run_meta.json');
  const root = createRootLogger({ level: opts.logLevel ?? 'info', destination: join(runDir, 'gome.log') });
  // budget.json: a fresh clock, or a resumed one that charges nothing for the time the run was down
  const budget = BudgetClock.open(runDir, clock, config.budgetMs);
  // the run's own clock reading when it would have started had it never been down (progress times, wall time)
  const segmentStart = clock.now() - budget.elapsedMs();
  const pidFile = new RunPidFile(runDir);
  const hosts: ActorHost[] = [];
  let nats: EmbeddedNats | null = null;
  let bus: Bus | null = null;
  let gpu: GpuNode | null = null;
  /** A remote GPU node's figures, as it answered the detach. */
  let remoteFigures: GpuNodeFigures | null = null;
  let detached: Promise<GpuNodeFigures | null> | null = null;
  const detach = (): Promise<GpuNodeFigures | null> => (detached ??= bus ? detachRemoteGpu(bus, runId) : Promise.resolve(null));
  let cli: Client | null = null;
  let recorder: Recorder | null = null;
  let archive: RunArchive | null = null;
  let runBrain: RunBrain | null = null;
  /** With workers elsewhere: the coordinator's and the brain's durable inboxes. */
  let coordinating: Map<string, { inbox: DurableInbox; handled?: Iterable<string> }> | null = null;
  /** Why the brain ended the loop early (an LLM cap), for the report. */
  let brainStop: string | null = null;
  // the grace after the budget is split in three: stop the work, let the actors report, write the run directory
  const budgetEndsAt = clock.now() + budget.remainingMs();
  const stopAt = budgetEndsAt + config.graceMs / 3;
  budget.endWorkBy(stopAt);
  // a crash loses at most a second of charged time
  const stopPersisting = budget.persistEvery();
  const stopper = new RunStopper({
    stopAt,
    abandonAt: budgetEndsAt + (2 * config.graceMs) / 3,
    now: () => clock.now(),
    handleSignals: opts.handleSignals ?? false,
    onStop: (req: StopRequest) => {
      say(`\nstopping: ${req.reason}`);
      root.warn({ reason: req.reason, status: req.status }, 'run stopping');
      cli?.send(addr.coordinator, 'run.stop', { reason: req.reason });
      runBrain?.abort(); // LLM calls in flight are cancelled
      void gpu?.close(); // kills the running job's process group; queued jobs resolve as infra
      if (remote) void detach(); // the remote node does the same
    },
    onForce: (sig) => {
      // a second signal: nothing may keep running, and the run directory must still say what happened
      void gpu?.close();
      killAllEmbedded();
      try {
        const m = JSON.parse(readFileSync(metaPath, 'utf8'));
        writeFileSync(metaPath, JSON.stringify({ ...m, status: 'stopped', finishedAt: new Date().toISOString(), stopReason: `forced by a second ${sig}` }, null, 2));
      } catch { /* keep going: exiting matters more */ }
      pidFile.remove();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    },
  });

  let finished: Envelope<'run.finished'> | null = null;
  let refit: RefitResult | null = null;
  try {
    nats = opts.natsUrl ? null : await EmbeddedNats.start({ storeDir: join(runDir, 'nats') });
    if (nats) pidFile.addChild(nats.pid, 'nats-server');
    const url = opts.natsUrl ?? nats!.url;
    // on an external server (a cluster: its stream leader can move) every message is stored before it counts as sent
    bus = await Bus.connect({ servers: url, name: `gome-${runId}`, stored: opts.natsUrl !== undefined, logger: root.child({ component: 'bus' }), ...(opts.natsKeyFile ? { nkeySeed: readFileSync(opts.natsKeyFile, 'utf8') } : {}) });
    // on a cluster the run's log is kept on three nodes (R3), so it outlives any one of them
    const replicas = bus.replicas();
    recorder = await Recorder.ensure(bus.nc, runId, { maxBytes: config.messageLog.maxBytes, maxAgeMs: config.messageLog.maxAgeMs, replicas });
    root.info({ replicas, clusterSize: bus.clusterSize() }, 'message log stream');
    const plan = s.resume ? await readPlan(recorder, say, machinesWith(s.roles)) : null;
    const store = remote ? await ArtifactStore.open(bus.nc, { replicas }) : null;
    if (store) {
      const took = await attachRemoteGpu({ bus, servers: opts.natsUrl!, store, run: runId, budgetMs: budget.remainingMs(), split, datasets, comp });
      say(`  GPU node ${took.node} took the run (sandbox ${took.sandbox}, ${took.gpus} GPU${took.gpus === 1 ? '' : 's'}); the run's data went to it through the object store`);
    } else {
      gpu = new GpuNode({
        jobsRoot: join(runDir, 'jobs'), budget, sandbox: config.sandbox, python: config.python,
        seal: sealFor(comp.root), scorer, datasets: new Map([[datasets.data, split.dataDir], [datasets.fullData, split.fullDataDir]]),
        logger: root.child({ actor: addr.gpu }), clock,
        onBreakerOpen: (err) => stopper.stop({ status: 'failed', reason: err.message, error: err }),
      });
      if (plan) gpu.restore(jobHistory(plan.envelopes), lastRefitReserve(plan.envelopes));
      await gpu.ready();
    }
    runBrain = opts.brain ? { brain: opts.brain, abort: () => opts.brain?.close?.(), judge: !!opts.brain.judge } : createBrain(config.brain.kind === 'openai' ? { ...config.brain, models: roleModels({ topology: config.topology, brain: config.brain }) } : config.brain, {
      runDir, seed: config.seed,
      onCap: (reason) => {
        // no further LLM call: the loop ends as if stopped, keeps its best so far, refits and reports why
        brainStop = reason;
        say(`\nstopping the search: ${reason}`);
        root.warn({ reason }, 'LLM cap reached');
        cli?.send(addr.coordinator, 'run.stop', { reason });
      },
    });
    const brain = runBrain.brain;
    archive = new RunArchive(runDir, runId, startedAt, task.lowerIsBetter);
    if (plan) archive.restore(plan.envelopes); // experiments, code and submissions as the log has them
    if (store) archive.fetchFrom(store);
    archive.attach(bus);
    if (plan && workers) await archive.catchUp(recorder, plan.lastSeq + 1); // actors elsewhere went on meanwhile
    archive.onEnvelope(progressPrinter(segmentStart, say));

    // the CLI's inbox is open before any actor sends (a resumed coordinator may owe run.finished at once)
    cli = new Client(bus, runId, addr.cli, clock, 'run', plan?.points.get(addr.cli)?.nextSeq ?? 0).start();
    const finishedP = new Promise<Envelope<'run.finished'>>((res) => cli!.onMessage((e) => { if (e.type === 'run.finished') res(e as Envelope<'run.finished'>); }));
    if (workers) {
      for (const t of await attachWorkers({ bus, servers: opts.natsUrl!, run: runId, config, task, idPrefix: s.idPrefix, judge: runBrain.judge })) {
        say(`  worker ${t.worker} took the ${t.role} role (${t.actors.join(', ')})`);
      }
    }
    // with actors on other hosts, the coordinator's and the brain's inboxes are durable too: what workers send while this
    // host is down (or being resumed) waits for it, and a resumed brain does not answer again what it had answered
    const durable = workers ? (coordinating = await coordinatingInboxes(bus, runId, plan)) : undefined;
    hosts.push(...hostActors({ bus, runId, clock, config, task, root, ...(workers ? { only: COORDINATING_ROLES } : {}), ...(durable ? { durable } : {}), gpu: gpu ? gpuNodeBehavior(gpu) : null, brain: brainBehavior(brain), judge: runBrain.judge, roles: s.roles, idPrefix: s.idPrefix,
      onEscalate: (e) => stopper.stop({ status: 'failed', reason: `actor escalated: ${e.message}`, error: e }),
      ...(plan ? { resume: plan.points } : {}) }));
    // every inbox first, then the actors begin: what a resumed actor owes another reaches it
    for (const h of hosts) h.listen();
    for (const h of hosts) h.start();
    await bus.flush();

    if (plan?.finished) {
      finished = plan.finished; // the loop had ended before the crash: only the refit and the reports are left
    } else {
      if (!plan && !stopper.stopped) cli.send(addr.coordinator, 'run.start', { config, task });
      else if (stopper.stopped) cli.send(addr.coordinator, 'run.stop', { reason: stopper.stopped.reason });
      finished = await stopper.waitFinished(finishedP);
    }
    // the last records (the killed job's result, the final experiment) arrive within a short window; a service
    // still stuck on a request that already failed (a brain that never answers) is not waited for
    await Promise.race([Promise.all(hosts.map((h) => h.idle())), stopper.abandoned, new Promise((r) => setTimeout(r, SETTLE_MS).unref())]);
    // the LLM final selector's choice becomes the final pipeline (the held-back slice confirms it in metrics.json)
    const sel = finished?.payload.selection;
    if (sel) {
      if (sel.by === 'llm' && finished!.payload.best && archive.choose(finished!.payload.best.experiment, sel.reason)) {
        say(`final selection: the LLM chose ${finished!.payload.best.experiment}${sel.bestValidated && sel.bestValidated !== finished!.payload.best.experiment ? ` over the best validated ${sel.bestValidated}` : ' (the best validated one)'}: ${sel.reason ?? ''}`);
      } else {
        say(`final selection: the best validated pipeline${sel.reason ? ` (${sel.reason})` : ''}`);
      }
    }
    if (finished && config.finalRefit && detached) {
      // a stopped run released its remote node (as a local node closes): no job can run any more
      refit = { used: false, reason: 'the run was stopped and its GPU node released; the submission is the fold models\' average', experiment: archive.final?.id ?? null, status: null, wallMs: null, submissionPath: null };
      say(`final refit: ${refit.reason}`);
    } else if (finished && config.finalRefit) {
      // the GPU node admits work only within the budget (refunds included) and never past the stop time
      refit = await finalRefit({ cli, best: archive.final, fullDataDir: split.fullDataDir, fullData: datasets.fullData, runDir, remainingMs: Math.min(stopAt - clock.now(), budget.remainingMs()),
        ...(store ? { collect: async (job, dst) => { if (!job.submissionId) return false; await store.getFile(job.submissionId, dst); return true; } } : {}) });
      say(`final refit: ${refit.reason}`);
    }
    await bus.flush().catch(() => {});
  } catch (e) {
    if (!stopper.stopped) stopper.stop({ status: 'failed', reason: (e as Error).message, error: e as Error });
  }

  // the actors stop before the log is exported, so their actor.stop records (how far each machine got) are in it
  for (const h of hosts) await h.stop().catch(() => []);
  await bus?.flush().catch(() => {});
  runBrain?.abort();
  if (remote) remoteFigures = await detach();
  if (workers && bus) detachWorkers(bus, runId);
  for (const d of coordinating?.values() ?? []) await d.inbox.remove().catch(() => undefined); // the run is over
  await archive?.settled();
  const stop = stopper.stopped;
  const status: RunStatus = stop ? stop.status : 'finished';
  try {
    const result = await finalizeRun({
      runId, runDir, comp, task, config, meta, status, stopReason: stop?.reason ?? brainStop, error: stop?.error ?? null,
      finished: finished?.payload ?? null, refit, archive, recorder, budget, gpuStats: gpu?.stats() ?? remoteFigures, startedAt, wallMs: budget.elapsedMs(), sealed,
    });
    if (result.status !== 'failed') summarise(say, comp, task, result);
    if (stop?.status === 'failed') throw stop.error ?? new Error(stop.reason);
    return result;
  } finally {
    stopPersisting();
    stopper.dispose();
    cli?.stop();
    for (const h of hosts) await h.stop();
    await gpu?.close();
    await bus?.close().catch(() => {});
    await nats?.stop();
    pidFile.remove();
  }
}

/** Reads the run's log from its NATS store and works out how it continues. */
async function readPlan(recorder: Recorder, say: (l: string) => void, machines: MachineRegistry): Promise<ResumePlan> {
  const messages: LoggedMessage[] = [];
  for await (const m of recorder.readRaw()) messages.push({ seq: m.seq, subject: m.subject, body: bodyOf(m.data) });
  if (messages.length === 0) throw new RunNotResumable(recorder.run, 'its message log is empty (it crashed before its actors started)', 'start the run again with gome run');
  let plan: ResumePlan;
  try { plan = planResume(messages, machines); } catch (e) {
    throw new RunNotResumable(recorder.run, `its log cannot be continued: ${(e as Error).message}`, 'resume it with the Gome version that recorded it, or start the run again');
  }
  const redo = [...plan.points.values()].flatMap((p) => p.redeliver ?? []);
  const owed = [...plan.points.values()].reduce((n, p) => n + (p.unsent?.length ?? 0), 0);
  say(`resuming from ${messages.length} recorded messages: ${plan.machines.size} actors rebuilt by replay, ${owed} messages owed at the crash, `
    + `${redo.length} unanswered request${redo.length === 1 ? '' : 's'} handled again${redo.length ? ` (${redo.map((e) => e.type === 'job.submit' ? `job ${e.payload.jobId}` : e.type).join(', ')})` : ''}`);
  return plan;
}

/** Every job submitted and answered in the log, in order. */
function jobHistory(envs: readonly Envelope[]): Array<{ submit: Payload<'job.submit'>; result: JobOutcome }> {
  const submits = new Map<string, Payload<'job.submit'>>();
  const out: Array<{ submit: Payload<'job.submit'>; result: JobOutcome }> = [];
  for (const e of envs) {
    if (e.type === 'job.submit') submits.set(e.payload.jobId, e.payload);
    else if (e.type === 'job.result' && submits.has(e.payload.jobId)) out.push({ submit: submits.get(e.payload.jobId)!, result: e.payload });
  }
  return out;
}

/** The final refit's reserve the coordinator last asked the GPU node to keep, and what the node then held of it. */
function lastRefitReserve(envs: readonly Envelope[]): { askedMs: number; heldMs: number | null } | null {
  let askedMs: number | null = null;
  let heldMs: number | null = null;
  for (const e of envs) {
    if (e.type === 'budget.request' && e.payload.refitReserveMs !== undefined) [askedMs, heldMs] = [e.payload.refitReserveMs, null];
    else if (e.type === 'budget.status' && e.payload.refitHeldMs !== undefined) heldMs = e.payload.refitHeldMs;
  }
  return askedMs === null ? null : { askedMs, heldMs };
}
