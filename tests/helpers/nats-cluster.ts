// Test helper: a real three-node NATS cluster with JetStream on loopback, each node started by the shipped
// deploy/nats/start-node.sh with the shipped cluster.conf (so the tests exercise the deploy files), on free ports.
// Nodes can be killed (SIGKILL) and their client connections listed from their monitoring endpoints.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const START = resolve(import.meta.dirname, '../../deploy/nats/start-node.sh');

export interface ClusterNode { name: string; port: number; httpPort: number; clusterPort: number; url: string; proc: ChildProcess; log: () => string }
export interface Cluster {
  nodes: ClusterNode[]; urls: string; dir: string;
  kill(node: ClusterNode): Promise<void>;
  /** Starts a killed node again (same name, ports and store) and waits until it is healthy. */
  restart(node: ClusterNode): Promise<void>;
  nodeWithClient(prefix: string): Promise<ClusterNode | null>;
  /** The node that leads a stream's replicas (from the monitoring endpoint's jsz). */
  streamLeader(stream: string): Promise<ClusterNode | null>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); });
  });
}

async function getJson(url: string): Promise<Record<string, unknown> | null> {
  try { const r = await fetch(url); return (await r.json()) as Record<string, unknown>; } catch { return null; }
}

export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'gome nats cluster '));
  const ports = await Promise.all(Array.from({ length: 9 }, freePort));
  const names = ['a', 'b', 'c'];
  const routes = names.map((_, i) => `127.0.0.1:${ports[i * 3 + 2]}`);
  const launch = (n: Omit<ClusterNode, 'proc' | 'log'>): ClusterNode => {
    let out = '';
    const proc = spawn(START, [n.name, join(dir, n.name), ...routes], {
      env: { ...process.env, GOME_NATS_HOST: '127.0.0.1', GOME_NATS_PORT: String(n.port), GOME_NATS_HTTP_PORT: String(n.httpPort), GOME_NATS_CLUSTER_PORT: String(n.clusterPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout!.on('data', (b: Buffer) => { out = (out + b.toString()).slice(-20_000); });
    proc.stderr!.on('data', (b: Buffer) => { out = (out + b.toString()).slice(-20_000); });
    return { ...n, proc, log: () => out };
  };
  const nodes: ClusterNode[] = names.map((name, i) => {
    const [port, httpPort, clusterPort] = [ports[i * 3]!, ports[i * 3 + 1]!, ports[i * 3 + 2]!];
    return launch({ name, port, httpPort, clusterPort, url: `nats://127.0.0.1:${port}` });
  });
  const healthy = async (n: ClusterNode, until: number) => {
    for (;;) {
      const h = await getJson(`http://127.0.0.1:${n.httpPort}/healthz`);
      if (h?.['status'] === 'ok') return;
      if (Date.now() > until) throw new Error(`NATS node ${n.name} did not become healthy: ${n.log().slice(-800)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  // ready: every node answers healthz with JetStream up (a meta leader elected)
  const until = Date.now() + 30_000;
  for (const n of nodes) await healthy(n, until);
  const kill = async (n: ClusterNode) => {
    if (n.proc.exitCode !== null || n.proc.signalCode !== null) return;
    const gone = new Promise<void>((r) => n.proc.once('exit', () => r()));
    n.proc.kill('SIGKILL');
    await gone;
  };
  return {
    nodes, dir, urls: nodes.map((n) => n.url).join(','),
    kill,
    async restart(n) {
      const again = launch(n);
      nodes[nodes.indexOf(n)] = again;
      Object.assign(n, { proc: again.proc, log: again.log });
      await healthy(again, Date.now() + 30_000);
    },
    async streamLeader(stream) {
      for (const n of nodes) {
        if (n.proc.exitCode !== null || n.proc.signalCode !== null) continue;
        const j = await getJson(`http://127.0.0.1:${n.httpPort}/jsz?streams=true`);
        const details = (j?.['account_details'] as Array<{ stream_detail?: Array<{ name: string; cluster?: { leader?: string } }> }> | undefined) ?? [];
        for (const a of details) for (const d of a.stream_detail ?? []) if (d.name === stream && d.cluster?.leader) return nodes.find((x) => x.name === d.cluster!.leader) ?? null;
      }
      return null;
    },
    async nodeWithClient(prefix) {
      for (const n of nodes) {
        if (n.proc.exitCode !== null || n.proc.signalCode !== null) continue;
        const c = await getJson(`http://127.0.0.1:${n.httpPort}/connz?limit=1024`);
        const conns = (c?.['connections'] as Array<{ name?: string }> | undefined) ?? [];
        if (conns.some((x) => (x.name ?? '').startsWith(prefix))) return n;
      }
      return null;
    },
    async stop() { for (const n of nodes) await kill(n); rmSync(dir, { recursive: true, force: true }); },
  };
}
