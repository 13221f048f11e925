// A recorded LLM run as a cassette: every llm.call of a run, appended to RUN/llm_calls.jsonl as it happens, and
// served back by (role, trace, ordinal) with --llm replay:FILE, so a recorded LLM run re-runs offline and
// deterministically: the same replies in the same order, no endpoint called.
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LlmCall, type LlmRole } from '../../../protocols/llm.ts';

export const CASSETTE_FILE = 'llm_calls.jsonl';

export class CassetteError extends Error {
  override readonly name = 'CassetteError';
  constructor(what: string, fix: string) { super(`${what}; ${fix}`); }
}

export function cassetteKey(role: LlmRole, trace: string, ordinal: number): string { return `${role}|${trace}|${ordinal}`; }

/** Appends each call as one JSON line (a crash loses at most the line being written). */
export class CassetteWriter {
  constructor(readonly path: string) {}
  append(call: LlmCall): void { appendFileSync(this.path, `${JSON.stringify(call)}\n`); }
}

export class Cassette {
  private constructor(readonly path: string, private readonly calls: Map<string, LlmCall>) {}

  /** Reads a cassette: a run directory (its llm_calls.jsonl) or the file itself. */
  static load(fileOrRunDir: string): Cassette {
    let path = fileOrRunDir;
    if (existsSync(path) && statSync(path).isDirectory()) path = join(path, CASSETTE_FILE);
    if (!existsSync(path)) {
      throw new CassetteError(`no LLM cassette at ${path}`, `give --llm replay: the run directory of a recorded LLM run, or its ${CASSETTE_FILE}`);
    }
    const calls = new Map<string, LlmCall>();
    readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
      if (!line.trim()) return;
      let call: LlmCall;
      try { call = LlmCall.parse(JSON.parse(line)); } catch (e) {
        throw new CassetteError(`line ${i + 1} of ${path} is not a recorded LLM call (${(e as Error).message.split('\n')[0]})`, 'use the llm_calls.jsonl a Gome run wrote, unedited');
      }
      calls.set(cassetteKey(call.role, call.trace, call.ordinal), call);
    });
    if (!calls.size) throw new CassetteError(`${path} holds no LLM calls`, 'record a run with --llm openai:MODEL first');
    return new Cassette(path, calls);
  }

  get size(): number { return this.calls.size; }
  get(role: LlmRole, trace: string, ordinal: number): LlmCall | undefined { return this.calls.get(cassetteKey(role, trace, ordinal)); }
  /** The models the recorded run used, by role. */
  models(): Partial<Record<LlmRole, string>> {
    const out: Partial<Record<LlmRole, string>> = {};
    for (const c of this.calls.values()) out[c.role] ??= c.model;
    return out;
  }
}
