// The dependency order of the TypeScript folders: protocols ← grading ← runtime ← actors ← gpu-node / cli. Every
// relative import (static, type-only, re-export or dynamic) of a source file may only reach its own folder or a
// folder below it.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { repoRoot } from './helpers.ts';

/** Each layer and the folders it may import from (besides itself). */
const ALLOWED: Record<string, readonly string[]> = {
  protocols: [],
  grading: ['protocols'],
  runtime: ['protocols', 'grading'],
  actors: ['protocols', 'grading', 'runtime'],
  'gpu-node': ['protocols', 'grading', 'runtime', 'actors'],
  cli: ['protocols', 'grading', 'runtime', 'actors', 'gpu-node'],
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' ? [] : sources(p);
    return /\.(ts|mts)$/.test(name) ? [p] : [];
  });
}

/** Relative module specifiers of a file: `from '…'`, `import '…'` and `import('…')`. */
function specifiers(text: string): string[] {
  const out: string[] = [];
  for (const re of [/\bfrom\s+'(\.[^']*)'/g, /\bimport\s+'(\.[^']*)'/g, /\bimport\(\s*'(\.[^']*)'\s*\)/g]) {
    for (const m of text.matchAll(re)) out.push(m[1]!);
  }
  return out;
}

/** The top-level folder a repository path lies in. */
function layerOf(path: string): string {
  return relative(repoRoot, path).split(sep)[0]!;
}

describe('layers', () => {
  it('layers - every folder imports only itself and the layers below it (grading only protocols)', () => {
    const violations: string[] = [];
    let checked = 0;
    for (const [layer, allowed] of Object.entries(ALLOWED)) {
      for (const file of sources(join(repoRoot, layer))) {
        for (const spec of specifiers(readFileSync(file, 'utf8'))) {
          checked++;
          const target = layerOf(resolve(dirname(file), spec));
          if (target !== layer && !allowed.includes(target)) violations.push(`${relative(repoRoot, file)} imports ${spec} (${target})`);
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(violations).toEqual([]);
  });
});
