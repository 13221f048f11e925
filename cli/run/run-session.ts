// One Gome run end to end: prepare, configure, start NATS and every actor, drive the loop to the budget, then report.
import { mkdirSync, readFileSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RunConfig, type RunConfigInput, type TaskInfo } from '../../protocols/index.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { ActorHost, type Behavior } from '../../runtime/actor-host.ts';
import { Bus } from '../../runtime/bus.ts';
import { Client } from '../../runtime/client.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { actorLogger, createRootLogger, type Logger } from '../../runtime/logger.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { gradeToReport, medalLabel, type CompetitionReport } from '../../runtime/grading/report.ts';
import type { Competition } from '../../runtime/grading/competition.ts';
import type { MetricName } from '../../protocols/domain.ts';
import { addr, traceIds } from '../../actors/addresses.ts';
import { coordinatorMachine } from '../../actors/coordinator/coordinator-machine.ts';
import { memoryMachine } from '../../actors/memory/memory-machine.ts';
import { researcherMachine } from '../../actors/researcher/researcher-machine.ts';
import { developerMachine } from '../../actors/developer/developer-machine.ts';
import { validatorMachine } from '../../actors/validator/validator-machine.ts';
import { brainBehavior } from '../../actors/brain/brain-actor.ts';
import type { Brain } from '../../actors/brain/brain.ts';
import { createOfflineBrain } from '../../actors/brain/brain.ts';
import { BudgetClock } from '../../gpu-node/budget-clock.ts';
import { GpuNode } from '../../gpu-node/gpu-node.ts';
import { gpuNodeBehavior } from '../../gpu-node/gpu-actor.ts';
import { ensurePrepared } from './prepare.ts';
import { buildTaskInfo } from './task-info.ts';
import { RunArchive } from './run-archive.ts';
import { computeMetrics, type RunMetrics } from './run-metrics.ts';
import { renderHtmlReport } from './html-report.ts';
import { progressPrinter } from './progress.ts';

export interface RunOptions {
  competitionDir: string;
  runsRoot?: string;
  runId?: string;
  natsUrl?: string;
  config?: Partial<RunConfigInput>;
  /** Overrides the brain (tests, LLM brains); defaults to the config's brain. */
  brain?: Brain;
  /** Metric for a plain MLE-bench folder whose description.md does not name one clearly. */
  metric?: MetricName;
  /** Progress lines; default stderr. Pass null for silence. */
  progress?: ((line: string) => void) | null;
  logLevel?: string;
}

export interface RunResult {
  runId: string;
  runDir: string;
  submissionPath: string | null;
  report: Record<string, unknown> | null;
  metrics: RunMetrics;
  finished: Envelope<'run.finished'>['payload'];
}

function defaultRunId(comp: string, seed: number): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${comp}-${t}-s${seed}`;
}

export async function runCompetition(opts: RunOptions): Promise<RunResult> {
  const say = opts.progress === undefined ? (l: string) => process.stderr.write(l + '\n') : (opts.progress ?? (() => {}));
  const python = opts.config?.python ?? '/usr/bin/python3';
  const comp = await ensurePrepared(opts.competitionDir, python, say, opts.metric);
  const task = await buildTaskInfo(comp);
  const seed = opts.config?.seed ?? 0;
  const runId = opts.runId ?? defaultRunId(comp.id, seed);
  const runDir = resolve(opts.runsRoot ?? 'runs', runId);
  mkdirSync(runDir, { recursive: true });
  const config = RunConfig.parse({ budgetMs: 300_000, ...opts.config, runId, competitionDir: comp.root, runDir });
  const root = createRootLogger({ level: opts.logLevel ?? 'info', destination: join(runDir, 'gome.log') });
  const clock = new SystemClock();
  const startedAt = clock.now();
  const meta = { gome: '0.1.0', node: process.version, status: 'running', startedAt: new Date(startedAt).toISOString(), config, task: { ...task, description: undefined } };
  writeFileSync(join(runDir, 'run_meta.json'), JSON.stringify(meta, null, 2));
  say(`gome run ${runId}\n  competition ${comp.id} (${comp.taskType}, ${comp.metric}, ${task.nTrainRows} train rows)\n  budget ${(config.budgetMs / 1000).toFixed(0)} s, seed ${config.seed}, traces ${config.topology.traces}, researcher ${config.topology.researcher}, brain ${config.brain.kind}\n  run dir ${runDir}
  config ${JSON.stringify(config)}`);

  const nats = opts.natsUrl ? null : await EmbeddedNats.start({ storeDir: join(runDir, 'nats') });
  const url = opts.natsUrl ?? nats!.url;
  const bus = await Bus.connect({ servers: url, name: `gome-${runId}`, logger: root.child({ component: 'bus' }) });
  const hosts: ActorHost[] = [];
  let gpu: GpuNode | null = null;
  try {
    const recorder = await Recorder.ensure(bus.nc, runId);
    const budget = BudgetClock.open(runDir, clock, config.budgetMs);
    gpu = new GpuNode({ jobsRoot: join(runDir, 'jobs'), budget, sandbox: config.sandbox === 'docker' ? 'auto' : config.sandbox, python: config.python, logger: root.child({ actor: addr.gpu }), clock });
    await gpu.ready();
    const brain = opts.brain ?? createOfflineBrain();
    const archive = new RunArchive(runDir, runId, startedAt, task.lowerIsBetter);
    archive.attach(bus);
    archive.onEnvelope(progressPrinter(startedAt, say));

    const escalations: Error[] = [];
    const host = (address: string, trace: string, behavior: Behavior, log: Logger = actorLogger(root, runId, address)) => {
      const h = new ActorHost({ bus, run: runId, trace, address, behavior, clock, logger: log, onEscalate: (e) => escalations.push(e) });
      hosts.push(h);
      return h;
    };
    const traces = traceIds(config.topology.traces);
    // Without structured reasoning the researcher ranks like the tree-search baseline (no axis weighting, no momentum).
    const researchMode = config.topology.researcher === 'greedy' || !config.topology.structuredReasoning ? 'greedy' : 'gradient';
    host(addr.gpu, 'run', gpuNodeBehavior(gpu));
    host(addr.brain, 'run', brainBehavior(brain));
    host(addr.memory, 'run', { kind: 'machine', machine: memoryMachine, input: { lowerIsBetter: task.lowerIsBetter, enabled: config.topology.memory } });
    for (const [ordinal, t] of traces.entries()) {
      host(addr.researcher(t), t, { kind: 'machine', machine: researcherMachine, input: { trace: t, seed: config.seed, topK: config.topK, mode: researchMode, task, ordinal } });
      host(addr.developer(t), t, { kind: 'machine', machine: developerMachine, input: { trace: t, maxRepairs: config.maxRepairs, task } });
      host(addr.validator(t), t, { kind: 'machine', machine: validatorMachine, input: { trace: t, task, debugMs: config.limits.debugMs, fullMs: config.limits.fullMs, overfitGap: config.overfitGap } });
    }
    host(addr.coordinator, 'run', { kind: 'machine', machine: coordinatorMachine, input: { traces, maxIterations: config.maxIterations, minRemainingFrac: 0.02 } });
    for (const h of hosts) h.start();
    await bus.flush();

    const cli = new Client(bus, runId, addr.cli, clock).start();
    const finished = new Promise<Envelope<'run.finished'>>((res) => cli.onMessage((e) => { if (e.type === 'run.finished') res(e as Envelope<'run.finished'>); }));
    cli.send(addr.coordinator, 'run.start', { config, task });

    // Guard: the coordinator ends the run at the budget; if a job overruns, stop it so the run still ends.
    const grace = 15_000;
    let guard: NodeJS.Timeout | null = null;
    const guardP = new Promise<void>((res) => {
      const tick = () => {
        if (budget.remainingMs() < -grace) { cli.send(addr.coordinator, 'run.stop', { reason: 'budget exceeded by running work' }); void gpu!.close(); res(); return; }
        if (escalations.length) { cli.send(addr.coordinator, 'run.stop', { reason: `actor escalated: ${escalations[0]!.message}` }); res(); return; }
        guard = setTimeout(tick, 500);
      };
      tick();
    });
    void guardP;
    const done = await finished;
    if (guard) clearTimeout(guard);
    const wallMs = clock.now() - startedAt;
    await Promise.all(hosts.map((h) => h.idle()));
    await bus.flush();

    // Final submission, grading, metrics, log, report.
    const best = archive.bestSubmission();
    const submissionPath = best ? join(runDir, 'submission.csv') : null;
    if (best) copyFileSync(best, submissionPath!);
    let report: Record<string, unknown> | null = null;
    if (existsSync(comp.answersPath) && existsSync(comp.leaderboardPath)) {
      const g = await gradeToReport(submissionPath ?? join(runDir, 'submission.csv'), comp);
      report = { ...g.report, invalid_reason: g.invalid?.message ?? null };
      writeFileSync(join(runDir, 'report.json'), JSON.stringify(report, null, 2));
    }
    const stats = gpu.stats();
    const metrics = computeMetrics(archive, budget.snapshot(), { busyMs: stats.busyMs, elapsedMs: stats.elapsedMs }, wallMs);
    writeFileSync(join(runDir, 'metrics.json'), JSON.stringify(metrics, null, 2));
    const lines = await recorder.export(join(runDir, 'messages.jsonl'));
    writeFileSync(join(runDir, 'report.html'), renderHtmlReport({ title: `Gome run ${runId}`, archive, metrics, report, config, lowerIsBetter: task.lowerIsBetter }));
    writeFileSync(join(runDir, 'run_meta.json'), JSON.stringify({ ...meta, status: 'finished', finishedAt: new Date().toISOString(), finished: done.payload, messages: lines, gpu: stats }, null, 2));
    summarise(say, comp, task, done.payload, report, metrics, runDir);
    cli.stop();
    return { runId, runDir, submissionPath, report, metrics, finished: done.payload };
  } catch (e) {
    try {
      const m = JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8'));
      writeFileSync(join(runDir, 'run_meta.json'), JSON.stringify({ ...m, status: 'failed', error: (e as Error).message }, null, 2));
    } catch { /* keep the original error */ }
    throw e;
  } finally {
    for (const h of hosts) await h.stop();
    await gpu?.close();
    await bus.close();
    await nats?.stop();
  }
}

function summarise(say: (l: string) => void, comp: Competition, task: TaskInfo, fin: Envelope<'run.finished'>['payload'], report: Record<string, unknown> | null, m: RunMetrics, runDir: string): void {
  const label = medalLabel(report as Partial<CompetitionReport> | null);
  const medal = !report ? 'ungraded' : label === '>median' ? 'above median' : label === '-' ? 'no medal' : label;
  say(`\nrun finished (${fin.reason}) after ${fin.iterations} iterations`);
  say(`  first draft cv ${task.metric}: ${m.first_score ?? 'n/a'}   best cv: ${m.best_score ?? 'n/a'}`);
  if (!report) say('  ungraded: the folder has no private/test.csv answers or leaderboard.csv');
  if (report) say(`  test ${comp.metric}: ${report.score ?? 'invalid'} → ${medal} (gold ${report.gold_threshold}, silver ${report.silver_threshold}, bronze ${report.bronze_threshold}, median ${report.median_threshold})`);
  say(`  gpu utilisation ${(m.gpu_utilisation * 100).toFixed(0)}%, valid-submission rate ${(m.valid_submission_rate * 100).toFixed(0)}%`);
  say(`  outputs: ${runDir}/{submission.csv,report.json,metrics.json,report.html,messages.jsonl,run_meta.json}`);
}
