// A run on a three-node NATS cluster (the shipped deploy/nats config, JetStream R3) survives the loss of the node it is
// connected to, and of its log stream's leader: the client moves to another node, the stream keeps its quorum and
// elects a new leader, and the run finishes with a valid submission and its log exported, and replays with zero
// divergences: no message sent during the election is missing from the log.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompetition } from '../../cli/run/run-session.ts';
import { replayLog } from '../../cli/commands/replay.ts';
import { subjects } from '../../protocols/subjects.ts';
import { tempDir } from '../grading/helpers.ts';
import { startCluster, type Cluster } from '../helpers/nats-cluster.ts';

const COMP = join(resolve(import.meta.dirname, '../..'), 'bench', 'breast-cancer-diagnosis');
let cluster: Cluster;

beforeAll(async () => { cluster = await startCluster(); }, 60_000);
afterAll(async () => { await cluster?.stop(); });

describe('nats cluster', () => {
  it.each([
    ['the node the run is connected to', 'client'],
    ['the leader of the run\'s log stream', 'leader'],
  ] as const)('nats cluster - killing %s mid-run: the run goes on on the other two and finishes with its log exported', async (_what, which) => {
    const runsRoot = tempDir('gome-cluster-');
    const runId = `cluster-loss-${which}`;
    const running = runCompetition({
      competitionDir: COMP, runsRoot, runId, progress: null, natsUrl: cluster.urls,
      config: { budgetMs: 60_000, preset: 'quick' },
    });
    await new Promise((r) => setTimeout(r, 20_000));
    const leader = await cluster.streamLeader(subjects.streamName(runId));
    const node = which === 'client' ? await cluster.nodeWithClient(`gome-${runId}`) : leader;
    expect(node, `the ${which} node was found`).not.toBeNull();
    expect(leader, 'the stream has a leader').not.toBeNull();
    const killedAt = Date.now();
    await cluster.kill(node!);
    const r = await running;
    expect(r.status).toBe('finished');
    expect(r.report?.valid_submission).toBe(true);
    const runDir = join(runsRoot, runId);
    const log = readFileSync(join(runDir, 'gome.log'), 'utf8');
    expect(log).toMatch(/"replicas":3,"clusterSize":3,"msg":"message log stream"/);
    expect(JSON.parse(readFileSync(join(runDir, 'run_meta.json'), 'utf8')).finalizeProblems).toBeUndefined();
    // work went on after the loss: messages recorded after it, from the other nodes
    const lines = readFileSync(join(runDir, 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { body: { ts: number } });
    expect(lines.filter((e) => e.body.ts > killedAt).length).toBeGreaterThan(5);
    expect(existsSync(join(runDir, 'submission.csv'))).toBe(true);
    // replay re-runs every machine actor from the log and throws at the first message that differs or is missing: on an
    // external server every message is published through JetStream (acknowledged by the stream, retried while a new
    // leader is elected, deduplicated by envelope id), so none sent during the election is missing from the log
    const { report } = await replayLog(runDir, runsRoot, {});
    expect(report.compared).toBeGreaterThan(20);
    await cluster.restart(node!);
  }, 240_000);
});
