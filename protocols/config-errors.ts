// Configuration errors as sentences: each names the flag or field, the value given and what is allowed,
// instead of a raw list of validation issues. One table maps config fields to the CLI flags that set them.
import type { z } from 'zod';

/**
 * The CLI flag that sets each config field (dotted path), so errors name what the user typed. A key ending in ".*"
 * covers the fields below it that have no entry of their own: they are named `FLAG (field "rest.of.path")`.
 */
export const CONFIG_FLAGS: Record<string, string> = {
  budgetMs: '--budget',
  graceMs: '--grace',
  seed: '--seed',
  preset: '--preset',
  topology: '--topology',
  'topology.traces': '--traces',
  'topology.memory': '--no-memory',
  // any other topology field (policy, policy.kind, policy.c, structuredReasoning, mergeWindow, ...) comes from --topology
  'topology.*': '--topology',
  'limits.debugMs': '--debug-limit',
  'limits.fullMs': '--full-limit',
  'limits.brainMs': '--brain-limit',
  'limits.replyMs': 'limits.replyMs',
  maxRepairs: '--max-repairs',
  topK: '--top-k',
  maxIterations: '--max-iterations',
  sandbox: '--sandbox',
  brain: 'the brain settings (--llm, --llm-config)',
  'brain.modelSettings': 'modelSettings (--llm-config)',
  'brain.kind': '--llm',
  'brain.noise': '--brain offline:noise=X',
  'brain.baseURL': '--llm-base-url (or OPENAI_BASE_URL)',
  'brain.models.researcher': '--llm-researcher',
  'brain.models.developer': '--llm-developer',
  'brain.models.judge': '--llm-judge',
  'brain.caps.maxUsd': '--max-llm-usd',
  'brain.caps.maxTokens': '--max-llm-tokens',
  'brain.cassette': '--llm replay:FILE',
  runId: 'run id',
  python: 'python',
  folds: '--folds',
  holdoutFrac: '--holdout',
  acceptK: '--accept-k',
  finalRefit: '--no-final-refit',
  'messageLog.maxBytes': '--log-max-mb',
  'messageLog.maxAgeMs': '--log-max-age',
};

/** The value at a path in a parsed input (undefined when the path leaves the objects). */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return `"${v}"`;
  try { return JSON.stringify(v); } catch { return String(v); }
}

type Issue = z.core.$ZodIssue;

function allowed(issue: Issue): string {
  switch (issue.code) {
    case 'too_small': return `it must be ${issue.inclusive === false ? 'more than' : 'at least'} ${String(issue.minimum)}`;
    case 'too_big': return `it must be ${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
    case 'invalid_value': return `allowed values are ${issue.values.map((x) => show(x)).join(', ')}`;
    case 'invalid_type': return `it must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}`;
    case 'invalid_format': return `it must be a valid ${issue.format}`;
    case 'invalid_union': return 'options' in issue && issue.options?.length ? `allowed values are ${issue.options.map((x) => show(x)).join(', ')}` : 'it matches none of the allowed shapes';
    case 'unrecognized_keys': return `these keys are unknown: ${issue.keys.join(', ')}`;
    default: return issue.message;
  }
}

/** The flag naming a config path: its own entry, else the nearest "prefix.*" entry with the rest of the path. */
function flagFor(path: string, flags: Record<string, string>): string | undefined {
  if (flags[path] !== undefined) return flags[path];
  const parts = path.split('.');
  for (let n = parts.length - 1; n >= 1; n--) {
    const flag = flags[`${parts.slice(0, n).join('.')}.*`];
    if (flag !== undefined) return `${flag} (field "${parts.slice(n).join('.')}")`;
  }
  return undefined;
}

/** One sentence per issue: "--traces was 0, but it must be at least 1." */
export function describeConfigIssue(issue: Issue, input: unknown, flags: Record<string, string> = CONFIG_FLAGS): string {
  const path = issue.path.map(String).join('.');
  const name = flagFor(path, flags) ?? (path || 'the configuration');
  const given = valueAt(input, issue.path);
  if (issue.code === 'custom') return `${name} ${show(given) === 'nothing' ? '' : `was ${show(given)}: `}${issue.message}.`.replace(/\s+/g, ' ');
  if (issue.code === 'invalid_type' && given === undefined) return `${name} is required; ${allowed(issue)}.`;
  if (issue.code === 'unrecognized_keys') {
    return `${name} has ${issue.keys.length === 1 ? 'an unknown setting' : 'unknown settings'} ${issue.keys.map((k) => `"${k}"`).join(', ')}: check the spelling against the README (a setting Gome does not know is refused, never ignored).`;
  }
  return `${name} was ${show(given)}, but ${allowed(issue)}.`;
}

/** A run configuration that does not validate; the message is the sentences, one per problem. */
export class ConfigInvalid extends Error {
  readonly code = 'CONFIG_INVALID' as const;
  constructor(readonly problems: string[]) {
    super(`the run configuration is invalid. ${problems.join(' ')}`);
    this.name = 'ConfigInvalid';
  }
}

/** Parses with a zod schema; throws ConfigInvalid (sentences) instead of a raw issue dump. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, flags?: Record<string, string>): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new ConfigInvalid(r.error.issues.map((i) => describeConfigIssue(i, input, flags)));
}

/** Any folder name (dots, spaces, unicode) → a run-id-safe token: letters, digits, "_" and "-". */
export function safeRunId(name: string): string {
  const s = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9_-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  return s.slice(0, 80) || 'run';
}
