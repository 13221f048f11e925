// gome resume RUN: continues a run that crashed or was killed (kill -9 included) from its own log. The run's NATS store
// holds every message; the actors are rebuilt by replaying it, the budget clock goes on from budget.json (the time the
// run was down is not charged), completed jobs are never run again and a job that was running at the crash runs once
// more. The run then ends like any run: final refit, submission and every report. A run whose actors and GPU node are
// on other hosts (--remote) is resumed on its coordinating host: the GPU node and the workers kept serving it and are
// asked again (what they hold they keep; a worker that holds none of a role's actors takes them up from their
// checkpoints and the log), the coordinator's and brain's durable inboxes kept what was sent meanwhile, and the GPU node
// does not count the time the coordinating host was down. A --remote-gpu run (actors here) is refused.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { RunConfig, parseConfig, type TaskInfo } from '../../protocols/index.ts';
import { upgradeConfig } from '../../protocols/config.ts';
import { prepareRunData } from './run-data.ts';
import { HarnessScorer } from '../../grading/harness-scorer.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { isAlive, type ProcessIdentity } from '../../runtime/process-identity.ts';
import { resolveRunDir } from '../commands/export.ts';
import { ensurePrepared } from './prepare.ts';
import { buildTaskInfo } from './task-info.ts';
import { PID_FILE, reapOrphans } from './run-pid-file.ts';
import { RunNotResumable } from './run-not-resumable.ts';
import { drive, type RunOptions, type RunResult } from './run-session.ts';
import { loadRoles } from './role-loader.ts';

export interface ResumeOptions extends Pick<RunOptions, 'natsUrl' | 'natsKeyFile' | 'brain' | 'logLevel' | 'handleSignals' | 'progress'> {
  /** A run directory or a run id under runsRoot. */
  run: string;
  runsRoot?: string;
}

export async function resumeRun(opts: ResumeOptions): Promise<RunResult> {
  const say = opts.progress === undefined ? (l: string) => process.stderr.write(l + '\n') : (opts.progress ?? (() => {}));
  const runDir = resolveRunDir(opts.run, opts.runsRoot ?? 'runs');
  // a killed run's leftovers (its nats-server) go first, and the run is marked crashed
  for (const r of reapOrphans(dirname(runDir))) if (r.runDir === runDir) say(`the run's process had died${r.killed.length ? `; stopped ${r.killed.join(', ')}` : ''}`);
  const metaPath = join(runDir, 'run_meta.json');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown> & { config?: unknown; task?: Partial<TaskInfo>; status?: string };
  const runId = String((meta.config as { runId?: unknown } | undefined)?.runId ?? runDir);
  const owner = readOwner(runDir);
  if (owner && isAlive(owner)) {
    throw new RunNotResumable(runId, `it is still running (pid ${owner.pid})`, 'wait for it to end, or stop it (Ctrl-C, kill) and resume it then');
  }
  if (meta.finished !== undefined) {
    throw new RunNotResumable(runId, `it already ended (${meta.status}) and its reports are written`, 'start a new run with gome run; resume continues runs that crashed or were killed before they ended');
  }
  if (meta.remoteGpu === true && meta.remoteWorkers !== true) {
    // its machine actors ran here on plain inboxes: what the GPU node sent them while this host was down or being
    // resumed would be lost (with --remote, the coordinating host's inboxes are durable)
    throw new RunNotResumable(runId, 'its jobs ran on a GPU node on another host while its actors ran here (--remote-gpu), and resuming such a run is not built yet', 'start the run again with gome run --remote-gpu; a run started with --remote (actors on workers) can be resumed');
  }
  if (!opts.natsUrl && !existsSync(join(runDir, 'nats'))) {
    throw new RunNotResumable(runId, 'its message log is not in the run directory (it ran on an external NATS server)', 'pass the --nats URL of the server the run used');
  }
  let config: RunConfig;
  try { config = parseConfig(RunConfig, upgradeConfig(meta.config)); } catch (e) {
    throw new RunNotResumable(runId, `run_meta.json holds no valid configuration (${(e as Error).message})`, 'start the run again with gome run');
  }
  const comp = await ensurePrepared(config.competitionDir, config.python, say, meta.task?.metric, meta.task?.positiveClass);
  const publicTask = await buildTaskInfo(comp);
  if (publicTask.metric !== meta.task?.metric || publicTask.nTrainRows !== meta.task?.nTrainRows) {
    throw new RunNotResumable(runId, `the competition at ${config.competitionDir} is not the one the run was started on (metric or rows differ)`, 'restore the competition folder the run used');
  }
  // the same seeded split as the run's start (every job and the log refer to it)
  const data = await prepareRunData(comp, runDir, config, publicTask);
  const clock = new SystemClock();
  const startedAt = Date.parse(String(meta.startedAt));
  const resumes = [...((meta.resumes as unknown[] | undefined) ?? []), { at: new Date(clock.now()).toISOString(), after: meta.status ?? 'running' }];
  const resumedMeta = { ...meta, status: 'running', resumes };
  delete (resumedMeta as Record<string, unknown>).error;
  delete (resumedMeta as Record<string, unknown>).finishedAt;
  writeFileSync(metaPath, JSON.stringify(resumedMeta, null, 2));
  // the custom roles the run recorded, from the same files (a file that changed is refused: the machines must be the same)
  let roles;
  try { roles = await loadRoles(config.topology, { recorded: true }); } catch (e) {
    throw new RunNotResumable(runId, (e as Error).message, 'restore the role files the run used');
  }
  say(`gome resume ${runId}\n  run dir ${runDir}\n  competition ${comp.id} (${comp.taskType}, ${comp.metric}), budget ${(config.budgetMs / 1000).toFixed(0)} s`);
  // a run with hosts elsewhere is coordinated again from here: the same flags as its start
  const remote = { ...(meta.remoteGpu === true ? { remoteGpu: true } : {}), ...(meta.remoteWorkers === true ? { remote: true } : {}) };
  return drive({ opts: { ...opts, ...remote }, say, runId, runDir, comp, task: data.task, config, meta: resumedMeta, clock, startedAt: Number.isFinite(startedAt) ? startedAt : clock.now(),
    data, resume: true, roles,
    // the machines continue from the log with the prefix they were started with; this one only names a fresh actor's
    idPrefix: typeof meta.experimentIdPrefix === 'string' ? meta.experimentIdPrefix : '' });
}

function readOwner(runDir: string): ProcessIdentity | null {
  try { return (JSON.parse(readFileSync(join(runDir, PID_FILE), 'utf8')) as { owner?: ProcessIdentity }).owner ?? null; } catch { return null; }
}
