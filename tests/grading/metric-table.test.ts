// The one metric table (protocols/metric-table.json): every metric has an implementation that agrees with its facts
// (perfect value, direction, probabilities, task kinds), competitions and the bundled benchmarks follow it, and the
// Python bench scripts read the same directions from the same file.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  LOWER_IS_BETTER, METRIC_NAMES, METRIC_TABLE, MetricName, isRegressionMetric, lowerIsBetter, metricFitsTask, metricsFor,
  perfectScore, scoresProbabilities,
} from '../../protocols/metric-table.ts';
import { LOWER_IS_BETTER as DOMAIN_LOWER_IS_BETTER, MetricName as DomainMetricName } from '../../protocols/domain.ts';
import { METRIC_IMPLEMENTATIONS, type MetricImplementation } from '../../grading/metrics.ts';
import { CompetitionSpec } from '../../grading/competition.ts';
import { py, repoRoot } from './helpers.ts';

const TABLE_JSON = join(repoRoot, 'protocols', 'metric-table.json');
const BENCH_LIB = join(repoRoot, 'bench', '_lib');

/** A metric's score of perfect predictions, and of worse ones, fed as its implementation reads them. */
function perfectAndWorse(impl: MetricImplementation): [perfect: number, worse: number] {
  switch (impl.input) {
    case 'positive-probability': {
      const y = [0, 1, 0, 1, 1, 0];
      return [impl.score(y, [0.1, 0.9, 0.2, 0.8, 0.7, 0.3]), impl.score(y, [0.6, 0.4, 0.2, 0.8, 0.7, 0.3])];
    }
    case 'class-probabilities': {
      const y = [0, 1, 2, 1];
      const onehot = y.map((k) => [0, 1, 2].map((j) => (j === k ? 1 : 0)));
      const soft = y.map((k) => [0, 1, 2].map((j) => (j === k ? 0.6 : 0.2)));
      return [impl.score(y, onehot), impl.score(y, soft)];
    }
    case 'labels': {
      const y = ['a', 'b', 'b', 'c'];
      return [impl.score(y, y), impl.score(y, ['a', 'b', 'c', 'c'])];
    }
    case 'values': {
      const y = [0.5, 2, 3.25, 10];
      return [impl.score(y, y), impl.score(y, [0.5, 2.5, 3, 12])];
    }
  }
}

describe('metric table', () => {
  it('metric-table - every metric has an implementation and a direction', () => {
    const json = JSON.parse(readFileSync(TABLE_JSON, 'utf8')) as { metrics: Record<string, unknown> };
    expect([...METRIC_NAMES]).toEqual(Object.keys(json.metrics));
    expect(Object.keys(METRIC_IMPLEMENTATIONS).sort()).toEqual([...METRIC_NAMES].sort());
    // domain.ts hands out the table's enum and directions, not its own
    expect(DomainMetricName).toBe(MetricName);
    expect(DOMAIN_LOWER_IS_BETTER).toBe(LOWER_IS_BETTER);
    for (const m of METRIC_NAMES) {
      const impl: MetricImplementation = METRIC_IMPLEMENTATIONS[m];
      expect(typeof impl.score, m).toBe('function');
      expect(typeof lowerIsBetter(m), m).toBe('boolean');
      expect(LOWER_IS_BETTER[m], m).toBe(lowerIsBetter(m));
      expect(METRIC_TABLE[m].taskKinds.length, m).toBeGreaterThan(0);
      // what the implementation reads agrees with the table's facts
      expect(scoresProbabilities(m), m).toBe(impl.input === 'positive-probability' || impl.input === 'class-probabilities');
      expect(isRegressionMetric(m), m).toBe(impl.input === 'values');
    }
  });

  it('metric-table - each implementation scores perfect predictions at the perfect value and worse ones in its direction', () => {
    for (const m of METRIC_NAMES) {
      const [perfect, worse] = perfectAndWorse(METRIC_IMPLEMENTATIONS[m]);
      expect(perfect, m).toBeCloseTo(perfectScore(m), 9);
      expect(lowerIsBetter(m) ? worse > perfect : worse < perfect, `${m}: ${worse} is not worse than ${perfect}`).toBe(true);
    }
  });

  it('metric-table - a competition must pair its metric with a task type the table allows', () => {
    const base = { id: 'x', title: 'x', idColumn: 'id', targetColumns: ['y'] };
    for (const m of METRIC_NAMES) {
      for (const taskType of ['binary', 'multiclass', 'regression'] as const) {
        const extra = taskType === 'multiclass' && m === 'logloss' ? { classes: ['a', 'b', 'c'], targetColumns: ['a', 'b', 'c'] } : {};
        const r = CompetitionSpec.safeParse({ ...base, metric: m, taskType, ...extra });
        expect(r.success, `${m} on ${taskType}`).toBe(metricFitsTask(m, taskType));
      }
    }
    expect(metricsFor('regression')).toEqual(METRIC_NAMES.filter(isRegressionMetric));
  });

  it('metric-table - bundled competitions record the table\'s direction', () => {
    const bench = join(repoRoot, 'bench');
    const names = readdirSync(bench).filter((n) => existsSync(join(bench, n, 'competition.json')));
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) {
      const c = JSON.parse(readFileSync(join(bench, n, 'competition.json'), 'utf8')) as { metric: string; lowerIsBetter: boolean };
      expect(c.lowerIsBetter, n).toBe(lowerIsBetter(MetricName.parse(c.metric)));
    }
  });

  it('metric-table - python bench scripts read the same directions', () => {
    const out = py<{ modules: Record<string, { lower: Record<string, boolean>; fromTable: boolean }>; perfect: Record<string, number> }>(String.raw`
import json, os, sys
lib = ${JSON.stringify(BENCH_LIB)}
sys.path.insert(0, lib)
import metric_table, metrics, prepare_common, grade, reference_population
mods = {"metrics": metrics, "prepare_common": prepare_common, "grade": grade, "reference_population": reference_population}
out = {"modules": {}, "perfect": {}}
for name, mod in mods.items():
    d = getattr(mod, "LOWER_IS_BETTER")
    out["modules"][name] = {"lower": d, "fromTable": d is metric_table.LOWER_IS_BETTER}
assert os.path.samefile(metric_table.TABLE_PATH, ${JSON.stringify(TABLE_JSON)})
# the Python scorer implements every metric of the table and scores perfect predictions at its perfect value
for m, facts in metric_table.METRIC_TABLE.items():
    if "regression" in facts["taskKinds"]:
        y, p = [0.5, 2.0, 3.25], [0.5, 2.0, 3.25]
    elif facts["probabilities"]:
        y, p = [0, 1, 1, 0], [0.0, 1.0, 1.0, 0.0]
    else:
        y, p = ["a", "b", "b"], ["a", "b", "b"]
    out["perfect"][m] = metrics.score(m, y, p)
print(json.dumps(out))
`);
    expect(Object.keys(out.modules).sort()).toEqual(['grade', 'metrics', 'prepare_common', 'reference_population']);
    for (const [name, mod] of Object.entries(out.modules)) {
      expect(mod.lower, name).toEqual({ ...LOWER_IS_BETTER });
      expect(mod.fromTable, `${name} defines its own LOWER_IS_BETTER`).toBe(true);
    }
    expect(Object.keys(out.perfect)).toEqual([...METRIC_NAMES]);
    for (const m of METRIC_NAMES) expect(out.perfect[m], m).toBeCloseTo(perfectScore(m), 9);
  });
});
