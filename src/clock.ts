/** Time source for all logic, so tests drive time instead of sleeping. */
export interface Clock {
  now(): Date;
  /** Milliseconds since the epoch; same instant as now(). */
  nowMs(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

export const systemClock: Clock = (() => {
  const timers = new Map<number, NodeJS.Timeout>();
  let seq = 0;
  return {
    now: () => new Date(),
    nowMs: () => Date.now(),
    setTimeout(fn, ms) {
      const id = ++seq;
      const t = setTimeout(() => {
        timers.delete(id);
        fn();
      }, ms);
      t.unref?.();
      timers.set(id, t);
      return { id };
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id);
      if (t) {
        clearTimeout(t);
        timers.delete(handle.id);
      }
    },
  };
})();

/** A clock that only moves when told to; timers fire in order as time is advanced. */
export class FakeClock implements Clock {
  private ms: number;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.ms = typeof start === 'number' ? start : start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  nowMs(): number {
    return this.ms;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.ms + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id);
  }

  /** Pending timers, for assertions. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Moves time forward, firing due timers in time order (timers set while firing run too if due). */
  advance(ms: number): void {
    const target = this.ms + ms;
    for (let fn = this.takeDue(target); fn; fn = this.takeDue(target)) fn();
    this.ms = target;
  }

  /** Advances, letting promise callbacks triggered by each timer settle before the next fires. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.ms + ms;
    await flushMicrotasks();
    for (let fn = this.takeDue(target); fn; fn = this.takeDue(target)) {
      fn();
      await flushMicrotasks();
    }
    this.ms = target;
  }

  /** Removes the earliest timer due by `target`, moves time to it and returns its callback. */
  private takeDue(target: number): (() => void) | undefined {
    let nextId: number | undefined;
    let nextAt = Infinity;
    for (const [id, t] of this.timers) {
      if (t.at <= target && t.at < nextAt) {
        nextAt = t.at;
        nextId = id;
      }
    }
    if (nextId === undefined) return undefined;
    const timer = this.timers.get(nextId)!;
    this.timers.delete(nextId);
    this.ms = Math.max(this.ms, timer.at);
    return timer.fn;
  }

  set(date: Date | number): void {
    this.ms = typeof date === 'number' ? date : date.getTime();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
