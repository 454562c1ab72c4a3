import type { Clock, TimerHandle } from '../clock.ts';
import type { WriteKind } from './types.ts';

/** While the queue stays full, further drops are summed up at most this often. */
export const DROP_NOTE_INTERVAL_MS = 10_000;

/**
 * Turns a flood of dropped writes into few notes. The first drop of a burst is noted at once (the Go original's
 * `db write queue full, dropped <kind>`); later ones are counted and summed up once per interval until an
 * interval passes without drops. The burst is marked before a note goes out, so a note that itself enqueues a
 * log write which is dropped cannot recurse.
 */
export class DropNotes {
  /** Drops not yet noted; null when no burst is going on. */
  private unnoted: Map<WriteKind, number> | null = null;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly note: (message: string) => void,
    private readonly intervalMs: number = DROP_NOTE_INTERVAL_MS,
  ) {}

  dropped(kind: WriteKind): void {
    if (this.unnoted) {
      this.unnoted.set(kind, (this.unnoted.get(kind) ?? 0) + 1);
      return;
    }
    this.unnoted = new Map();
    this.arm();
    this.note(`db write queue full, dropped ${kind}`);
  }

  /** Notes what is still unnoted and ends the burst. */
  close(): void {
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.summarize();
    this.unnoted = null;
  }

  private arm(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      if (this.summarize()) this.arm();
      else this.unnoted = null;
    }, this.intervalMs);
  }

  private summarize(): boolean {
    const counts = this.unnoted;
    if (!counts || counts.size === 0) return false;
    this.unnoted = new Map();
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const parts = [...counts].map(([kind, n]) => `${kind} ${n}`).join(', ');
    this.note(`db write queue full, dropped ${total} more writes (${parts})`);
    return true;
  }
}
