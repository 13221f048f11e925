// Test helper: "hosts" as network namespaces (ip netns), each with a veth into one bridge in the test's namespace, an
// address of its own and its own loopback; a partition cuts a host off with an nft drop rule and heals it by
// removing the rule. Everything made here is removed by stop(). Needs root (CAP_NET_ADMIN); netnsUnavailable() says
// why when it cannot work.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface NetHost { name: string; ns: string; ip: string }
export interface Net {
  hosts: NetHost[];
  /** The test's own address on the bridge (it can reach every host). */
  gateway: string;
  /** Drops every packet to and from the host (loopback aside) until heal(). */
  partition(h: NetHost): void;
  heal(h: NetHost): void;
  stop(): void;
}

const run = (args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });

/** Why namespaces cannot be made here, or null when they can. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'network namespaces need root (CAP_NET_ADMIN)';
  for (const b of ['ip', 'nft']) if (spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0) return `${b} is not installed (deploy/setup.sh installs iproute2 and nftables)`;
  const probe = `gome-probe-${randomBytes(3).toString('hex')}`;
  const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
  if (r.status !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
  spawnSync('ip', ['netns', 'del', probe]);
  return null;
}

export function createNet(names: readonly string[]): Net {
  const tag = randomBytes(3).toString('hex');
  const bridge = `gbr${tag}`;
  const octet = 16 + (parseInt(tag.slice(0, 2), 16) % 200); // 10.<octet>.77.0/24, unlikely to clash with the machine's
  const subnet = (i: number) => `10.${octet}.77.${i}`;
  const made: { ns: string[]; links: string[] } = { ns: [], links: [] };
  const stop = () => {
    for (const ns of made.ns) spawnSync('ip', ['netns', 'del', ns]);
    for (const l of made.links) spawnSync('ip', ['link', 'del', l]);
  };
  try {
    run(['ip', 'link', 'add', bridge, 'type', 'bridge']);
    made.links.push(bridge);
    run(['ip', 'addr', 'add', `${subnet(1)}/24`, 'dev', bridge]);
    run(['ip', 'link', 'set', bridge, 'up']);
    const hosts = names.map((name, i) => {
      const ns = `gome-${tag}-${name}`;
      run(['ip', 'netns', 'add', ns]);
      made.ns.push(ns);
      const outer = `gv${tag}${i}`;
      run(['ip', 'link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      made.links.push(outer);
      run(['ip', 'link', 'set', outer, 'master', bridge]);
      run(['ip', 'link', 'set', outer, 'up']);
      const ip = subnet(i + 2);
      run(['ip', '-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      run(['ip', '-n', ns, 'link', 'set', 'eth0', 'up']);
      run(['ip', '-n', ns, 'link', 'set', 'lo', 'up']);
      return { name, ns, ip };
    });
    const rules = (h: NetHost) => `table inet gome_partition {
  chain input { type filter hook input priority 0; policy drop; iif "lo" accept; }
  chain output { type filter hook output priority 0; policy drop; oif "lo" accept; }
}`;
    return {
      hosts, gateway: subnet(1), stop,
      partition(h) { execFileSync('ip', ['netns', 'exec', h.ns, 'nft', '-f', '-'], { input: rules(h) }); },
      heal(h) { run(['ip', 'netns', 'exec', h.ns, 'nft', 'delete', 'table', 'inet', 'gome_partition']); },
    };
  } catch (e) {
    stop();
    throw e;
  }
}
