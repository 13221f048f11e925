// The LLM brain's prompts: versioned Markdown templates under ./prompts/<version>, with {{slot}} placeholders filled
// at render time. A slot left unfilled, or a value for no slot, is a programming error and throws.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The version of the templates in use; recorded with every call (llm.call promptVersion). */
export const PROMPT_VERSION = 'v1';

export const PROMPT_NAMES = [
  'system', 'contract', 'research', 'research-draft', 'research-improve', 'research-ensemble', 'research-operator', 'research-merge', 'develop', 'repair', 'judge', 'select', 'invalid-reply',
] as const;
export type PromptName = (typeof PROMPT_NAMES)[number];

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'prompts');
const cache = new Map<string, string>();

export function promptSource(name: PromptName, version = PROMPT_VERSION): string {
  const path = join(DIR, version, `${name}.md`);
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8').trimEnd();
    cache.set(path, text);
  }
  return text;
}

/** The slots a template has, in order of first use. */
export function slotsOf(template: string): string[] {
  return [...new Set([...template.matchAll(/\{\{([a-z_]+)\}\}/g)].map((m) => m[1]!))];
}

/** Fills every slot of a template; the values are inserted as they are (no escaping: the prompt is plain text). */
export function render(name: PromptName, values: Record<string, string>, version = PROMPT_VERSION): string {
  const template = promptSource(name, version);
  const slots = slotsOf(template);
  const missing = slots.filter((s) => !(s in values));
  const extra = Object.keys(values).filter((k) => !slots.includes(k));
  if (missing.length || extra.length) {
    throw new Error(`prompt ${version}/${name}: ${missing.length ? `no value for ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `no slot for ${extra.join(', ')}` : ''}`);
  }
  return template.replace(/\{\{([a-z_]+)\}\}/g, (_m, k: string) => values[k]!);
}
