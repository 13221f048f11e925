// Shared fixtures for GPU-node tests: temp dirs with a tiny competition public/ dir, a node factory, a captured logger, /proc scans.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { BudgetClock, GpuNode, type GpuNodeOptions, type JobSubmit } from '../../gpu-node/index.ts';
import { SystemClock, type Clock } from '../../runtime/clock.ts';

export const PYTHON = '/usr/bin/python3';

export interface Fixture { root: string; dataDir: string; jobsRoot: string; sample: string; cleanup(): void }

export function fixture(): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'gome-gpu-'));
  const dataDir = join(root, 'public');
  const jobsRoot = join(root, 'jobs');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(jobsRoot, { recursive: true });
  writeFileSync(join(dataDir, 'train.csv'), 'id,x,y\n1,0.1,0\n2,0.9,1\n3,0.4,0\n4,0.7,1\n');
  writeFileSync(join(dataDir, 'test.csv'), 'id,x\n10,0.2\n11,0.8\n');
  const sample = join(dataDir, 'sample_submission.csv');
  writeFileSync(sample, 'id,y\n10,0.5\n11,0.5\n');
  return { root, dataDir, jobsRoot, sample, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>> } {
  const out: string[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => { out.push(s); } });
  return { logger, lines: () => out.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export function makeNode(fx: Fixture, over: Partial<GpuNodeOptions> = {}, clock: Clock = new SystemClock()): GpuNode {
  return new GpuNode({
    jobsRoot: fx.jobsRoot, budget: BudgetClock.start(clock, { budgetMs: 3_600_000, file: join(fx.root, 'budget.json') }),
    sandbox: 'bwrap', python: PYTHON, logger: pino({ level: 'silent' }), clock, ...over,
  });
}

let seq = 0;
export function job(fx: Fixture, code: string, over: Partial<JobSubmit> = {}): JobSubmit {
  return {
    jobId: `job-${process.pid}-${++seq}`, mode: 'full', code, dataDir: fx.dataDir, limitMs: 30_000,
    estimatedMs: null, sampleSubmission: null, ...over,
  };
}

/** A marker found in the environment of every process of the job (sealed jobs carry only inner paths). */
export function jobMarker(jobId: string): string { return `GOME_JOB_ID=${jobId}\0`; }

/** Live (non-zombie) processes whose command line or environment mentions `marker`. */
export function processesMentioning(marker: string): Array<{ pid: number; cmd: string }> {
  const found: Array<{ pid: number; cmd: string }> = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
      if (state === 'Z' || state === 'X') continue;
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const env = readFileSync(`/proc/${name}/environ`, 'utf8');
      if (cmd.includes(marker) || env.includes(marker)) found.push({ pid: Number(name), cmd });
    } catch { /* gone */ }
  }
  return found;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
