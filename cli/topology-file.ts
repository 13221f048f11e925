// Topology files: `--topology NAME|FILE` names a preset (bench/topologies/NAME.yaml in the installed package) or a
// .yaml/.yml/.json file. The file is read with `yaml` (YAML 1.2, which also reads JSON) keeping each node's position,
// and validated with the Topology schema; every problem is a sentence naming the field's dotted path and its line.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { customRoles, Topology } from '../protocols/topology.ts';
import { valueAt } from '../protocols/config-errors.ts';
import { TopologyFileInvalid, type TopologyProblem } from './topology-errors.ts';

export { TopologyFileInvalid };

const EXTENSIONS = ['.yaml', '.yml', '.json'];
const PRESET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** The installed package's root: the nearest folder above this module whose package.json is Gome's. */
function packageRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try { if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'gome') return dir; } catch { /* not ours */ }
    }
    if (dirname(dir) === dir) return resolve(here, '..');
  }
}

/** Where the preset topologies are: <package root>/bench/topologies. */
export const TOPOLOGIES_DIR = join(packageRoot(), 'bench', 'topologies');

/** The preset names (file names without extension) in a topologies folder, sorted; [] when it cannot be read. */
export function listTopologyPresets(dir: string = TOPOLOGIES_DIR): string[] {
  try {
    return readdirSync(dir).filter((f) => f.endsWith('.yaml') || f.endsWith('.yml')).map((f) => f.replace(/\.ya?ml$/, '')).sort();
  } catch { return []; }
}

/** How a file is named in messages: relative to the working directory when inside it, else its absolute path. */
function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function presetsSentence(dir: string): string {
  const names = listTopologyPresets(dir);
  return names.length ? `the presets are ${names.join(', ')} (in ${dir}); or give the path of a .yaml, .yml or .json topology file`
    : `there are no presets in ${dir}; give the path of a .yaml, .yml or .json topology file`;
}

/**
 * The topology named by `spec`: a preset name (bench/topologies/<name>.yaml, or .yml) or the path of a .yaml, .yml or
 * .json file. `name` defaults to the file's base name. Throws TopologyFileInvalid (sentences naming field and line).
 */
export function loadTopology(spec: string, opts: { topologiesDir?: string } = {}): { topology: Topology; source: string } {
  const dir = resolve(opts.topologiesDir ?? TOPOLOGIES_DIR);
  const s = spec.trim();
  // a bare name is a preset, unless it has an extension: then a file of that name is meant when there is one
  const ext = extname(s).toLowerCase();
  const isPreset = PRESET_NAME.test(s) && !EXTENSIONS.includes(ext) && !(ext && existsSync(s));
  let file: string;
  if (isPreset) {
    const found = ['.yaml', '.yml'].map((e) => join(dir, s + e)).find((f) => existsSync(f));
    if (!found) {
      throw new TopologyFileInvalid(join(dir, `${s}.yaml`), [{ path: '', line: null, message: `there is no topology preset named "${s}"; ${presetsSentence(dir)}` }], displayPath(join(dir, `${s}.yaml`)));
    }
    file = found;
  } else {
    file = resolve(s);
    if (!EXTENSIONS.includes(extname(file).toLowerCase())) {
      throw new TopologyFileInvalid(file, [{ path: '', line: null, message: `a topology file must end in .yaml, .yml or .json; ${presetsSentence(dir)}` }], displayPath(file));
    }
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new TopologyFileInvalid(file, [{ path: '', line: null, message: `there is no such file; ${presetsSentence(dir)}` }], displayPath(file));
    }
  }
  const display = displayPath(file);
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch (e) {
    throw new TopologyFileInvalid(file, [{ path: '', line: null, message: `it cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` }], display);
  }
  return { topology: parseTopologyText(text, file, display), source: file };
}

/** A custom role's machine file is named relative to the topology file: made absolute here, so runs from anywhere find it. */
function withRoleFilesFrom(t: Topology, dir: string): Topology {
  const custom = customRoles(t);
  if (!custom.length) return t;
  return { ...t, roles: { ...t.roles, ...Object.fromEntries(custom.map(([n, r]) => [n, r.machine ? { ...r, machine: resolve(dir, r.machine) } : r])) } };
}

/** Parses and validates a topology file's text; `file` gives the default name and the error's file. */
export function parseTopologyText(text: string, file: string, display: string = displayPath(file)): Topology {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length) {
    const lines = text.split(/\r?\n/);
    // the first error only: the ones after it are mostly its consequences
    const e = doc.errors[0]!;
    const line = lineAt(e.pos[0]);
    const src = (lines[line - 1] ?? '').trim();
    throw new TopologyFileInvalid(file, [{ path: '', line,
      message: `the file is not valid YAML or JSON: ${e.message.replace(/\s+/g, ' ').replace(/[.:]\s*$/, '')}${src ? ` (the line reads "${src.length > 80 ? `${src.slice(0, 77)}...` : src}")` : ''}` }], display);
  }
  const input: unknown = doc.toJS();
  const where = (path: (string | number)[]) => lineOf(doc, path, lineAt);
  if (input === null || input === undefined) {
    throw new TopologyFileInvalid(file, [{ path: '', line: null, message: `the file is empty; it must be a mapping of topology fields (${fieldsOf(Topology, [], {})!.join(', ')})` }], display);
  }
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new TopologyFileInvalid(file, [{ path: '', line: where([]), message: `expected a mapping of topology fields (${fieldsOf(Topology, [], {})!.join(', ')}), got ${show(input)}` }], display);
  }
  const obj = input as Record<string, unknown>;
  if (!('name' in obj)) obj.name = basename(file, extname(file));
  const r = Topology.safeParse(obj);
  if (r.success) return withRoleFilesFrom(r.data, dirname(file));
  const problems: TopologyProblem[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = fieldsOf(Topology, issue.path, obj);
      const owner = issue.path.length ? `"${issue.path.map(String).join('.')}"` : 'a topology';
      for (const key of issue.keys) {
        const path = [...issue.path, key] as (string | number)[];
        problems.push({ path: path.map(String).join('.'), line: where(path), message: `this field is unknown${allowed ? `; the fields of ${owner} are ${allowed.join(', ')}` : ''}` });
      }
      continue;
    }
    const path = issue.path as (string | number)[];
    problems.push({ path: path.map(String).join('.'), line: where(path), message: describeIssue(issue, obj, path) });
  }
  throw new TopologyFileInvalid(file, problems, display);
}

// ---- where a field is: its key's line, else its node's line, else its parent's ----

function keyOf(k: unknown): unknown {
  return isScalar(k) ? k.value : k;
}

function lineOf(doc: Document, path: (string | number)[], lineAt: (offset: number) => number): number | null {
  for (let n = path.length; n >= 0; n--) {
    const p = path.slice(0, n);
    if (n === 0) {
      const c = doc.contents;
      return isNode(c) && c.range ? lineAt(c.range[0]) : null;
    }
    const parent = n === 1 ? doc.contents : doc.getIn(p.slice(0, -1), true);
    const last = p[p.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((it) => String(keyOf(it.key)) === String(last));
      if (pair && isNode(pair.key) && pair.key.range) return lineAt(pair.key.range[0]);
    } else if (isSeq(parent)) {
      const item = parent.items[Number(last)];
      if (isNode(item) && item.range) return lineAt(item.range[0]);
    }
  }
  return null;
}

// ---- what a field allows, read from the schema itself ----

/** The few parts of a zod schema's definition this file reads. */
interface Def {
  type: string;
  innerType?: z.ZodType; in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  options?: z.ZodType[]; discriminator?: string;
  keyType?: z.ZodType; valueType?: z.ZodType;
  entries?: Record<string, unknown>; values?: unknown[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

function unwrap(s: z.ZodType): { schema: z.ZodType; nullable: boolean } {
  let nullable = false;
  for (;;) {
    const d = defOf(s);
    if (d.type === 'nullable') nullable = true;
    if (['default', 'prefault', 'nullable', 'optional', 'readonly', 'catch', 'nonoptional'].includes(d.type) && d.innerType) s = d.innerType;
    else if (d.type === 'pipe' && d.in) s = d.in;
    else return { schema: s, nullable };
  }
}

function field(v: unknown, k: string | number): unknown {
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[String(k)] : undefined;
}

/** A discriminated union resolved by the input's discriminator, unwrapped; else the schema unwrapped. */
function resolveUnion(s: z.ZodType, value: unknown): z.ZodType | undefined {
  const u = unwrap(s).schema;
  const d = defOf(u);
  if (d.type !== 'union' || !d.discriminator || !d.options) return u;
  const want = field(value, d.discriminator);
  const opt = d.options.find((o) => discriminatorValues(o, d.discriminator!).includes(want));
  return opt ? unwrap(opt).schema : undefined;
}

function discriminatorValues(option: z.ZodType, key: string): unknown[] {
  const shape = defOf(unwrap(option).schema).shape;
  const lit = shape?.[key];
  return lit ? (defOf(unwrap(lit).schema).values ?? []) : [];
}

/** The schema of the field at `path` (discriminated unions resolved by the input), or undefined. */
function schemaAt(root: z.ZodType, path: (string | number)[], input: unknown): z.ZodType | undefined {
  let s: z.ZodType | undefined = root;
  let v = input;
  for (const k of path) {
    s = resolveUnion(s, v);
    if (!s) return undefined;
    const d = defOf(s);
    if (d.type === 'object') s = d.shape?.[String(k)];
    else if (d.type === 'record') s = d.valueType;
    else return undefined;
    if (!s) return undefined;
    v = field(v, k);
  }
  return s;
}

/** The keys allowed in the mapping at `path`. */
function fieldsOf(root: z.ZodType, path: PropertyKey[], input: unknown): string[] | undefined {
  const at = schemaAt(root, path.map((k) => (typeof k === 'symbol' ? String(k) : k)), input);
  const s = at && resolveUnion(at, valueAt(input, path));
  if (!s) return undefined;
  const d = defOf(s);
  if (d.type === 'object' && d.shape) return Object.keys(d.shape);
  if (d.type === 'record' && d.keyType) {
    const k = defOf(unwrap(d.keyType).schema);
    if (k.entries) return Object.values(k.entries).map(String);
  }
  return undefined;
}

function bound(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) && Math.abs(x) < Number.MAX_SAFE_INTEGER ? x : null;
}

/** What a field accepts, in words: "a number from 0 to 10", "one of "siblings", "none"", "true or false". */
function expected(s: z.ZodType): string | null {
  const { schema, nullable } = unwrap(s);
  const d = defOf(schema);
  let e: string | null = null;
  switch (d.type) {
    case 'number': {
      const n = schema as unknown as { minValue: number | null; maxValue: number | null; isInt: boolean; format?: string | null };
      const min = bound(n.minValue), max = bound(n.maxValue);
      const kind = n.isInt || n.format === 'safeint' ? 'an integer' : 'a number';
      e = min !== null && max !== null ? `${kind} from ${min} to ${max}` : min !== null ? `${kind} of at least ${min}` : max !== null ? `${kind} of at most ${max}` : kind;
      break;
    }
    case 'boolean': e = 'true or false'; break;
    case 'string': e = 'a text'; break;
    case 'enum': e = `one of ${Object.values(d.entries ?? {}).map(show).join(', ')}`; break;
    case 'literal': e = (d.values ?? []).map(show).join(' or '); break;
    case 'object': e = `a mapping of ${Object.keys(d.shape ?? {}).join(', ')}`; break;
    case 'record': e = 'a mapping'; break;
    case 'union': {
      if (d.discriminator && d.options) {
        const kinds = d.options.flatMap((o) => discriminatorValues(o, d.discriminator!));
        e = `a mapping whose "${d.discriminator}" is one of ${kinds.map(show).join(', ')}`;
      }
      break;
    }
  }
  return e && nullable ? `${e}, or null` : e;
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v}"`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

type Issue = z.core.$ZodIssue;

/** One problem, after the location: "expected a number from 0 to 10, got "high"". */
function describeIssue(issue: Issue, input: unknown, path: (string | number)[]): string {
  const given = valueAt(input, path);
  const got = given === undefined ? 'but it is missing' : `got ${show(given)}`;
  if (issue.code === 'custom') return `${issue.message}${given !== undefined && (given === null || typeof given !== 'object') ? ` (it is ${show(given)})` : ''}`;
  if (issue.code === 'invalid_union' && 'options' in issue && issue.options?.length) {
    return `expected one of ${issue.options.map(show).join(', ')}, ${got}`;
  }
  const schema = schemaAt(Topology, path, input);
  const want = schema ? expected(schema) : null;
  if (want) return `expected ${want}, ${got}`;
  switch (issue.code) {
    case 'too_small': return `it must be at least ${String(issue.minimum)}, ${got}`;
    case 'too_big': return `it must be at most ${String(issue.maximum)}, ${got}`;
    case 'invalid_value': return `expected one of ${issue.values.map(show).join(', ')}, ${got}`;
    default: return `${issue.message.replace(/^Invalid input: /, '')} (${got})`;
  }
}
