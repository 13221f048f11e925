// The harness scores; the job predicts. From a job's prediction files (out-of-fold on the run's fixed folds, the
// held-back slice, the test set) and labels the job never saw scored, this computes every score a decision uses:
// per-fold scores, the pooled out-of-fold score and the held-back confirmation score. What a job writes about its
// own score is never read here.
import { join } from 'node:path';
import type { HarnessScores, JobMode, MetricName } from '../protocols/domain.ts';
import { canonicalLabel, readCsv, type CsvTable } from './csv.ts';
import { scoreTables, type GradingTarget } from './grader.ts';
import { CONTRACT_INPUTS, type HarnessSplit } from './harness-split.ts';

/** File names of the job contract's outputs (in the job's output dir); all in the sample submission's format. */
export const CONTRACT_OUTPUTS = {
  oof: 'oof_predictions.csv', holdout: 'holdout_predictions.csv', submission: 'submission.csv',
} as const;

/** Scores a finished job's workspace (the GPU node calls it; it lives outside every sandbox). */
export interface JobScorer { readonly metric: MetricName; score(workdir: string, mode: JobMode): Promise<HarnessScores> }

function subset(t: CsvTable, rows: string[][]): CsvTable { return { path: t.path, header: t.header, rows }; }

export class HarnessScorer implements JobScorer {
  private constructor(
    private readonly c: GradingTarget,
    /** train.csv as the jobs see it: id + label columns are what the scorer reads */
    private readonly labels: CsvTable,
    private readonly labelRowOf: Map<string, number>,
    private readonly foldOf: Map<string, number>,
    private readonly folds: number,
    private readonly holdoutLabels: CsvTable | null,
  ) {}

  get metric(): MetricName { return this.c.metric; }

  static async load(c: GradingTarget, split: Pick<HarnessSplit, 'dataDir' | 'holdoutLabelsPath' | 'folds'>): Promise<HarnessScorer> {
    const train = await readCsv(join(split.dataDir, CONTRACT_INPUTS.train));
    const folds = await readCsv(join(split.dataDir, CONTRACT_INPUTS.folds));
    const idJ = train.header.indexOf(c.idColumn);
    const labelRowOf = new Map<string, number>();
    train.rows.forEach((r, i) => labelRowOf.set(canonicalLabel(r[idJ]!), i));
    const foldOf = new Map<string, number>();
    for (const r of folds.rows) foldOf.set(canonicalLabel(r[0]!), Number(r[1]));
    const holdout = split.holdoutLabelsPath ? await readCsv(split.holdoutLabelsPath) : null;
    return new HarnessScorer(c, train, labelRowOf, foldOf, split.folds, holdout);
  }

  async score(workdir: string, mode: JobMode): Promise<HarnessScores> {
    const problems: string[] = [];
    const out: HarnessScores = { metric: this.c.metric, folds: [], oof: null, holdout: null, rows: 0, problems };
    const read = async (name: string, what: string): Promise<CsvTable | null> => {
      try { return await readCsv(join(workdir, name)); } catch {
        problems.push(`${name} is missing or unreadable: the job must write ${what} in the sample submission's format`);
        return null;
      }
    };

    const oof = await read(CONTRACT_OUTPUTS.oof, 'its out-of-fold predictions for the rows of train.csv, on the folds of folds.csv');
    if (oof) {
      const sId = oof.header.indexOf(this.c.idColumn);
      const byFold: string[][][] = Array.from({ length: this.folds }, () => []);
      const answersByFold: string[][][] = Array.from({ length: this.folds }, () => []);
      const seen = new Set<string>();
      let unknown = 0;
      for (const r of sId < 0 ? [] : oof.rows) {
        const id = canonicalLabel(r[sId]!);
        const f = this.foldOf.get(id);
        const li = this.labelRowOf.get(id);
        if (f === undefined || li === undefined || seen.has(id)) { unknown++; continue; }
        seen.add(id);
        byFold[f]!.push(r);
        answersByFold[f]!.push(this.labels.rows[li]!);
      }
      out.rows = seen.size;
      if (sId < 0) problems.push(`${CONTRACT_OUTPUTS.oof} has no id column "${this.c.idColumn}"`);
      if (unknown) problems.push(`${CONTRACT_OUTPUTS.oof} has ${unknown} rows whose id is not a (distinct) row of train.csv`);
      if (mode === 'full' && seen.size < this.labelRowOf.size) {
        problems.push(`${CONTRACT_OUTPUTS.oof} covers ${seen.size} of the ${this.labelRowOf.size} rows of train.csv; a full run predicts every row out of fold`);
      }
      if (!problems.length && seen.size) {
        try {
          out.oof = scoreTables(subset(oof, byFold.flat()), subset(this.labels, answersByFold.flat()), this.c);
          // per-fold scores are what paired comparisons use; a debug run's sample is too small for them
          if (mode === 'full') out.folds = byFold.map((rows, k) => scoreTables(subset(oof, rows), subset(this.labels, answersByFold[k]!), this.c));
        } catch (e) {
          problems.push(`${CONTRACT_OUTPUTS.oof} cannot be scored: ${(e as Error).message}`);
        }
      }
    }

    if (this.holdoutLabels) {
      const ho = await read(CONTRACT_OUTPUTS.holdout, 'its predictions for the rows of holdout.csv');
      if (ho) {
        try { out.holdout = scoreTables(ho, this.holdoutLabels, this.c); } catch (e) {
          problems.push(`${CONTRACT_OUTPUTS.holdout} cannot be scored: ${(e as Error).message}`);
        }
      }
    }
    return out;
  }
}
