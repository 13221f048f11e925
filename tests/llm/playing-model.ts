// A model that plays competently for the local chat-completions server: it reads the structured context that every
// Gome prompt carries (the JSON block), decides with the offline brain's logic, and answers in the LLM schemas with
// free-form code: its first draft is a hand-written script outside the offline brain's catalogue, and every later
// change to an existing pipeline comes back as a unified diff against it. It remembers the pipelines it wrote (by
// the sha256 the prompts refer to them with), as a model keeps its own context.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPatch } from 'diff';
import { offlineBrain } from '../../actors/brain/offline-brain.ts';
import type { BrainSpec, TaskInfo } from '../../protocols/domain.ts';
import type { Payload } from '../../protocols/messages.ts';
import type { ScriptStep } from './chat-server.ts';

const HANDWRITTEN = readFileSync(join(import.meta.dirname, 'handwritten_draft.py'), 'utf8');

/** The hand-written k-NN draft (handwritten_draft.py) for a task. */
export function handwrittenDraft(taskType: string, metric: string, positive = '1'): string {
  return HANDWRITTEN.replace('__TASK__', taskType).replace('__METRIC__', metric).replace('__POSITIVE__', positive);
}
const HANDWRITTEN_TAG = '[hand-written draft]';
const ACTION = /\[gome-action (\{[\s\S]*\})\]\s*$/;

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface PlayStats { research: number; develop: number; repair: number; judge: number; select: number; handwritten: number; diffs: number; files: number }

/** The JSON block a Gome prompt ends with (the same facts as data). */
export function contextOf(body: { messages: Array<{ role: string; content: string }> }): Record<string, unknown> {
  const user = body.messages.find((m) => m.role === 'user')?.content ?? '';
  const blocks = [...user.matchAll(/```json\n([\s\S]*?)\n```/g)];
  if (!blocks.length) throw new Error('the prompt has no structured context block');
  return JSON.parse(blocks[blocks.length - 1]![1]!);
}

function asTask(t: Record<string, unknown>): TaskInfo {
  return { ...(t as unknown as TaskInfo), description: '', dataDir: '' };
}

export function playingModel(): { respond: (body: any) => ScriptStep; stats: PlayStats } {
  const memory = new Map<string, { code: string; spec: BrainSpec | null }>();
  const stats: PlayStats = { research: 0, develop: 0, repair: 0, judge: 0, select: 0, handwritten: 0, diffs: 0, files: 0 };
  const reply = (v: unknown): ScriptStep => ({ kind: 'reply', content: JSON.stringify(v) });

  function research(ctx: Record<string, any>): ScriptStep {
    stats.research++;
    if (ctx.sota === null) {
      return reply({
        diagnosis: [{ category: 'scenario', summary: 'No pipeline yet', evidence: `${ctx.task.nTrainRows} rows, ${ctx.task.columns.length} numeric columns` }],
        hypotheses: [{
          kind: 'draft:knn', component: 'model', title: 'Hand-written k-nearest-neighbours baseline',
          rationale: 'a quick, contract-complete first pipeline to measure against', problem: 'No pipeline yet',
          scores: { alignment: 9, impact: 5, novelty: 5, feasibility: 10, risk: 9 },
          instruction: `Write a k-NN pipeline on the raw numeric columns. ${HANDWRITTEN_TAG}`, estimatedSeconds: 5,
        }],
      });
    }
    const known = memory.get(ctx.sota.codeSha256);
    const req = { ...ctx, task: asTask(ctx.task), sota: { ...ctx.sota, code: known?.code ?? '', spec: known?.spec ?? null } } as unknown as Payload<'brain.research.request'>;
    const r = offlineBrain.research(req);
    // no time-boxed search (hp:search runs Optuna until a deadline): its result depends on the machine's speed, so
    // a cassette replay of the run could not reproduce its decisions on a loaded machine
    const steady = r.hypotheses.filter((h) => !h.kind.split('+').includes('hp:search'));
    return reply({
      diagnosis: r.diagnosis,
      hypotheses: (steady.length ? steady : r.hypotheses).map((h) => ({
        kind: h.kind, component: h.component, title: h.title, rationale: h.rationale, problem: h.problem, scores: h.scores,
        instruction: `${h.title}. [gome-action ${JSON.stringify(h.change)}]`, estimatedSeconds: h.cost ? h.cost.ms / 1000 : null,
      })),
    });
  }

  function develop(ctx: Record<string, any>, repairing: boolean): ScriptStep {
    if (repairing) stats.repair++; else stats.develop++;
    const task = asTask(ctx.task);
    const instruction = String(ctx.hypothesis.change?.instruction ?? '');
    if (instruction.includes(HANDWRITTEN_TAG)) {
      stats.handwritten++; stats.files++;
      const code = handwrittenDraft(task.taskType, task.metric, task.positiveClass ?? '1');
      memory.set(sha(code), { code, spec: null });
      return reply({ summary: 'a hand-written k-NN first pipeline', format: 'file', content: code, ...(repairing ? { cause: 'unknown' } : {}) });
    }
    const m = ACTION.exec(instruction);
    const change = m ? JSON.parse(m[1]!) : {};
    const base = ctx.baseCodeSha256 ? memory.get(ctx.baseCodeSha256) ?? null : null;
    const previous = ctx.previousCodeSha256 ? memory.get(ctx.previousCodeSha256) ?? null : null;
    const req = {
      ...ctx, task, hypothesis: { ...ctx.hypothesis, change }, baseCode: base?.code ?? null, baseSpec: base?.spec ?? null,
      previousCode: previous?.code ?? null, previousSpec: previous?.spec ?? null,
    } as unknown as Payload<'brain.develop.request'>;
    const r = offlineBrain.develop(req);
    memory.set(sha(r.code), { code: r.code, spec: r.spec ?? null });
    const against = repairing ? previous : base;
    const extra = repairing ? { cause: 'the offline repair of the reported failure' } : {};
    if (against) {
      stats.diffs++;
      return reply({ summary: r.summary, format: 'diff', content: createPatch('pipeline.py', against.code, r.code), ...extra });
    }
    stats.files++;
    return reply({ summary: r.summary, format: 'file', content: r.code, ...extra });
  }

  return {
    stats,
    respond: (body) => {
      const ctx = contextOf(body) as Record<string, any>;
      const schema = body.response_format?.json_schema?.name as string | undefined;
      if (ctx.role === 'researcher') return research(ctx);
      if (ctx.role === 'developer') return develop(ctx, schema === 'repair' || (ctx.attempt > 1 && ctx.error !== null));
      if (ctx.role === 'judge') {
        // a sound judge: it accepts what the harness accepted unless the train score is perfect while validation is not
        stats.judge++;
        const suspicious = ctx.trainScore !== null && Math.abs(ctx.trainScore - 1) < 1e-12 && ctx.score < 0.999;
        return reply({
          decision: 'accept',
          observations: [`per-fold scores ${ctx.folds.map((x: number) => x.toFixed(4)).join(', ')}`, ...(suspicious ? ['the train score is perfect: the model memorises the training rows'] : [])],
          reason: 'the gain is beyond noise and the change is sound',
        });
      }
      if (ctx.role === 'selector') {
        // a cautious selector: the candidate whose per-fold scores spread least (the first on a tie)
        stats.select++;
        const cs = ctx.candidates as Array<{ experiment: string; cvStd: number | null }>;
        const pick = cs.reduce((a, b) => ((b.cvStd ?? Infinity) < (a.cvStd ?? Infinity) ? b : a));
        return reply({ experiment: pick.experiment, reason: `the steadiest across folds (spread ${pick.cvStd})` });
      }
      return { kind: 'status', status: 400, body: { error: { message: `the playing model has no answer for role ${String(ctx.role)}`, type: 'invalid_request_error' } } };
    },
  };
}
