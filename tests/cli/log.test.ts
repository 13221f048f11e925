// gome log show / import / export on the replay fixtures (real recorded runs): filters, JSON lines, Mermaid, and the
// full round trip through a real NATS server — import, export, replay with zero divergences.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importLog, renderLog, selectMessages } from '../../cli/commands/log.ts';
import { readGomelog } from '../../runtime/gomelog.ts';
import { Recorder } from '../../runtime/recorder.ts';
import { replay } from '../../runtime/replay.ts';
import { MACHINES } from '../../actors/machines.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';

const REPO = resolve(import.meta.dirname, '../..');
const FIXTURE = join(REPO, 'tests', 'fixtures', 'replay', 'house-votes-4traces.gomelog');
let nats: NatsFixture | null = null;
afterEach(async () => { await nats?.close(); nats = null; });

describe('log', () => {
  const { messages } = readGomelog(FIXTURE);
  const envs = messages.map((m) => ({ seq: m.seq, env: m.body as { from: string; to: string; type: string; trace: string; ts: number } }));

  it('log - show filters by actor, type, trace, sequence and time range', () => {
    const byActor = selectMessages(messages, { actor: 'validator.t1' }).rows;
    expect(byActor.length).toBe(envs.filter((m) => m.env.from === 'validator.t1' || m.env.to === 'validator.t1').length);
    expect(byActor.length).toBeGreaterThan(5);
    const typed = selectMessages(messages, { types: ['job.result', 'validate.result'] }).rows;
    expect(new Set(typed.map((r) => r.env!.type))).toEqual(new Set(['job.result', 'validate.result']));
    const traced = selectMessages(messages, { trace: 't3', fromSeq: 40, toSeq: 120 }).rows;
    expect(traced.every((r) => r.env!.trace === 't3' && r.seq >= 40 && r.seq <= 120)).toBe(true);
    expect(traced.length).toBe(envs.filter((m) => m.env.trace === 't3' && m.seq >= 40 && m.seq <= 120).length);
    const t0 = Math.min(...envs.map((m) => m.env.ts));
    const early = selectMessages(messages, { fromMs: 0, toMs: 2000 }).rows;
    expect(early.length).toBe(envs.filter((m) => m.env.ts - t0 <= 2000).length);
    expect(early.length).toBeLessThan(messages.length);
    const table = renderLog(messages, { actor: 'validator.t1' }, 'table');
    expect(table[0]).toMatch(/seq\s+time\s+from\s+to\s+type/);
    expect(table.at(-1)).toBe(`${byActor.length} of ${messages.length} messages`);
  });

  it('log - JSON lines carry each whole envelope with its stream sequence', () => {
    const lines = renderLog(messages, { types: ['validate.result'] }, 'jsonl').map((l) => JSON.parse(l));
    expect(lines.length).toBe(envs.filter((m) => m.env.type === 'validate.result').length);
    for (const l of lines) {
      expect(l.type).toBe('validate.result');
      expect(typeof l.stream).toBe('number');
      expect(l.payload.verdict).toMatch(/accept|reject/);
    }
  });

  it('log - the Mermaid diagram of one trace has a participant per actor and an arrow per message; without --trace it is refused', () => {
    const m = renderLog(messages, { trace: 't1' }, 'mermaid');
    expect(m[0]).toBe('sequenceDiagram');
    const inTrace = envs.filter((x) => x.env.trace === 't1' && !['actor.start', 'actor.stop'].includes(x.env.type));
    const arrows = m.filter((l) => l.includes('->>'));
    expect(arrows.length).toBe(inTrace.length);
    const actors = new Set(inTrace.flatMap((x) => [x.env.from, x.env.to]));
    expect(m.filter((l) => l.trim().startsWith('participant')).length).toBe(actors.size);
    expect(arrows[0]).toMatch(new RegExp(`: ${inTrace[0]!.env.type} #${inTrace[0]!.seq}$`));
    expect(() => renderLog(messages, {}, 'mermaid')).toThrow(/drawn for one trace — fix: add --trace/);
  });

  it('log - the full round trip: import into NATS, export back, replay with zero divergences', async () => {
    nats = await startNats();
    const r = await importLog(FIXTURE, nats.server.url);
    expect(r.messages).toBe(messages.length);
    const out = join(mkdtempSync(join(tmpdir(), 'gome-log-')), 'back.gomelog');
    const rec = await Recorder.ensure(nats.bus.nc, r.run);
    expect(await rec.exportLog(out, { config: null, topology: null, gome: 'test' })).toBe(messages.length);
    const back = readGomelog(out).messages;
    expect(back.map((m) => m.subject)).toEqual(messages.map((m) => m.subject));
    for (const [i, m] of back.entries()) expect(m.body).toEqual(messages[i]!.body);
    const rep = replay(back, MACHINES);
    expect(rep.actors).toHaveLength(14);
    expect(rep.compared).toBeGreaterThan(50);
    // a second import into the same server would mix two copies: refused
    await expect(importLog(FIXTURE, nats.server.url)).rejects.toThrow(/already holds \d+ messages of run house-votes-4traces/);
  });

  it('log - gome log show prints the table from the command line', () => {
    const out = execFileSync(process.execPath, [join(REPO, 'bin', 'gome.mjs'), 'log', 'show', FIXTURE, '--type', 'run.start,run.finished'], { encoding: 'utf8' });
    expect(out).toMatch(/cli\.0\s+coordinator\.0\s+run\.start/);
    expect(out).toMatch(/coordinator\.0\s+cli\.0\s+run\.finished\s+t\d\s+reason=iterations/);
    expect(out.trim().split('\n').at(-1)).toBe(`2 of ${messages.length} messages`);
  });
});
