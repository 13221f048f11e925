// Multi-trace scheduling, checked from a recorded log (tests/fixtures/replay/house-votes-4traces.gomelog, a real
// 4-trace run): the GPU node never sits idle while a submitted job waits, and from its first job to the end of the
// loop it is busy at least 90% of the time — while one trace's job runs, the other traces prepare theirs.
import { subjects } from '../../protocols/subjects.ts';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../../protocols/codec.ts';
import { readGomelog } from '../../runtime/gomelog.ts';

const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'replay');
/** Spawning a sandboxed process and its bookkeeping: a job "starts" this long after the node takes it. */
const START_SLACK_MS = 300;

function schedule(name: string) {
  const envs = readGomelog(join(FIXTURES, `${name}.gomelog`)).messages.filter((m) => !subjects.isDeadLetter(m.subject)).map((m) => validate(m.body));
  const submitted = new Map<string, number>();
  const jobs: { id: string; submitted: number; started: number; ended: number }[] = [];
  let finished = 0;
  for (const e of envs) {
    if (e.type === 'job.submit') submitted.set(e.payload.jobId, e.ts);
    if (e.type === 'job.result' && submitted.has(e.payload.jobId)) {
      jobs.push({ id: e.payload.jobId, submitted: submitted.get(e.payload.jobId)!, started: e.payload.startedAt, ended: e.payload.endedAt });
    }
    if (e.type === 'run.finished') finished = e.ts;
  }
  return { jobs: jobs.sort((a, b) => a.started - b.started), finished };
}

describe('gpu schedule', () => {
  it('gpu schedule - with 4 traces the GPU is never idle while a job is ready, and at least 90% busy after its first job', () => {
    const { jobs, finished } = schedule('house-votes-4traces');
    expect(jobs.length).toBeGreaterThanOrEqual(10);
    let busy = 0;
    for (const [i, j] of jobs.entries()) {
      const free = i === 0 ? j.submitted : Math.max(j.submitted, jobs[i - 1]!.ended);
      // one job at a time, and a ready job starts as soon as the node is free
      if (i > 0) expect(j.started).toBeGreaterThanOrEqual(jobs[i - 1]!.ended);
      expect(j.started - free).toBeLessThanOrEqual(START_SLACK_MS);
      busy += j.ended - j.started;
    }
    const span = Math.max(finished, jobs[jobs.length - 1]!.ended) - jobs[0]!.started;
    expect(busy / span).toBeGreaterThanOrEqual(0.9);
  });
});
