// gome grade: grade a submission against a competition, or place a score on a leaderboard, in MLE-bench's fields.
import { loadCompetition } from '../../grading/competition.ts';
import { buildReport, gradeToReport } from '../../grading/report.ts';
import { medalThresholds, readLeaderboard } from '../../grading/medals.ts';

export async function gradeSubmission(submission: string, competitionDir: string): Promise<{ report: unknown; code: number }> {
  const comp = await loadCompetition(competitionDir);
  const { report, invalid } = await gradeToReport(submission, comp);
  return { report: { ...report, invalid_reason: invalid?.message ?? null }, code: invalid ? 2 : 0 };
}

export async function gradeScore(leaderboard: string, score: number, competitionId = 'leaderboard'): Promise<unknown> {
  const thresholds = medalThresholds(await readLeaderboard(leaderboard));
  return buildReport({ competitionId, submissionPath: '', score, submissionExists: true, thresholds });
}
