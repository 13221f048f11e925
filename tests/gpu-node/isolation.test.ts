// bwrap isolation: no network (even to 127.0.0.1), read-only data dir, writable workspace, private /tmp; sandbox selection and probe.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  BinaryNotFound, BwrapSandbox, SubprocessSandbox, clearSandboxProbeCache, probeBwrap, resolveSandbox, type JobExecSpec,
} from '../../gpu-node/index.ts';
import { captureLogger, fixture, job, makeNode, type Fixture } from './helpers.ts';

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
r['tmp'] = os.listdir('/tmp')
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
    // private /tmp: only the scratch file and the mount point of the fixture's binds, nothing of the host's /tmp, and nothing leaks out
    const scratch = `scratch-${out.jobId}.txt`;
    expect((r.tmp as string[]).sort()).toEqual([scratch, fx.root.split('/')[2]!].sort());
    expect(existsSync(join('/tmp', scratch))).toBe(false);
    expect(connections()).toBe(0);
    expect(existsSync(join(fx.dataDir, 'pwned.txt'))).toBe(false);
    expect(readFileSync(join(out.workdir, 'out.txt'), 'utf8')).toBe('ok');
    await node.close();
  });

  it('sandbox - the subprocess fallback is not isolated (the contrast that makes the bwrap test meaningful)', async () => {
    fx = fixture();
    const { port, connections } = await listen();
    const node = makeNode(fx, { sandbox: 'subprocess' });
    const out = await node.submit(job(fx, PROBE(port)));
    const r = JSON.parse(out.stdoutTail.trim()) as Record<string, unknown>;
    rmSync(join('/tmp', `scratch-${out.jobId}.txt`), { force: true });
    expect(r.socket).toBe('connected');
    expect(connections()).toBe(1);
    await node.close();
  });

  it('sandbox - bwrap command line binds the workspace rw and the data dir ro, without network', () => {
    const spec = { workdir: '/w/j1', dataDir: '/d/public', python: '/usr/bin/python3', script: '/w/j1/main.py', statsPath: '/w/j1/.gome/s.json', memoryLimitMb: null } as JobExecSpec;
    const { file, args } = new BwrapSandbox('/usr/bin/bwrap').command(spec);
    expect(file).toBe('/usr/bin/bwrap');
    const joined = args.join(' ');
    for (const part of ['--ro-bind / /', '--bind /w/j1 /w/j1', '--ro-bind /d/public /d/public', '--tmpfs /tmp', '--dev /dev', '--proc /proc',
      '--unshare-net', '--unshare-pid', '--die-with-parent', '--chdir /w/j1']) {
      expect(joined).toContain(part);
    }
    expect(joined.indexOf('--tmpfs /tmp')).toBeLessThan(joined.indexOf('--bind /w/j1'));
    expect(args.slice(args.indexOf('--') + 1).slice(-2)).toEqual(['/usr/bin/python3', '/w/j1/main.py']);
    const sub = new SubprocessSandbox().command(spec);
    expect(sub.file).toBe('/usr/bin/python3');
    expect(sub.args.slice(-2)).toEqual(['/usr/bin/python3', '/w/j1/main.py']);
  });

  it('sandbox - the bwrap probe passes here and its answer is cached', async () => {
    clearSandboxProbeCache();
    const a = probeBwrap();
    expect(probeBwrap()).toBe(a);
    expect((await a).ok).toBe(true);
    expect((await resolveSandbox('auto')).name).toBe('bwrap');
  });

  it('sandbox - a missing bwrap is a typed error naming the bubblewrap package; auto falls back with a warning', async () => {
    await expect(resolveSandbox('bwrap', { bwrap: '/nonexistent/bwrap' })).rejects.toBeInstanceOf(BinaryNotFound);
    await expect(resolveSandbox('bwrap', { bwrap: '/nonexistent/bwrap' })).rejects.toThrow(/apt-get install -y bubblewrap/);
    const { logger, lines } = captureLogger();
    const backend = await resolveSandbox('auto', { bwrap: '/nonexistent/bwrap', logger });
    expect(backend.name).toBe('subprocess');
    expect(lines().some((l) => l.level === 40 && String(l.msg).includes('falling back'))).toBe(true);
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
