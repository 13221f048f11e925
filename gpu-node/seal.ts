// What a sealed job must not see beyond the allow-list: the competition's recorded source datasets (read from
// competition.json) and R's library trees, which ship the bundled datasets inside bound system paths.
import { readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

/** Host paths the sandbox hides even though they lie inside a bound system path (files: empty; dirs: empty tmpfs). */
export interface Seal {
  maskPaths: string[];
}

/** R's library trees: jobs run Python only, and R packages (mlbench, kernlab, …) ship the datasets as .rda files. */
export const R_LIBRARY_TREES: readonly string[] = ['/usr/lib/R', '/usr/share/R', '/usr/local/lib/R'];

/**
 * The source files a competition was cut from, as recorded in its competition.json: `sources` (a list of absolute
 * paths) and, for folders written before that field existed (or by `gome init`), `source.path`. Missing or
 * unreadable competition.json → [].
 */
export function recordedSources(competitionRoot: string): string[] {
  let json: unknown;
  try { json = JSON.parse(readFileSync(join(competitionRoot, 'competition.json'), 'utf8')); } catch { return []; }
  if (json === null || typeof json !== 'object') return [];
  const c = json as { sources?: unknown; source?: { path?: unknown } | null };
  const found: string[] = [];
  if (Array.isArray(c.sources)) for (const s of c.sources) if (typeof s === 'string' && s) found.push(s);
  if (c.source && typeof c.source === 'object' && typeof c.source.path === 'string' && c.source.path) found.push(c.source.path);
  return [...new Set(found.filter((p) => isAbsolute(p)).map((p) => resolve(p)))];
}

/** The seal for jobs of one competition: its recorded sources plus R's library trees. */
export function sealFor(competitionRoot: string): Seal {
  return { maskPaths: [...new Set([...recordedSources(resolve(competitionRoot)), ...R_LIBRARY_TREES])] };
}
