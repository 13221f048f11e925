// A process's identity across time: pid plus its kernel start time (from /proc), so a recorded pid that the
// kernel has since reused for another program is never mistaken for ours.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity { pid: number; start: string }

/** The start time (clock ticks since boot) of a live, non-zombie process, or null. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return f[0] === 'Z' || f[0] === 'X' ? null : (f[19] ?? null);
  } catch { return null; }
}

export function identify(pid: number): ProcessIdentity | null {
  const start = processStart(pid);
  return start === null ? null : { pid, start };
}

/** Is this exact process (same pid, same start time) still alive? */
export function isAlive(p: ProcessIdentity): boolean {
  return processStart(p.pid) === p.start;
}

/** SIGKILLs the process if it is still the one recorded; true when it was alive. */
export function killIfAlive(p: ProcessIdentity): boolean {
  if (!isAlive(p)) return false;
  try { process.kill(p.pid, 'SIGKILL'); return true; } catch { return false; }
}
