// What an LLM brain asks a model for and records about every call: each role's reply schema (derived from the
// protocol's own domain schemas, so a model's answer is checked against the same shapes the actors exchange), the
// roles, and the llm.call record that goes in the run's journal.
import { z } from 'zod';
import { AxisScores, Component, Problem } from './domain.ts';

/** The roles an LLM plays; each can have its own model. */
export const LlmRole = z.enum(['researcher', 'developer', 'judge', 'selector']);
export type LlmRole = z.infer<typeof LlmRole>;

/** One proposed change as a model writes it: the protocol's Hypothesis, with a concrete instruction for the Developer. */
export const LlmHypothesis = z.object({
  kind: z.string().min(1).describe('a short stable key for this kind of change, e.g. "model:xgb" or "fe:target-encoding"'),
  component: Component,
  title: z.string().min(1),
  rationale: z.string(),
  problem: z.string().nullable().describe('the summary of the diagnosed problem it addresses, or null'),
  scores: AxisScores,
  instruction: z.string().min(1).describe('exactly what the Developer must change in the code'),
  estimatedSeconds: z.number().nonnegative().nullable().describe('estimated full-run time of the changed pipeline, or null'),
});
export type LlmHypothesis = z.infer<typeof LlmHypothesis>;

/** Researcher: structured diagnosis (the gradient) and up to five scored hypotheses. */
export const ResearchAnswer = z.object({
  diagnosis: z.array(Problem).max(8),
  hypotheses: z.array(LlmHypothesis).min(1).max(5),
});
export type ResearchAnswer = z.infer<typeof ResearchAnswer>;

/** Developer: the whole script, or a unified diff against the base (SOTA) code. */
export const CodeAnswer = z.object({
  summary: z.string().min(1),
  format: z.enum(['file', 'diff']),
  content: z.string().min(1).describe('the complete Python file, or a unified diff (---/+++/@@ hunks) against the base code'),
});
export type CodeAnswer = z.infer<typeof CodeAnswer>;

/** Developer repairing a failed attempt: what went wrong, then the fixed code. */
export const RepairAnswer = CodeAnswer.extend({ cause: z.string().min(1) });
export type RepairAnswer = z.infer<typeof RepairAnswer>;

/** The Validator's final judgement of a candidate the harness has scored. */
export const JudgeAnswer = z.object({
  decision: z.enum(['accept', 'reject']),
  observations: z.array(z.string()),
  reason: z.string().min(1),
});
export type JudgeAnswer = z.infer<typeof JudgeAnswer>;

/** Final selection among per-trace SOTAs. */
export const SelectAnswer = z.object({ experiment: z.string().min(1), reason: z.string().min(1) });
export type SelectAnswer = z.infer<typeof SelectAnswer>;

/** Every reply schema by name: the name goes to the endpoint with the JSON schema. */
export const LLM_ANSWERS = {
  research: ResearchAnswer, code: CodeAnswer, repair: RepairAnswer, judge: JudgeAnswer, select: SelectAnswer,
} as const;
export type LlmAnswerName = keyof typeof LLM_ANSWERS;
export type LlmAnswer<N extends LlmAnswerName> = z.infer<(typeof LLM_ANSWERS)[N]>;

export const LlmUsage = z.object({ promptTokens: z.number().int().nonnegative(), completionTokens: z.number().int().nonnegative() });
export type LlmUsage = z.infer<typeof LlmUsage>;

/**
 * One call to a model as the run's journal records it: the request's hash and rendered prompt, the response text,
 * what it cost, and how it ended. The API key is never part of it.
 */
export const LlmCall = z.object({
  role: LlmRole,
  model: z.string(),
  answer: z.enum(['research', 'code', 'repair', 'judge', 'select']),
  /** The prompt templates' version (actors/brain/llm/prompts/<version>). */
  promptVersion: z.string(),
  /** sha256 of the model, the answer schema and the messages: the cassette and the cache key. */
  requestHash: z.string(),
  /** Which call this was for its (role, trace): the cassette's replay key. */
  trace: z.string(),
  ordinal: z.number().int().nonnegative(),
  messages: z.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() })),
  /** The model's reply text per attempt (a schema violation is retried with the error fed back). */
  responses: z.array(z.string()),
  usage: LlmUsage,
  costUsd: z.number().nonnegative().nullable(),
  latencyMs: z.number().nonnegative(),
  /** json_schema when the endpoint took response_format, text when the JSON was parsed out of the reply. */
  mode: z.enum(['json_schema', 'text', 'cassette']),
  /** cassette: a replayed run asked for a call its cassette does not hold (it went further than the recorded run). */
  outcome: z.enum(['ok', 'invalid', 'http', 'deadline', 'cancelled', 'cap', 'connection', 'cassette']),
  error: z.string().nullable(),
});
export type LlmCall = z.infer<typeof LlmCall>;
