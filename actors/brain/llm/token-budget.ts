// Keeps a prompt inside a model's context window: estimates tokens, and shrinks the largest shrinkable parts (code,
// logs, histories, the description) by keeping their head and tail until the whole fits. It never fails: what
// cannot be shrunk further is cut hard, with a marker saying how much was left out.

/**
 * Tokens in a text, estimated on the safe side: about 3 characters a token (English prose runs near 4, code and JSON
 * nearer 3). No tokenizer: Gome talks to many model families, and the reply's `usage` gives the true figures.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 3);
}

/** One part of a prompt: `fixed` parts are never shrunk (instructions, schema-bearing text). */
export interface PromptPart { name: string; text: string; fixed?: boolean; /** parts with a higher floor keep more */ minChars?: number }

/** The head and tail of a text with a marker in between, at most `maxChars` long (about). */
export function keepHeadTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const lines = text.split('\n');
  const keep = Math.max(0, maxChars - 80);
  const head = Math.ceil(keep * 0.6);
  const tail = keep - head;
  if (lines.length > 8) {
    // cut at line boundaries: code stays readable
    let h = 0; let a = 0;
    while (a < lines.length && h + lines[a]!.length + 1 <= head) h += lines[a++]!.length + 1;
    let t = 0; let b = lines.length;
    while (b > a && t + lines[b - 1]!.length + 1 <= tail) t += lines[--b]!.length + 1;
    if (b > a) return [...lines.slice(0, a), `… [${b - a} lines (${text.length - h - t} characters) left out to fit the context window] …`, ...lines.slice(b)].join('\n');
  }
  return `${text.slice(0, head)}\n… [${text.length - head - tail} characters left out to fit the context window] …\n${text.slice(text.length - tail)}`;
}

export interface FitResult { parts: PromptPart[]; tokens: number; shrunk: string[] }

/**
 * Shrinks parts until the estimated total is within `budgetTokens`: each round halves the largest shrinkable part
 * (down to its floor), then, if that is not enough, cuts the largest parts below their floors.
 */
export function fitParts(parts: readonly PromptPart[], budgetTokens: number): FitResult {
  const out = parts.map((p) => ({ ...p }));
  const shrunk = new Set<string>();
  const total = (): number => out.reduce((n, p) => n + estimateTokens(p.text), 0);
  for (let round = 0; round < 200 && total() > budgetTokens; round++) {
    const over = (total() - budgetTokens) * 3;
    const candidates = out.filter((p) => !p.fixed && p.text.length > (p.minChars ?? 400));
    const pool = candidates.length ? candidates : out.filter((p) => !p.fixed && p.text.length > 100);
    if (!pool.length) break;
    const big = pool.reduce((a, b) => (b.text.length > a.text.length ? b : a));
    const floor = candidates.length ? (big.minChars ?? 400) : 100;
    const target = Math.max(floor, Math.min(Math.floor(big.text.length / 2), big.text.length - over - 100));
    big.text = keepHeadTail(big.text, target);
    shrunk.add(big.name);
  }
  return { parts: out, tokens: total(), shrunk: [...shrunk] };
}
