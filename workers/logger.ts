import pino from 'pino';
import { DefaultLogger, type LogLevel } from '@temporalio/worker';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export function createLogger(level: Level): pino.Logger {
  return pino({ level, base: { service: 's3-kms-migrator-worker' } });
}

/** Routes the Temporal SDK's own logs (worker, workflow and activity loggers) into pino. */
export function temporalLoggerFor(log: pino.Logger, level: Level): DefaultLogger {
  return new DefaultLogger(level.toUpperCase() as LogLevel, (entry) => {
    log[entry.level.toLowerCase() as Level]({ ...entry.meta }, entry.message);
  });
}
