// Developer machine: hypothesis → brain change → validation, with bounded repairs from error feedback.
import { describe, expect, it } from 'vitest';
import type { Payload } from '../../protocols/messages.ts';
import { addr } from '../../actors/addresses.ts';
import { developerMachine } from '../../actors/developer/developer-machine.ts';
import { hyp, job, one, scores, Sim, sotaRef, task } from './harness.ts';

const chosen = { ...hyp('model:xgb', scores(7)), weighted: 7, bias: 0.25 };
const { weighted: _w, bias: _b, ...plainChosen } = chosen;
const parent = sotaRef({ experiment: 't0-e1', score: 0.9, code: 'PARENT CODE' });

function hypothesisMsg(over: Partial<Payload<'research.hypothesis'>> = {}): Payload<'research.hypothesis'> {
  return {
    experiment: 't0-e2', iteration: 2, stage: 'improve', parent, chosen, candidates: [chosen],
    diagnosis: [], draw: { u: 0.1, index: 0 }, ...over,
  };
}

function result(over: Partial<Payload<'validate.result'>> = {}): Payload<'validate.result'> {
  return {
    experiment: 't0-e2', verdict: 'reject', level: 'L1', reasons: ['debug run failed: exit code 1'], repairable: true, blame: 'code',
    score: null, cvStd: null, trainScore: null, folds: [], holdout: null, selfReported: null,
    debug: job({ status: 'error', stderrTail: 'KeyError: "col"' }), full: null, ...over,
  };
}

const accepted = (): Payload<'validate.result'> => result({
  verdict: 'accept', level: 'L3', reasons: ['auc 0.95 beats SOTA 0.9'], repairable: false, blame: 'none', score: 0.95, cvStd: 0.01, trainScore: 0.97,
  folds: [0.94, 0.95, 0.96], holdout: 0.94, selfReported: 0.99,
  debug: job(), full: job({ jobId: 't0-e2-a1-full', mode: 'full', workdir: '/jobs/t0-e2-a1-full' }),
});

function developer(maxRepairs = 2): Sim<typeof developerMachine> {
  return new Sim(developerMachine, { trace: 't0', maxRepairs, task }, addr.developer('t0'));
}

describe('developer', () => {
  it('developer - hypothesis asks the brain for a change to the parent code', () => {
    const d = developer();
    expect(d.initialSends).toEqual([]);
    const req = one(d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg()), 'brain.develop.request');
    expect(req.to).toBe(addr.brain);
    expect(req.payload).toEqual({
      task, hypothesis: plainChosen, baseCode: 'PARENT CODE', attempt: 1, error: null, previousCode: null,
      baseSpec: null, previousSpec: null, remainingMs: null, baseRunMs: null, baseFeedback: null,
    });
    expect(req.payload.hypothesis).not.toHaveProperty('weighted');
    expect(d.value).toBe('coding');
  });

  it('developer - a developer given the full-run limit sends it with every develop request, first and repair', () => {
    const d = new Sim(developerMachine, { trace: 't0', maxRepairs: 2, task, fullLimitMs: 300_000 }, addr.developer('t0'));
    const req = one(d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg()), 'brain.develop.request');
    expect(req.payload.fullLimitMs).toBe(300_000);
    one(d.send(addr.brain, 'brain.develop.reply', { code: 'NEW', summary: 's', brain: 'offline' }), 'validate.request');
    const repair = one(d.send(addr.validator('t0'), 'validate.result', result()), 'brain.develop.request');
    expect(repair.payload.attempt).toBe(2);
    expect(repair.payload.fullLimitMs).toBe(300_000);
  });

  it('developer - without a parent the base code is null (a draft from scratch)', () => {
    const d = developer();
    const req = one(d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg({ parent: null })), 'brain.develop.request');
    expect(req.payload.baseCode).toBeNull();
    const v = one(d.send(addr.brain, 'brain.develop.reply', { code: 'NEW', summary: 's', brain: 'offline' }), 'validate.request');
    expect(v.payload.baseCode).toBeNull();
    expect(v.payload.sota).toBeNull();
  });

  it('developer - develop reply goes to the trace validator with parent code and SOTA score', () => {
    const d = developer();
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    const v = one(d.send(addr.brain, 'brain.develop.reply', { code: 'NEW CODE', summary: 'xgb', brain: 'offline' }), 'validate.request');
    expect(v.to).toBe(addr.validator('t0'));
    expect(v.payload).toEqual({ experiment: 't0-e2', code: 'NEW CODE', baseCode: 'PARENT CODE', attempt: 1, sota: { score: 0.9, folds: [0.89, 0.9, 0.91] }, task });
    expect(d.value).toBe('validating');
  });

  it('developer - accept records an accepted experiment with its score, wall time and submission', () => {
    const d = developer();
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    const started = d.clock.now();
    d.clock.advance(1_000);
    d.send(addr.brain, 'brain.develop.reply', { code: 'NEW CODE', summary: 'xgb', brain: 'offline' });
    d.clock.advance(41_000);
    const rec = one(d.send(addr.validator('t0'), 'validate.result', accepted()), 'experiment.record');
    expect(rec.to).toBe(addr.memory);
    expect(rec.payload).toEqual({
      id: 't0-e2', trace: 't0', parent: 't0-e1', iteration: 2, stage: 'improve', hypothesis: plainChosen, code: 'NEW CODE',
      status: 'accepted', level: 'L3', reasons: ['auc 0.95 beats SOTA 0.9'], blame: 'none', score: 0.95, cvStd: 0.01, trainScore: 0.97,
      attempts: 1, wallMs: 42_000, submissionPath: '/jobs/t0-e2-a1-full/submission.csv', ts: started + 42_000,
      folds: [0.94, 0.95, 0.96], holdout: 0.94, selfReported: 0.99, feedback: accepted().full!.feedback,
      spec: null, fullRunMs: accepted().full!.usage.wallMs,
    });
    expect(d.value).toBe('idle');
  });

  it('developer - repairable reject asks the brain again with attempt+1, the error text and the previous code', () => {
    const d = developer(2);
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    d.send(addr.brain, 'brain.develop.reply', { code: 'BROKEN v1', summary: 's', brain: 'offline' });
    const outs = d.send(addr.validator('t0'), 'validate.result', result({ reasons: ['debug run failed: exit code 1', 'scores.csv is missing'] }));
    expect(outs.map((o) => o.type)).toEqual(['brain.develop.request']);
    const req = one(outs, 'brain.develop.request');
    expect(req.payload.attempt).toBe(2);
    expect(req.payload.previousCode).toBe('BROKEN v1');
    expect(req.payload.baseCode).toBe('PARENT CODE');
    expect(req.payload.hypothesis).toEqual(plainChosen);
    expect(req.payload.error).toContain('L1 rejected: debug run failed: exit code 1; scores.csv is missing');
    expect(req.payload.error).toContain('KeyError: "col"');
    expect(d.value).toBe('coding');
    // the repaired code is validated as attempt 2
    const v = one(d.send(addr.brain, 'brain.develop.reply', { code: 'FIXED v2', summary: 's', brain: 'offline' }), 'validate.request');
    expect(v.payload.attempt).toBe(2);
    expect(v.payload.code).toBe('FIXED v2');
    expect(v.payload.baseCode).toBe('PARENT CODE');
  });

  it('developer - timeouts are explained in the repair feedback', () => {
    const d = developer(1);
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    d.send(addr.brain, 'brain.develop.reply', { code: 'SLOW', summary: 's', brain: 'offline' });
    const r = result({ reasons: ['debug run exceeded its limit (600 s)'], debug: job({ status: 'timeout', stderrTail: '', usage: { wallMs: 600_400, cpuMs: 1, peakRssKb: 1 } }) });
    const req = one(d.send(addr.validator('t0'), 'validate.result', r), 'brain.develop.request');
    expect(req.payload.error).toMatch(/hit its time limit after 600 s/);
  });

  it('developer - repairs up to maxRepairs, then records a failed experiment', () => {
    for (const maxRepairs of [0, 1, 2, 3]) {
      const d = developer(maxRepairs);
      d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
      const attempts: number[] = [];
      const prev: Array<string | null> = [];
      let record: Payload<'experiment.record'> | null = null;
      for (let i = 1; i <= 10 && !record; i++) {
        const v = one(d.send(addr.brain, 'brain.develop.reply', { code: `code v${i}`, summary: 's', brain: 'offline' }), 'validate.request');
        attempts.push(v.payload.attempt);
        // a different failure each time (the same failure twice is not repaired again: see below)
        const outs = d.send(addr.validator('t0'), 'validate.result', result({ reasons: [`KeyError: 'col_${String.fromCharCode(96 + i)}'`] }));
        const again = outs.find((o) => o.type === 'brain.develop.request');
        if (again) { prev.push((again.payload as Payload<'brain.develop.request'>).previousCode); continue; }
        record = one(outs, 'experiment.record').payload;
      }
      expect(attempts, `maxRepairs=${maxRepairs}`).toEqual(Array.from({ length: maxRepairs + 1 }, (_, i) => i + 1));
      expect(prev).toEqual(Array.from({ length: maxRepairs }, (_, i) => `code v${i + 1}`));
      expect(record).not.toBeNull();
      expect(record!.status).toBe('failed');
      expect(record!.level).toBe('L1');
      expect(record!.attempts).toBe(maxRepairs + 1);
      expect(record!.code).toBe(`code v${maxRepairs + 1}`);
      expect(record!.score).toBeNull();
      expect(record!.submissionPath).toBeNull();
      expect(d.value).toBe('idle');
    }
  });

  it('developer - a non-repairable reject fails at once without repair', () => {
    const d = developer(3);
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    d.send(addr.brain, 'brain.develop.reply', { code: 'C', summary: 's', brain: 'offline' });
    const outs = d.send(addr.validator('t0'), 'validate.result', result({ repairable: false, reasons: ['infrastructure failure (not charged): disk'] }));
    expect(outs.map((o) => o.type)).toEqual(['experiment.record']);
    const rec = one(outs, 'experiment.record').payload;
    expect(rec.status).toBe('failed');
    expect(rec.attempts).toBe(1);
    expect(rec.reasons).toEqual(['infrastructure failure (not charged): disk']);
  });

  it('developer - L3 reject records a rejected experiment', () => {
    const d = developer(2);
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    d.send(addr.brain, 'brain.develop.reply', { code: 'C', summary: 's', brain: 'offline' });
    const full = job({ jobId: 't0-e2-a1-full', mode: 'full', workdir: '/jobs/full' });
    const outs = d.send(addr.validator('t0'), 'validate.result', result({
      level: 'L3', repairable: false, reasons: ['auc 0.85 does not beat SOTA 0.9 (higher is better)'], score: 0.85, full,
    }));
    expect(outs.map((o) => o.type)).toEqual(['experiment.record']);
    const rec = one(outs, 'experiment.record').payload;
    expect(rec.status).toBe('rejected');
    expect(rec.level).toBe('L3');
    expect(rec.score).toBe(0.85);
    expect(rec.reasons[0]).toMatch(/does not beat SOTA/);
  });

  it('developer - after one experiment the next hypothesis starts again at attempt 1', () => {
    const d = developer(2);
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    d.send(addr.brain, 'brain.develop.reply', { code: 'A1', summary: 's', brain: 'offline' });
    d.send(addr.validator('t0'), 'validate.result', result());
    d.send(addr.brain, 'brain.develop.reply', { code: 'A2', summary: 's', brain: 'offline' });
    one(d.send(addr.validator('t0'), 'validate.result', accepted()), 'experiment.record');
    const req = one(d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg({ experiment: 't0-e3', iteration: 3 })), 'brain.develop.request');
    expect(req.payload.attempt).toBe(1);
    expect(req.payload.error).toBeNull();
    expect(req.payload.previousCode).toBeNull();
    const v = one(d.send(addr.brain, 'brain.develop.reply', { code: 'B1', summary: 's', brain: 'offline' }), 'validate.request');
    expect(v.payload).toMatchObject({ experiment: 't0-e3', attempt: 1 });
  });

  it('developer - messages out of turn are ignored', () => {
    const d = developer();
    expect(d.send(addr.validator('t0'), 'validate.result', accepted())).toEqual([]);
    expect(d.send(addr.brain, 'brain.develop.reply', { code: 'X', summary: 's', brain: 'offline' })).toEqual([]);
    expect(d.value).toBe('idle');
  });

  it('developer - the same failure twice is not repaired a third time', () => {
    const d = developer(5);
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    d.send(addr.brain, 'brain.develop.reply', { code: 'V1', summary: 's', brain: 'offline' });
    const boom = (line: number) => result({ reasons: [`debug run failed: exit code 1: KeyError at /tmp/job/main.py line ${line}`] });
    one(d.send(addr.validator('t0'), 'validate.result', boom(10)), 'brain.develop.request'); // first failure: repair
    d.send(addr.brain, 'brain.develop.reply', { code: 'V2', summary: 's', brain: 'offline' });
    const rec = one(d.send(addr.validator('t0'), 'validate.result', boom(12)), 'experiment.record'); // same failure again: stop
    expect(rec.payload).toMatchObject({ status: 'failed', attempts: 2, level: 'L1' });
    expect(d.value).toBe('idle');
  });

  it('developer - a different failure is still repaired', () => {
    const d = developer(5);
    d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
    d.send(addr.brain, 'brain.develop.reply', { code: 'V1', summary: 's', brain: 'offline' });
    one(d.send(addr.validator('t0'), 'validate.result', result({ reasons: ['KeyError: col'] })), 'brain.develop.request');
    d.send(addr.brain, 'brain.develop.reply', { code: 'V2', summary: 's', brain: 'offline' });
    one(d.send(addr.validator('t0'), 'validate.result', result({ reasons: ['ValueError: shapes'] })), 'brain.develop.request');
  });

  it('developer - a failed brain or validator request ends the attempt as an infrastructure failure, recorded', () => {
    for (const [state, request] of [['coding', 'brain.develop.request'], ['validating', 'validate.request']] as const) {
      const d = developer();
      d.send(addr.researcher('t0'), 'research.hypothesis', hypothesisMsg());
      if (state === 'validating') d.send(addr.brain, 'brain.develop.reply', { code: 'V1', summary: 's', brain: 'offline' });
      expect(d.value).toBe(state);
      const rec = one(d.send(addr.developer('t0'), 'request.failed', { request, requestId: 'x', to: addr.brain, code: 'deadline', reason: 'no answer in time' }), 'experiment.record');
      expect(rec.to).toBe(addr.memory);
      expect(rec.payload).toMatchObject({ id: 't0-e2', status: 'failed', blame: 'infra', score: null });
      expect(rec.payload.reasons[0]).toMatch(new RegExp(`${request.replace('.', '\\.')} failed \\(deadline\\)`));
      expect(d.value).toBe('idle');
    }
  });
});

