// Human-readable progress on the terminal while a run goes: hypotheses chosen, job outcomes, validations, new bests.
import type { Envelope } from '../../protocols/messages.ts';
import { customTypeOwner } from '../../protocols/message-registry.ts';

export function progressPrinter(startedAt: number, write: (line: string) => void): (env: Envelope) => void {
  const t = (ts: number) => `${((ts - startedAt) / 1000).toFixed(1).padStart(6)}s`;
  return (env) => {
    switch (env.type) {
      case 'research.hypothesis': {
        if (!env.from.startsWith('researcher.')) break; // forwarded by a custom role that intercepts it: its own message says what it did
        const h = env.payload.chosen;
        write(`${t(env.ts)} [${env.trace}] ${env.payload.experiment} ${env.payload.stage}: ${h.title} (${h.kind}, score ${h.weighted.toFixed(2)}, ${env.payload.candidates.length} candidates)`);
        break;
      }
      case 'job.result': {
        const j = env.payload;
        const est = j.estimatedFullMs !== null && j.mode === 'debug' ? `, est. full ${(j.estimatedFullMs / 1000).toFixed(1)}s` : '';
        const sc = j.scores?.rows.ensemble;
        write(`${t(env.ts)} [${env.trace}]   ${j.mode} run ${j.status} in ${(j.usage.wallMs / 1000).toFixed(1)}s${sc !== undefined && sc !== null ? `, cv ${j.scores!.metric} ${sc.toFixed(5)}` : ''}${est}${j.status !== 'ok' && j.reason ? ` — ${j.reason.slice(0, 160)}` : ''}`);
        break;
      }
      case 'validate.result':
        if (env.payload.verdict === 'reject') write(`${t(env.ts)} [${env.trace}]   rejected at ${env.payload.level}: ${env.payload.reasons.join('; ').slice(0, 200)}`);
        break;
      case 'iteration.done':
        write(`${t(env.ts)} [${env.trace}] ${env.payload.experiment} ${env.payload.status}${env.payload.score !== null ? ` ${env.payload.score.toFixed(5)}` : ''}${env.payload.improved ? '  ★ new best for this trace' : ''}${env.payload.reason ? ` — ${env.payload.reason.slice(0, 200)}` : ''}`);
        break;
      default: {
        // a custom role's own message: its summary when it has one, else its payload
        if (!customTypeOwner(env.type)) break;
        const p = env.payload as unknown as Record<string, unknown> | null;
        const text = p && typeof p.summary === 'string' ? p.summary : JSON.stringify(p);
        write(`${t(env.ts)} [${env.trace}] ${env.from} ${env.type}: ${text.slice(0, 200)}`);
        break;
      }
    }
  };
}
