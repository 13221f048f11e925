// Turns a validator rejection into the error text the brain repairs from (reasons first, then the job's stderr).
import type { Payload } from '../../protocols/messages.ts';

export function repairFeedback(r: Payload<'validate.result'>): string {
  const job = r.full ?? r.debug;
  const parts = [`${r.level} rejected: ${r.reasons.join('; ')}`];
  if (job?.stderrTail) parts.push(`stderr (tail):\n${job.stderrTail.slice(-3000)}`);
  if (job && job.status === 'timeout') parts.push(`the ${job.mode} run hit its time limit after ${Math.round(job.usage.wallMs / 1000)} s`);
  return parts.join('\n');
}
