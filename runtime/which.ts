// Locates executables on PATH (or absolute paths) without spawning a shell.
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export function which(binary: string, path = process.env.PATH ?? ''): string | null {
  const candidates = isAbsolute(binary) ? [binary] : path.split(delimiter).filter(Boolean).map((d) => join(d, binary));
  for (const c of candidates) {
    try { accessSync(c, constants.X_OK); return c; } catch { /* keep looking */ }
  }
  return null;
}
