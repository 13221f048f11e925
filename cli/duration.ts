// Parses human durations for CLI flags: 90s, 5m, 1.5h, 250ms; a bare number means seconds.
export class InvalidDuration extends Error {
  constructor(readonly input: string) {
    super(`"${input}" is not a duration — fix: write it like 90s, 5m, 2h or 500ms`);
    this.name = 'InvalidDuration';
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseDuration(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(s);
  if (!m) throw new InvalidDuration(s);
  const ms = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (!(ms > 0)) throw new InvalidDuration(s);
  return Math.round(ms);
}
