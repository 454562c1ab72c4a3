import type { Clock, TimerHandle } from '../clock.ts';

/** At most one pending timer per key on the injected clock; setting a key replaces its timer. */
export class KeyedTimers {
  private readonly timers = new Map<number, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  set(key: number, delayMs: number, fn: () => void): void {
    this.clear(key);
    const handle = this.clock.setTimeout(
      () => {
        if (this.timers.get(key) === handle) this.timers.delete(key);
        fn();
      },
      Math.max(0, delayMs),
    );
    this.timers.set(key, handle);
  }

  clear(key: number): void {
    const handle = this.timers.get(key);
    if (handle) {
      this.clock.clearTimeout(handle);
      this.timers.delete(key);
    }
  }

  clearAll(): void {
    for (const handle of this.timers.values()) this.clock.clearTimeout(handle);
    this.timers.clear();
  }

  get size(): number {
    return this.timers.size;
  }
}
