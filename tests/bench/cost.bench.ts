// bench:cost — how good are Gome's two runtime estimates? For every competition of a suite half, the draft pipeline
// and the draft changed by each of a fixed list of moves (model switches, ensembles, search, seeds, target encoding)
// run once in debug mode and once in full mode, as the GPU node runs them (same interpreter, thread count and env):
//   - raw: the debug run's own extrapolation of the full run (GOME_ESTIMATED_FULL_SECONDS), before any correction;
//   - plan: the brain's planning estimate (cost-estimate.ts: from the draft's measured full run and its parts).
// Prints each pair, then per estimate the median actual/estimate ratio and the median fold error (max(r, 1/r)),
// and writes JSON. The constants behind both estimates are fitted on the dev half only; report the test half.
// Env: GOME_COST_SUITE=dev|test (dev), GOME_COST_ONLY=a,b, GOME_COST_MOVES=model:et,ens:hill (the list below),
// GOME_COST_OUT=path.json (bench/results/cost-<suite>-<stamp>.json), GOME_COST_THREADS=2.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { localCompetitions, SUITES, type SuiteName } from '../../cli/commands/bench-suite.ts';
import { ensurePrepared } from '../../cli/run/prepare.ts';
import { buildTaskInfo } from '../../cli/run/task-info.ts';
import { applyHypothesis } from '../../actors/brain/develop.ts';
import { generateCode } from '../../actors/brain/codegen.ts';
import { draftSpec, type PipelineSpec } from '../../actors/brain/pipeline-spec.ts';
import { estimateMs, measuredParts, type MeasuredBase } from '../../actors/brain/cost-estimate.ts';
import { MOVE_BY_KIND } from '../../actors/brain/catalogue.ts';
import { median } from '../../grading/medals.ts';
import { parseEstimateMs } from '../../gpu-node/outputs.ts';
import type { Hypothesis, TaskInfo } from '../../protocols/domain.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BENCH = join(REPO, 'bench');
const PYTHON = '/usr/bin/python3';
const env = process.env;

const suite = (env.GOME_COST_SUITE ?? 'dev') as SuiteName;
if (!(SUITES as readonly string[]).includes(suite)) throw new Error(`GOME_COST_SUITE was "${suite}"; use one of ${SUITES.join(', ')}`);
const only = env.GOME_COST_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
const comps = only?.length ? only : localCompetitions(BENCH, suite);
const DEFAULT_MOVES = ['model:xgb', 'model:et', 'model:rf', 'model:linear', 'hp:lr-down', 'hp:search', 'wf:seeds',
  'fe:target-enc', 'ens:avg3', 'ens:hill', 'ens:stack'];
const moves = env.GOME_COST_MOVES?.split(',').map((s) => s.trim()).filter(Boolean) ?? DEFAULT_MOVES;
for (const k of moves) if (!MOVE_BY_KIND.has(k)) throw new Error(`GOME_COST_MOVES names "${k}", which is not a move of the catalogue`);
const threads = env.GOME_COST_THREADS ?? '2';
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
const outPath = resolve(env.GOME_COST_OUT ?? join(BENCH, 'results', `cost-${suite}-${stamp}.json`));
const work = mkdtempSync(join(tmpdir(), 'gome-cost-'));
const machine = { nproc: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? 'unknown', node: process.version };

interface JobRun { ok: boolean; wallMs: number; rawEstimateMs: number | null; error: string | null }

/** Runs one job script as the GPU node would (fixed threads, passive OpenMP waiting), outside the sandbox. */
function runJob(dir: string, code: string, dataDir: string, mode: 'debug' | 'full'): JobRun {
  const out = join(dir, mode);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'main.py'), code);
  const t0 = performance.now();
  const r = spawnSync(PYTHON, [join(out, 'main.py')], {
    cwd: out, encoding: 'utf8', timeout: 1_800_000, maxBuffer: 64 << 20,
    env: { PATH: '/usr/bin:/bin', HOME: out, TMPDIR: out, GOME_DATA_DIR: dataDir, GOME_OUTPUT_DIR: out, GOME_MODE: mode,
      OMP_NUM_THREADS: threads, OMP_WAIT_POLICY: 'PASSIVE' },
  });
  const wallMs = performance.now() - t0;
  return { ok: r.status === 0, wallMs, rawEstimateMs: parseEstimateMs(r.stdout ?? ''),
    error: r.status === 0 ? null : (r.stderr ?? '').trim().split('\n').slice(-3).join(' | ') };
}

function hypothesis(kind: string): Hypothesis {
  const m = MOVE_BY_KIND.get(kind)!;
  return { kind, component: m.component, title: m.title, rationale: 'bench:cost', problem: null,
    scores: { alignment: 5, impact: 5, novelty: 5, feasibility: 5, risk: 5 }, change: { moves: [kind] } };
}

interface Pair { competition: string; change: string; actualMs: number; debugMs: number; rawMs: number | null; planMs: number | null }
const pairs: Pair[] = [];
const failures: { competition: string; change: string; error: string }[] = [];

const fmt = (ms: number | null): string => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);
const ratio = (a: number, e: number | null): string => (e ? (a / e).toFixed(2) : '—');

for (const id of comps) {
  const comp = await ensurePrepared(join(BENCH, id), PYTHON);
  const task: TaskInfo = { ...(await buildTaskInfo(comp)), dataDir: comp.publicDir };
  const draft = draftSpec(task);
  const specs: { change: string; spec: PipelineSpec }[] = [{ change: 'draft', spec: draft }];
  for (const k of moves) {
    const m = MOVE_BY_KIND.get(k)!;
    if (!m.applies({ task, spec: draft, goodFamilies: [] })) continue;
    specs.push({ change: k, spec: applyHypothesis(draft, hypothesis(k), task).spec });
  }
  let base: MeasuredBase | null = null;
  for (const { change, spec } of specs) {
    const dir = join(work, id, change.replace(/[^a-z0-9-]+/gi, '_'));
    const code = generateCode(spec, task, change);
    const debug = runJob(dir, code, comp.publicDir, 'debug');
    if (!debug.ok) { failures.push({ competition: id, change, error: `debug: ${debug.error}` }); continue; }
    const full = runJob(dir, code, comp.publicDir, 'full');
    if (!full.ok) { failures.push({ competition: id, change, error: `full: ${full.error}` }); continue; }
    if (change === 'draft') {
      const feedback = JSON.parse(readFileSync(join(dir, 'full', 'gome_feedback.json'), 'utf8')) as unknown;
      base = { spec, runMs: full.wallMs, parts: measuredParts(feedback) };
    }
    const plan = change === 'draft' ? null : estimateMs(spec, task, base)?.ms ?? null;
    const p: Pair = { competition: id, change, actualMs: full.wallMs, debugMs: debug.wallMs, rawMs: debug.rawEstimateMs, planMs: plan };
    pairs.push(p);
    console.log(`${id.padEnd(24)} ${change.padEnd(14)} actual ${fmt(p.actualMs).padStart(8)}  debug ${fmt(p.debugMs).padStart(7)}`
      + `  raw ${fmt(p.rawMs).padStart(8)} (×${ratio(p.actualMs, p.rawMs)})  plan ${fmt(p.planMs).padStart(8)} (×${ratio(p.actualMs, p.planMs)})`);
  }
}

/** Median actual/estimate and median fold error over the pairs that have the estimate. */
function accuracy(get: (p: Pair) => number | null): { n: number; medianRatio: number | null; medianFoldError: number | null } {
  const r = pairs.map((p) => { const e = get(p); return e && e > 0 ? p.actualMs / e : null; }).filter((x): x is number => x !== null);
  return { n: r.length, medianRatio: r.length ? median(r) : null, medianFoldError: r.length ? median(r.map((x) => Math.max(x, 1 / x))) : null };
}
const summary = { raw: accuracy((p) => p.rawMs), plan: accuracy((p) => p.planMs) };
const show = (name: string, a: (typeof summary)['raw']): string =>
  `${name}: ${a.n} pairs, median actual/estimate ${a.medianRatio?.toFixed(2) ?? '—'}, median fold error ${a.medianFoldError?.toFixed(2) ?? '—'}×`;
console.log(`\n${show('debug-run extrapolation (raw)', summary.raw)}\n${show('planning estimate', summary.plan)}`);
for (const f of failures) console.log(`FAILED ${f.competition} ${f.change}: ${f.error}`);

mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, `${JSON.stringify({ suite, date: new Date().toISOString(), machine, threads, moves, summary, pairs, failures, work }, null, 2)}\n`);
console.log(`wrote ${outPath}`);
