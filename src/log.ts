import pino from 'pino';

export type Logger = pino.Logger;

/** The process logger: JSON lines on stdout (pino, for its speed and structured fields). */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'uptop' } });
}
