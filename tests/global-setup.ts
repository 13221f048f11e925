// Vitest global setup: build the bundled competitions once (deterministic, from Debian-packaged data) before any test.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export default function setup(): void {
  const repo = resolve(import.meta.dirname, '..');
  const r = spawnSync('/usr/bin/python3', [resolve(repo, 'bench/prepare_all.py')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('bench/prepare_all.py failed — run `gome doctor` for the missing packages');
}
