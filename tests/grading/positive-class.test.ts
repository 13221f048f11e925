// Positive class of a binary probability target: the description's wording (many Kaggle phrasings, negatives and
// conflicts), the 0/1 and true/false convention, --positive and competition.json, and the typed error otherwise.
import { describe, expect, it } from 'vitest';
import { conventionalPositive, positiveFromDescription, resolvePositiveClass } from '../../grading/positive-class.ts';
import { PositiveClassError } from '../../grading/errors.ts';

const GB = ['bad', 'good'];
const MR = ['M', 'R'];
const SPAM = ['nonspam', 'spam'];
const BIN = ['0', '1'];

/** [description, classes, target, expected positive] */
const FOUND: Array<[string, string[], string, string]> = [
  ['Submit the probability that `Status` is `bad`.', GB, 'Status', 'bad'],
  ['For each id, predict the probability that Class is bad.', GB, 'Class', 'bad'],
  ['For each id, predict the probability that Class is "bad".', GB, 'Class', 'bad'],
  ['Predict the probability of bad credit for each applicant.', GB, 'Status', 'bad'],
  ['Estimate the probability of being good for each radar return.', GB, 'Class', 'good'],
  ['Predict the probability that the radar return is BAD.', GB, 'Class', 'bad'],
  ['Give, for each return, the probability that it is not good.', GB, 'Class', 'bad'],
  ['Your submission holds the predicted probability of the positive class, M (mine).', MR, 'Class', 'M'],
  ['Predict the probability of each sample; the positive class is M.', MR, 'Class', 'M'],
  ['**bad** is the positive class.', GB, 'Class', 'bad'],
  ['Treat good as the positive class when computing AUC.', GB, 'Class', 'good'],
  ['The negative class is good.', GB, 'Class', 'bad'],
  ['Predict the probability that the object is a mine (M) rather than a rock (R).', MR, 'Class', 'M'],
  ['Submissions give the probability that a passenger was Transported.', ['False', 'True'], 'Transported', 'True'],
  ['Submit the probability that a customer will Churn next month.', ['No', 'Yes'], 'Churn', 'Yes'],
  ['Predict the probability that a customer will not churn.', ['No', 'Yes'], 'churn', 'No'],
  ['Predict the probability of default for each loan.', ['no', 'yes'], 'default', 'yes'],
  ['Predict whether each email is spam (1) or not (0).', SPAM, 'type', 'spam'],
  ['Predict the probability that the email is not spam.', SPAM, 'type', 'nonspam'],
  ['Predict the probability that income is >50K.', ['<=50K', '>50K'], 'income', '>50K'],
  ['Predictions are the probability that y = 1.', BIN, 'y', '1'],
  ['Report the probability that the target is 0 (the control group).', BIN, 'target', '0'],
  ['## Evaluation\nSubmissions are evaluated on area under the ROC curve between the predicted\nprobability and the observed target.\n\n'
    + '## Submission File\nFor every `id`, submit the **probability** that\n`Class` is `bad`:\n\n```\nid,Class\n1,0.1\n```\n', GB, 'Class', 'bad'],
  ['Submissions are scored on log loss. For each id, predict a probability that the sample is malignant.', ['benign', 'malignant'], 'diagnosis', 'malignant'],
  ['Each row holds P(Class = bad) for that radar return.', GB, 'Class', 'bad'],
  ['Chances are you will need the Likelihood that the return is Good.', GB, 'Class', 'good'],
  ['The positive class is bad. Plots below show the probability of good returns by pulse.', GB, 'Class', 'bad'],
];

/** [description, classes, target]: nothing names the positive class. */
const NONE: Array<[string, string[], string]> = [
  ['Predict the class of each radar return. Submissions are evaluated on area under the ROC curve.', GB, 'Class'],
  ['Submissions are evaluated on AUC between the predicted probability and the observed target.', GB, 'Class'],
  ['Submit a probability for each id.', GB, 'Class'],
  ['The good news: a probability is easy to produce with predict_proba.', GB, 'Class'],
  ['Whether you use Python or R, submit one probability per row.', MR, 'Class'],
  ['Predictions are probabilities between 0 and 1.', BIN, 'target'],
  ['', GB, 'Class'],
  ['Predict the probability that the flower is setosa.', ['setosa', 'versicolor', 'virginica'], 'Species'],
];

describe('positive class', () => {
  it.each(FOUND)('positive class - description %j names the positive class', (text, classes, target, want) => {
    const r = positiveFromDescription(text, classes, target);
    expect(r.kind, JSON.stringify(r)).toBe('found');
    expect(r.kind === 'found' && r.label).toBe(want);
  });

  it.each(NONE)('positive class - description %j names no positive class', (text, classes, target) => {
    expect(positiveFromDescription(text, classes, target)).toEqual({ kind: 'none' });
  });

  it('positive class - two statements naming different classes are a conflict, not a guess', () => {
    const r = positiveFromDescription('Give the probability that Class is bad. We also plot the probability that Class is good.', GB, 'Class');
    expect(r).toMatchObject({ kind: 'conflict', labels: ['bad', 'good'], wording: 'probability' });
    const e = (() => { try { resolvePositiveClass({ root: '/c', target: 'Class', classes: GB, description: 'the probability that Class is bad; the probability that Class is good' }); } catch (err) { return err; } })();
    expect(e).toBeInstanceOf(PositiveClassError);
    expect((e as Error).message).toMatch(/names different classes/);
  });

  it('positive class - the convention is 1 of 0/1 and true of true/false; text labels have none', () => {
    expect(conventionalPositive(['0', '1'])).toBe('1');
    expect(conventionalPositive(['1.0', '0.0'])).toBe('1.0');
    expect(conventionalPositive(['False', 'True'])).toBe('True');
    expect(conventionalPositive(['true', 'false'])).toBe('true');
    expect(conventionalPositive(GB)).toBeNull();
    expect(conventionalPositive(['No', 'Yes'])).toBeNull();
    expect(conventionalPositive(['1', '2'])).toBeNull();
  });

  it('positive class - resolution order: --positive, competition.json, description, convention', () => {
    const base = { root: '/c', target: 'Class', classes: GB, description: 'Submit the probability that Class is bad.' };
    expect(resolvePositiveClass(base)).toMatchObject({ label: 'bad', source: 'description.md' });
    expect(resolvePositiveClass({ ...base, declared: 'good' })).toMatchObject({ label: 'good', source: 'competition.json' });
    expect(resolvePositiveClass({ ...base, declared: 'good', option: 'bad' })).toMatchObject({ label: 'bad', source: '--positive' });
    expect(resolvePositiveClass({ ...base, classes: BIN, description: '' })).toMatchObject({ label: '1', source: 'convention' });
    expect(resolvePositiveClass({ ...base, classes: BIN, declared: '1.0', description: '' })).toMatchObject({ label: '1', source: 'competition.json' });
    // a loose "whether … is 0" does not beat the 0/1 convention; an explicit probability statement does
    expect(resolvePositiveClass({ ...base, classes: BIN, description: 'Predict whether the tumour is benign (0) or malignant (1).' }).label).toBe('1');
    expect(resolvePositiveClass({ ...base, classes: BIN, description: 'Submit the probability that the target is 0.' }).label).toBe('0');
  });

  it('positive class - undetermined text labels and unknown labels raise PositiveClassError asking for --positive', () => {
    const catchIt = (f: () => unknown): PositiveClassError => { try { f(); } catch (e) { return e as PositiveClassError; } throw new Error('no error'); };
    const none = catchIt(() => resolvePositiveClass({ root: '/c', target: 'Class', classes: GB, description: 'Predict the class.' }));
    expect(none).toBeInstanceOf(PositiveClassError);
    expect(none.problem).toBe('undetermined');
    expect(none.message).toMatch(/cannot tell which class of the binary target "Class".*"bad", "good".*never ordered alphabetically/);
    expect(none.message).toMatch(/fix: pass --positive LABEL \(one of "bad", "good"\)/);
    const wrong = catchIt(() => resolvePositiveClass({ root: '/c', target: 'Class', classes: GB, description: '', option: 'ugly' }));
    expect(wrong.problem).toBe('not-a-class');
    expect(wrong.message).toMatch(/--positive "ugly" is not a class of the target "Class", whose classes are "bad", "good"/);
    const declared = catchIt(() => resolvePositiveClass({ root: '/c', target: 'Class', classes: GB, description: '', declared: 'Bad ' }));
    expect(declared.message).toMatch(/competition\.json positiveClass/);
  });
});
