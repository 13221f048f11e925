// The gome command line: run, resume, bench (a suite, or topologies side by side), compare, grade, export, replay, log, init, prepare, doctor.
import { Command, InvalidArgumentError } from 'commander';
import { resolve, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { PRESETS } from '../protocols/presets.ts';
import type { RunConfigInput } from '../protocols/config.ts';
import type { TopologyInput } from '../protocols/topology.ts';
import { listTopologyPresets, loadTopology, TopologyFileInvalid } from './topology-file.ts';
import { MetricName } from '../protocols/domain.ts';
import { parseDuration } from './duration.ts';
import { brainFromFlags, type LlmFlags } from './llm-flags.ts';
import { doctorLlm } from './commands/doctor-llm.ts';
import { doctor, doctorSandbox } from './commands/doctor.ts';
import { gradeScore, gradeSubmission } from './commands/grade.ts';
import { runSuite, SUITES, type SuiteName } from './commands/bench-suite.ts';
import { runTopologyBench } from './commands/topology-bench.ts';
import { compareRunDirs } from './commands/topology-comparison.ts';
import { runCompetition } from './run/run-session.ts';
import { resumeRun } from './run/run-resume.ts';
import { initFromCsv } from './commands/init.ts';
import { exportRun } from './commands/export.ts';
import { reapOrphans } from './run/run-pid-file.ts';
import { describeReplay, replayLog } from './commands/replay.ts';
import { writeNatsAuth } from './commands/nats-auth.ts';
import { serveGpuNode, type GpuNodeFlags } from './commands/gpu-node.ts';
import { serveWorker, type WorkerFlags } from './commands/worker.ts';
import { exportLog, importLog, loadForShow, LOG_FORMATS, renderLog, type LogFormat } from './commands/log.ts';
import { ReplayDivergence } from '../runtime/replay.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = (s: string) => process.stdout.write(s + '\n');
const err = (s: string) => process.stderr.write(s + '\n');

function duration(v: string): number {
  try { return parseDuration(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
}
function metricArg(v: string): MetricName {
  const r = MetricName.safeParse(v);
  if (!r.success) throw new InvalidArgumentError(`unknown metric "${v}" — use one of ${MetricName.options.join(', ')}`);
  return r.data;
}
function num(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
  return n;
}
function int(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${v}" is not a non-negative integer`);
  return n;
}

interface RunFlags {
  budget: number; seed: number; preset: string; traces?: number; topology?: string; memory: boolean;
  nats?: string; natsKey?: string; runs: string; maxIterations?: number; sandbox: string; debugLimit?: number; fullLimit?: number;
  brainLimit?: number; grace?: number; finalRefit: boolean; brain?: string; llm?: string; llmBaseUrl?: string; llmResearcher?: string; llmDeveloper?: string; llmJudge?: string;
  llmConfig?: string; maxLlmUsd?: number; maxLlmTokens?: number; logMaxMb?: number; logMaxAge?: number; folds?: number; holdout?: number; acceptK?: number; topK?: number; maxRepairs?: number; logLevel: string; metric?: MetricName;
}

/** --topology NAME|FILE: a preset in bench/topologies or a topology file; its errors (field and line) are the CLI's. */
function topologyFlag(spec: string): TopologyInput {
  try { return { ...loadTopology(spec).topology }; } catch (e) {
    if (e instanceof TopologyFileInvalid) throw new InvalidArgumentError(`--topology ${spec}: ${e.message}`);
    throw e;
  }
}

function configFrom(f: RunFlags): Partial<RunConfigInput> {
  const preset = PRESETS[f.preset];
  if (!preset) throw new InvalidArgumentError(`unknown preset "${f.preset}" — choose one of ${Object.keys(PRESETS).join(', ')}`);
  const { description: _d, ...base } = preset;
  // the preset's topology, replaced by --topology's file when given; then --traces and --no-memory override one field each
  const topology: TopologyInput = f.topology !== undefined ? topologyFlag(f.topology) : { name: 'gome-1trace', ...base.topology };
  if (f.traces !== undefined) topology.traces = f.traces;
  if (!f.memory) topology.memory = false;
  const limits = { ...base.limits };
  if (f.debugLimit) limits.debugMs = f.debugLimit;
  if (f.fullLimit) limits.fullMs = f.fullLimit;
  if (f.brainLimit) limits.brainMs = f.brainLimit;
  const brain = brainFromFlags(f);
  return {
    ...base, preset: f.preset, budgetMs: f.budget, seed: f.seed, topology, limits, sandbox: f.sandbox as RunConfigInput['sandbox'],
    ...(f.grace !== undefined ? { graceMs: f.grace } : {}),
    ...(brain ? { brain: brain as RunConfigInput['brain'] } : {}),
    ...(f.folds !== undefined ? { folds: f.folds } : {}),
    ...(f.finalRefit === false ? { finalRefit: false } : {}),
    ...(f.holdout !== undefined ? { holdoutFrac: f.holdout } : {}),
    ...(f.acceptK !== undefined ? { acceptK: f.acceptK } : {}),
    ...(f.maxIterations ? { maxIterations: f.maxIterations } : {}),
    ...(f.topK ? { topK: f.topK } : {}),
    ...(f.maxRepairs !== undefined ? { maxRepairs: f.maxRepairs } : {}),
    ...(f.logMaxMb !== undefined || f.logMaxAge !== undefined ? { messageLog: {
      ...(f.logMaxMb !== undefined ? { maxBytes: f.logMaxMb * 1024 ** 2 } : {}), ...(f.logMaxAge !== undefined ? { maxAgeMs: f.logMaxAge } : {}),
    } } : {}),
  };
}

function runOptions(cmd: Command): Command {
  return cmd
    .option('--budget <duration>', 'time budget for the whole run (90s, 5m, 12h)', duration, 300_000)
    .option('--seed <n>', 'seed for every random choice the actors make (each draw is recorded, so gome replay re-runs the decisions of a run exactly from its log)', int, 0)
    .option('--preset <name>', `named preset: ${Object.keys(PRESETS).join(', ')}`, 'default')
    .option('--traces <n>', 'parallel traces (distributed optimisation)', int)
    .option('--topology <name|file>', `the run's topology (traces, search policy, ablations): a preset (${listTopologyPresets().join(', ') || 'see bench/topologies'}) or a .yaml/.json file; replaces the --preset's topology, and --traces / --no-memory override it`)
    .option('--no-memory', 'ablation: disable success memory (no momentum)')
    .option('--nats <url>', 'use this NATS server (or cluster: several URLs separated by commas; the run keeps its log on three nodes) instead of the embedded one')
    .option('--nats-key <file>', 'the nkey seed file of this host\'s NATS user (gome nats-auth writes it), for a --nats server with users')
    .option('--runs <dir>', 'where run directories go', 'runs')
    .option('--max-iterations <n>', 'stop after this many iterations', int)
    .option('--sandbox <kind>', 'job sandbox: bwrap (sealed: workspace, public data and the interpreter only), docker (sealed in a container of the job image from deploy/job-image, on the engine at $DOCKER_HOST) or none (unsealed; run_meta.json and the report say so)', 'bwrap')
    .option('--grace <duration>', 'wall-clock time past the budget allowed for stopping and reporting (5s to 60s; the run is cut hard after it)', duration)
    .option('--brain-limit <duration>', 'deadline of one brain request', duration)
    .option('--brain <brain>', 'the offline brain: offline (exact reasoning, the default) or offline:noise=X (X from 0 to 1: the diagnosis\'s weights and the axis scores blended with noise drawn from the run seed, so runs replay)')
    .option('--llm <brain>', 'the brain: offline (the default, no network), openai:MODEL (any OpenAI-compatible endpoint: OPENAI_BASE_URL, key in OPENAI_API_KEY) or replay:RUN_DIR (a recorded LLM run, offline)')
    .option('--llm-base-url <url>', 'the OpenAI-compatible endpoint (default: OPENAI_BASE_URL, else https://api.openai.com/v1)')
    .option('--llm-researcher <model>', 'the Researcher\'s model (default: the --llm model)')
    .option('--llm-developer <model>', 'the Developer\'s model (default: the --llm model)')
    .option('--llm-judge <model>', 'a judge model: the Validator asks it for the final judgement of every change the harness accepts (it may veto; default: no judge)')
    .option('--llm-config <file>', 'JSON with the rest of the LLM settings: modelSettings (context window, prices per model), concurrency, retries, temperature, structuredOutput')
    .option('--max-llm-usd <usd>', 'hard cap on the run\'s LLM spend (needs prices in --llm-config); once reached, no further call is made', num)
    .option('--max-llm-tokens <n>', 'hard cap on the run\'s LLM tokens (prompt + completion); once reached, no further call is made', int)
    .option('--folds <n>', 'cross-validation folds fixed for the run and given to every job', int)
    .option('--holdout <fraction>', 'share of training rows held back (labels never enter the sandbox) to confirm the final choice', num)
    .option('--no-final-refit', 'keep the fold models\' submission instead of refitting the confirmed pipeline on every labelled row')
    .option('--accept-k <k>', 'a change is accepted only when its paired per-fold gain exceeds k corrected standard errors', num)
    .option('--debug-limit <duration>', 'limit per debug run', duration)
    .option('--full-limit <duration>', 'limit per full run', duration)
    .option('--top-k <n>', 'sample the hypothesis from the top k', int)
    .option('--max-repairs <n>', 'repair attempts after a failed run', int)
    .option('--log-level <level>', 'pino level for runs/<id>/gome.log', 'info')
    .option('--log-max-mb <n>', 'size limit of the run\'s message log (its NATS stream) in MiB; past it the oldest messages are dropped (default 2048)', int)
    .option('--log-max-age <duration>', 'age limit of the run\'s message log; older messages are dropped (default: none)', duration)
    .option('--metric <metric>', `metric for a folder without competition.json whose description does not name one (${MetricName.options.join(', ')})`, metricArg);
}

export function buildProgram(): Command {
  const program = new Command('gome')
    .description('Gome: agents that do ML engineering, with LLM reasoning as the gradient (actors over NATS, XState v5)')
    .showHelpAfterError();

  runOptions(program.command('run <competition>')
    .description('run the optimisation loop on a competition folder (MLE-bench layout) and hand in the best submission.csv')
    .option('--positive <label>', 'binary probability target: the class whose probability is submitted (one of the labels in train.csv); needed when neither competition.json nor the description says')
    .option('--remote-gpu', 'run the jobs on a GPU node on another host (gome gpu-node) reached through --nats: the data goes to it through the object store, submissions come back by id; the GPU host chooses its sandbox')
    .option('--remote', 'coordinate only: the researcher, developer, validator and memory actors run on workers (gome worker) and the jobs on a GPU node (gome gpu-node), all reached through --nats'))
    .action(async (competition: string, f: RunFlags & { positive?: string; remoteGpu?: boolean; remote?: boolean }) => {
      const r = await runCompetition({ competitionDir: competition, runsRoot: f.runs, natsUrl: f.nats, ...(f.natsKey ? { natsKeyFile: f.natsKey } : {}), config: configFrom(f), logLevel: f.logLevel, handleSignals: true, ...(f.metric ? { metric: f.metric } : {}), ...(f.positive !== undefined ? { positive: f.positive } : {}), ...(f.remoteGpu ? { remoteGpu: true } : {}), ...(f.remote ? { remote: true } : {}) });
      out(r.runDir);
      if (r.status === 'stopped' && r.stopReason?.startsWith('signal')) process.exitCode = 130;
    });

  program.command('resume <run>')
    .description('continue a run that crashed or was killed (kill -9 included) from its own message log: the actors are rebuilt by replaying it, the time the run was down is not charged, no finished job runs again and a job that was running at the crash runs once more')
    .option('--runs <dir>', 'where run directories are', 'runs')
    .option('--nats <url>', 'the NATS server the run used, when it did not use the embedded one')
    .option('--nats-key <file>', 'the nkey seed file of this host\'s NATS user, for a --nats server with users')
    .option('--log-level <level>', 'pino level for runs/<id>/gome.log', 'info')
    .action(async (run: string, f: { runs: string; nats?: string; natsKey?: string; logLevel: string }) => {
      const r = await resumeRun({ run, runsRoot: f.runs, logLevel: f.logLevel, handleSignals: true, ...(f.nats ? { natsUrl: f.nats } : {}), ...(f.natsKey ? { natsKeyFile: f.natsKey } : {}) });
      out(r.runDir);
      if (r.status === 'stopped' && r.stopReason?.startsWith('signal')) process.exitCode = 130;
    });

  runOptions(program.command('bench')
    .description('run the local suite (every bench/ competition × seeds) and write the aggregate MLE-bench report')
    .option('--suite <name>', 'local (every bundled competition), test (the half comparisons are reported on) or dev (the half for tuning)', 'local')
    .option('--seeds <n>', 'seeds per competition', int, 1)
    .option('--only <names>', 'comma-separated competitions')
    .option('--out <dir>', 'with --topology: the matrix directory, resumable (default: <runs>/compare-<topologies>-<budget>)'))
    .action(async (f: Omit<RunFlags, 'topology'> & { topology?: string[]; suite: string; seeds: number; only?: string; out?: string }) => {
      if (!(SUITES as readonly string[]).includes(f.suite)) throw new InvalidArgumentError(`--suite was "${f.suite}", but allowed values are ${SUITES.join(', ')} (local: every bundled competition; test and dev: the halves in bench/README.md)`);
      const only = f.only?.split(',').filter(Boolean);
      if (!f.topology?.length) {
        await runSuite({ benchDir: join(REPO, 'bench'), runsRoot: f.runs, suite: f.suite as SuiteName, seeds: f.seeds, budgetMs: f.budget, only, config: configFrom({ ...f, topology: undefined }), say: err, natsUrl: f.nats, handleSignals: true });
        return;
      }
      // one or more --topology: every topology on every competition and seed, interleaved, resumable (topology-bench.ts)
      if (f.traces !== undefined || !f.memory) throw new InvalidArgumentError('--traces and --no-memory do not combine with --topology in gome bench: put the fields in a topology file, so that each column is named by what it runs');
      const r = await runTopologyBench({ benchDir: join(REPO, 'bench'), runsRoot: f.runs, topologies: f.topology, suite: f.suite as SuiteName, seeds: f.seeds, budgetMs: f.budget, only, out: f.out, config: configFrom({ ...f, topology: undefined }), say: err, natsUrl: f.nats, handleSignals: true });
      if (r.interrupted) process.exitCode = 130;
    });
  // bench's --topology may be repeated: one matrix column each
  const benchTopology = program.commands.find((c) => c.name() === 'bench')?.options.find((o) => o.long === '--topology');
  benchTopology?.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
  if (benchTopology) benchTopology.description = 'compare topologies: repeat it (a preset or a .yaml/.json file, NAME@noiseX for the offline brain with reasoning noise X); every topology runs on every competition and seed, interleaved, into --out, and the table and paired comparisons are printed and written (comparison.md, comparison.json)';

  program.command('compare <runs...>')
    .description('the topology comparison table (rates, normalised score, waste, GPU-node utilisation, paired differences with 95% CI) for existing run directories, grouped by topology and paired by competition and seed (a folder of runs, or a gome bench --topology matrix directory, counts as its runs)')
    .option('--out <dir>', 'also write comparison.json and comparison.md there')
    .action(async (runs: string[], f: { out?: string }) => {
      const r = await compareRunDirs(runs, { say: err, ...(f.out ? { out: f.out } : {}) });
      out(r.table);
      if (r.files) err(`${r.files.md}\n${r.files.json}`);
    });

  program.command('grade [submission] [competition]')
    .description('grade SUBMISSION against COMPETITION, or --leaderboard FILE SCORE, printing the MLE-bench report')
    .option('--leaderboard <file>', 'a leaderboard.csv to place a score on')
    .action(async (a: string | undefined, b: string | undefined, f: { leaderboard?: string }) => {
      if (f.leaderboard) {
        const score = Number(a);
        if (a === undefined || !Number.isFinite(score)) throw new InvalidArgumentError('with --leaderboard FILE give the SCORE to place, e.g. gome grade --leaderboard lb.csv 0.81');
        out(JSON.stringify(await gradeScore(f.leaderboard, score), null, 2));
        return;
      }
      if (!a || !b) throw new InvalidArgumentError('usage: gome grade SUBMISSION COMPETITION_DIR  or  gome grade --leaderboard FILE SCORE');
      const { report, code } = await gradeSubmission(a, b);
      out(JSON.stringify(report, null, 2));
      process.exitCode = code;
    });

  program.command('export <run>')
    .description('write the winning pipeline of RUN (a run id under --runs, or a run directory) as one standalone Python script that reproduces its submission.csv')
    .option('-o, --out <file>', 'where the script goes', 'solution.py')
    .option('--runs <dir>', 'where run directories are', 'runs')
    .action((run: string, f: { out: string; runs: string }) => {
      const r = exportRun({ run, runsRoot: f.runs, out: f.out });
      err(`exported ${r.experiment} of run ${r.runId} (${r.refit ? `the final refit on all ${r.rows} labelled rows` : `the fold models on ${r.rows - r.heldBack} rows, ${r.heldBack} held back`}); run it: /usr/bin/python3 ${r.path} COMPETITION_DIR [-o OUTDIR]`);
      out(r.path);
    });

  program.command('replay <log>')
    .description('re-run the machine actors of a recorded run (a .gomelog file, a run directory or a run id) from its log, with no Python and no LLM, and check every message they emit against the recorded one; exit 3 at the first difference')
    .option('--actor <address>', 'replay this actor only (e.g. researcher.t0)')
    .option('--until <seq>', 'stop after this message of the log and print every actor\'s state and context', int)
    .option('--runs <dir>', 'where run directories are', 'runs')
    .action(async (log: string, f: { actor?: string; until?: number; runs: string }) => {
      try {
        for (const l of describeReplay(await replayLog(log, f.runs, { ...(f.actor ? { actor: f.actor } : {}), ...(f.until !== undefined ? { until: f.until } : {}) }))) out(l);
      } catch (e) {
        if (!(e instanceof ReplayDivergence)) throw e;
        err(`gome: ${e.message}`);
        process.exitCode = 3;
      }
    });

  const log = program.command('log').description('export, import and inspect a run\'s message log (.gomelog)');
  log.command('export <run>')
    .description('write RUN\'s message log (from its own NATS store, so a crashed run\'s too) as a .gomelog file')
    .option('-o, --out <file>', 'where the log goes', 'run.gomelog')
    .option('--runs <dir>', 'where run directories are', 'runs')
    .action(async (run: string, f: { out: string; runs: string }) => {
      const r = await exportLog(run, f.runs, f.out);
      err(`exported ${r.messages} messages from ${r.from}`);
      out(f.out);
    });
  log.command('import <file>')
    .description('load a .gomelog into a NATS server, into the run\'s stream (gome.<run>.>)')
    .requiredOption('--nats <url>', 'the NATS server (JetStream on)')
    .action(async (file: string, f: { nats: string }) => {
      const r = await importLog(file, f.nats);
      out(`imported ${r.messages} messages of run ${r.run} into ${f.nats}`);
    });
  log.command('show <log>')
    .description('print a log (a .gomelog file, a run directory or a run id), filtered, as a table, JSON lines or a Mermaid sequence diagram of one trace')
    .option('--actor <address>', 'messages from or to this actor (e.g. researcher.t0)')
    .option('--type <types>', 'these message types (comma-separated)')
    .option('--trace <trace>', 'this trace (t0, t1, … or run)')
    .option('--from <seq>', 'from this message', int)
    .option('--to <seq>', 'up to this message', int)
    .option('--since <duration>', 'from this long after the first message (e.g. 30s, 2m)', duration)
    .option('--until-time <duration>', 'up to this long after the first message', duration)
    .option('--format <format>', LOG_FORMATS.join(' | '), 'table')
    .option('--runs <dir>', 'where run directories are', 'runs')
    .action((target: string, f: { actor?: string; type?: string; trace?: string; from?: number; to?: number; since?: number; untilTime?: number; format: string; runs: string }) => {
      if (!(LOG_FORMATS as readonly string[]).includes(f.format)) throw new InvalidArgumentError(`--format is "${f.format}"; use one of ${LOG_FORMATS.join(', ')}`);
      const filter = {
        ...(f.actor ? { actor: f.actor } : {}), ...(f.type ? { types: f.type.split(',').map((t) => t.trim()) } : {}), ...(f.trace ? { trace: f.trace } : {}),
        ...(f.from !== undefined ? { fromSeq: f.from } : {}), ...(f.to !== undefined ? { toSeq: f.to } : {}),
        ...(f.since !== undefined ? { fromMs: f.since } : {}), ...(f.untilTime !== undefined ? { toMs: f.untilTime } : {}),
      };
      for (const l of renderLog(loadForShow(target, f.runs), filter, f.format as LogFormat)) out(l);
    });

  program.command('init')
    .description('make a competition folder in the MLE-bench layout from your own CSV')
    .requiredOption('--csv <file>', 'the labelled data')
    .requiredOption('--target <column>', 'the column to predict')
    .requiredOption('--metric <metric>', MetricName.options.join(', '))
    .option('--out <dir>', 'output folder (default: bench/<name>)')
    .option('--name <name>', 'competition id (default: from the file name)')
    .option('--id <column>', 'an existing id column (default: generated)')
    .option('--test-frac <f>', 'share held out as the private test set', '0.2')
    .option('--no-leaderboard', 'skip building leaderboard.csv from the reference population')
    .option('--positive <label>', 'binary auc/logloss: the class whose probability is submitted (required when the labels are text, e.g. --positive Yes)')
    .action(async (f: { csv: string; target: string; metric: string; out?: string; name?: string; id?: string; testFrac: string; leaderboard: boolean; positive?: string }) => {
      const dir = await initFromCsv({ ...f, testFrac: Number(f.testFrac), repo: REPO, say: err });
      out(dir);
    });

  program.command('prepare [names...]')
    .description('build the bundled competitions from their Debian-packaged datasets (deterministic, seed 0)')
    .option('--force', 'rebuild even if prepared')
    .action((names: string[], f: { force?: boolean }) => {
      const r = spawnSync('/usr/bin/python3', [join(REPO, 'bench', 'prepare_all.py'), ...(f.force ? ['--force'] : []), ...names], { stdio: 'inherit' });
      process.exitCode = r.status ?? 1;
    });

  program.command('nats-auth')
    .description('NATS users per host for a server shared by several hosts: each may publish only as its own roles and read only its own inboxes; writes the server\'s authorization block (public keys only) and one nkey seed file per user')
    .requiredOption('--user <name=roles>', 'a host\'s user and the roles it runs, e.g. worker-a=researcher,developer,validator (repeat; the coordinating host needs cli)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .requiredOption('--out <dir>', 'where auth.conf and the <name>.nk seed files go')
    .action((f: { user: string[]; out: string }) => {
      const r = writeNatsAuth(f.user, f.out);
      out(r.conf);
      for (const k of r.keys) out(k);
      err(`include ${r.conf} in the nats-server config (include ./auth.conf); give each host its .nk file: gome run … --nats URL --nats-key FILE`);
    });

  program.command('gpu-node')
    .description('serve as the GPU node of runs on other hosts (gome run --remote-gpu) until SIGINT/SIGTERM: each run\'s data arrives through the NATS object store, its jobs come through a durable inbox, so a job running when this process dies runs again (its lost time refunded) when it is restarted')
    .requiredOption('--nats <url>', 'the NATS server or cluster (URLs separated by commas) the runs use')
    .option('--work <dir>', 'this node\'s folder: fetched data, each run\'s budget and job workspaces', 'gpu-node')
    .option('--sandbox <kind>', 'job sandbox on this host: bwrap, docker or none (unsealed)', 'bwrap')
    .option('--python <path>', 'interpreter for generated code', '/usr/bin/python3')
    .option('--cpus <n>', 'threads each job may use (default: this machine\'s cpu count)', int)
    .option('--nats-key <file>', 'the nkey seed file of this host\'s NATS user (gome nats-auth --user NAME=gpu)')
    .option('--log-level <level>', 'pino level for <work>/gpu-node.log', 'info')
    .action(async (f: GpuNodeFlags) => { await serveGpuNode(f, err); });

  program.command('worker')
    .description('host the actors of some roles for runs coordinated on other hosts (gome run --remote) until SIGINT/SIGTERM: their inboxes are durable, so messages wait while the worker is down, and a worker restarted with the same --work takes up its roles, each actor rebuilt from the run\'s log')
    .requiredOption('--nats <url>', 'the NATS server or cluster (URLs separated by commas) the runs use')
    .requiredOption('--roles <roles>', 'the roles to host, comma-separated: researcher, developer, validator, memory')
    .option('--run <run>', 'serve this run only')
    .option('--any', 'serve any run that asks (one worker per role takes each run)')
    .option('--work <dir>', 'this worker\'s folder: the roles it holds, its log', 'gome-worker')
    .option('--nats-key <file>', 'the nkey seed file of this host\'s NATS user (gome nats-auth --user NAME=ROLES with its roles)')
    .option('--log-level <level>', 'pino level for <work>/worker.log', 'info')
    .action(async (f: WorkerFlags) => { await serveWorker(f, err); });

  program.command('doctor')
    .description('check nats-server, the Python ML stack, datasets, bubblewrap and Docker; print exact fixes')
    .option('--python <path>', 'interpreter for generated code', '/usr/bin/python3')
    .option('--sandbox [competition]', 'run a probe job in the real job sandbox and print what it can and cannot reach (default competition: bench/breast-cancer-diagnosis); exit 1 on any leak')
    .option('--llm <brain>', 'check an LLM endpoint instead: openai:MODEL (reachable, key, model, structured output, latency)')
    .option('--llm-base-url <url>', 'the endpoint (default: OPENAI_BASE_URL, else https://api.openai.com/v1)')
    .option('--llm-researcher <model>', 'also check this Researcher model')
    .option('--llm-developer <model>', 'also check this Developer model')
    .action(async (f: { python: string; sandbox?: string | true } & LlmFlags) => {
      process.exitCode = f.llm ? await doctorLlm(out, f) : f.sandbox
        ? await doctorSandbox(out, { python: f.python, ...(typeof f.sandbox === 'string' ? { competition: f.sandbox } : {}) })
        : await doctor(out, f.python);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    // a run killed with kill -9 leaves its pid file: stop whatever it left behind and mark it crashed
    for (const r of reapOrphans(resolve('runs'))) err(`gome: reaped a run that was killed: ${r.runDir}${r.killed.length ? ` (stopped ${r.killed.join(', ')})` : ''}`);
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    err(`gome: ${msg}`);
    return 1;
  }
}
