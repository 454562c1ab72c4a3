import type { LogRecord } from './types.ts';

export const LOG_RING_SIZE = 100;

// CSI sequences (colours, cursor moves) as Go's sanitizeLog strips them.
const ANSI = /\x1b\[[0-9;]*[a-zA-Z]/g;

/** Strips ANSI escapes, turns newlines into a literal `\n` and drops carriage returns, so one log is one line. */
export function sanitizeLog(message: string): string {
  return message.replace(ANSI, '').replaceAll('\n', '\\n').replaceAll('\r', '');
}

/** The newest logs in memory, a fixed-size circular buffer (no array copy per append). */
export class LogRing {
  private readonly buf: (LogRecord | undefined)[];
  private next = 0;
  private count = 0;

  constructor(private readonly size = LOG_RING_SIZE) {
    this.buf = new Array(size);
  }

  push(record: LogRecord): void {
    this.buf[this.next] = record;
    this.next = (this.next + 1) % this.size;
    this.count = Math.min(this.count + 1, this.size);
  }

  /** Newest first. */
  newest(limit = this.size): LogRecord[] {
    const n = Math.max(0, Math.min(limit, this.count));
    const out: LogRecord[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.buf[(this.next - 1 - i + this.size) % this.size]!;
    return out;
  }
}
