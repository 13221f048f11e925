// Gome's own version, read once from package.json (its one source), for run metadata, exported scripts and log headers.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function read(): string {
  try {
    const v = (JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof v === 'string' ? v : 'unknown';
  } catch { return 'unknown'; }
}

export const GOME_VERSION = read();
