// Which code a benchmark cell ran: the git commit of Gome's checkout and a hash of its uncommitted changes to tracked
// files, so that a resumable matrix (bench:loop) never mixes cells of different code. A checkout without git (an
// unpacked release) is named by its package version alone.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOME_VERSION } from './version.ts';
import { MatrixMismatch } from './matrix-mismatch.ts';

export interface CodeIdentity {
  /** The checkout's HEAD commit, null outside a git checkout. */
  commit: string | null;
  /** sha256 (first 12 hex digits) of `git diff HEAD` over tracked files; null when the tree is clean. */
  uncommitted: string | null;
  version: string;
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');

function git(args: string[], cwd: string): string | null {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return r.status === 0 ? r.stdout : null;
}

export function codeIdentity(repo = REPO): CodeIdentity {
  const head = git(['rev-parse', 'HEAD'], repo)?.trim() ?? null;
  if (!head) return { commit: null, uncommitted: null, version: GOME_VERSION };
  const diff = git(['diff', 'HEAD', '--binary'], repo) ?? '';
  return { commit: head, uncommitted: diff ? createHash('sha256').update(diff).digest('hex').slice(0, 12) : null, version: GOME_VERSION };
}

/** "abc1234", "abc1234+changes 0f3e…", or "version 0.1.0 (no git)". */
export function codeLabel(c: CodeIdentity): string {
  if (!c.commit) return `version ${c.version} (no git)`;
  return `${c.commit.slice(0, 7)}${c.uncommitted ? `+changes ${c.uncommitted}` : ''}`;
}

export function sameCode(a: CodeIdentity, b: CodeIdentity): boolean {
  return a.commit === b.commit && a.uncommitted === b.uncommitted && (a.commit !== null || a.version === b.version);
}

/**
 * Why a matrix directory started by code `was` must not be resumed by code `now`, as a sentence with the way out
 * (`newDir`: how to name another directory, e.g. "--out DIR"); null when they are the same code.
 */
export function codeMismatch(dir: string, was: CodeIdentity, now: CodeIdentity, newDir: string): MatrixMismatch | null {
  if (sameCode(was, now)) return null;
  return new MatrixMismatch(dir, `${dir} holds cells run by code ${codeLabel(was)}, and the code now is ${codeLabel(now)}: cells of different code are not comparable`,
    `resume it from a checkout of ${codeLabel(was)} (git worktree add DIR ${was.commit ?? 'COMMIT'}), or use ${newDir} for a new matrix`);
}
