// Replay of recorded runs (tests/fixtures/replay, recorded by npm run fixtures:record from real runs): zero
// divergences on the fixtures, a tampered job result caught at the first decision it changes, a changed scoring
// weight caught, time travel with --until, and the log format's refusals.
import { subjects } from '../../protocols/subjects.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Packr } from 'msgpackr';
import { encodeRaw, validate } from '../../protocols/codec.ts';
import type { Envelope } from '../../protocols/messages.ts';
import { MACHINES } from '../../actors/machines.ts';
import { dagNodes, type Dag } from '../../actors/memory/experiment-dag.ts';
import { AXIS_WEIGHTS } from '../../actors/researcher/scoring.ts';
import { GomelogUnreadable, GomelogWriter, readGomelog, type LoggedMessage } from '../../runtime/gomelog.ts';
import { replay, ReplayDivergence } from '../../runtime/replay.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const FIXTURES = join(REPO, 'tests', 'fixtures', 'replay');
const fixture = (name: string) => readGomelog(join(FIXTURES, `${name}.gomelog`));
const envelopes = (ms: readonly LoggedMessage[]) => ms.filter((m) => !subjects.isDeadLetter(m.subject)).map((m) => ({ seq: m.seq, subject: m.subject, env: validate(m.body) }));

/** The log with one message's body changed (not validated, as in a tampered file). */
function tamper(ms: readonly LoggedMessage[], seq: number, change: (env: Record<string, any>) => void): LoggedMessage[] {
  return ms.map((m) => {
    if (m.seq !== seq) return m;
    const body = structuredClone(m.body) as Record<string, any>; // parts of a body are shared with other messages
    change(body);
    return { ...m, body };
  });
}

function caught(f: () => unknown): ReplayDivergence {
  try { f(); } catch (e) { if (e instanceof ReplayDivergence) return e; throw e; }
  throw new Error('replay did not diverge');
}

describe('replay', () => {
  const weights = { ...AXIS_WEIGHTS };
  afterEach(() => { Object.assign(AXIS_WEIGHTS as Record<string, number>, weights); });

  it.each(['breast-cancer-1trace', 'house-votes-4traces'])('replay - the recorded run %s replays with zero divergences', (name) => {
    const { header, messages } = fixture(name);
    const r = replay(messages, MACHINES);
    const all = envelopes(messages);
    const machineActors = all.filter((m) => m.env.type === 'actor.start').map((m) => m.env.from);
    expect(r.actors.map((a) => a.address).sort()).toEqual([...machineActors].sort());
    expect(machineActors.length).toBe(name.endsWith('4traces') ? 2 + 3 * 4 : 5); // memory, coordinator, and 3 per trace
    // every message a machine sent (its host's deadline and crash notices aside) was re-emitted and matched
    const sent = all.filter((m) => !subjects.isJournal(m.subject) && machineActors.includes(m.env.from) && m.env.type !== 'request.failed').length;
    expect(r.compared).toBe(sent);
    expect(sent).toBeGreaterThan(30);
    expect(r.notReplayed).toEqual(['brain.0', 'cli.0', 'gpu.0']);
    expect(header).toMatchObject({ format: 'gomelog', version: 1, run: name });
  });

  it('replay - a tampered job result is caught at the first decision it changes, with a field-level diff', () => {
    const { messages } = fixture('breast-cancer-1trace');
    const all = envelopes(messages);
    // the second full run's result: its harness fold scores say the pipeline is much worse
    const full = all.filter((m) => m.env.type === 'job.result' && m.env.payload.mode === 'full' && m.env.to.startsWith('validator.'))[1]!;
    const bad = tamper(messages, full.seq, (e) => { e.payload.harness.folds = e.payload.harness.folds.map((f: number) => f - 0.2); });
    const d = caught(() => replay(bad, MACHINES));
    // the first message caused by it: the validator's verdict on that experiment
    const first = all.find((m) => m.env.causation === full.env.id)!;
    expect(first.env.type).toBe('validate.result');
    expect(d.seq).toBe(first.seq);
    expect(d.actor).toBe(full.env.to);
    expect(d.type).toBe('validate.result');
    expect(d.diff.map((x) => x.path)).toEqual(expect.arrayContaining(['payload.folds[0]', 'payload.score']));
    const folds = d.diff.find((x) => x.path === 'payload.folds[0]')!;
    expect(folds.expected).toBe((full.env as Envelope<'job.result'>).payload.harness!.folds[0]);
    expect(folds.actual).toBeCloseTo((folds.expected as number) - 0.2, 9);
    expect(d.message).toMatch(new RegExp(`diverged at message ${first.seq} \\(${full.env.to}, validate.result\\)`));
  });

  it('replay - a changed weight in the researcher\'s scoring fails the fixture replay with ReplayDivergence', () => {
    const { messages } = fixture('house-votes-4traces');
    expect(() => replay(messages, MACHINES)).not.toThrow();
    (AXIS_WEIGHTS as Record<string, number>).impact = 0.1; // a "test build" whose researcher weighs impact less
    const d = caught(() => replay(messages, MACHINES));
    expect(d.actor).toMatch(/^researcher\./);
    expect(d.type).toBe('research.hypothesis');
    expect(d.diff.some((x) => x.path.startsWith('payload.chosen') || x.path.startsWith('payload.candidates'))).toBe(true);
  });

  it('replay - --until stops at a message and gives every actor\'s state there (time travel)', () => {
    const { messages } = fixture('breast-cancer-1trace');
    const all = envelopes(messages);
    const request = all.filter((m) => m.env.type === 'research.request')[1]!; // the second iteration starts
    const r = replay(messages, MACHINES, { until: request.seq });
    expect(r.until).toBe(request.seq);
    const researcher = r.actors.find((a) => a.address === 'researcher.t0')!;
    expect(researcher.value).toBe('gathering'); // it asked memory for context and waits for it
    expect((researcher.context as { iteration: number }).iteration).toBe((request.env as Envelope<'research.request'>).payload.iteration);
    expect(researcher.consumed).toBe(all.filter((m) => m.seq <= request.seq && m.env.to === 'researcher.t0' && !subjects.isJournal(m.subject)).length);
    // memory holds exactly the experiments recorded up to there
    const memory = r.actors.find((a) => a.address === 'memory.0')!;
    const recorded = all.filter((m) => m.seq <= request.seq && m.env.type === 'experiment.record').map((m) => (m.env as Envelope<'experiment.record'>).payload.id);
    expect(recorded.length).toBe(1);
    expect(dagNodes((memory.context as { dag: Dag }).dag).map((n) => n.id)).toEqual(recorded);
  });

  it('replay - --actor replays one actor in isolation', () => {
    const { messages } = fixture('house-votes-4traces');
    const r = replay(messages, MACHINES, { actor: 'validator.t2' });
    expect(r.actors.map((a) => a.address)).toEqual(['validator.t2']);
    expect(r.compared).toBe(envelopes(messages).filter((m) => m.env.from === 'validator.t2' && !subjects.isJournal(m.subject)).length);
    expect(() => replay(messages, MACHINES, { actor: 'researcher.t9' })).toThrow(/has no machine actor researcher\.t9/);
  });

  it('replay - gome replay exits 0 on a fixture and 3 on a divergence, naming the message and the fields', () => {
    const gome = join(REPO, 'bin', 'gome.mjs');
    const ok = execFileSync(process.execPath, [gome, 'replay', join(FIXTURES, 'breast-cancer-1trace.gomelog')], { encoding: 'utf8' });
    expect(ok).toMatch(/every one equal to the log/);
    const { header, messages } = fixture('breast-cancer-1trace');
    const all = envelopes(messages);
    const full = all.find((m) => m.env.type === 'job.result' && m.env.payload.mode === 'full')!;
    const file = join(mkdtempSync(join(tmpdir(), 'gome-replay-')), 'tampered.gomelog');
    const w = new GomelogWriter(file, { run: header.run, config: header.config, topology: header.topology, gome: header.gome });
    for (const m of tamper(messages, full.seq, (e) => { e.payload.harness.folds[0] = 0; })) w.append(m);
    w.close();
    const r = spawnSync(process.execPath, [gome, 'replay', file], { encoding: 'utf8' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/replay diverged at message \d+ \(validator\.t0, validate\.result\)/);
    expect(r.stderr).toMatch(/payload\.folds\[0\]: expected [0-9.]+, got 0/);
  });

  it('gomelog - a log of an unknown format version, a cut-short file and a file that is not a log are refused with a sentence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gome-gomelog-'));
    const packr = new Packr({ useRecords: false, mapsAsObjects: true });
    const frame = (o: unknown) => { const b = packr.pack(o); const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
    const future = join(dir, 'future.gomelog');
    writeFileSync(future, Buffer.concat([Buffer.from('GOMELOG\n'), frame({ format: 'gomelog', version: 99, run: 'r' })]));
    expect(() => readGomelog(future)).toThrow(GomelogUnreadable);
    expect(() => readGomelog(future)).toThrow(/written in log format version 99, and this Gome reads version 1 — fix: use the Gome version that wrote it/);
    const good = readFileSync(join(FIXTURES, 'breast-cancer-1trace.gomelog'));
    const cut = join(dir, 'cut.gomelog');
    writeFileSync(cut, good.subarray(0, good.length - 10));
    expect(() => readGomelog(cut)).toThrow(/ends in the middle of frame \d+ \(the file was cut short\)/);
    const csv = join(dir, 'not.gomelog');
    writeFileSync(csv, 'id,target\n1,0\n');
    expect(() => readGomelog(csv)).toThrow(/not a Gome message log/);
  });

  it('gomelog - long strings are stored once: the file re-reads to the very messages written', () => {
    const { header, messages } = fixture('house-votes-4traces');
    const file = join(mkdtempSync(join(tmpdir(), 'gome-gomelog-')), 'copy.gomelog');
    const w = new GomelogWriter(file, { run: header.run, config: header.config, topology: header.topology, gome: header.gome });
    for (const m of messages) w.append(m);
    w.close();
    const back = readGomelog(file).messages;
    expect(back.map((m) => [m.seq, m.subject])).toEqual(messages.map((m) => [m.seq, m.subject]));
    for (const [i, m] of back.entries()) expect(m.body).toEqual(messages[i]!.body);
    // the pipeline code and the task travel in many messages and are stored once: far fewer bytes than the messages
    const raw = messages.reduce((a, m) => a + encodeRaw(m.body).length, 0);
    expect(w.size).toBeLessThan(raw / 4);
  });
});
