// Structured logging: one pino root per process, one child logger per actor (bound to run and address).
import pino, { type Logger } from 'pino';

export type { Logger };

export function createRootLogger(opts: { level?: string; destination?: string | number } = {}): Logger {
  const level = opts.level ?? process.env.GOME_LOG_LEVEL ?? 'info';
  const dest = opts.destination ?? process.env.GOME_LOG_FILE ?? 2;
  return pino({ level, base: { app: 'gome' } }, pino.destination({ dest, sync: true, mkdir: typeof dest === 'string' }));
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export function actorLogger(root: Logger, run: string, address: string): Logger {
  return root.child({ run, actor: address });
}
