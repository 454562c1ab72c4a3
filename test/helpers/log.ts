import { Writable } from 'node:stream';
import pino from 'pino';

export type LogLine = { level: number; msg: string } & Record<string, unknown>;

/** A pino logger whose lines are kept for assertions. */
export function capturingLogger(level = 'info'): { logger: pino.Logger; lines: () => LogLine[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    logger: pino({ level }, stream),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
  };
}
