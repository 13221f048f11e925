// The positive class of a binary probability target (which label the submitted probability is for): from --positive,
// competition.json's positiveClass, the description's wording, or the 0/1 convention — never from label sort order.
import { canonicalLabel } from './csv.ts';
import { PositiveClassError } from './errors.ts';

/** Canonical form for comparing labels: numbers by value ("1" = "1.0"), true/false in any case, else trimmed text. */
export function labelKey(label: string): string {
  const c = canonicalLabel(label);
  const low = c.toLowerCase();
  return low === 'true' || low === 'false' ? low : c;
}

export function sameLabel(a: string, b: string): boolean {
  return labelKey(a) === labelKey(b);
}

/** The class equal to `label` (as `classes` spell it), or null. */
export function findClass(classes: readonly string[], label: string): string | null {
  return classes.find((c) => sameLabel(c, label)) ?? null;
}

/** The other class of a two-class target. */
function otherClass(classes: readonly string[], label: string): string | null {
  return classes.length === 2 ? (classes.find((c) => !sameLabel(c, label)) ?? null) : null;
}

/**
 * The convention for labels whose positive class is unambiguous: numeric 0/1 → 1, true/false → true. Text labels
 * (bad/good, M/R, Yes/No, …) have no convention and are never ordered alphabetically.
 */
export function conventionalPositive(classes: readonly string[]): string | null {
  if (classes.length !== 2) return null;
  const keys = classes.map(labelKey);
  const set = new Set(keys);
  if (set.has('0') && set.has('1')) return classes[keys.indexOf('1')]!;
  if (set.has('true') && set.has('false')) return classes[keys.indexOf('true')]!;
  return null;
}

const TRUTHY = new Set(['1', 'true', 'yes', 'y', 't', 'positive', 'pos']);
const FALSY = new Set(['0', 'false', 'no', 'n', 'f', 'negative', 'neg']);

/** Two classes of which one means yes and the other no (1/0, True/False, Yes/No, Y/N): the yes one. */
function yesClass(classes: readonly string[]): string | null {
  if (classes.length !== 2) return null;
  const k = classes.map((c) => labelKey(c).toLowerCase());
  if (TRUTHY.has(k[0]!) && FALSY.has(k[1]!)) return classes[0]!;
  if (TRUTHY.has(k[1]!) && FALSY.has(k[0]!)) return classes[1]!;
  return null;
}

/** Which kind of wording named the class, most reliable first. */
export type PositiveWording = 'positive-class' | 'probability' | 'whether';
const TIERS: PositiveWording[] = ['positive-class', 'probability', 'whether'];

export type DescriptionPositive =
  | { kind: 'found'; label: string; phrase: string; wording: PositiveWording }
  | { kind: 'none' }
  | { kind: 'conflict'; labels: string[]; phrases: string[]; wording: PositiveWording };

/** Removes markdown code/emphasis marks and quotes (keeping apostrophes inside words). */
function clean(text: string): string {
  return text
    .replace(/[`*"“”]/g, ' ')
    .replace(/(^|[\s([])['‘’]/g, '$1 ')
    .replace(/['‘’](?=[\s)\].,;:!?]|$)/g, ' ');
}

/** Sentences of the cleaned text: headings and blank lines end one, wrapped lines do not. */
function sentences(text: string): string[] {
  return clean(text).replace(/^[ \t]*#+[ \t].*$/gm, (h) => `\n${h}\n`).split(/\n\s*\n/)
    .flatMap((p) => p.replace(/\s*\n\s*/g, ' ').split(/(?<=[.!?;])\s+/))
    .map((s) => s.replace(/\s+/g, ' ').replace(/\s+([.,;:!?)])/g, '$1').replace(/\(\s+/g, '(').trim())
    .filter(Boolean);
}

const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whole-token matcher for a label: case-insensitive from 3 characters, numbers in any decimal spelling. */
function labelRe(label: string): RegExp {
  const n = Number(label.trim());
  const body = label.trim() !== '' && Number.isFinite(n) ? `${esc(String(n))}(?:\\.0+)?` : esc(label.trim());
  return new RegExp(`(?<![\\w.-])${body}(?![\\w-]|\\.\\d)`, label.trim().length >= 3 ? 'gi' : 'g');
}
const isNumeric = (label: string): boolean => label.trim() !== '' && Number.isFinite(Number(label.trim()));

/** Words that, right before a label, make it the predicate ("is bad", "of being M", "class (1)"). */
const LEAD_TEXT = /(?:\b(?:is|are|was|were|be|being|been|becomes?|equals?|of|for|as|class|label|value|category|outcome|isn't|aren't|wasn't|weren't)\s+(?:not\s+)?(?:(?:a|an|the)\s+)?|(?:==?|:|\()\s*(?:not\s+)?)$/i;
/** Numbers need a stricter lead ("is 1", "class 1", "(1)"), so "between 0 and 1" names no class. */
const LEAD_NUM = /(?:\b(?:is|are|was|were|be|being|been|equals?|class|label|value|category)\s+(?:not\s+)?|(?:==?|:|\()\s*(?:not\s+)?)$/i;
const NEGATED = /(?:\b(?:not|never)\s+|n't\s+)(?:(?:a|an|the)\s+)?$/i;

interface Mention { label: string; index: number; end: number; negated: boolean }

/** Label mentions in `text` that stand as a predicate, earliest first. */
function predicateMentions(text: string, classes: readonly string[]): Mention[] {
  const out: Mention[] = [];
  for (const label of classes) {
    for (const m of text.matchAll(labelRe(label))) {
      const before = text.slice(0, m.index);
      if (!(isNumeric(label) ? LEAD_NUM : LEAD_TEXT).test(before)) continue;
      out.push({ label, index: m.index, end: m.index + m[0].length, negated: NEGATED.test(before) });
    }
  }
  return out.sort((a, b) => a.index - b.index || b.end - a.end);
}

/** The yes-class when the text mentions the target column itself ("the probability that a passenger was Transported"). */
function targetMention(text: string, target: string | undefined, classes: readonly string[]): Mention | null {
  const yes = yesClass(classes);
  if (!yes || !target || target.trim().length < 3) return null;
  const re = new RegExp(`(?<![\\w-])${target.trim().split(/[_\s-]+/).map(esc).join('[_\\s-]+')}(?![\\w-])`, 'i');
  const m = re.exec(text);
  if (!m) return null;
  const negated = NEGATED.test(text.slice(0, m.index));
  return { label: negated ? otherClass(classes, yes)! : yes, index: m.index, end: m.index + m[0].length, negated: false };
}

const resolveMention = (m: Mention, classes: readonly string[]): string | null => (m.negated ? otherClass(classes, m.label) : m.label);

/** "positive class is bad", "the positive class (bad)", "treat bad as the positive class", "negative class: good". */
function classStatement(s: string, classes: readonly string[]): string | null {
  for (const cue of s.matchAll(/\b(positive|negative)\s+(?:class|label|outcome|category)\b/gi)) {
    const flip = cue[1]!.toLowerCase() === 'negative';
    const tail = s.slice(cue.index + cue[0].length);
    const head = s.slice(0, cue.index);
    let label: string | null = null;
    const next = classes.map((c) => ({ c, m: labelRe(c).exec(tail) })).filter((x) => x.m).sort((a, b) => a.m!.index - b.m!.index)[0];
    if (next && /^[\s:=([,-]*(?:(?:is|being|would be|will be)\s+)?(?:the\s+)?(?:(?:label|class|value)\s+)?[\s:=([]*$/i.test(tail.slice(0, next.m!.index))) label = next.c;
    if (!label) {
      const prev = classes.flatMap((c) => [...head.matchAll(labelRe(c))].map((m) => ({ c, end: m.index + m[0].length })))
        .sort((a, b) => b.end - a.end)[0];
      if (prev && /^[\s)\],-]*(?:(?:is|as|being|=)\s+)?(?:the\s+|our\s+|a\s+)?[\s(]*$/i.test(head.slice(prev.end))) label = prev.c;
    }
    if (label) return flip ? otherClass(classes, label) : label;
  }
  return null;
}

/** The label named after a probability/whether cue in one sentence, or null. */
function cueStatement(s: string, cue: RegExp, classes: readonly string[], target: string | undefined): string | null {
  for (const c of s.matchAll(cue)) {
    const tail = s.slice(c.index + c[0].length, c.index + c[0].length + 160);
    const m = predicateMentions(tail, classes)[0] ?? targetMention(tail, target, classes);
    if (m) return resolveMention(m, classes);
  }
  return null;
}

/** "probability", "likelihood", "chance", "odds" (capitalised or not) or the notation "P(Class = bad)". */
const PROBABILITY = /\b(?:[Pp]robabilit(?:y|ies)|PROBABILITY|[Ll]ikelihood|[Cc]hances?|[Oo]dds)\b|\bP\s*\((?=[^)]*=)/g;
const WHETHER = /\bwhether\b/gi;

/**
 * Reads which class the description asks the probability of, among `classes` (the target's observed labels).
 * Handles "probability that X is Y", "probability of (being) Y", "positive class Y", "Y is the positive class",
 * "probability that a passenger was Transported" (the target's yes-label), "whether … is Y (1) or not", negations
 * ("is not Y") and quotes/backticks. Several statements naming different classes in the best wording → conflict.
 */
export function positiveFromDescription(text: string, classes: readonly string[], target?: string): DescriptionPositive {
  if (classes.length !== 2) return { kind: 'none' };
  const hits: Record<PositiveWording, Array<{ label: string; phrase: string }>> = { 'positive-class': [], probability: [], whether: [] };
  for (const s of sentences(text)) {
    const phrase = s.length > 160 ? `${s.slice(0, 157)}…` : s;
    const a = classStatement(s, classes);
    if (a) hits['positive-class'].push({ label: a, phrase });
    const b = cueStatement(s, PROBABILITY, classes, target);
    if (b) hits.probability.push({ label: b, phrase });
    const c = cueStatement(s, WHETHER, classes, target);
    if (c) hits.whether.push({ label: c, phrase });
  }
  for (const wording of TIERS) {
    const h = hits[wording];
    if (h.length === 0) continue;
    const labels = [...new Set(h.map((x) => x.label))];
    if (labels.length === 1) return { kind: 'found', label: labels[0]!, phrase: h[0]!.phrase, wording };
    return { kind: 'conflict', labels, phrases: h.map((x) => x.phrase), wording };
  }
  return { kind: 'none' };
}

export type PositiveSource = '--positive' | 'competition.json' | 'description.md' | 'convention';

export interface PositiveClass {
  label: string;
  source: PositiveSource;
  /** Human-readable evidence, e.g. 'description.md: "…probability that Class is bad"'. */
  evidence: string;
}

export interface PositiveInput {
  /** Competition folder (for error messages). */
  root: string;
  /** The label column. */
  target: string;
  /** The two observed class labels. */
  classes: readonly string[];
  description: string;
  /** --positive LABEL (wins over everything). */
  option?: string | undefined;
  /** competition.json positiveClass. */
  declared?: string | undefined;
}

const listOf = (classes: readonly string[]): string => classes.map((c) => JSON.stringify(c)).join(', ');

/**
 * The one positive class of a binary probability target. Order: --positive, competition.json positiveClass, the
 * description's wording, then the 0/1 (true/false) convention. Throws PositiveClassError when a given label is not a
 * class, or when nothing determines it (text labels are never ordered alphabetically).
 */
export function resolvePositiveClass(p: PositiveInput): PositiveClass {
  const { root, classes, target } = p;
  if (p.option !== undefined) {
    const label = findClass(classes, p.option);
    if (label === null) {
      throw new PositiveClassError(root, 'not-a-class', classes, `--positive ${JSON.stringify(p.option)} is not a class of the target "${target}", whose classes are ${listOf(classes)}`,
        `pass --positive with one of ${listOf(classes)}, spelled as in train.csv`);
    }
    return { label, source: '--positive', evidence: `--positive ${label}` };
  }
  if (p.declared !== undefined) {
    const label = findClass(classes, p.declared);
    if (label === null) {
      throw new PositiveClassError(root, 'not-a-class', classes, `competition.json positiveClass ${JSON.stringify(p.declared)} is not a class of the target "${target}", whose classes are ${listOf(classes)}`,
        `set positiveClass in competition.json to one of ${listOf(classes)}, or pass --positive LABEL`);
    }
    return { label, source: 'competition.json', evidence: `competition.json positiveClass ${JSON.stringify(label)}` };
  }
  const conv = conventionalPositive(classes);
  const said = positiveFromDescription(p.description, classes, target);
  // For 0/1 and true/false labels the convention outranks a loose "whether …" sentence; explicit wording still wins.
  if (said.kind === 'found' && (conv === null || said.wording !== 'whether')) {
    return { label: said.label, source: 'description.md', evidence: `description.md: ${JSON.stringify(said.phrase)}` };
  }
  if (conv !== null) return { label: conv, source: 'convention', evidence: `labels ${listOf(classes)}: ${JSON.stringify(conv)} is the positive class by convention (1 of 0/1, true of true/false)` };
  const why = said.kind === 'conflict'
    ? `description.md names different classes (${listOf(said.labels)}) in "${said.phrases.join('" and "')}"`
    : 'description.md does not say which class the probability is for';
  throw new PositiveClassError(root, 'undetermined', classes,
    `cannot tell which class of the binary target "${target}" the submitted probability is for: its classes are ${listOf(classes)}, ${why}, and text labels are never ordered alphabetically`,
    `pass --positive LABEL (one of ${listOf(classes)}) to gome run, or add "positiveClass": LABEL to competition.json`);
}
