import type { Clock, TimerHandle } from '../clock.ts';
import { describeError } from '../db/describe-error.ts';

/** The first retry of a held batch waits this long; each further failure doubles the wait, up to MAX_RETRY_MS. */
export const FIRST_RETRY_MS = 1_000;
export const MAX_RETRY_MS = 30_000;

export type OutageNote = (level: 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

/**
 * A stretch of time in which the database refuses the writer's batches for a reason that passes (src/db/unavailable.ts).
 * The writer holds the batch and retries it on this timer instead of losing it; the outage is noted once when it
 * starts and once when it ends, so a long one neither floods the log nor spins the loop.
 */
export class WriteOutage {
  private since: { at: Date; monotonicMs: number } | null = null;
  private error = '';
  private delayMs = FIRST_RETRY_MS;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly note: OutageNote,
    private readonly retry: () => void,
  ) {}

  /** While true, the held batch waits for its retry. */
  get waiting(): boolean {
    return this.timer !== null;
  }

  /** Since when writes have been failing and the latest reason; null while the database takes them. */
  get failing(): { since: Date; error: string } | null {
    return this.since === null ? null : { since: this.since.at, error: this.error };
  }

  failed(err: unknown, held: number): void {
    this.error = describeError(err);
    if (this.since === null) {
      this.since = { at: this.clock.now(), monotonicMs: this.clock.monotonicMs() };
      this.note('error', `db writes failing (${this.error}); holding ${held} writes and retrying until the database takes them`, { err });
    }
    this.retryNow();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.retry();
    }, this.delayMs);
    this.delayMs = Math.min(this.delayMs * 2, MAX_RETRY_MS);
  }

  succeeded(): void {
    this.retryNow();
    if (this.since === null) return;
    const seconds = Math.round((this.clock.monotonicMs() - this.since.monotonicMs) / 1000);
    this.note('warn', `db writes recovered after ${seconds}s of failures; the held writes are written`);
    this.since = null;
    this.delayMs = FIRST_RETRY_MS;
  }

  /** Drops the wait, so the held batch is tried at once (before a command, or stopping's one last attempt). */
  retryNow(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
