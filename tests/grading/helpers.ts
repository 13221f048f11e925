// Test helpers for grading: repo paths, the sklearn/pandas Python (/usr/bin/python3), temp dirs, seeded data.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const leaderboardsDir = resolve(repoRoot, 'tests/fixtures/mlebench-leaderboards');
/** The Debian Python with sklearn and pandas; the python3 on PATH lacks sklearn. */
export const PY = '/usr/bin/python3';

/** Runs a Python script with JSON on stdin and parses its JSON stdout. */
export function py<T = unknown>(script: string, input: unknown = null): T {
  const out = execFileSync(PY, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 64 << 20 });
  return JSON.parse(out) as T;
}

export function tempDir(prefix = 'gome-grading-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeFile(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return path;
}

export function csv(header: string[], rows: (string | number)[][]): string {
  return [header.join(','), ...rows.map((r) => r.join(','))].join('\n') + '\n';
}
