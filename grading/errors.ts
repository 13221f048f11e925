// Typed grading errors: each names the cause and what to do about it (same shape as protocols/errors.ts).

/** Why a submission cannot be graded; stable codes other roles may switch on. */
export type InvalidReason = 'missing-file' | 'row-count' | 'ids' | 'columns' | 'nan' | 'range' | 'type';

abstract class GradingError extends Error {
  constructor(message: string, readonly fix: string) {
    super(`${message} — fix: ${fix}`);
    this.name = new.target.name;
  }
}

/** The submission exists (or should) but cannot be scored; MLE-bench's InvalidSubmissionError. */
export class InvalidSubmission extends GradingError {
  constructor(readonly reason: InvalidReason, readonly detail: string, fix: string) {
    super(`invalid submission (${reason}): ${detail}`, fix);
  }
}

/** A leaderboard file is missing, unreadable, or has no usable `score` column. */
export class LeaderboardError extends GradingError {
  constructor(readonly path: string, detail: string, fix: string) {
    super(`leaderboard ${path}: ${detail}`, fix);
  }
}

/** A competition folder is incomplete or its competition.json / answers are inconsistent. */
export class CompetitionError extends GradingError {
  constructor(readonly root: string, detail: string, fix: string) {
    super(`competition ${root}: ${detail}`, fix);
  }
}

/** A CSV file is missing, unreadable or malformed. */
export class CsvError extends GradingError {
  constructor(readonly path: string, readonly kind: 'missing' | 'unreadable' | 'malformed', detail: string, fix: string) {
    super(`CSV ${path} is ${kind}: ${detail}`, fix);
  }
}

/** A metric was called on inputs it is undefined for (e.g. AUC with one class present). */
export class MetricError extends GradingError {
  constructor(readonly metric: string, detail: string, fix: string) {
    super(`metric ${metric}: ${detail}`, fix);
  }
}

/** Why the positive class of a binary probability target is unusable: unknown, not a class, or given for a non-binary task. */
export type PositiveClassProblem = 'undetermined' | 'not-a-class' | 'not-binary';

/** The class whose probability a binary submission holds cannot be determined, or the one given is not a class. */
export class PositiveClassError extends CompetitionError {
  constructor(root: string, readonly problem: PositiveClassProblem, readonly classes: readonly string[], detail: string, fix: string) {
    super(root, detail, fix);
  }
}
