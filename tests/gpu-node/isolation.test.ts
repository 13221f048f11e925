// bwrap isolation: no network (even to 127.0.0.1), read-only data dir, writable workspace, private /tmp; sandbox
// selection, the start-up probe, and a bwrap that cannot start is a typed error with no fallback.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BwrapSandbox, SandboxUnavailable, SubprocessSandbox, clearSandboxProbeCache, probeBwrap, resolveSandbox, type JobExecSpec,
} from '../../gpu-node/index.ts';
import { fixture, job, makeNode, type Fixture } from './helpers.ts';

let fx: Fixture;
let server: Server | null = null;
afterEach(() => { fx?.cleanup(); server?.close(); server = null; });

const PROBE = (port: number) => `
import json, os, socket
r = {}
try:
    s = socket.create_connection(('127.0.0.1', ${port}), timeout=2)
    s.close()
    r['socket'] = 'connected'
except OSError as e:
    r['socket'] = 'blocked: ' + type(e).__name__
try:
    open(os.path.join(os.environ['GOME_DATA_DIR'], 'pwned.txt'), 'w').write('x')
    r['data'] = 'written'
except OSError as e:
    r['data'] = 'blocked: ' + type(e).__name__
try:
    r['train'] = open(os.path.join(os.environ['GOME_DATA_DIR'], 'train.csv')).readline().strip()
except OSError as e:
    r['train'] = 'unreadable'
open('out.txt', 'w').write('ok')
r['workspace'] = open('out.txt').read()
scratch = '/tmp/scratch-' + os.environ['GOME_JOB_ID'] + '.txt'
open(scratch, 'w').write('tmp')
tmp = os.listdir('/tmp')
r['tmp'] = tmp if len(tmp) <= 20 else tmp[:20] + ['...']  # bounded: the host /tmp of an unsealed job can be huge
print(json.dumps(r))
`;

async function listen(): Promise<{ port: number; connections: () => number }> {
  let n = 0;
  server = createServer((s) => { n++; s.destroy(); });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, connections: () => n };
}

describe('isolation', () => {
  it('gpu-node - bwrap job cannot reach 127.0.0.1 or write the data dir, but can write its workspace', async () => {
    fx = fixture();
    const { port, connections } = await listen();
    const node = makeNode(fx, { sandbox: 'bwrap' });
    const out = await node.submit(job(fx, PROBE(port)));
    expect(out.status).toBe('ok');
    expect(out.sandbox).toBe('bwrap');
    const r = JSON.parse(out.stdoutTail.trim()) as Record<string, unknown>;
    expect(r.socket).toMatch(/^blocked/);
    expect(r.data).toMatch(/^blocked/);
    expect(r.train).toBe('id,x,y');
    expect(r.workspace).toBe('ok');
    // private /tmp: only the scratch file, nothing of the host's /tmp (the fixture lives there), and nothing leaks out
    const scratch = `scratch-${out.jobId}.txt`;
    expect(r.tmp).toEqual([scratch]);
    expect(existsSync(join('/tmp', scratch))).toBe(false);
    expect(connections()).toBe(0);
    expect(existsSync(join(fx.dataDir, 'pwned.txt'))).toBe(false);
    expect(readFileSync(join(out.workdir, 'out.txt'), 'utf8')).toBe('ok');
    await node.close();
  });

  it('sandbox - the explicit "none" sandbox is not isolated (the contrast that makes the bwrap test meaningful)', async () => {
    fx = fixture();
    const { port, connections } = await listen();
    const node = makeNode(fx, { sandbox: 'none' });
    const out = await node.submit(job(fx, PROBE(port)));
    const r = JSON.parse(out.stdoutTail.trim()) as Record<string, unknown>;
    rmSync(join('/tmp', `scratch-${out.jobId}.txt`), { force: true });
    expect(out.sandbox).toBe('none');
    expect(r.socket).toBe('connected');
    expect(connections()).toBe(1);
    await node.close();
  });

  it('sandbox - bwrap command line is an allow-list with fixed inner paths, without network', () => {
    const spec = { workdir: '/w/j1', dataDir: '/d/public', python: '/usr/bin/python3', script: '/w/j1/main.py', statsPath: '/w/j1/.gome/s.json', memoryLimitMb: null } as JobExecSpec;
    const { file, args } = new BwrapSandbox('/usr/bin/bwrap').command(spec);
    expect(file).toBe('/usr/bin/bwrap');
    const joined = args.join(' ');
    for (const part of ['--ro-bind /usr /usr', '--symlink usr/lib /lib', '--ro-bind /etc/ld.so.cache /etc/ld.so.cache',
      '--ro-bind /etc/alternatives /etc/alternatives', '--bind /w/j1 /gome/work', '--ro-bind /d/public /gome/data',
      '--tmpfs /tmp', '--dev /dev', '--proc /proc', '--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts',
      '--new-session', '--die-with-parent', '--chdir /gome/work', '--tmpfs /usr/lib/R']) {
      expect(joined).toContain(part);
    }
    expect(joined).not.toContain('--ro-bind / /');
    expect(joined).not.toMatch(/--ro-bind \/etc \/etc|--bind \/tmp|\/run|\/home|\/root/);
    const inner = args.slice(args.indexOf('--') + 1);
    expect(inner).toEqual(['/usr/bin/python3', '/gome/bin/job_wrapper.py', '--stats', '/gome/work/.gome/s.json', '--', '/usr/bin/python3', '/gome/work/main.py']);
    expect(new BwrapSandbox().view({ workdir: '/w/j1', dataDir: '/d/public' })).toEqual({ workdir: '/gome/work', dataDir: '/gome/data', home: '/gome/work', tmpdir: '/tmp' });
    const sub = new SubprocessSandbox();
    expect(sub.name).toBe('none');
    expect(sub.command(spec).file).toBe('/usr/bin/python3');
    expect(sub.command(spec).args.slice(-2)).toEqual(['/usr/bin/python3', '/w/j1/main.py']);
    expect(sub.view({ workdir: '/w/j1', dataDir: '/d/public' })).toMatchObject({ workdir: '/w/j1', dataDir: '/d/public' });
  });

  it('sandbox - the bwrap probe passes here and its answer is cached', async () => {
    clearSandboxProbeCache();
    const a = probeBwrap();
    expect(probeBwrap()).toBe(a);
    expect((await a).ok).toBe(true);
    expect((await resolveSandbox('bwrap')).name).toBe('bwrap');
    expect((await resolveSandbox('none')).name).toBe('none');
  });

  it('sandbox - a missing bwrap is a typed error naming the cause and every fix, with no fallback', async () => {
    const p = resolveSandbox('bwrap', { bwrap: '/nonexistent/bwrap' });
    await expect(p).rejects.toBeInstanceOf(SandboxUnavailable);
    const e = (await p.catch((x: unknown) => x)) as SandboxUnavailable;
    expect(e.missing).toBe(true);
    expect(e.message).toMatch(/bubblewrap is not installed/);
    expect(e.message).toContain('apt-get install bubblewrap');
    expect(e.message).toContain('sysctl kernel.unprivileged_userns_clone=1');
    expect(e.message).toContain('--sandbox none');
  });

  it('sandbox - a bwrap that cannot start (exits 1) is a typed error, not a fallback', async () => {
    fx = fixture();
    const broken = join(fx.root, 'bwrap');
    writeFileSync(broken, '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n');
    chmodSync(broken, 0o755);
    const e = await resolveSandbox('bwrap', { bwrap: broken }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SandboxUnavailable);
    expect((e as SandboxUnavailable).missing).toBe(false);
    expect((e as Error).message).toMatch(/cannot start on this machine: probe exited 1: bwrap: No permissions/);
    // a node configured with it runs nothing: the job is infra with the fix, not an unsealed run
    const node = makeNode(fx, { bwrap: broken });
    const out = await node.submit(job(fx, "open('ran.txt', 'w').write('1')\n"));
    expect(out.status).toBe('infra');
    expect(out.reason).toMatch(/apt-get install bubblewrap/);
    expect(existsSync(join(out.workdir, 'ran.txt'))).toBe(false);
    await expect(node.ready()).rejects.toBeInstanceOf(SandboxUnavailable);
    await node.close();
  });

  it('gpu-node - sandbox "bwrap" that cannot work makes jobs infra with the install hint', async () => {
    fx = fixture();
    const node = makeNode(fx, { sandbox: 'bwrap', bwrap: '/nonexistent/bwrap' });
    const out = await node.submit(job(fx, 'print(1)'));
    expect(out.status).toBe('infra');
    expect(out.reason).toMatch(/bubblewrap/);
    await node.close();
  });
});
