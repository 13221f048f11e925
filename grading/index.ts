// Public surface of grading: CSV reading, submission checks, metrics, competitions, grader, medals and reports.
export { readCsv, parseCsvText, isMissing, parseNumber, canonicalLabel, type CsvTable } from './csv.ts';
export { InvalidSubmission, LeaderboardError, CompetitionError, CsvError, MetricError, PositiveClassError, type InvalidReason, type PositiveClassProblem } from './errors.ts';
export {
  resolvePositiveClass, positiveFromDescription, conventionalPositive, sameLabel, labelKey, findClass,
  type PositiveClass, type PositiveSource, type DescriptionPositive, type PositiveWording,
} from './positive-class.ts';
export { checkSubmissionFormat, checkTables } from './submission-format.ts';
export { auc, accuracy, logloss, rmse, rmsle, mae, fsum, LOGLOSS_EPS, KAGGLE_LOGLOSS_EPS, METRIC_IMPLEMENTATIONS, type MetricImplementation } from './metrics.ts';
export { loadCompetition, needsPositiveClass, CompetitionSpec, REQUIRED_FILES, type Competition } from './competition.ts';
export { grade, scoreTables, type GradingTarget, type GradeOptions } from './grader.ts';
export {
  medalThresholds, medalPositions, rankScore, readLeaderboard, isLowerBetter, median, pyRound,
  type MedalThresholds, type MedalFlags,
} from './medals.ts';
export {
  buildReport, gradeToReport, aggregateReports, meanSem,
  type CompetitionReport, type ReportInput, type AggregateReport, type MeanSem, type SeedOf,
} from './report.ts';
