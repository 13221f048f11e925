// Topology files (--topology NAME|FILE): every preset loads; a bad file is refused with sentences naming the field's
// dotted path and its line; YAML syntax errors name the line; JSON works; paths with spaces work, for the file and for
// the installed package; an unknown preset lists the presets; the CLI reports all of it before any work.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { listTopologyPresets, loadTopology, TOPOLOGIES_DIR, TopologyFileInvalid } from '../../cli/topology-file.ts';
import { tempDir } from '../grading/helpers.ts';

const REPO = resolve(import.meta.dirname, '../..');

/** Writes a topology file into a fresh temp dir and returns its path. */
function file(name: string, text: string, dir = tempDir('gome-topology-')): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** The TopologyFileInvalid that loading `spec` throws. */
function refused(spec: string, opts?: { topologiesDir?: string }): TopologyFileInvalid {
  try { loadTopology(spec, opts); } catch (e) {
    expect(e).toBeInstanceOf(TopologyFileInvalid);
    const err = e as TopologyFileInvalid;
    expect(err.message).not.toMatch(/"code":|\[\s*\{|invalid_type|Invalid input/); // sentences, never a raw zod dump
    return err;
  }
  throw new Error(`expected ${spec} to be refused`);
}

function gome(...args: string[]) {
  return spawnSync(process.execPath, [join(REPO, 'bin/gome.mjs'), ...args], { encoding: 'utf8', cwd: REPO, timeout: 120_000 });
}

const PRESETS = ['gome', 'gome-1trace', 'gome-no-memory', 'gome-no-multitrace', 'gome-no-reasoning', 'tree-greedy', 'tree-mcts'];

describe('topology', () => {
  it('topology - every preset in bench/topologies loads, with the policy, traces and switches its name promises', () => {
    expect(TOPOLOGIES_DIR).toBe(join(REPO, 'bench', 'topologies'));
    expect(listTopologyPresets()).toEqual(PRESETS);
    const want: Record<string, { policy: string; traces: number; memory: boolean; structuredReasoning: boolean }> = {
      gome: { policy: 'gradient', traces: 4, memory: true, structuredReasoning: true },
      'gome-1trace': { policy: 'gradient', traces: 1, memory: true, structuredReasoning: true },
      'gome-no-multitrace': { policy: 'gradient', traces: 1, memory: true, structuredReasoning: true },
      'gome-no-reasoning': { policy: 'gradient', traces: 4, memory: true, structuredReasoning: false },
      'gome-no-memory': { policy: 'gradient', traces: 4, memory: false, structuredReasoning: true },
      'tree-greedy': { policy: 'tree-greedy', traces: 1, memory: false, structuredReasoning: false },
      'tree-mcts': { policy: 'tree-mcts', traces: 1, memory: false, structuredReasoning: false },
    };
    for (const name of PRESETS) {
      const { topology, source } = loadTopology(name);
      expect(source).toBe(join(REPO, 'bench', 'topologies', `${name}.yaml`));
      const w = want[name]!;
      expect({ name: topology.name, policy: topology.policy.kind, traces: topology.traces, memory: topology.memory, structuredReasoning: topology.structuredReasoning }, name)
        .toEqual({ name, ...w });
      expect(topology.mergeWindow, name).toBe(['gome', 'gome-no-memory', 'gome-no-reasoning'].includes(name) ? 0.2 : 0);
    }
    expect(loadTopology('tree-greedy').topology.policy).toEqual({ kind: 'tree-greedy', drafts: 5, debugProb: 0.5, maxDebugDepth: 3 });
    expect(loadTopology('tree-mcts').topology.policy).toMatchObject({ kind: 'tree-mcts', c: 1, width: 3, drafts: 3 });
    // the ablation is the same topology as gome-1trace under its own name
    expect({ ...loadTopology('gome-no-multitrace').topology, name: 'x' }).toEqual({ ...loadTopology('gome-1trace').topology, name: 'x' });
    // a preset given by its path loads the same
    expect(loadTopology(join(REPO, 'bench', 'topologies', 'gome.yaml')).topology).toEqual(loadTopology('gome').topology);
  });

  it('topology - a bad type, a value out of range, an unknown key and an unknown policy kind are named by field and line', () => {
    const f = file('bad.yaml', [
      '# a topology with four mistakes', // 1
      'name: bad', //                       2
      'traces: 2.5', //                     3
      'policy:', //                         4
      '  kind: tree-mcts', //               5
      '  c: high', //                       6
      '  widht: 3', //                      7
      'memory: no', //                      8
      'colour: red', //                     9
      '',
    ].join('\n'));
    const e = refused(f);
    expect(e.file).toBe(f);
    expect(e.problems).toEqual(expect.arrayContaining([
      { path: 'traces', line: 3, message: 'expected an integer from 1 to 16, got 2.5' },
      { path: 'policy.c', line: 6, message: 'expected a number from 0 to 10, got "high"' },
      { path: 'policy.widht', line: 7, message: 'this field is unknown; the fields of "policy" are kind, c, width, drafts, maxDebugDepth' },
      { path: 'memory', line: 8, message: 'expected true or false, got "no"' },
      { path: 'colour', line: 9, message: expect.stringMatching(/^this field is unknown; the fields of a topology are name, traces, concurrency, policy, .*roles$/) },
    ]));
    expect(e.problems).toHaveLength(5);
    expect(e.message).toContain(`${f} line 6, field "policy.c": expected a number from 0 to 10, got "high".`);
    expect(e.message).toContain(`${f} line 7, field "policy.widht": this field is unknown; the fields of "policy" are kind, c, width, drafts, maxDebugDepth.`);

    const range = refused(file('range.yml', 'traces: 2\npolicy: { kind: tree-mcts, c: 11 }\nroles:\n  boss: { model: big }\n'));
    expect(range.problems).toEqual([
      { path: 'policy.c', line: 2, message: 'expected a number from 0 to 10, got 11' },
      { path: 'roles.boss.machine', line: 4, message: 'the custom role boss needs machine: the path of its role file (.ts or .js, relative to the topology file), whose default export is its role factory' },
      { path: 'roles.boss.model', line: 4, message: 'the custom role boss asks the brain nothing through Gome, so a model would be ignored; remove model (it is "big")' },
    ]);

    const kind = refused(file('kind.yaml', 'traces: 1\npolicy:\n  kind: random\n'));
    expect(kind.problems).toEqual([{ path: 'policy.kind', line: 3, message: 'expected one of "gradient", "tree-greedy", "tree-mcts", got "random"' }]);
    // a missing field is placed at its parent's line
    const missing = refused(file('nokind.yaml', 'traces: 1\npolicy:\n  c: 2\n'));
    expect(missing.problems).toEqual([{ path: 'policy.kind', line: 2, message: 'expected one of "gradient", "tree-greedy", "tree-mcts", but it is missing' }]);
  });

  it('topology - a merge window needs several gradient traces; a selector or scheduler that would have nothing to do is refused with a sentence saying so', () => {
    expect(loadTopology(file('merge.yaml', 'name: m\ntraces: 4\nmergeWindow: 0.3\n')).topology.mergeWindow).toBe(0.3);
    const merge = refused(file('merge1.yaml', 'name: m\ntraces: 1\nmergeWindow: 0.3\n'));
    expect(merge.problems).toEqual([{ path: 'mergeWindow', line: 3, message: 'a merge joins the best ideas of several gradient traces: it needs traces > 1 and policy gradient (or mergeWindow 0) (it is 0.3)' }]);
    expect(refused(file('sel.yaml', 'selector: llm\n')).problems[0]).toMatchObject({ path: 'selector', line: 1, message: expect.stringMatching(/it needs traces > 1/) });
    expect(refused(file('puct2.yaml', 'traces: 3\nscheduler:\n  kind: puct\n')).problems[0]).toMatchObject({ path: 'scheduler', line: 2, message: expect.stringMatching(/set concurrency below traces/) });
    expect(loadTopology(file('puct3.yaml', 'traces: 3\nconcurrency: 1\nscheduler: { kind: puct, c: 0.5 }\nselector: llm\n')).topology).toMatchObject({ scheduler: { kind: 'puct', c: 0.5 }, selector: 'llm' });
  });

  it('topology - a YAML syntax error names its line', () => {
    const e = refused(file('syntax.yaml', 'name: s\ntraces: 2\npolicy:\n  kind: gradient\n\tmemory: true\n'));
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatchObject({ path: '', line: 5 });
    expect(e.message).toMatch(/syntax\.yaml line 5: the file is not valid YAML or JSON: Tabs are not allowed as indentation \(the line reads "memory: true"\)\.$/);
    const dup = refused(file('dup.yaml', 'traces: 2\ntraces: 3\n'));
    expect(dup.problems[0]).toMatchObject({ line: 2, message: expect.stringMatching(/unique/) });
    expect(refused(file('empty.yaml', '# nothing\n')).message).toMatch(/empty\.yaml: the file is empty; it must be a mapping of topology fields \(name, traces,/);
    expect(refused(file('list.yaml', '- 1\n- 2\n')).problems[0]).toMatchObject({ line: 1, message: expect.stringMatching(/^expected a mapping of topology fields .*, got a list$/) });
  });

  it('topology - a JSON file loads (YAML 1.2 reads JSON), its errors have lines too, and the name defaults to the file name', () => {
    const ok = file('my-search.json', JSON.stringify({ traces: 2, policy: { kind: 'tree-greedy', drafts: 2 }, memory: false }, null, 2));
    const { topology, source } = loadTopology(ok);
    expect(source).toBe(ok);
    expect(topology).toMatchObject({ name: 'my-search', traces: 2, policy: { kind: 'tree-greedy', drafts: 2, debugProb: 0.5 }, memory: false, structuredReasoning: true });
    const bad = refused(file('bad.json', '{\n  "traces": 3,\n  "policy": {\n    "kind": "tree-greedy",\n    "drafts": 0\n  }\n}\n'));
    expect(bad.problems).toEqual([{ path: 'policy.drafts', line: 5, message: 'expected an integer from 1 to 20, got 0' }]);
    // a name in the file wins over the file's name
    expect(loadTopology(file('x.yaml', 'name: mine\n')).topology.name).toBe('mine');
  });

  it('topology - paths with spaces work, for a topology file and for the installed package itself', () => {
    const dir = join(tempDir('gome topology '), 'my topologies');
    mkdirSync(dir);
    const f = file('four traces.yaml', 'traces: 4\n', dir);
    expect(loadTopology(f).topology).toMatchObject({ name: 'four traces', traces: 4 });
    expect(refused(file('bad one.yaml', 'traces: 0\n', dir)).message).toBe(`${join(dir, 'bad one.yaml')} line 1, field "traces": expected an integer from 1 to 16, got 0.`);
    // a copy of the package installed under a path with spaces finds its own presets from import.meta.url
    const install = join(tempDir('gome install '), 'node modules', 'gome');
    for (const p of ['package.json', 'cli/topology-file.ts', 'cli/topology-errors.ts', 'protocols/topology.ts', 'protocols/config-errors.ts', ...PRESETS.map((n) => `bench/topologies/${n}.yaml`)]) {
      mkdirSync(join(install, p, '..'), { recursive: true });
      copyFileSync(join(REPO, p), join(install, p));
    }
    symlinkSync(join(REPO, 'node_modules'), join(install, 'node_modules'));
    writeFileSync(join(install, 'probe.ts'), "import { loadTopology, TOPOLOGIES_DIR } from './cli/topology-file.ts';\n"
      + "const r = loadTopology('tree-mcts');\nconsole.log(JSON.stringify({ dir: TOPOLOGIES_DIR, source: r.source, policy: r.topology.policy.kind }));\n");
    const r = spawnSync(process.execPath, [join(REPO, 'bin/run-ts.mjs'), join(install, 'probe.ts')], { encoding: 'utf8', cwd: tempDir('gome-cwd-'), timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ dir: join(install, 'bench', 'topologies'), source: join(install, 'bench', 'topologies', 'tree-mcts.yaml'), policy: 'tree-mcts' });
  });

  it('topology - an unknown preset or a missing file lists the presets', () => {
    const e = refused('gome-8traces');
    expect(e.message).toMatch(/there is no topology preset named "gome-8traces"; the presets are gome, gome-1trace, gome-no-memory, gome-no-multitrace, gome-no-reasoning, tree-greedy, tree-mcts/);
    expect(e.problems[0]!.line).toBeNull();
    const missing = refused(join(tempDir('gome-topology-'), 'nope.yaml'));
    expect(missing.message).toMatch(/nope\.yaml: there is no such file; the presets are gome, gome-1trace, .*tree-mcts/);
    expect(refused(file('notes.txt', 'traces: 1\n')).message).toMatch(/notes\.txt: a topology file must end in \.yaml, \.yml or \.json; the presets are gome,/);
    // a topologies folder of one's own
    const own = tempDir('gome-presets-');
    file('alpha.yaml', 'traces: 2\n', own);
    expect(loadTopology('alpha', { topologiesDir: own }).topology).toMatchObject({ name: 'alpha', traces: 2 });
    expect(refused('gome', { topologiesDir: own }).message).toMatch(/the presets are alpha \(in /);
  });

  it('topology - the CLI reports a bad topology file (field and line) or an unknown preset before any work, and lists the presets in its help', () => {
    const runs = tempDir('gome-topology-runs-');
    const bad = file('bad.yaml', 'traces: 2\npolicy:\n  kind: tree-mcts\n  c: high\n');
    const r = gome('run', 'bench/breast-cancer-diagnosis', '--runs', runs, '--topology', bad);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`--topology ${bad}: ${bad} line 4, field "policy.c": expected a number from 0 to 10, got "high".`);
    const unknown = gome('run', 'bench/breast-cancer-diagnosis', '--runs', runs, '--topology', 'gome-8traces');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/no topology preset named "gome-8traces"; the presets are gome, gome-1trace,/);
    // the file's topology, then --traces over it: a concurrency above the traces is a config error naming --topology
    const conc = file('conc.yaml', 'traces: 2\nconcurrency: 2\n');
    expect(loadTopology(conc).topology.concurrency).toBe(2);
    const one = gome('run', 'bench/breast-cancer-diagnosis', '--runs', runs, '--topology', conc, '--traces', '1');
    expect(one.status).toBe(1);
    expect(one.stderr).toMatch(/--topology \(field "concurrency"\) was .*concurrency 2 exceeds the 1 trace/);
    // a setting that would do nothing is refused, never accepted and ignored
    const puct = file('puct.yaml', 'traces: 2\nscheduler: { kind: puct }\n');
    expect(() => loadTopology(puct)).toThrow(/field "scheduler".*the PUCT scheduler chooses which idle trace starts when fewer may run than there are traces/);
    expect(readdirSync(runs)).toEqual([]); // nothing was started
    const help = gome('run', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toMatch(/--topology <name\|file>.*gome, gome-1trace, gome-no-memory, gome-no-multitrace, gome-no-reasoning, tree-greedy, tree-mcts/);
    expect(help.stdout).not.toMatch(/--researcher/);
  });
});
