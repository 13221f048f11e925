// Image tasks: the run recognises features that are one grey-scale image per row (real Fashion-MNIST and digits
// layouts), and the offline brain offers its convolutional network there and only there.
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskInfo } from '../../protocols/domain.ts';
import { loadCompetition } from '../../grading/competition.ts';
import { buildTaskInfo, describeTask, imageLayout } from '../../cli/run/task-info.ts';
import { offlineBrain } from '../../actors/brain/offline-brain.ts';
import { MOVES } from '../../actors/brain/catalogue.ts';
import { generateCode } from '../../actors/brain/codegen.ts';
import { draftSpec, specFromData } from '../../actors/brain/pipeline-spec.ts';
import { researchRequest, taskFor } from './fixtures.ts';

const REPO = resolve(import.meta.dirname, '../..');
const pixels = (n: number, prefix = 'pixel', first = 0): TaskInfo['columns'] =>
  Array.from({ length: n }, (_, i) => ({ name: `${prefix}${first + i}`, dtype: 'numeric' as const, missingFrac: 0 }));

describe('images', () => {
  it('images - a square block of numbered numeric pixel columns is an image; anything else is not', () => {
    expect(imageLayout(pixels(784))).toEqual({ side: 28, channels: 1, prefix: 'pixel' });
    expect(imageLayout(pixels(64, 'px_', 1))).toEqual({ side: 8, channels: 1, prefix: 'px_' });
    expect(imageLayout(pixels(49)), '7 x 7 is below the smallest image').toBeNull();
    expect(imageLayout(pixels(783)), 'not a square').toBeNull();
    const shuffled = pixels(64);
    [shuffled[3], shuffled[4]] = [shuffled[4]!, shuffled[3]!];
    expect(imageLayout(shuffled), 'out of order').toBeNull();
    expect(imageLayout(pixels(64, 'p', 2)), 'numbered from 2').toBeNull();
    const mixed = pixels(64);
    mixed[10] = { ...mixed[10]!, dtype: 'categorical' };
    expect(imageLayout(mixed), 'a non-numeric column').toBeNull();
    expect(imageLayout(taskFor('binary', 'auc').columns)).toBeNull();
  });

  it('images - the bundled Fashion-MNIST competition is read as 28 x 28 images, a tabular one is not', async () => {
    const fashion = await buildTaskInfo(await loadCompetition(join(REPO, 'bench', 'fashion-mnist-10k')));
    expect(fashion.image).toEqual({ side: 28, channels: 1, prefix: 'pixel' });
    expect(describeTask(fashion)).toContain('28x28 grey-scale images');
    const letters = await buildTaskInfo(await loadCompetition(join(REPO, 'bench', 'letter-recognition')));
    expect(letters.image).toBeNull();
  });

  it('images - the network is drafted and diagnosed for images, never offered for tabular data', () => {
    const image: TaskInfo = { ...taskFor('multiclass', 'accuracy'), columns: pixels(784), image: { side: 28, channels: 1, prefix: 'pixel' } };
    const tabular = taskFor('multiclass', 'accuracy');
    const drafts = offlineBrain.research(researchRequest(image));
    expect(drafts.hypotheses[0]!.kind, 'the top draft for images').toBe('draft:cnn');
    expect(drafts.diagnosis.map((d) => d.summary)).toContain('Images: a convolutional network sees the spatial structure that tabular models miss');
    const plain = offlineBrain.research(researchRequest(tabular));
    expect(plain.hypotheses.map((h) => h.kind)).not.toContain('draft:cnn');
    for (const kind of ['draft:cnn', 'model:cnn']) {
      const move = MOVES.find((m) => m.kind === kind)!;
      expect(move.applies({ task: image, spec: draftSpec(image), goodFamilies: [] }), `${kind} on images`).toBe(true);
      expect(move.applies({ task: tabular, spec: draftSpec(tabular), goodFamilies: [] }), `${kind} on tabular data`).toBe(false);
    }
    // a network hypothesis for tabular data (an LLM's, say) is no draft: develop falls back to a tabular change
    const base = draftSpec(tabular);
    const dev = offlineBrain.develop({ task: tabular, hypothesis: { kind: 'draft:cnn', component: 'model', title: 'cnn', rationale: 't', problem: null,
      scores: { alignment: 5, impact: 5, novelty: 5, feasibility: 5, risk: 5 }, change: { moves: ['draft:cnn'] } },
    baseCode: generateCode(base, tabular), baseSpec: base, attempt: 1, error: null, previousCode: null });
    expect(specFromData(dev.spec)!.models.map((m) => m.family)).not.toContain('cnn');
    // the job script carries the image layout for the network
    expect(generateCode(draftSpec(image, 'cnn'), image)).toContain('IMAGE = {"side": 28, "channels": 1, "prefix": "pixel"}');
    expect(generateCode(draftSpec(tabular), tabular)).toContain('IMAGE = None');
  });

  it('images - feature-column moves are not offered while every model is the network (it reads only the pixels), and are once a tabular model joins', () => {
    const image: TaskInfo = { ...taskFor('multiclass', 'accuracy'), columns: pixels(784), image: { side: 28, channels: 1, prefix: 'pixel' } };
    const cnn = draftSpec(image, 'cnn');
    const mixed = draftSpec(image, 'cnn');
    mixed.models.push({ family: 'hgb', name: 'hgb', params: {} });
    for (const kind of ['fe:ratios', 'fe:rowstats', 'fe:log1p', 'fe:count']) {
      const move = MOVES.find((m) => m.kind === kind)!;
      expect(move.applies({ task: image, spec: cnn, goodFamilies: [] }), `${kind} under the network alone`).toBe(false);
      expect(move.applies({ task: image, spec: mixed, goodFamilies: [] }), `${kind} with boosting beside it`).toBe(true);
    }
    // moves that change what the network does still apply
    for (const kind of ['hp:more-trees', 'hp:capacity-up', 'wf:seeds']) {
      expect(MOVES.find((m) => m.kind === kind)!.applies({ task: image, spec: cnn, goodFamilies: [] }), kind).toBe(true);
    }
    const sota = { experiment: 't0-e0', score: 0.84, code: generateCode(cnn, image), hypothesis: 'draft:cnn', cvStd: 0.005, trainScore: 0.85,
      folds: [], holdout: null, feedback: null, spec: cnn, fullRunMs: 150_000 };
    const next = offlineBrain.research(researchRequest(image, { stage: 'improve', budgetUsedFrac: 0.3, sota }));
    expect(next.hypotheses.length).toBeGreaterThan(0);
    for (const h of next.hypotheses) expect(h.kind, 'no feature-column move for the network alone').not.toMatch(/^fe:(ratios|rowstats|log1p|count)/);
  });
});
