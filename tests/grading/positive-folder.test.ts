// Positive class of a real competition folder (mlbench Ionosphere, Class bad/good, wanted "bad" sorts first): from
// the description of a plain folder, from competition.json, from --positive, or a typed error before any job runs.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCompetition } from '../../grading/competition.ts';
import { PositiveClassError } from '../../grading/errors.ts';
import { grade } from '../../grading/grader.ts';
import { buildTaskInfo, describeTask } from '../../cli/run/task-info.ts';
import { runCompetition } from '../../cli/run/run-session.ts';
import { IONOSPHERE_BAD, IONOSPHERE_SILENT, indicatorSubmission, mlbenchFolder } from './mlbench-binary.ts';

/** A run needs only the public files; these folders have answers but no leaderboard. */
const load = (dir: string, o: { positive?: string } = {}) => loadCompetition(dir, { requireGradingFiles: false, ...o });

let plain = '';
let silent = '';
let withJson = '';

describe('positive class of a folder', () => {
  beforeAll(() => {
    plain = mlbenchFolder('Ionosphere', IONOSPHERE_BAD, { json: false });
    silent = mlbenchFolder('Ionosphere', IONOSPHERE_SILENT, { json: false });
    withJson = mlbenchFolder('Ionosphere', IONOSPHERE_SILENT, { json: true });
  });

  it('positive folder - a plain folder whose description asks for P(Class is bad) infers "bad" and grades against it', async () => {
    const c = await load(plain);
    expect(c).toMatchObject({ taskType: 'binary', metric: 'auc', answerColumn: 'Class', positiveClass: 'bad' });
    expect(c.positiveFrom).toMatch(/^description\.md: .*probability that Class is bad/);
    const answers = readFileSync(c.answersPath, 'utf8');
    expect(await grade(indicatorSubmission(answers, 'bad', join(plain, 'p-bad.csv')), c)).toBe(1);
    expect(await grade(indicatorSubmission(answers, 'good', join(plain, 'p-good.csv')), c)).toBe(0);
    const task = await buildTaskInfo(c);
    expect(task).toMatchObject({ classes: ['good', 'bad'], positiveClass: 'bad', nClasses: 2 });
    expect(describeTask(task)).toMatch(/binary · auc \(higher is better\) · target Class · positive class "bad" \(negative "good"\), from description\.md/);
  });

  it('positive folder - competition.json positiveClass "bad" gives the same positive class with a silent description', async () => {
    const c = await load(withJson);
    expect(c.positiveClass).toBe('bad');
    expect(c.positiveFrom).toMatch(/competition\.json/);
    expect(c.classes).toEqual(['bad', 'good']);
    expect((await buildTaskInfo(c)).positiveClass).toBe('bad');
  });

  it('positive folder - a description naming no class is a typed error asking for --positive', async () => {
    const e = await load(silent).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(PositiveClassError);
    expect((e as PositiveClassError).problem).toBe('undetermined');
    expect((e as Error).message).toMatch(/cannot tell which class of the binary target "Class" the submitted probability is for/);
    expect((e as Error).message).toMatch(/pass --positive LABEL \(one of "bad", "good"\)/);
  });

  it('positive folder - --positive overrides the description and competition.json, and must be an observed class', async () => {
    expect((await load(plain, { positive: 'good' })).positiveClass).toBe('good');
    expect((await load(withJson, { positive: 'good' })).positiveFrom).toBe('--positive good');
    const c = await load(silent, { positive: 'bad' });
    expect(c.positiveClass).toBe('bad');
    const answers = readFileSync(c.answersPath, 'utf8');
    const flipped = await load(silent, { positive: 'good' });
    expect(await grade(indicatorSubmission(answers, 'bad', join(silent, 'p-bad.csv')), flipped)).toBe(0);
    const e = await load(silent, { positive: 'ugly' }).then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(PositiveClassError);
    expect((e as PositiveClassError).problem).toBe('not-a-class');
    expect((e as Error).message).toMatch(/--positive "ugly" is not a class of the target "Class", whose classes are "bad", "good"/);
  });

  it('positive folder - gome run stops before any job when the positive class is unknown', async () => {
    const runsRoot = join(silent, '..', 'runs');
    const lines: string[] = [];
    const e = await runCompetition({ competitionDir: silent, runsRoot, runId: 'no-positive', progress: (l) => lines.push(l) })
      .then(() => null, (err: unknown) => err);
    expect(e).toBeInstanceOf(PositiveClassError);
    expect(existsSync(join(runsRoot, 'no-positive'))).toBe(false);
    expect(lines.join('\n')).not.toMatch(/gome run no-positive/);
  });

  it('positive folder - a binary competition.json with text classes and no positiveClass needs one too', async () => {
    const spec = JSON.parse(readFileSync(join(withJson, 'competition.json'), 'utf8')) as Record<string, unknown>;
    delete spec['positiveClass'];
    writeFileSync(join(withJson, 'competition.json'), JSON.stringify(spec));
    await expect(load(withJson)).rejects.toThrow(/positiveClass/);
    expect((await load(withJson, { positive: 'bad' })).positiveClass).toBe('bad');
  });
});
