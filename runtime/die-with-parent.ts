// Child processes that must not outlive Gome (nats-server, jobs) are started through util-linux's setpriv with a
// parent-death signal: when the process that spawned them dies, even by kill -9, the kernel SIGKILLs them.
import { which } from './which.ts';

let setprivPath: string | null | undefined;

/** argv that makes `file` die with this process (PR_SET_PDEATHSIG=SIGKILL via setpriv), when setpriv exists. */
export function dieWithParent(file: string, args: string[]): [string, string[]] {
  if (setprivPath === undefined) setprivPath = which('setpriv');
  return setprivPath ? [setprivPath, ['--pdeathsig', 'KILL', '--', file, ...args]] : [file, args];
}
