// gome replay FILE|RUN: re-runs a recorded run's machine actors from its log (no Python, no LLM) and checks every
// message they emit against the recorded one; --until SEQ prints each actor's state there, --actor replays one actor.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readGomelog, type GomelogHeader, type LoggedMessage } from '../../runtime/gomelog.ts';
import { replay, ReplayUnavailable, type ReplayOptions, type ReplayReport } from '../../runtime/replay.ts';
import { Topology, upgradeLegacyTopology } from '../../protocols/topology.ts';
import type { LoadedRole } from '../../actors/custom-role.ts';
import { loadRoles, machinesWith } from '../run/role-loader.ts';
import { RUN_LOG_FILE } from '../run/run-finalize.ts';
import { resolveRunDir } from './export.ts';

/** The log FILE names, or the replay log of the run directory or run id it names. */
export function logPath(target: string, runsRoot: string): string {
  if (existsSync(target) && statSync(target).isFile()) return target;
  return join(resolveRunDir(target, runsRoot), RUN_LOG_FILE);
}

export function loadLog(target: string, runsRoot: string): { file: string; header: GomelogHeader; messages: LoggedMessage[] } {
  const file = logPath(target, runsRoot);
  return { file, ...readGomelog(file) };
}

export async function replayLog(target: string, runsRoot: string, opts: ReplayOptions): Promise<{ file: string; header: GomelogHeader; report: ReplayReport; ms: number }> {
  const { file, header, messages } = loadLog(target, runsRoot);
  // the run's custom roles, from the files it recorded (their message types decode, their machines replay)
  const roles = await logRoles(header);
  const t0 = performance.now();
  const report = replay(messages, machinesWith(roles), opts);
  return { file, header, report, ms: performance.now() - t0 };
}

/** The custom roles a log's run had, loaded from the role files it recorded (none for a log without a topology). */
export async function logRoles(header: GomelogHeader): Promise<LoadedRole[]> {
  if (!header.topology) return [];
  const t = Topology.safeParse(upgradeLegacyTopology(header.topology));
  if (!t.success) return [];
  try { return await loadRoles(t.data, { recorded: true }); } catch (e) {
    throw new ReplayUnavailable((e as Error).message.split(' — fix:')[0]!, 'restore the role files the run used (replay runs the same machines the run ran)');
  }
}

/** The human summary of a replay that found no divergence (and, with --until, every actor's state). */
export function describeReplay(r: Awaited<ReturnType<typeof replayLog>>): string[] {
  const { report } = r;
  const lines = [
    `replayed ${r.file} (run ${r.header.run}, recorded by gome ${r.header.gome}): ${report.messages} messages in ${r.ms.toFixed(0)} ms`,
    `${report.compared} messages emitted by ${report.actors.length} machine actors, every one equal to the log${report.until !== null ? ` up to message ${report.until}` : ''}`,
  ];
  if (report.notReplayed.length) lines.push(`served from the log (not re-run): ${report.notReplayed.join(', ')}`);
  if (report.until !== null) {
    for (const a of report.actors) {
      lines.push('', `${a.address} (${a.machine}): state ${JSON.stringify(a.value)}, ${a.consumed} messages consumed`, `  context ${JSON.stringify(a.context)}`);
    }
  }
  return lines;
}
