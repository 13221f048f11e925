// The run's pid file (<runDir>/gome.pid): who owns the run and which helper processes it started (the embedded
// nats-server). Helpers die with their parent (parent-death signal), and as a second line the next gome command
// reaps what a killed run (kill -9, OOM, power) left behind and marks that run "crashed" in run_meta.json.
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { identify, isAlive, killIfAlive, type ProcessIdentity } from '../../runtime/process-identity.ts';

export const PID_FILE = 'gome.pid';

interface PidFileContent { owner: ProcessIdentity; children: Array<ProcessIdentity & { what: string }> }

export class RunPidFile {
  private readonly content: PidFileContent;
  constructor(private readonly runDir: string) {
    this.content = { owner: identify(process.pid) ?? { pid: process.pid, start: '' }, children: [] };
    this.write();
  }

  /** Records a helper process that must not outlive the run. */
  addChild(pid: number, what: string): void {
    const id = identify(pid);
    if (id) { this.content.children.push({ ...id, what }); this.write(); }
  }

  remove(): void { rmSync(join(this.runDir, PID_FILE), { force: true }); }

  private write(): void {
    const file = join(this.runDir, PID_FILE);
    writeFileSync(`${file}.tmp`, JSON.stringify(this.content, null, 2));
    renameSync(`${file}.tmp`, file);
  }
}

export interface Reaped { runDir: string; killed: string[] }

/** Finds runs under `runsRoot` whose owner died without cleaning up; kills their helpers and marks them crashed. */
export function reapOrphans(runsRoot: string): Reaped[] {
  let names: string[];
  try { names = readdirSync(runsRoot); } catch { return []; }
  const reaped: Reaped[] = [];
  for (const name of names) {
    const runDir = join(runsRoot, name);
    const file = join(runDir, PID_FILE);
    if (!existsSync(file)) continue;
    let c: PidFileContent;
    try { c = JSON.parse(readFileSync(file, 'utf8')) as PidFileContent; } catch { continue; }
    if (!c.owner || isAlive(c.owner)) continue;
    const killed = (c.children ?? []).filter((p) => killIfAlive(p)).map((p) => `${p.what} (pid ${p.pid})`);
    markCrashed(runDir, c.owner.pid);
    rmSync(file, { force: true });
    reaped.push({ runDir, killed });
  }
  return reaped;
}

function markCrashed(runDir: string, pid: number): void {
  const metaPath = join(runDir, 'run_meta.json');
  try {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Record<string, unknown>;
    if (meta.status !== 'running') return;
    writeFileSync(metaPath, JSON.stringify({
      ...meta, status: 'crashed', finishedAt: new Date().toISOString(),
      error: `the gome process (pid ${pid}) died without finishing the run (killed or crashed); found by a later gome command`,
    }, null, 2));
  } catch { /* no meta: nothing to mark */ }
}
