/** Time source for all logic, so tests drive time instead of sleeping. */
export interface Clock {
  now(): Date;
  /** Milliseconds since the epoch; same instant as now(). */
  nowMs(): number;
  /** Runs `fn` once `ms` have passed, however long that is; a delay that is not positive means "as soon as possible". */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/** The longest delay Node's setTimeout honours (about 24.8 days). */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** The delay Node's setTimeout really waits for `ms`: anything it does not accept becomes 1 ms (lib/internal/timers.js). */
export function nodeTimerDelay(ms: number): number {
  return ms >= 1 && ms <= MAX_TIMER_DELAY_MS ? ms : 1;
}

/** One-shot platform timers, as Node gives them: limited to MAX_TIMER_DELAY_MS. */
interface RawTimers<T> {
  nowMs(): number;
  set(fn: () => void, ms: number): T;
  clear(timer: T): void;
}

/**
 * The Clock's timers on top of raw ones, shared by both clocks so the fake one cannot be kinder than the real one.
 * A delay longer than a raw timer can wait is chained: each step re-arms for what is left, measured from the
 * current time so late steps do not add up; cancelling cancels whichever step is armed.
 */
class ChainedTimers<T> {
  private readonly armed = new Map<number, T>();
  private seq = 0;

  constructor(private readonly raw: RawTimers<T>) {}

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    // Not Math.max: NaN must count as 0 (due now), as Node's timers read it.
    // biome-ignore lint/complexity/useMathMinMax: Math.max(NaN, 0) is NaN
    const target = this.raw.nowMs() + (ms > 0 ? ms : 0);
    const step = () => {
      const remaining = target - this.raw.nowMs();
      if (remaining > MAX_TIMER_DELAY_MS) {
        this.armed.set(id, this.raw.set(step, MAX_TIMER_DELAY_MS));
        return;
      }
      this.armed.set(
        id,
        this.raw.set(
          () => {
            this.armed.delete(id);
            fn();
          },
          Math.max(0, remaining),
        ),
      );
    };
    step();
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const timer = this.armed.get(handle.id);
    if (timer === undefined) return;
    this.raw.clear(timer);
    this.armed.delete(handle.id);
  }

  get pending(): number {
    return this.armed.size;
  }
}

export const systemClock: Clock = (() => {
  const timers = new ChainedTimers<NodeJS.Timeout>({
    nowMs: () => Date.now(),
    set(fn, ms) {
      const t = setTimeout(fn, ms);
      t.unref?.();
      return t;
    },
    clear: (t) => clearTimeout(t),
  });
  return {
    now: () => new Date(),
    nowMs: () => Date.now(),
    setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
    clearTimeout: (handle) => timers.clearTimeout(handle),
  };
})();

/**
 * A clock that only moves when told to; timers fire in order as time is advanced. Its raw timers wait what Node's
 * would (nodeTimerDelay), except that 0 fires at the current instant instead of 1 ms later, so tests can say "due
 * now" at exact times; a loop re-arming at 0 still shows, as advance() then never returns.
 */
export class FakeClock implements Clock {
  private ms: number;
  private seq = 0;
  private readonly raw = new Map<number, { at: number; fn: () => void }>();
  private readonly timers = new ChainedTimers<number>({
    nowMs: () => this.ms,
    set: (fn, ms) => {
      const id = ++this.seq;
      this.raw.set(id, { at: this.ms + (ms === 0 ? 0 : nodeTimerDelay(ms)), fn });
      return id;
    },
    clear: (id) => this.raw.delete(id),
  });

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
    return this.timers.setTimeout(fn, ms);
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.clearTimeout(handle);
  }

  /** Pending timers, for assertions. */
  get pendingTimers(): number {
    return this.timers.pending;
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

  /** Removes the earliest raw timer due by `target`, moves time to it and returns its callback. */
  private takeDue(target: number): (() => void) | undefined {
    let nextId: number | undefined;
    let nextAt = Infinity;
    for (const [id, t] of this.raw) {
      if (t.at <= target && t.at < nextAt) {
        nextAt = t.at;
        nextId = id;
      }
    }
    if (nextId === undefined) return undefined;
    const timer = this.raw.get(nextId)!;
    this.raw.delete(nextId);
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
