// The LLM brain: any OpenAI-compatible model as Researcher (structured diagnosis and five-axis hypotheses) and
// Developer (free-form Python: a whole file or a unified diff against the SOTA, and repairs), behind the same Brain
// protocol as the offline brain. Prompts come from versioned templates, fitted to the model's context window; each
// reply is checked against its schema and asked again with the error fed back; every call is recorded (llm.call in
// the journal, and the cassette) with its tokens, latency and cost; the run's caps stop further calls.
import { applyPatch, createPatch } from 'diff';
import { z } from 'zod';
import type { LlmModelSettings, LlmRoleModels } from '../../../protocols/config.ts';
import { LLM_ANSWERS, type LlmAnswer, type LlmAnswerName, type LlmCall, type LlmRole } from '../../../protocols/llm.ts';
import { NO_IO, type Brain, type BrainIo, type DevelopReply, type DevelopRequest, type JudgeReply, type JudgeRequest, type ResearchReply, type ResearchRequest, type SelectReply, type SelectRequest } from '../brain.ts';
import { stableStringify } from '../hash.ts';
import { formatScore } from '../../../protocols/score-format.ts';
import type { ChatExchange, ChatMessage } from './chat-client.ts';
import { parseReply } from './json-reply.ts';
import { LlmCapReached, LlmFailure, LlmReplyInvalid } from './llm-errors.ts';
import {
  budgetText, developContext, failuresText, listText, researchContext, sha256, sotaText, successesText, taskFacts, taskSummary, valueRule, mergeText,
} from './prompt-context.ts';
import { PROMPT_VERSION, promptSource, render, slotsOf, type PromptName } from './prompt-library.ts';
import { fitParts, keepHeadTail, type PromptPart } from './token-budget.ts';
import { priceOf, type UsageLedger } from './usage-ledger.ts';

/** One request/response exchange with a model (live: the endpoint; replayed: the cassette). */
export interface Exchange {
  role: LlmRole; trace: string; ordinal: number; attempt: number;
  model: string; messages: ChatMessage[]; schemaName: LlmAnswerName; schema: Record<string, unknown>;
  maxTokens: number; temperature: number; deadlineMs: number; signal: AbortSignal;
}
export interface Transport {
  /** What the recorded call says about the mode (json_schema/text, or cassette). */
  readonly kind: 'live' | 'cassette';
  exchange(x: Exchange): Promise<ChatExchange>;
}

export interface LlmBrainOptions {
  name: string;
  /** The role models of the config (roleModels(): the topology's per-role models, the selector's with selector llm). */
  models: LlmRoleModels;
  settings: (model: string) => LlmModelSettings;
  temperature: number;
  replyRetries: number;
  requestMs: number;
  transport: Transport;
  ledger: UsageLedger;
  /** Aborted when the run's budget ends or the run is stopped: calls in flight are cancelled. */
  signal: AbortSignal;
  /** Called once, when a cap is first reached (the run then finishes with its best so far). */
  onCap?: (reason: string) => void;
  /** Every finished call (the cassette writer). */
  onCall?: (call: LlmCall) => void;
}

const ROLE_TITLE: Record<LlmRole, string> = {
  researcher: 'the Researcher: you diagnose why the best pipeline falls short and propose the next changes',
  developer: 'the Developer: you write and repair the Python pipeline that implements one change',
  judge: 'the Validator\'s judge: you give the final judgement of a change the harness accepted, and may veto it',
  selector: 'the final selector: you choose among the traces\' best pipelines',
};

/** Slots whose values may be shortened to fit the context window (code, histories, descriptions, the JSON block). */
const SHRINKABLE = new Set(['candidates', 'code', 'figures', 'description', 'sota', 'successes', 'failures', 'tried', 'siblings', 'base_code', 'previous_code', 'error', 'context_json', 'task_summary']);

const JSON_SCHEMAS = new Map<LlmAnswerName, Record<string, unknown>>();
function jsonSchemaOf(name: LlmAnswerName): Record<string, unknown> {
  let s = JSON_SCHEMAS.get(name);
  if (!s) {
    const { $schema: _s, ...rest } = z.toJSONSchema(LLM_ANSWERS[name], { io: 'input' }) as Record<string, unknown>;
    s = rest;
    JSON_SCHEMAS.set(name, s);
  }
  return s;
}

/** A script the model wrapped in Markdown fences, unwrapped. */
function unfence(code: string): string {
  const m = /^\s*```[a-z]*\n([\s\S]*?)\n?```\s*$/i.exec(code);
  return (m ? m[1]! : code).replace(/\s*$/, '\n');
}

export class LlmBrain implements Brain {
  readonly name: string;
  private readonly ordinals = new Map<string, number>();
  private capNoticed = false;

  constructor(private readonly o: LlmBrainOptions) { this.name = o.name; }

  async research(req: ResearchRequest, io: BrainIo = NO_IO): Promise<ResearchReply> {
    // a tree-search operator asks for the brain's own proposals for one node; the gradient asks by stage
    const stage: PromptName = req.operator === 'merge' ? 'research-merge' : req.operator === 'draft' ? 'research-draft' : req.operator === 'improve' ? 'research-operator'
      : req.stage === 'draft' ? 'research-draft' : req.stage === 'ensemble' ? 'research-ensemble' : 'research-improve';
    const answer = await this.ask('researcher', 'research', 'research', {
      stage_intro: req.operator === 'merge' ? `${promptSource(stage)}\n\n${mergeText(req.mergeFrom ?? [])}` : promptSource(stage), task_summary: taskSummary(req.task), description: req.task.description.trim() || '(none)',
      budget: budgetText(req.remainingMs, req.budgetUsedFrac, req.sota?.fullRunMs),
      sota: sotaText(req.sota), successes: successesText(req.successes), failures: failuresText(req.failures),
      siblings: listText(req.siblings, 'None.'), tried: listText(req.tried, 'None yet.'),
      context_json: JSON.stringify(researchContext(req), null, 1),
    }, io);
    return {
      brain: this.name,
      diagnosis: answer.diagnosis,
      hypotheses: answer.hypotheses.map((h) => ({
        kind: h.kind, component: h.component, title: h.title, rationale: h.rationale, problem: h.problem, scores: h.scores,
        change: { instruction: h.instruction },
        cost: h.estimatedSeconds === null ? null : { ms: Math.round(h.estimatedSeconds * 1000), basis: `the ${this.o.models.researcher} model's estimate` },
      })),
    };
  }

  async develop(req: DevelopRequest, io: BrainIo = NO_IO): Promise<DevelopReply> {
    const repairing = req.attempt > 1 && req.error !== null && req.previousCode !== null;
    const base = repairing ? req.previousCode : req.baseCode;
    const hypothesis = [`${req.hypothesis.title} (${req.hypothesis.kind}, ${req.hypothesis.component})`, req.hypothesis.rationale,
      typeof req.hypothesis.change.instruction === 'string' ? `Instruction: ${req.hypothesis.change.instruction}` : `Change: ${JSON.stringify(req.hypothesis.change)}`].join('\n');
    const common = {
      hypothesis, task_summary: taskSummary(req.task), budget: budgetText(req.remainingMs, null, req.baseRunMs),
      contract: this.contract(req), context_json: JSON.stringify(developContext(req), null, 1),
    };
    let code = '';
    const check = (a: LlmAnswer<'code'>): string | null => {
      if (a.format === 'file') { code = unfence(a.content); return code.trim() ? null : 'the file in content is empty.'; }
      if (!base) return 'there is no base code to apply a diff to: return format "file" with the whole script.';
      const patched = applyPatch(base, a.content, { fuzzFactor: 0 });
      if (patched === false) return 'the unified diff does not apply to the base code (a hunk\'s context or removed lines differ from it); return format "file" with the whole script, or a diff whose context lines match exactly.';
      code = patched;
      return code.trim() === base.trim() ? 'the diff changes nothing.' : null;
    };
    const answer = repairing
      ? await this.ask('developer', 'repair', 'repair', { ...common, error: req.error ?? '', previous_code: fence(req.previousCode ?? '') }, io, check)
      : await this.ask('developer', 'code', 'develop', { ...common, on_base: req.baseCode ? ' on the base code' : ' as a first, complete pipeline', base_code: req.baseCode ? fence(req.baseCode) : 'None: write the whole script.' }, io, check);
    return { code, summary: answer.summary, brain: this.name, spec: null };
  }

  async judge(req: JudgeRequest, io: BrainIo = NO_IO): Promise<JudgeReply> {
    const fmt = formatScore;
    const figures = [
      `- score ${fmt(req.score)} (${req.task.metric}, ${req.task.lowerIsBetter ? 'lower' : 'higher'} is better), per fold ${req.folds.map(fmt).join(', ')}, spread ${fmt(req.cvStd)}, train score ${fmt(req.trainScore)}.`,
      req.sota ? `- the current best: ${fmt(req.sota.score)}, per fold ${req.sota.folds.map(fmt).join(', ')}.` : '- there is no current best: this is the first pipeline.',
      ...req.harnessReasons.map((r) => `- harness: ${r}`),
    ].join('\n');
    const code = req.baseCode ? `\`\`\`diff\n${createPatch('pipeline.py', req.baseCode, req.code)}\`\`\`` : fence(req.code);
    const { task, code: _c, baseCode: _b, ...rest } = req;
    const a = await this.ask('judge', 'judge', 'judge', {
      experiment: req.experiment, task_summary: taskSummary(req.task), figures, code,
      context_json: JSON.stringify({ role: 'judge', ...rest, task: taskFacts(task) }, null, 1),
    }, io);
    return { ...a, brain: this.name };
  }

  async select(req: SelectRequest, io: BrainIo = NO_IO): Promise<SelectReply> {
    const ids = req.candidates.map((c) => c.experiment);
    const fmt = formatScore;
    const candidates = req.candidates.map((c) => [
      `### ${c.experiment} (trace ${c.trace}): ${c.hypothesis}`,
      `score ${fmt(c.score)}, per fold ${c.folds.map(fmt).join(', ')}, spread ${fmt(c.cvStd)}, train score ${fmt(c.trainScore)}`,
      fence(c.code),
    ].join('\n')).join('\n\n');
    const { task, candidates: cs } = req;
    const a = await this.ask('selector', 'select', 'select', {
      task_summary: taskSummary(task), candidates,
      context_json: JSON.stringify({ role: 'selector', task: taskFacts(task), candidates: cs.map(({ code, ...c }) => ({ ...c, codeSha256: sha256(code) })) }, null, 1),
    }, io, (x) => (ids.includes(x.experiment) ? null : `"${x.experiment}" is not one of the candidates (${ids.join(', ')}).`));
    return { ...a, brain: this.name };
  }

  private contract(req: DevelopRequest): string {
    const h = req.task.harness;
    return render('contract', {
      id_column: req.task.idColumn, target_columns: req.task.targetColumns.join(', '), last_fold: String((h?.folds ?? 5) - 1),
      metric: req.task.metric, value_rule: valueRule(req.task),
    });
  }

  /** Renders a prompt fitted to the role model's window, asks, checks, asks again with the error; records the call. */
  private async ask<N extends LlmAnswerName>(
    role: LlmRole, answer: N, template: PromptName, values: Record<string, string>, io: BrainIo,
    check?: (a: LlmAnswer<N>) => string | null,
  ): Promise<LlmAnswer<N>> {
    const model = this.o.models[role];
    if (!model) throw new LlmFailure('http', `no model is set for the ${role} role (add it to the brain's models)`);
    const settings = this.o.settings(model);
    const system = render('system', { role_title: ROLE_TITLE[role] });
    const user = this.fit(template, values, settings, system);
    const messages: ChatMessage[] = [{ role: 'system', content: system }, { role: 'user', content: user }];
    const key = `${role}|${io.trace}`;
    const ordinal = this.ordinals.get(key) ?? 0;
    this.ordinals.set(key, ordinal + 1);
    const call: LlmCall = {
      role, model, answer, promptVersion: PROMPT_VERSION, trace: io.trace, ordinal,
      requestHash: sha256(stableStringify({ model, answer, messages })), messages: messages.map((m) => ({ ...m })), responses: [],
      usage: { promptTokens: 0, completionTokens: 0 }, costUsd: 0, latencyMs: 0,
      mode: this.o.transport.kind === 'cassette' ? 'cassette' : 'json_schema', outcome: 'ok', error: null,
    };
    const finish = (outcome: LlmCall['outcome'], error: string | null): void => {
      call.outcome = outcome;
      call.error = error;
      this.o.ledger.record(call);
      io.record(call);
      this.o.onCall?.(call);
    };
    let lastError = '';
    const attempts = this.o.replyRetries + 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const cap = this.o.ledger.capReached();
      if (cap) {
        if (!this.capNoticed) { this.capNoticed = true; this.o.onCap?.(cap); }
        finish('cap', cap);
        throw new LlmCapReached(cap);
      }
      let x: ChatExchange;
      try {
        x = await this.o.transport.exchange({
          role, trace: io.trace, ordinal, attempt, model, messages, schemaName: answer, schema: jsonSchemaOf(answer),
          maxTokens: settings.maxOutputTokens, temperature: this.o.temperature, deadlineMs: this.o.requestMs, signal: this.o.signal,
        });
      } catch (e) {
        const f = e instanceof LlmFailure ? e : new LlmFailure('connection', (e as Error).message);
        finish(f.code, f.message);
        throw f;
      }
      const cost = priceOf(x.usage, settings);
      this.o.ledger.spend(x.usage, cost);
      call.responses.push(x.text);
      call.usage = { promptTokens: call.usage.promptTokens + x.usage.promptTokens, completionTokens: call.usage.completionTokens + x.usage.completionTokens };
      call.costUsd = call.costUsd === null || cost === null ? null : call.costUsd + cost;
      call.latencyMs += x.latencyMs;
      if (this.o.transport.kind === 'live') call.mode = x.mode;
      const parsed = parseReply(LLM_ANSWERS[answer], x.text);
      const problem = parsed.ok ? (check?.(parsed.value as LlmAnswer<N>) ?? null) : parsed.error;
      if (parsed.ok && problem === null) {
        finish('ok', null);
        return parsed.value as LlmAnswer<N>;
      }
      lastError = problem!;
      // ask again with the reply and what is wrong with it (the reply shortened: it is context, not content)
      messages.splice(2, messages.length - 2,
        { role: 'assistant', content: keepHeadTail(x.text, 4000) },
        { role: 'user', content: render('invalid-reply', { error: lastError }) });
    }
    const err = new LlmReplyInvalid(answer, attempts, lastError);
    finish('invalid', err.message);
    throw err;
  }

  /** The user prompt with its shrinkable slots fitted to the model's context window (less the reply and system). */
  private fit(template: PromptName, values: Record<string, string>, settings: LlmModelSettings, system: string): string {
    const skeleton = slotsOf(promptSource(template)).reduce((t, s) => t.split(`{{${s}}}`).join(''), promptSource(template));
    const budget = settings.contextTokens - settings.maxOutputTokens - Math.ceil(system.length / 3) - 256;
    const parts: PromptPart[] = [
      { name: '(template)', text: skeleton, fixed: true },
      ...Object.entries(values).map(([name, text]) => ({ name, text, fixed: !SHRINKABLE.has(name), minChars: name.endsWith('code') || name === 'sota' ? 2000 : 400 })),
    ];
    const fitted = fitParts(parts, Math.max(256, budget));
    return render(template, Object.fromEntries(fitted.parts.filter((p) => p.name !== '(template)').map((p) => [p.name, p.text])));
  }
}

function fence(code: string): string { return `\`\`\`python\n${code.replace(/\s*$/, '')}\n\`\`\``; }
