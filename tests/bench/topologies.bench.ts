// bench:topologies — topologies side by side (gome bench --topology …): every topology of GOME_TOPO_LIST on every
// competition of a suite half × seeds, interleaved so that machine noise hits all alike, plus a reasoning-noise sweep:
// for each level X of GOME_TOPO_NOISE > 0, the gradient on one trace (gome-1trace) and greedy tree search (tree-greedy)
// with the offline brain at noise X, as extra columns gome-1trace@noiseX and tree-greedy@noiseX (noise 0 is the plain
// column), and the ablations. The default is issue 11's matrix: the four main topologies over 3 seeds, the three
// ablations and the noise columns over 1 seed (seed 0, so they pair with the main columns' seed 0). Resumable: rerun with the same GOME_TOPO_OUT and finished cells are skipped. Writes comparison.md and
// comparison.json into the output directory.
// Env: GOME_TOPO_LIST=a,b (gome,gome-1trace,tree-greedy,tree-mcts), GOME_TOPO_SUITE=test|dev|local (test),
// GOME_TOPO_ONLY=a,b, GOME_TOPO_SEEDS=3, GOME_TOPO_ABLATIONS=a,b (gome-no-reasoning,gome-no-memory,gome-no-multitrace;
// empty for none), GOME_TOPO_ABLATION_SEEDS=1, GOME_TOPO_BUDGET=3m, GOME_TOPO_NOISE=0,0.5,1, GOME_TOPO_NOISE_SEEDS=1,
// GOME_TOPO_PRESET=quick, GOME_TOPO_OUT=dir (bench/results/topologies-<date>).
import { join, resolve } from 'node:path';
import { SUITES, type SuiteName } from '../../cli/commands/bench-suite.ts';
import { runTopologyBench } from '../../cli/commands/topology-bench.ts';
import { parseDuration } from '../../cli/duration.ts';
import { PRESETS } from '../../protocols/presets.ts';
import { SWEEP_SIDES } from '../../cli/commands/noise-sweep.ts';

const REPO = resolve(import.meta.dirname, '../..');
const BENCH = join(REPO, 'bench');
const env = process.env;
const list = (s: string | undefined, dflt: string) => (s ?? dflt).split(',').map((x) => x.trim()).filter(Boolean);

const topologies = list(env.GOME_TOPO_LIST, 'gome,gome-1trace,tree-greedy,tree-mcts');
const suite = (env.GOME_TOPO_SUITE ?? 'test') as SuiteName;
if (!(SUITES as readonly string[]).includes(suite)) throw new Error(`GOME_TOPO_SUITE was "${suite}"; use one of ${SUITES.join(', ')}`);
const only = list(env.GOME_TOPO_ONLY, '');
const seedCount = (name: string, dflt: string) => {
  const n = Number(env[name] ?? dflt);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} was "${env[name]}"; give a number of seeds, at least 1`);
  return n;
};
const seeds = seedCount('GOME_TOPO_SEEDS', '3');
const ablations = list(env.GOME_TOPO_ABLATIONS, 'gome-no-reasoning,gome-no-memory,gome-no-multitrace');
const ablationSeeds = seedCount('GOME_TOPO_ABLATION_SEEDS', '1');
const noiseSeeds = seedCount('GOME_TOPO_NOISE_SEEDS', '1');
const budgetMs = parseDuration(env.GOME_TOPO_BUDGET ?? '3m');
const noise = list(env.GOME_TOPO_NOISE, '0,0.5,1').map((x) => {
  const n = Number(x);
  if (!(n >= 0 && n <= 1)) throw new Error(`GOME_TOPO_NOISE holds "${x}"; give noise levels from 0 to 1, like 0,0.5,1`);
  return n;
});
const presetName = env.GOME_TOPO_PRESET ?? 'quick';
const preset = PRESETS[presetName];
if (!preset) throw new Error(`GOME_TOPO_PRESET was "${presetName}"; use one of ${Object.keys(PRESETS).join(', ')}`);
const { description: _description, topology: _topology, ...presetConfig } = preset;
const date = new Date().toISOString().slice(0, 10);
const out = resolve(env.GOME_TOPO_OUT ?? join(BENCH, 'results', `topologies-${date}`));

// the ablations, then the noise sweep: the gradient and greedy tree search at each noise level (noise 0 is the plain
// preset column, at the main seeds); a column named in the main list keeps the main seeds
const columns = [...topologies];
const columnSeeds: Record<string, number> = {};
const add = (spec: string, n: number) => { if (!columns.includes(spec)) { columns.push(spec); columnSeeds[spec] = n; } };
for (const a of ablations) add(a, ablationSeeds);
for (const x of noise) for (const t of [SWEEP_SIDES.gradient, SWEEP_SIDES.tree]) add(x === 0 ? t : `${t}@noise${x}`, x === 0 ? seeds : noiseSeeds);

const r = await runTopologyBench({
  benchDir: BENCH, topologies: columns, suite, ...(only.length ? { only } : {}), seeds, columnSeeds, budgetMs, out,
  competitionBudgets: true, config: { ...presetConfig, preset: presetName }, say: (l) => process.stderr.write(l + '\n'), handleSignals: true,
});
process.stdout.write(`${r.table}\n\n${join(r.dir, 'comparison.md')}\n`);
if (r.interrupted) process.exitCode = 130;
