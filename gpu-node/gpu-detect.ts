// GPU discovery: asks nvidia-smi for the visible GPUs (no nvidia-smi, or any failure, means no GPUs), and what a sealed
// job needs to use them: CUDA_VISIBLE_DEVICES and the driver's device nodes.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface GpuInfo { index: number; name: string; memoryMb: number | null }

/** Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader` output. */
export function parseNvidiaSmi(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of text.split('\n')) {
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length < 3) continue;
    const index = Number(parts[0]);
    if (!Number.isInteger(index)) continue;
    const mem = /([\d.]+)\s*MiB/i.exec(parts[parts.length - 1] ?? '');
    gpus.push({ index, name: parts.slice(1, -1).join(', '), memoryMb: mem ? Number(mem[1]) : null });
  }
  return gpus;
}

export function detectGpus(opts: { nvidiaSmi?: string; timeoutMs?: number } = {}): Promise<GpuInfo[]> {
  const bin = opts.nvidiaSmi ?? 'nvidia-smi';
  return new Promise((resolve) => {
    try {
      execFile(bin, ['--query-gpu=index,name,memory.total', '--format=csv,noheader'],
        { timeout: opts.timeoutMs ?? 10_000, encoding: 'utf8' },
        (err, stdout) => resolve(err ? [] : parseNvidiaSmi(stdout)));
    } catch {
      resolve([]);
    }
  });
}

/** The CUDA_VISIBLE_DEVICES value for a GPU list, or null when there are none. */
export function cudaVisibleDevices(gpus: readonly GpuInfo[]): string | null {
  return gpus.length ? gpus.map((g) => g.index).join(',') : null;
}

/** The NVIDIA driver's device nodes every GPU job needs besides its GPUs' own (/dev/nvidiaN). */
export const NVIDIA_CONTROL_NODES = ['/dev/nvidiactl', '/dev/nvidia-uvm', '/dev/nvidia-uvm-tools', '/dev/nvidia-modeset'] as const;

/**
 * The host device nodes a sealed job needs to use these GPUs: each GPU's /dev/nvidiaN and the driver's control nodes,
 * those that exist (`exists`, injected for tests); none without GPUs.
 */
export function gpuDeviceNodes(gpus: readonly GpuInfo[], exists: (path: string) => boolean = existsSync): string[] {
  if (!gpus.length) return [];
  return [...gpus.map((g) => `/dev/nvidia${g.index}`), ...NVIDIA_CONTROL_NODES].filter((p) => exists(p));
}
