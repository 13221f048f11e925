// The sealed sandbox's filesystem as an allow-list: system dirs the interpreter needs (read-only), the job's workspace,
// the competition's public data and the job wrapper at FIXED inner paths, and masks over everything in a bound path
// that a job must not read (recorded source datasets, R libraries, the repo, the competitions, the runs).
import { lstatSync, readlinkSync, readdirSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';

/** Where things are inside the sandbox, whatever their host paths. */
export const INNER = {
  workdir: '/gome/work',
  dataDir: '/gome/data',
  wrapper: '/gome/bin/job_wrapper.py',
  tmp: '/tmp',
} as const;

/** One bubblewrap filesystem operation, in the order bwrap applies them. */
export type MountOp =
  | { op: 'ro-bind'; src: string; dest: string }
  | { op: 'bind'; src: string; dest: string }
  | { op: 'symlink'; target: string; dest: string }
  | { op: 'tmpfs'; dest: string }
  | { op: 'dev'; dest: string }
  /** a host device node at the same path, usable (a GPU's /dev/nvidiaN and the driver's control nodes) */
  | { op: 'dev-bind'; src: string; dest: string }
  | { op: 'proc'; dest: string }
  /** an empty, unreadable file over `dest` (bind of /dev/null on a nodev mount: open() fails) */
  | { op: 'mask-file'; dest: string };

/** Top-level links of a merged-/usr system (bound as directories where they are real directories). */
const ROOT_LINKS = ['/bin', '/sbin', '/lib', '/lib64', '/lib32', '/libx32'] as const;

/** The /etc entries an interpreter and its libraries need: the dynamic linker's cache and config, the BLAS/LAPACK
 *  choices (numpy loads libblas through /etc/alternatives), time zone, user names, and Debian's python config. */
const ETC_ENTRIES = ['ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'alternatives', 'localtime', 'timezone',
  'passwd', 'group', 'nsswitch.conf', 'os-release', 'matplotlibrc'] as const;

export interface MountPlanInput {
  /** host workspace, bound read-write at INNER.workdir */
  workdir: string;
  /** host public/ dir, bound read-only at INNER.dataDir */
  dataDir: string;
  /** host job_wrapper.py, bound read-only at INNER.wrapper */
  wrapper: string;
  /** interpreter install prefixes (bound read-only at the same path when outside /usr) */
  pythonPrefixes: readonly string[];
  /** interpreter library dirs (sys.path): no protected-path mask may hide them */
  pythonPaths?: readonly string[];
  /** host files or dirs to hide when they are visible through a bound path (sources, R trees) */
  maskPaths: readonly string[];
  /** host dirs that must stay invisible even when they lie inside a bound system path (repo, competitions, runs) */
  protectedPaths: readonly string[];
  /** host device nodes the job may use, at the same path (the GPUs'); none by default */
  devices?: readonly string[];
}

function lstatOrNull(p: string): Stats | null {
  try { return lstatSync(p); } catch { return null; }
}

function real(p: string): string {
  try { return realpathSync(p); } catch { return resolve(p); }
}

/** True when `p` is `root` or lies inside it. */
export function isWithin(p: string, root: string): boolean {
  if (root === '/') return isAbsolute(p);
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel) && rel.split(sep)[0] !== '..');
}

/** The read-only system view: /usr, the merged-/usr links, a minimal /etc, /dev, /proc and a private /tmp. */
export function systemView(): MountOp[] {
  const ops: MountOp[] = [{ op: 'ro-bind', src: '/usr', dest: '/usr' }];
  for (const link of ROOT_LINKS) {
    const st = lstatOrNull(link);
    if (!st) continue;
    if (st.isSymbolicLink()) ops.push({ op: 'symlink', target: readlinkSync(link), dest: link });
    else if (st.isDirectory()) ops.push({ op: 'ro-bind', src: link, dest: link });
  }
  const etc = [...ETC_ENTRIES.map((e) => `/etc/${e}`)];
  try { for (const e of readdirSync('/etc')) if (/^python3(\.\d+)?$/.test(e)) etc.push(`/etc/${e}`); } catch { /* no /etc */ }
  for (const p of etc) if (lstatOrNull(p)) ops.push({ op: 'ro-bind', src: p, dest: p });
  ops.push({ op: 'dev', dest: '/dev' }, { op: 'proc', dest: '/proc' }, { op: 'tmpfs', dest: INNER.tmp });
  return ops;
}

/** The full filesystem plan of one sealed job. */
export function mountPlan(input: MountPlanInput): MountOp[] {
  const ops = systemView();
  // after the minimal /dev of the system view: the device nodes the job may use
  for (const d of new Set(input.devices ?? [])) ops.push({ op: 'dev-bind', src: d, dest: d });
  // host roots visible at the same path inside the sandbox
  const systemRoots = ops.flatMap((o) => (o.op === 'ro-bind' ? [real(o.src)] : []));
  const identityRoots = [...systemRoots];
  const prefixes = [...new Set(input.pythonPrefixes.map(real))]
    .filter((p) => p !== '/' && !systemRoots.some((r) => isWithin(p, r)));
  for (const p of prefixes) {
    ops.push({ op: 'ro-bind', src: p, dest: p });
    identityRoots.push(p);
  }

  const workdir = real(input.workdir);
  const dataDir = real(input.dataDir);
  ops.push(
    { op: 'bind', src: workdir, dest: INNER.workdir },
    { op: 'ro-bind', src: dataDir, dest: INNER.dataDir },
    { op: 'ro-bind', src: real(input.wrapper), dest: INNER.wrapper },
  );

  // the repo, the competition and the run dir: hidden when a bound system path happens to contain them
  const masked: string[] = [];
  const libraries = (input.pythonPaths ?? []).map(real);
  for (const p of [...new Set(input.protectedPaths.map(real))].sort()) {
    if (!identityRoots.some((r) => isWithin(p, r))) continue; // not visible anyway
    // never hide the system, a top-level system dir (/usr/share, /usr/local), the interpreter or its libraries
    if (systemRoots.some((s) => isWithin(s, p)) || p.split(sep).filter(Boolean).length <= 2) continue;
    if (prefixes.includes(p) || libraries.some((l) => isWithin(l, p))) continue;
    if (masked.some((m) => isWithin(p, m))) continue;
    ops.push({ op: 'tmpfs', dest: p });
    masked.push(p);
  }
  // an interpreter installed inside a hidden dir (a venv in a repo under /usr/local) is bound again on top
  for (const p of prefixes) if (masked.some((m) => isWithin(p, m))) ops.push({ op: 'ro-bind', src: p, dest: p });

  // recorded sources and R trees: mapped to where the job would see them, directories first
  const inner = (host: string): string | null => {
    if (identityRoots.some((r) => isWithin(host, r))) return host;
    if (isWithin(host, dataDir)) return join(INNER.dataDir, relative(dataDir, host));
    return null; // invisible (the writable workspace is the job's own)
  };
  for (const t of maskTargets(input.maskPaths, inner, masked)) ops.push(t.dir ? { op: 'tmpfs', dest: t.dest } : { op: 'mask-file', dest: t.dest });
  return ops;
}

/**
 * The masks over recorded sources and R's trees, for any sealed backend: each host path that exists, where the job
 * would see it (`place`; null: invisible), directories first, none inside a directory already hidden (`hidden`).
 */
export function maskTargets(maskPaths: readonly string[], place: (host: string) => string | null, hidden: readonly string[] = []): Array<{ dest: string; dir: boolean }> {
  const targets: Array<{ dest: string; dir: boolean }> = [];
  for (const m of new Set(maskPaths)) {
    const host = real(m);
    const st = lstatOrNull(host);
    const dest = st ? place(host) : null;
    if (dest && (st!.isDirectory() || st!.isFile())) targets.push({ dest, dir: st!.isDirectory() });
  }
  targets.sort((a, b) => Number(b.dir) - Number(a.dir) || a.dest.length - b.dest.length);
  const masked = [...hidden];
  const out: Array<{ dest: string; dir: boolean }> = [];
  for (const t of targets) {
    if (masked.some((m) => isWithin(t.dest, m))) continue;
    if (t.dir) masked.push(t.dest);
    out.push(t);
  }
  return out;
}

/** bwrap arguments for a plan. */
export function mountArgs(ops: readonly MountOp[]): string[] {
  const args: string[] = [];
  for (const o of ops) {
    switch (o.op) {
      case 'ro-bind': args.push('--ro-bind', o.src, o.dest); break;
      case 'bind': args.push('--bind', o.src, o.dest); break;
      case 'symlink': args.push('--symlink', o.target, o.dest); break;
      case 'tmpfs': args.push('--tmpfs', o.dest); break;
      case 'dev': args.push('--dev', o.dest); break;
      case 'dev-bind': args.push('--dev-bind', o.src, o.dest); break;
      case 'proc': args.push('--proc', o.dest); break;
      case 'mask-file': args.push('--ro-bind', '/dev/null', o.dest); break;
    }
  }
  return args;
}
