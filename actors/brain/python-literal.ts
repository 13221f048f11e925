// Python literals for JSON-like values: how generated scripts (job constants, exported solutions) embed data.

export type PyValue = string | number | boolean | null | undefined | readonly PyValue[] | { readonly [k: string]: PyValue };

/** A Python literal for a JSON-like value (a JSON string literal is a valid Python one; undefined and non-finite numbers are None). */
export function py(v: PyValue): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'None';
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${(v as readonly PyValue[]).map(py).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`).join(', ')}}`;
}
