// Tiny deterministic hashing helpers (FNV-1a 32-bit) used for tie-breaking; never randomness.

/** FNV-1a 32-bit hash of a string, as an unsigned integer. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Stable JSON (sorted keys) so that hashing a request does not depend on key order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`).join(',')}}`;
}

/** Hash of any JSON-like value, in [0, 1). */
export function hashUnit(value: unknown): number {
  return fnv1a(typeof value === 'string' ? value : stableStringify(value)) / 4294967296;
}
