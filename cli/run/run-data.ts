// A run's data as its jobs and its harness see it: the seeded split (written once per run directory), the scorer of
// the held-back labels, the task the actors are given, and the data's artifact ids, which job.submit carries instead
// of paths (the same split, and so the same ids, when a run is resumed).
import type { Competition } from '../../grading/competition.ts';
import { HarnessScorer } from '../../grading/harness-scorer.ts';
import { prepareHarnessData, type HarnessSplit } from '../../grading/harness-split.ts';
import type { RunConfig, TaskInfo } from '../../protocols/index.ts';
import { folderId } from '../../runtime/artifact-store.ts';
import type { RunDatasets } from './remote-gpu.ts';

export interface RunData { split: HarnessSplit; scorer: HarnessScorer; task: TaskInfo; datasets: RunDatasets }

export async function prepareRunData(comp: Competition, runDir: string, config: RunConfig, publicTask: TaskInfo): Promise<RunData> {
  // the harness's fixed split: every job sees <runDir>/data (folds.csv, holdout.csv without labels), never public/
  const split = await prepareHarnessData(comp, runDir, { folds: config.folds, holdoutFrac: config.holdoutFrac, seed: config.seed });
  const scorer = await HarnessScorer.load(comp, split);
  const datasets: RunDatasets = { data: (await folderId(split.dataDir)).id, fullData: (await folderId(split.fullDataDir)).id };
  const task: TaskInfo = {
    ...publicTask, dataDir: split.dataDir, data: datasets.data,
    harness: { folds: split.folds, holdoutRows: split.holdoutRows, acceptK: config.acceptK },
  };
  return { split, scorer, task, datasets };
}
