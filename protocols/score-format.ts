// How a score (or any measured figure) is written in reasons, prompts, logs and reports: six significant digits,
// without trailing zeros; "n/a" when there is none. One place, so every layer prints the same figure the same way.

export function formatScore(x: number | null | undefined): string {
  return typeof x === 'number' ? Number(x.toPrecision(6)).toString() : 'n/a';
}
