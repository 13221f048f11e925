// Custom roles: a role file named in a topology (no other code change) hosts its machine, registers its own message
// types (validated like the built-in ones on a real nats-server; unknown types still dead-lettered), intercepts
// messages on their way to another role, and replays. The README's worked example, the Critic, runs end to end.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRaw } from '../../protocols/codec.ts';
import { subjects } from '../../protocols/subjects.ts';
import { Topology } from '../../protocols/topology.ts';
import { unregisterMessageTypes } from '../../protocols/message-registry.ts';
import { ActorHost } from '../../runtime/actor-host.ts';
import { SystemClock } from '../../runtime/clock.ts';
import { decodeDeadLetter, type DeadLetter } from '../../runtime/dead-letters.ts';
import { EnvelopeFactory } from '../../runtime/envelope-factory.ts';
import { silentLogger } from '../../runtime/logger.ts';
import { readGomelog } from '../../runtime/gomelog.ts';
import { replay } from '../../runtime/replay.ts';
import { interceptRoutes, type RoleInput } from '../../actors/custom-role.ts';
import { loadRoles, machinesWith } from '../../cli/run/role-loader.ts';
import { RoleFileInvalid } from '../../cli/run/role-file-invalid.ts';
import { runCompetition, describeTopology } from '../../cli/run/run-session.ts';
import { loadTopology, parseTopologyText, TopologyFileInvalid } from '../../cli/topology-file.ts';
import { startNats, type NatsFixture } from '../helpers/nats.ts';
import { tempDir } from '../grading/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');
const CRITIC_YAML = join(REPO, 'docs', 'examples', 'critic', 'critic.yaml');

/** A role file outside the repository (in a folder with a space), importing nothing: what a user writes. */
function roleFile(body: string, name = 'probe.ts'): string {
  const dir = join(tempDir('gome-role-'), 'my roles');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

const PROBE = `
export default ({ setup, assign, z }) => ({
  machine: setup({}).createMachine({
    id: 'probe', context: { got: [] },
    on: { 'probe.ping': { actions: assign({ got: ({ context, event }) => [...context.got, event.payload.n] }) } },
  }),
  messages: { 'probe.ping': z.object({ n: z.number().int() }) },
  params: z.object({ n: z.number().int().max(5).default(1) }),
});
`;

const topo = (roles: Record<string, unknown>, extra: Record<string, unknown> = {}) => Topology.parse({ name: 't', traces: 2, roles, ...extra });

let nats: NatsFixture;
beforeAll(async () => { nats = await startNats(); });
afterAll(async () => { unregisterMessageTypes('probe'); await nats.close(); });

describe('custom roles', () => {
  it('custom roles - a role\'s own message types are validated like the built-in ones; a bad payload and an unregistered type are dead letters', async () => {
    const file = roleFile(PROBE);
    const [role] = await loadRoles(topo({ probe: { machine: file, params: { n: 3 } } }));
    expect(role!.params).toEqual({ n: 3 });
    const run = 'custom1';
    const dl: DeadLetter[] = [];
    nats.bus.subscribe(subjects.deadLetters(run), (d) => dl.push(decodeDeadLetter(d)));
    const input: RoleInput = { role: 'probe', address: 'probe.t0', trace: 't0', traces: ['t0'], task: {} as RoleInput['task'], params: role!.params };
    const h = new ActorHost({ bus: nats.bus, run, trace: 't0', address: 'probe.t0', clock: new SystemClock(), logger: silentLogger(),
      behavior: { kind: 'machine', machine: role!.definition.machine, input } }).start();
    await nats.bus.flush();
    const f = new EnvelopeFactory(run, 'cli.0', 't0', new SystemClock());
    const inbox = subjects.delivery(run, 'probe.t0', 'cli.0');
    const ping = (n: unknown, type = 'probe.ping') => encodeRaw({ ...f.make({ to: 'probe.t0', type: 'run.stop', payload: { reason: '' } }), type, payload: { n } });
    nats.bus.publishRaw(inbox, ping(7));
    nats.bus.publishRaw(inbox, ping('seven'));
    nats.bus.publishRaw(inbox, ping(8, 'probe.pong'));
    nats.bus.publishRaw(inbox, ping(9));
    const end = Date.now() + 5000;
    while (dl.length < 2 || (h.state?.context as { got: number[] }).got.length < 2) {
      if (Date.now() > end) throw new Error('messages not handled in time');
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((h.state!.context as { got: number[] }).got).toEqual([7, 9]);
    expect(dl.map((d) => d.code)).toEqual(['INVALID_PAYLOAD', 'UNKNOWN_TYPE']);
    expect(dl[0]!.reason).toMatch(/probe\.ping/);
    await h.stop();
  });

  it('custom roles - a role file that cannot be used is refused before any work with a sentence naming the role, the file and the fix', async () => {
    const refused = async (roles: Record<string, unknown>, re: RegExp) => {
      const e = await loadRoles(topo(roles)).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(RoleFileInvalid);
      expect((e as Error).message).toMatch(re);
      expect((e as Error).message).toMatch(/fix:/);
    };
    await refused({ probe: { machine: '/nowhere/probe.ts' } }, /custom role probe \(\/nowhere\/probe\.ts\).*there is no such file/);
    await refused({ probe: { machine: roleFile('export const x = 1;') } }, /default export is missing, not a role factory/);
    await refused({ probe: { machine: roleFile('export default () => ({ machine: {} })') } }, /machine is not an xstate machine/);
    await refused({ probe: { machine: roleFile(PROBE.replace("'probe.ping': z.object", "'Ping': z.object")) } }, /message type "Ping" must be named "probe\.<name>"/);
    await refused({ probe: { machine: roleFile(PROBE), params: { n: 9 } } }, /roles\.probe\.params\.n was 9, but it must be at most 5/);
    await refused({ probe: { machine: roleFile(PROBE), sha256: 'a'.repeat(64) } }, /the file changed since its sha256 was pinned/);
    await refused({ probe: { machine: roleFile(PROBE.replace("messages:", "intercepts: [{ type: 'research.hypothesis', to: 'nobody' }], messages:")) } },
      /sends it on to "nobody", which is no role of the run/);
    const twice = PROBE.replace("messages:", "intercepts: [{ type: 'research.hypothesis', to: 'developer' }], messages:");
    await refused({ probe: { machine: roleFile(twice) }, other: { machine: roleFile(twice.replace(/probe/g, 'other'), 'other.ts') } },
      /roles probe and other both intercept research\.hypothesis on its way to developer/);
    await refused({ probe: { machine: roleFile(PROBE) }, other: { machine: roleFile(PROBE.replace(/'probe\.ping'/g, "'other.ping'"), 'other.ts') } },
      /its machine's id "probe" is role probe's too/);
    unregisterMessageTypes('other');
  });

  it('custom roles - the topology file names the role field and line of a misdeclared role', () => {
    const bad = (text: string, re: RegExp) => {
      const e = (() => { try { parseTopologyText(text, '/x/t.yaml'); return null; } catch (x) { return x; } })();
      expect(e).toBeInstanceOf(TopologyFileInvalid);
      expect((e as Error).message).toMatch(re);
    };
    bad('traces: 1\nroles:\n  critic:\n    params: { a: 1 }\n', /line 3, field "roles\.critic\.machine".*needs machine/);
    bad('traces: 1\nroles:\n  researcher:\n    machine: r.ts\n', /line 4, field "roles\.researcher\.machine".*built-in role/);
    bad('traces: 1\nroles:\n  developer:\n    count: 2\n', /field "roles\.developer\.count".*set traces instead/);
    bad('traces: 1\nroles:\n  gpu:\n    machine: g.ts\n', /field "roles\.gpu".*cannot be configured as a role/);
    bad('traces: 1\nroles:\n  Critic:\n    machine: c.ts\n', /field "roles\.Critic".*not a role name/);
    // a role file is named relative to the topology file, wherever the run starts from
    const t = parseTopologyText('roles:\n  critic:\n    machine: ../roles/c.ts\n', '/some where/topologies/t.yaml');
    expect(t.roles.critic!.machine).toBe('/some where/roles/c.ts');
  });

  it('custom roles - interception routes: per-trace targets through the role\'s actor for that trace, fixed counts sharing the traces in turn', async () => {
    const file = roleFile(PROBE.replace('messages:', "intercepts: [{ type: 'research.hypothesis', to: 'developer' }, { type: 'experiment.record', to: 'memory' }], messages:"));
    const roles = await loadRoles(topo({ probe: { machine: file, count: 2 } }, { traces: 3 }));
    expect(interceptRoutes(roles, ['t0', 't1', 't2'])).toEqual([
      { type: 'research.hypothesis', to: 'developer.t0', via: 'probe.0' },
      { type: 'research.hypothesis', to: 'developer.t1', via: 'probe.1' },
      { type: 'research.hypothesis', to: 'developer.t2', via: 'probe.0' },
      { type: 'experiment.record', to: 'memory.0', via: 'probe.0', trace: 't0' },
      { type: 'experiment.record', to: 'memory.0', via: 'probe.1', trace: 't1' },
      { type: 'experiment.record', to: 'memory.0', via: 'probe.0', trace: 't2' },
    ]);
  });

  it('custom roles - the Critic example runs end to end: it sits between researcher and developer, rewrites or vetoes, and the run replays', async () => {
    const { topology } = loadTopology(CRITIC_YAML);
    // a strict critic on one trace: almost no change reaches the safest risk score, so it rewrites or vetoes
    const strict = { ...topology, traces: 1, roles: { critic: { ...topology.roles.critic!, params: { minSafety: 10, maxBudgetShare: 0.5, maxVetoes: 1 } } } };
    expect(describeTopology(strict)).toMatch(/custom roles critic × per trace/);
    const r = await runCompetition({
      competitionDir: join(REPO, 'bench', 'breast-cancer-diagnosis'), runsRoot: tempDir('gome-critic-'), runId: 'critic', progress: null,
      config: { budgetMs: 45_000, seed: 1, preset: 'quick', topology: strict },
    });
    expect(r.report?.valid_submission).toBe(true);
    const meta = JSON.parse(readFileSync(join(r.runDir, 'run_meta.json'), 'utf8'));
    expect(meta.config.topology.roles.critic.sha256).toMatch(/^[0-9a-f]{64}$/); // the run records the file it ran
    const envs = readFileSync(join(r.runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).body);
    const proposed = envs.filter((e) => e.type === 'research.hypothesis' && e.from === 'researcher.t0');
    const reached = envs.filter((e) => e.type === 'research.hypothesis' && e.to === 'developer.t0');
    const verdicts = envs.filter((e) => e.type === 'critic.verdict');
    expect(proposed.length).toBeGreaterThanOrEqual(3);
    expect(proposed.every((e) => e.to === 'critic.t0')).toBe(true); // the researcher's message went through the critic
    expect(reached.every((e) => e.from === 'critic.t0')).toBe(true);
    expect(verdicts.map((v) => v.payload.experiment)).toEqual(proposed.map((e) => e.payload.experiment)); // one verdict each
    expect(verdicts.some((v) => v.payload.action !== 'pass')).toBe(true);
    const records = new Set(readFileSync(join(r.runDir, 'experiments.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).id));
    for (const v of verdicts) {
      const sent = reached.find((e) => e.payload.experiment === v.payload.experiment);
      if (v.payload.action === 'veto') {
        expect(sent).toBeUndefined(); // the developer never saw it, nothing ran, and the coordinator was told
        expect(records.has(v.payload.experiment)).toBe(false);
        expect(envs.some((e) => e.type === 'iteration.done' && e.from === 'critic.t0' && e.payload.experiment === v.payload.experiment
          && /vetoed by the critic/.test(e.payload.reason))).toBe(true);
      } else {
        expect(sent).toBeDefined();
        if (v.payload.action === 'rewrite') expect(sent.payload.chosen.kind).toBe(v.payload.replacement);
      }
    }
    // replay rebuilds the critic from the file the run recorded and applies the recorded routes: zero divergences
    const { messages } = readGomelog(join(r.runDir, 'run.gomelog'));
    const roles = await loadRoles(Topology.parse(meta.config.topology), { recorded: true });
    const report = replay(messages, machinesWith(roles));
    expect(report.actors.map((a) => a.address)).toContain('critic.t0');
    expect(report.actors.find((a) => a.address === 'critic.t0')!.compared).toBe(verdicts.length + proposed.length);
  }, 180_000);
});
