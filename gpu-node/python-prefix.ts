// Where the job interpreter lives: its install prefixes (sys.prefix, sys.base_prefix, …), which the sandbox binds so
// the interpreter works, and its library dirs (sys.path), which no mask may hide. Asked once per interpreter, cached.
import { spawnSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

export interface PythonInstall {
  /** real install prefixes (a venv's and its base interpreter's) */
  prefixes: string[];
  /** real, existing library dirs on sys.path */
  paths: string[];
}

const cache = new Map<string, PythonInstall>();

const ASK = 'import sys, json; print(json.dumps({"prefixes": [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix], "paths": sys.path}))';

function real(p: string): string {
  try { return realpathSync(p); } catch { return resolve(p); }
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((p): p is string => typeof p === 'string' && isAbsolute(p)) : []);

/**
 * The interpreter's prefixes and library dirs as real absolute paths. When the interpreter cannot be asked, the
 * directories two levels above the given and the resolved executable (…/bin/python3 → …) stand in for the prefixes.
 */
export function pythonInstall(python: string): PythonInstall {
  const hit = cache.get(python);
  if (hit) return hit;
  let prefixes: string[] = [];
  let paths: string[] = [];
  const r = spawnSync(python, ['-I', '-c', ASK], { encoding: 'utf8', timeout: 15_000, env: { PATH: '/usr/bin:/bin' } });
  if (!r.error && r.status === 0) {
    try {
      const j = JSON.parse(r.stdout.trim()) as { prefixes?: unknown; paths?: unknown };
      prefixes = strings(j.prefixes);
      paths = strings(j.paths);
    } catch { /* fall back */ }
  }
  if (prefixes.length === 0) prefixes = [dirname(dirname(real(python)))];
  // a venv's bin/python is found through the given path, its libraries through the real one
  prefixes.push(dirname(dirname(resolve(python))));
  const out = {
    prefixes: [...new Set(prefixes.map(real))],
    paths: [...new Set(paths.filter((p) => existsSync(p)).map(real))],
  };
  cache.set(python, out);
  return out;
}

/** The interpreter's real install prefixes. */
export function pythonPrefixes(python: string): string[] {
  return pythonInstall(python).prefixes;
}
