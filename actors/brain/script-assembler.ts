// Assembles the offline brain's job script: a generated constants block, then the fixed Python sections of ./templates
// (and label_key, copied from bench/_lib/metrics.py), concatenated into ONE self-contained file.
//
// Each template is a real .py file that pyflakes checks on its own. A template that uses names defined by the constants
// block or by an earlier section declares them in a stub import block, which the assembler strips:
//   # gome:stub-begin (...)
//   from _gome_job import np, pd, METRIC
//   # gome:stub-end
// `_gome_job` names no real module: it stands for "the sections above me in the same script".
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The folder holding the job templates (resolved from this module, so any install path works). */
export const TEMPLATE_DIR = join(HERE, 'templates');
/** The harness's Python helpers: the job copies label_key from here, so jobs and the harness compare labels alike. */
export const BENCH_METRICS_PY = resolve(HERE, '../../bench/_lib/metrics.py');

export const STUB_BEGIN = '# gome:stub-begin';
export const STUB_END = '# gome:stub-end';
/** The pseudo-module a stub block imports from. */
export const STUB_MODULE = '_gome_job';

/** The template files, in the order the job script runs them. */
export const TEMPLATES = [
  'header', 'settings', 'scoring', 'features', 'target_features', 'cnn', 'models', 'cost_probe', 'level2',
  'load', 'design', 'train', 'ensemble', 'outputs', 'feedback',
] as const;
export type TemplateName = (typeof TEMPLATES)[number];

/** Sections copied from elsewhere in the repository (one source of truth), by the name of the Python function. */
export const SHARED = ['label_key'] as const;
export type SharedName = (typeof SHARED)[number];

export type SectionName = TemplateName | SharedName;
/** The job script's sections after the constants block, in order: label_key is defined before load uses it. */
export const JOB_SECTIONS: readonly SectionName[] = [
  'header', 'settings', 'scoring', 'label_key', 'features', 'target_features', 'cnn', 'models', 'cost_probe', 'level2',
  'load', 'design', 'train', 'ensemble', 'outputs', 'feedback',
];

export function templatePath(name: TemplateName): string {
  return join(TEMPLATE_DIR, `${name}.py`);
}

const cache = new Map<string, string>();
function readCached(path: string): string {
  let text = cache.get(path);
  if (text === undefined) {
    text = readFileSync(path, 'utf8');
    cache.set(path, text);
  }
  return text;
}

/** A template's source as it is on disk (stub block included). */
export function templateSource(name: TemplateName): string {
  return readCached(templatePath(name));
}

/** The source without its stub block (the lines from STUB_BEGIN to STUB_END, both included). */
export function stripStub(source: string, what = 'template'): string {
  const lines = source.split('\n');
  const begins = lines.flatMap((l, i) => (l.startsWith(STUB_BEGIN) ? [i] : []));
  const ends = lines.flatMap((l, i) => (l.startsWith(STUB_END) ? [i] : []));
  if (begins.length === 0 && ends.length === 0) return source;
  const [b] = begins;
  const [e] = ends;
  if (begins.length !== 1 || ends.length !== 1 || b === undefined || e === undefined || e < b) {
    throw new Error(`${what}: expected one "${STUB_BEGIN}" line followed by one "${STUB_END}" line`);
  }
  for (const l of lines.slice(b + 1, e)) {
    if (l.trim() !== '' && !l.startsWith('#') && !l.startsWith(`from ${STUB_MODULE} import `)) {
      throw new Error(`${what}: a stub block holds only "from ${STUB_MODULE} import ..." lines, not: ${l}`);
    }
  }
  return [...lines.slice(0, b), ...lines.slice(e + 1)].join('\n');
}

/**
 * The source of the top-level Python function `name` in `source`: its `def` line and every following line that is
 * blank or indented (trailing blank lines dropped).
 */
export function pythonFunction(source: string, name: string, what = 'source'): string {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`def ${name}(`));
  if (start < 0) throw new Error(`${what}: no top-level "def ${name}(" found`);
  let end = start + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || /^\s/.test(lines[end]!))) end++;
  return lines.slice(start, end).join('\n').trimEnd();
}

function sharedSection(name: SharedName): string {
  switch (name) {
    case 'label_key':
      return [
        "# ── label_key: the harness's label comparison, copied from bench/_lib/metrics.py when this script was generated ──",
        pythonFunction(readCached(BENCH_METRICS_PY), 'label_key', BENCH_METRICS_PY),
      ].join('\n');
  }
}

function isTemplate(name: SectionName): name is TemplateName {
  return (TEMPLATES as readonly string[]).includes(name);
}

/** One section's code as it goes into a script: a template without its stub block, or a shared function. */
export function sectionBody(name: SectionName): string {
  const body = isTemplate(name) ? stripStub(templateSource(name), templatePath(name)) : sharedSection(name);
  return body.trim();
}

/** Sections are separated like top-level Python definitions: two blank lines. */
const SEPARATOR = '\n\n\n';

/**
 * Code made of the given sections, in the given order, after `preamble` (the constants block, or a test driver's
 * definitions). With the default sections this is the complete job script.
 */
export function assembleScript(preamble: string, sections: readonly SectionName[] = JOB_SECTIONS): string {
  return [preamble.trimEnd(), ...sections.map(sectionBody)].join(SEPARATOR) + '\n';
}
