import type { Clock } from '../clock.ts';
import { TimerQueue } from './timer-queue.ts';

export interface SchedulerHooks {
  /** Runs one job for the key. A throw or rejection is a bug: it goes to onError and the schedule carries on. */
  run(key: number): Promise<void> | void;
  onError(key: number, err: unknown): void;
  /** Jobs that only compute in memory (push deadlines, groups) run when due and take no concurrency slot. */
  inline(key: number): boolean;
  /** Milliseconds from a finished run to the next, or null to leave the key idle until triggered. */
  nextDelay(key: number): number | null;
  /** A job started `lateMs` after it was due (its timer fired, or it was triggered). */
  onStart?(key: number, lateMs: number): void;
}

interface Job {
  readonly key: number;
  state: 'idle' | 'queued' | 'running';
  /** On the clock's monotonic time. */
  dueAt: number;
  /** Its place in the timer queue, -1 when it waits for no due time. */
  slot: number;
  /** Triggered while running: run once more right after. */
  again: boolean;
  /** Resolved after the next run that starts (or when the key is cancelled). */
  waiters: (() => void)[] | null;
  removed: boolean;
  /** Settles when the run in progress ends; null when none is. */
  done: Promise<void> | null;
}

/** A FIFO that does not shift arrays: a head index, compacted now and then. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/**
 * A due time per key, all on one timer of the injected clock (see TimerQueue), and a bounded number of runs at once, so a slow target holds one slot and
 * cannot starve the rest. Runs for one key never overlap: a trigger during a run queues exactly one more.
 */
export class Scheduler {
  private readonly jobs = new Map<number, Job>();
  private readonly urgent = new Fifo<Job>();
  private readonly due = new Fifo<Job>();
  private readonly inFlight = new Set<Promise<void>>();
  private runningCount = 0;
  private stopped = false;
  private readonly timers: TimerQueue<Job>;

  constructor(
    private readonly clock: Clock,
    private readonly concurrency: number,
    private readonly hooks: SchedulerHooks,
  ) {
    this.timers = new TimerQueue<Job>(clock, (job) => {
      if (!job.removed) this.enqueue(job, this.due);
    });
  }

  /** (Re)arms the key's timer unless a run is queued or in progress (it re-arms itself when done). */
  schedule(key: number, delayMs: number): void {
    if (this.stopped) return;
    const job = this.job(key);
    if (job.state === 'idle') this.arm(job, delayMs);
  }

  /** Runs the key as soon as a slot is free, ahead of due jobs; resolves once a run that started after this call ends. */
  trigger(key: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const job = this.job(key);
    return new Promise<void>((resolve) => {
      (job.waiters ??= []).push(resolve);
      if (job.state === 'running') job.again = true;
      else if (job.state === 'idle') {
        this.disarm(job);
        job.dueAt = this.clock.monotonicMs();
        this.enqueue(job, this.urgent);
      }
    });
  }

  /**
   * Forgets the key: no timer, no queued run; a run in progress finishes but is not followed by another. Until it
   * ends the key stays known, so a schedule or trigger in the meantime waits for it instead of running alongside.
   */
  cancel(key: number): void {
    const job = this.jobs.get(key);
    if (!job) return;
    job.removed = true;
    job.again = false;
    this.disarm(job);
    if (job.state !== 'running') this.jobs.delete(key);
    this.release(job);
  }

  /** Resolves once the key's run in progress, if any, has ended (a cancelled key's included). */
  async settled(key: number): Promise<void> {
    await this.jobs.get(key)?.done;
  }

  /** Cancels every key; the runs in progress are left to finish (see idle()). */
  cancelAll(): void {
    for (const key of [...this.jobs.keys()]) this.cancel(key);
    this.urgent.clear();
    this.due.clear();
    this.timers.clear();
  }

  /** Stops for good: nothing new starts. */
  stop(): void {
    this.stopped = true;
    this.cancelAll();
  }

  /** Resolves when every run in progress has ended. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  get running(): number {
    return this.runningCount;
  }

  get queued(): number {
    return this.urgent.length + this.due.length;
  }

  private job(key: number): Job {
    let job = this.jobs.get(key);
    if (job?.removed) job.removed = false;
    if (!job) {
      job = { key, state: 'idle', dueAt: 0, slot: -1, again: false, waiters: null, removed: false, done: null };
      this.jobs.set(key, job);
    }
    return job;
  }

  private arm(job: Job, delayMs: number): void {
    job.dueAt = this.clock.monotonicMs() + Math.max(0, delayMs);
    this.timers.set(job, job.dueAt);
  }

  private disarm(job: Job): void {
    this.timers.delete(job);
  }

  private enqueue(job: Job, queue: Fifo<Job>): void {
    if (this.hooks.inline(job.key)) {
      this.start(job);
      return;
    }
    job.state = 'queued';
    queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.runningCount < this.concurrency) {
      const job = this.urgent.shift() ?? this.due.shift();
      if (!job) return;
      if (job.removed || job.state !== 'queued') continue;
      this.runningCount++;
      this.start(job, true);
    }
  }

  private start(job: Job, slot = false): void {
    job.state = 'running';
    const waiters = job.waiters;
    job.waiters = null;
    this.hooks.onStart?.(job.key, this.clock.monotonicMs() - job.dueAt);
    let result: Promise<void> | void;
    try {
      result = this.hooks.run(job.key);
    } catch (err) {
      this.hooks.onError(job.key, err);
      result = undefined;
    }
    if (!result) {
      this.finish(job, waiters, slot);
      return;
    }
    const done: Promise<void> = result
      .catch((err: unknown) => this.hooks.onError(job.key, err))
      .then(() => {
        this.inFlight.delete(done);
        job.done = null;
        this.finish(job, waiters, slot);
      });
    job.done = done;
    this.inFlight.add(done);
  }

  private finish(job: Job, waiters: (() => void)[] | null, slot: boolean): void {
    if (slot) this.runningCount--;
    job.state = 'idle';
    if (waiters) for (const resolve of waiters) resolve();
    if (job.removed && this.jobs.get(job.key) === job) this.jobs.delete(job.key);
    if (!job.removed && !this.stopped) {
      if (job.again) {
        job.again = false;
        job.dueAt = this.clock.monotonicMs();
        this.enqueue(job, this.urgent);
      } else {
        const delay = this.hooks.nextDelay(job.key);
        if (delay !== null) this.arm(job, delay);
      }
    }
    if (slot) this.pump();
  }

  private release(job: Job): void {
    const waiters = job.waiters;
    job.waiters = null;
    if (waiters) for (const resolve of waiters) resolve();
  }
}
