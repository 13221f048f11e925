// What an LLM brain is shown: never a held-back score. The held-back slice confirms the final choice; a model that saw
// its scores while proposing or developing changes could steer the search by them.
import { describe, expect, it } from 'vitest';
import { budgetText, developContext, researchContext, sotaText, withoutHeldBack } from '../../actors/brain/llm/prompt-context.ts';
import { researchRequest, taskFor } from '../brain/fixtures.ts';
import { sotaRef } from '../actors/harness.ts';

describe('prompt context', () => {
  it('prompt context - the research prompt and its JSON context carry no held-back score, at any depth', () => {
    const sota = sotaRef({ experiment: 't0-e3', score: 0.9012, holdout: 0.91370 });
    const req = researchRequest(taskFor('binary', 'auc'), {
      sota, operator: 'merge',
      mergeFrom: [{ trace: 't1', experiment: 't1-e2', kind: 'model:xgb', hypothesis: 'xgb', score: 0.9, folds: [0.9], code: 'x = 1', holdout: 0.81230 } as never],
    });
    const text = sotaText(req.sota);
    expect(text).toContain('harness score 0.9012');
    expect(text).not.toMatch(/held-back|0\.9137/);
    const ctx = JSON.stringify(researchContext(req));
    expect(ctx).toContain('"score":0.9012');
    expect(ctx).not.toMatch(/holdout|0\.9137|0\.8123/);
    const dev = JSON.stringify(developContext({ task: req.task, hypothesis: { kind: 'k' } as never, baseCode: 'a', previousCode: null, attempt: 1, error: null, sota: { holdout: 0.7771 } } as never));
    expect(dev).not.toMatch(/holdout|0\.7771/);
  });

  it('prompt context - withoutHeldBack drops only holdout fields and leaves its input as it was', () => {
    const x = { a: 1, holdout: 2, b: [{ holdout: 3, c: 4 }, 5], d: { e: { holdout: 6, f: null } } };
    expect(withoutHeldBack(x)).toEqual({ a: 1, b: [{ c: 4 }, 5], d: { e: { f: null } } });
    expect(x.holdout).toBe(2);
    expect(withoutHeldBack(null)).toBeNull();
  });

  it('prompt context - the budget is told as the share a change may plan with, not as the whole budget left', () => {
    const text = budgetText(40_000, 0.55, 12_000);
    expect(text).toContain('this change may plan with 40 s: its share of the budget left, net of the final refit\'s reserve');
    expect(text).toContain('55% of the budget is used');
    expect(text).toContain('full run took 12 s');
    expect(text).not.toMatch(/- left:/);
    expect(budgetText(null, null, null)).toContain('may plan with unknown');
  });
});
