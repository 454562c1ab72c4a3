/** Time source for all logic, so tests drive time instead of sleeping. */
export interface Clock {
  now(): Date;
  /** Milliseconds since the epoch; same instant as now(). */
  nowMs(): number;
  /**
   * Milliseconds on a clock that only moves forward, as timers wait: a step of the wall clock (an NTP correction, a
   * VM restored, `date -s`) moves nowMs() but not this. Its origin is arbitrary: compare it only with itself.
   */
  monotonicMs(): number;
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

/** One-shot platform timers, as Node gives them: limited to MAX_TIMER_DELAY_MS, and on the monotonic clock. */
interface RawTimers<T> {
  monotonicMs(): number;
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
    const target = this.raw.monotonicMs() + (ms > 0 ? ms : 0);
    const step = () => {
      const remaining = target - this.raw.monotonicMs();
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

/** The machine's clock: the wall time `wallMs` reads (Date.now unless a test steps it), Node's timers. */
export function realClock(wallMs: () => number = Date.now): Clock {
  const timers = new ChainedTimers<NodeJS.Timeout>({
    monotonicMs: () => performance.now(),
    set(fn, ms) {
      const t = setTimeout(fn, ms);
      t.unref?.();
      return t;
    },
    clear: (t) => clearTimeout(t),
  });
  return {
    now: () => new Date(wallMs()),
    nowMs: wallMs,
    monotonicMs: () => performance.now(),
    setTimeout: (fn, ms) => timers.setTimeout(fn, ms),
    clearTimeout: (handle) => timers.clearTimeout(handle),
  };
}

export const systemClock: Clock = realClock();

/**
 * A clock that only moves when told to; timers fire in order as time is advanced. Its raw timers wait what Node's
 * would (nodeTimerDelay), except that 0 fires at the current instant instead of 1 ms later, so tests can say "due
 * now" at exact times; a loop re-arming at 0 still shows, as advance() then never returns. As Node's, they wait on
 * the monotonic clock: set(), a step of the wall clock, neither fires nor delays them.
 */
export class FakeClock implements Clock {
  private ms: number;
  /** Starts at the wall time it was made with, so that the two read alike until the wall clock is set. */
  private mono: number;
  private seq = 0;
  private readonly raw = new Map<number, { at: number; fn: () => void }>();
  private readonly timers = new ChainedTimers<number>({
    monotonicMs: () => this.mono,
    set: (fn, ms) => {
      const id = ++this.seq;
      this.raw.set(id, { at: this.mono + (ms === 0 ? 0 : nodeTimerDelay(ms)), fn });
      return id;
    },
    clear: (id) => this.raw.delete(id),
  });

  constructor(start: Date | number = Date.UTC(2026, 0, 1)) {
    this.ms = typeof start === 'number' ? start : start.getTime();
    this.mono = this.ms;
  }

  now(): Date {
    return new Date(this.ms);
  }

  nowMs(): number {
    return this.ms;
  }

  monotonicMs(): number {
    return this.mono;
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
    const target = this.mono + ms;
    for (let fn = this.takeDue(target); fn; fn = this.takeDue(target)) fn();
    this.moveTo(target);
  }

  /** Advances, letting promise callbacks triggered by each timer settle before the next fires. */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.mono + ms;
    await flushMicrotasks();
    for (let fn = this.takeDue(target); fn; fn = this.takeDue(target)) {
      fn();
      await flushMicrotasks();
    }
    this.moveTo(target);
  }

  /** Removes the earliest raw timer due by `target` (monotonic), moves time to it and returns its callback. */
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
    this.moveTo(timer.at);
    return timer.fn;
  }

  /** Moves both clocks forward to monotonic `target`, the wall clock by as much. */
  private moveTo(target: number): void {
    if (target <= this.mono) return;
    this.ms += target - this.mono;
    this.mono = target;
  }

  /** Steps the wall clock, either way, as an NTP correction would; timers keep waiting what they were set to wait. */
  set(date: Date | number): void {
    this.ms = typeof date === 'number' ? date : date.getTime();
  }
}

async function flushMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise<void>((r) => setImmediate(r));
}
