// bench:replay — how fast a long run's log replays, and how big logs are. It records a synthetic long run over a real
// embedded NATS, with the real actor hosts and machines (four traces, the offline brain's real research), and two
// stand-in services: a GPU node that answers every job at once with seeded harness scores while a manual clock moves
// on by the job's time (so the log spans 12 hours of recorded time), and a brain that writes a short script per change.
// It exports the log, replays it (median of 3) and prints messages per second and the replay time as a share of the
// recorded wall time. Log size is reported per experiment for the synthetic log and for the replay fixtures, which
// are real runs (tests/fixtures/replay). Env: GOME_REPLAY_MESSAGES (default 100000), GOME_REPLAY_OUT=path.json,
// GOME_REPLAY_LOG=path.gomelog (keeps the synthetic log).
import { subjects } from '../../protocols/subjects.ts';
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { parseConfig, RunConfig, type JobOutcome } from '../../protocols/index.ts';
import type { Envelope } from '../../protocols/messages.ts';
import type { Behavior } from '../../runtime/actor-host.ts';
import { Bus } from '../../runtime/bus.ts';
import { Client } from '../../runtime/client.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { EmbeddedNats } from '../../runtime/embedded-nats.ts';
import { readGomelog } from '../../runtime/gomelog.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { replay } from '../../runtime/replay.ts';
import { rngNext, rngSeed, type RngState } from '../../runtime/rng.ts';
import { MACHINES } from '../../actors/machines.ts';
import { addr } from '../../actors/addresses.ts';
import { createOfflineBrain } from '../../actors/brain/brain.ts';
import { BudgetClock } from '../../gpu-node/budget-clock.ts';
import { hostActors } from '../../cli/run/actor-wiring.ts';
import { ensurePrepared } from '../../cli/run/prepare.ts';
import { buildTaskInfo } from '../../cli/run/task-info.ts';
import { median } from '../../grading/medals.ts';

const REPO = resolve(import.meta.dirname, '../..');
const TARGET = Number(process.env.GOME_REPLAY_MESSAGES ?? 100_000);
const SPAN_MS = 12 * 3600_000;
const MESSAGES_PER_ITERATION = 19; // measured on the synthetic run (54,316 messages over 2,858 iterations); used only to size it
const iterations = Math.ceil(TARGET / MESSAGES_PER_ITERATION);
const perIterationMs = (SPAN_MS * 0.95) / iterations;

const comp = await ensurePrepared(join(REPO, 'bench', 'breast-cancer-diagnosis'), '/usr/bin/python3');
const task = { ...(await buildTaskInfo(comp)), dataDir: comp.publicDir };
const runId = 'replay-bench';
// the budget outlasts the iterations: the run ends on its iteration count, after about SPAN_MS of recorded time
const config = parseConfig(RunConfig, { budgetMs: 2 * SPAN_MS, maxIterations: iterations, preset: 'multi-trace-4', runId, competitionDir: comp.root, runDir: '.' });
const clock = new ManualClock(Date.UTC(2026, 10, 24));
const budget = BudgetClock.start(clock, { budgetMs: 2 * SPAN_MS });

/** Answers jobs at once; the clock moves on by the job's time; harness scores drift up slowly with seeded noise. */
function syntheticGpu(): Behavior {
  let rng: RngState = rngSeed(0, 'replay-bench-gpu');
  let level = 0.9;
  const draw = (): number => { const [u, next] = rngNext(rng); rng = next; return u; };
  return {
    kind: 'service', concurrent: false,
    async handle(env: Envelope) {
      if (env.type === 'budget.request') return [{ to: env.from, type: 'budget.status', payload: budget.snapshot() }];
      if (env.type !== 'job.submit') throw new Error(`unexpected ${env.type}`);
      const debug = env.payload.mode === 'debug';
      const wallMs = Math.round(perIterationMs * (debug ? 0.2 : 0.8));
      const startedAt = clock.now();
      clock.advance(wallMs);
      level = Math.min(0.99, level + (draw() - 0.45) * 0.002);
      const folds = debug ? [] : Array.from({ length: 5 }, () => level + (draw() - 0.5) * 0.01);
      const outcome: JobOutcome = {
        jobId: env.payload.jobId, mode: env.payload.mode, status: 'ok', exitCode: 0, signal: null, reason: null, stdoutTail: 'ok', stderrTail: '',
        usage: { wallMs, cpuMs: wallMs, peakRssKb: 200_000 }, startedAt, endedAt: clock.now(),
        estimatedFullMs: debug ? Math.round(perIterationMs * 0.8) : null, rawEstimatedFullMs: debug ? Math.round(perIterationMs * 0.8) : null,
        scores: null, feedback: null, submission: { ok: true, error: null, rows: 114 }, workdir: `/tmp/${env.payload.jobId}`, sandbox: 'none',
        budgetCapped: false, refusal: null,
        harness: { metric: task.metric, folds, oof: level, holdout: debug ? null : level, rows: debug ? 40 : 400, problems: [] },
      };
      return [{ to: env.from, type: 'job.result', payload: outcome }];
    },
  };
}

/** The offline brain's real research; a short script per change instead of its full pipeline code. */
function syntheticBrain(): Behavior {
  const offline = createOfflineBrain();
  let n = 0;
  return {
    kind: 'service', concurrent: false,
    async handle(env: Envelope) {
      if (env.type === 'brain.research.request') return [{ to: env.from, type: 'brain.research.reply', payload: await offline.research(env.payload) }];
      if (env.type !== 'brain.develop.request') throw new Error(`unexpected ${env.type}`);
      const code = `# ${env.payload.hypothesis.kind}\nimport pandas as pd\nCHANGE = ${++n}\npd.DataFrame().to_csv("submission.csv")\npd.DataFrame().to_csv("scores.csv")\n`;
      return [{ to: env.from, type: 'brain.develop.reply', payload: { code, summary: env.payload.hypothesis.title, brain: 'synthetic', spec: null } }];
    },
  };
}

const work = mkdtempSync(join(tmpdir(), 'gome-replay-bench-'));
const say = (s: string) => process.stdout.write(s + '\n');
say(`bench:replay — recording a synthetic run of ${iterations} iterations (≈ ${TARGET} messages, 4 traces) over ${SPAN_MS / 3600_000} h of recorded time`);
const nats = await EmbeddedNats.start({ storeDir: join(work, 'nats') });
const logFile = join(work, 'synthetic.gomelog');
let recordMs = 0;
try {
  const bus = await Bus.connect({ servers: nats.url, name: 'replay-bench' });
  const recorder = await Recorder.ensure(bus.nc, runId);
  const root = pino({ level: 'silent' });
  const hosts = hostActors({ bus, runId, clock, config, task, root, gpu: syntheticGpu(), brain: syntheticBrain() });
  const t0 = performance.now();
  for (const h of hosts) h.start();
  const cli = new Client(bus, runId, addr.cli, clock).start();
  const done = new Promise<void>((res) => cli.onMessage((e) => { if (e.type === 'run.finished') res(); }));
  let last = 0;
  const progress = setInterval(() => { void recorder.count().then((c) => { if (c - last >= 10_000) { last = c; say(`  ${c} messages recorded`); } }); }, 2000);
  cli.send(addr.coordinator, 'run.start', { config, task });
  await done;
  clearInterval(progress);
  for (const h of hosts) await h.stop();
  await bus.flush();
  recordMs = performance.now() - t0;
  const n = await recorder.exportLog(logFile, { config, topology: config.topology, gome: 'bench' });
  cli.stop();
  await bus.close();
  say(`  recorded and exported ${n} messages in ${(recordMs / 1000).toFixed(1)} s`);
} finally {
  await nats.stop();
}

const readT0 = performance.now();
const { messages } = readGomelog(logFile);
const readMs = performance.now() - readT0;
const times: number[] = [];
let report = replay(messages, MACHINES);
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  report = replay(messages, MACHINES);
  times.push(performance.now() - t);
}
const replayMs = median(times);
const recordedSpanMs = spanOf(messages);
const bytes = statSync(logFile).size;
const experiments = iterations;
const fixtureDir = join(REPO, 'tests', 'fixtures', 'replay');
const fixtures = readdirSync(fixtureDir).filter((f) => f.endsWith('.gomelog')).map((f) => {
  const log = readGomelog(join(fixtureDir, f));
  const records = countType(log.messages, 'experiment.record');
  return { fixture: f, bytes: statSync(join(fixtureDir, f)).size, experiments: records, bytesPerExperiment: Math.round(statSync(join(fixtureDir, f)).size / Math.max(1, records)) };
});

const result = {
  bench: 'replay', date: new Date().toISOString(), messages: messages.length, iterations: experiments,
  recordedSpanHours: recordedSpanMs / 3600_000, recordSeconds: recordMs / 1000, readSeconds: readMs / 1000,
  replaySeconds: replayMs / 1000, replayRuns: times.map((t) => t / 1000), messagesPerSecond: Math.round(messages.length / (replayMs / 1000)),
  replayShareOfRecordedTime: replayMs / recordedSpanMs, comparedMessages: report.compared,
  logBytes: bytes, logBytesPerExperiment: Math.round(bytes / experiments), fixtures,
};
say(`  read the log (${(bytes / 1e6).toFixed(1)} MB) in ${(readMs / 1000).toFixed(2)} s`);
say(`  replayed ${messages.length} messages (${report.compared} emitted by the machines, all equal to the log) in ${(replayMs / 1000).toFixed(2)} s (median of 3): ${result.messagesPerSecond} messages/s`);
say(`  recorded time ${(recordedSpanMs / 3600_000).toFixed(1)} h; replay takes ${(result.replayShareOfRecordedTime * 100).toExponential(2)}% of it`);
say(`  log size: ${result.logBytesPerExperiment} bytes per experiment (synthetic: short scripts)`);
for (const f of fixtures) say(`  fixture ${f.fixture} (a real run): ${f.bytesPerExperiment} bytes per experiment over ${f.experiments} experiments`);
if (process.env.GOME_REPLAY_OUT) writeFileSync(process.env.GOME_REPLAY_OUT, JSON.stringify(result, null, 2));
if (process.env.GOME_REPLAY_LOG) copyFileSync(logFile, process.env.GOME_REPLAY_LOG);
rmSync(work, { recursive: true, force: true });

function spanOf(ms: typeof messages): number {
  let lo = Infinity;
  let hi = -Infinity;
  for (const m of ms) {
    if (subjects.isDeadLetter(m.subject)) continue;
    const ts = (m.body as { ts?: unknown } | null)?.ts;
    if (typeof ts !== 'number') continue;
    lo = Math.min(lo, ts); hi = Math.max(hi, ts);
  }
  return hi - lo;
}

function countType(ms: typeof messages, type: string): number {
  let n = 0;
  for (const m of ms) if ((m.body as { type?: unknown } | null)?.type === type) n++;
  return n;
}
