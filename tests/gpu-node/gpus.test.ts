// A GPU node's GPUs reach its sealed jobs: bwrap binds their device nodes (and the driver's control nodes) into the
// job's minimal /dev, and the Docker backend asks the engine's NVIDIA runtime for them, numbered from 0 inside the
// container. No GPU is on this machine, so the bwrap test passes a stand-in character device through the same path and
// the Docker test checks what the engine is asked for; an engine that refuses the request gets a sentence with the fix.
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterEach, describe, expect, it } from 'vitest';
import { BwrapSandbox, probeBwrap, type JobExecSpec } from '../../gpu-node/index.ts';
import { gpuDeviceNodes, type GpuInfo } from '../../gpu-node/gpu-detect.ts';
import { DockerSandbox, gpuRefusal } from '../../gpu-node/sandbox-docker.ts';
import { fixture, PYTHON, type Fixture } from './helpers.ts';

let fx: Fixture | null = null;
afterEach(() => { fx?.cleanup(); fx = null; });

const TWO: GpuInfo[] = [{ index: 1, name: 'A100', memoryMb: 40_960 }, { index: 3, name: 'A100', memoryMb: 40_960 }];

function spec(f: Fixture, id: string, code: string, gpus: readonly GpuInfo[]): JobExecSpec {
  const workdir = join(f.jobsRoot, id);
  mkdirSync(join(workdir, '.gome'), { recursive: true });
  writeFileSync(join(workdir, 'main.py'), code);
  return { jobId: id, workdir, dataDir: f.dataDir, python: PYTHON, script: join(workdir, 'main.py'), env: { CUDA_VISIBLE_DEVICES: '1,3' }, limitMs: 30_000,
    stdoutPath: join(workdir, 'stdout.log'), stderrPath: join(workdir, 'stderr.log'), statsPath: join(workdir, '.gome', 'stats.json'), memoryLimitMb: null, gpus };
}

describe('gpus', () => {
  it('gpus - a job needs each of its GPUs\' device nodes and the driver\'s control nodes, those that exist; none without GPUs', () => {
    const present = new Set(['/dev/nvidia1', '/dev/nvidia3', '/dev/nvidiactl', '/dev/nvidia-uvm', '/dev/nvidia0']);
    expect(gpuDeviceNodes(TWO, (p) => present.has(p))).toEqual(['/dev/nvidia1', '/dev/nvidia3', '/dev/nvidiactl', '/dev/nvidia-uvm']);
    expect(gpuDeviceNodes([], () => true)).toEqual([]);
  });

  it('gpus - a sealed bwrap job of a node with GPUs sees their device nodes in its /dev, and one without GPUs does not', async () => {
    fx = fixture();
    const probe = await probeBwrap();
    expect(probe.ok).toBe(true);
    // a character device of the host that bwrap's minimal /dev does not hold, standing in for /dev/nvidiaN
    const standIn = ['/dev/fuse', '/dev/loop-control', '/dev/kvm', '/dev/net/tun'].find((p) => existsSync(p) && lstatSync(p).isCharacterDevice());
    expect(standIn, 'a character device to pass through').toBeDefined();
    const sandbox = new BwrapSandbox(probe.ok ? probe.path : 'bwrap', { deviceNodes: (gpus) => (gpus.length ? [standIn!] : []) });
    const code = `import json, os, stat\np = ${JSON.stringify(standIn)}\nprint(json.dumps({"seen": os.path.exists(p), "char": os.path.exists(p) and stat.S_ISCHR(os.stat(p).st_mode), "dev": sorted(os.listdir("/dev"))}))\n`;
    const withGpus = await sandbox.execute(spec(fx, 'with-gpus', code, TWO));
    const without = await sandbox.execute(spec(fx, 'without', code, []));
    const read = (r: { exitCode: number | null; stdoutTail: string; stderrTail: string }) => {
      expect(r.exitCode, r.stderrTail).toBe(0);
      return JSON.parse(r.stdoutTail.trim()) as { seen: boolean; char: boolean; dev: string[] };
    };
    const a = read(withGpus), b = read(without);
    expect(a).toMatchObject({ seen: true, char: true });
    expect(b.seen).toBe(false);
    // nothing else of the host's /dev came along
    const extra = a.dev.filter((d) => !b.dev.includes(d));
    expect(extra.length).toBeLessThanOrEqual(1);
    expect(readFileSync(join(fx.jobsRoot, 'with-gpus', 'main.py'), 'utf8')).toBe(code);
  });

  it('gpus - a Docker job of a node with GPUs asks the engine for them by host index, numbered from 0 inside; without GPUs nothing is asked', () => {
    fx = fixture();
    // the create options are built without an engine: no connection is made
    const sb = new DockerSandbox({ docker: new Docker({ socketPath: '/nonexistent/docker.sock' }), image: 'gome-job:test' });
    const withGpus = sb.containerSpec(spec(fx, 'd1', '', TWO));
    expect(withGpus.HostConfig!.DeviceRequests).toEqual([{ Driver: 'nvidia', DeviceIDs: ['1', '3'], Capabilities: [['gpu']] }]);
    expect(withGpus.Env).toContain('CUDA_VISIBLE_DEVICES=0,1');
    const without = sb.containerSpec(spec(fx, 'd2', '', []));
    expect(without.HostConfig!.DeviceRequests).toBeUndefined();
    expect(without.Env!.some((e) => e.startsWith('CUDA_VISIBLE_DEVICES='))).toBe(false);
  });

  it('gpus - an engine without the NVIDIA runtime refusing the device request is a sentence naming the toolkit and the bwrap alternative', () => {
    const engineError = new Error('(HTTP code 500) server error - could not select device driver "nvidia" with capabilities: [[gpu]]');
    const e = gpuRefusal(engineError, { gpus: TWO }) as Error;
    expect(e.message).toMatch(/could not give the job this node's 2 GPU\(s\).*could not select device driver.*NVIDIA Container Toolkit.*--sandbox bwrap/);
    // other errors, or any error of a job without GPUs, pass through as they are
    expect(gpuRefusal(engineError, { gpus: [] })).toBe(engineError);
    const other = new Error('no such image');
    expect(gpuRefusal(other, { gpus: TWO })).toBe(other);
  });
});
