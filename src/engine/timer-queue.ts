import type { Clock, TimerHandle } from '../clock.ts';

/** What the queue holds: an item knows its slot in the heap (-1 when it has no deadline), so a re-arm costs O(log n). */
export interface Queued {
  slot: number;
}

/**
 * Many deadlines on one clock timer: a binary min-heap by time, ties firing in the order they were set. Deadlines are
 * on the clock's monotonic time, as Node's timers: on wall time, a clock stepped back an hour held every one of them
 * back an hour. A Node timer
 * per site meant a Timeout, its closures and often a timer list of its own for each of 50,000 sites: objects every
 * major garbage collection had to mark, and the longest event-loop stalls of the 50,000-monitor benchmark.
 */
export class TimerQueue<T extends Queued> {
  private at: number[] = [];
  private order: number[] = [];
  private items: T[] = [];
  private nextOrder = 0;
  private timer: TimerHandle | null = null;
  private timerAt = Infinity;

  constructor(
    private readonly clock: Clock,
    private readonly fire: (item: T) => void,
  ) {}

  /** Sets the item's deadline to `atMs` on the clock's monotonic time, replacing the one it had. */
  set(item: T, atMs: number): void {
    if (item.slot >= 0) this.take(item.slot);
    const i = this.at.length;
    this.at.push(atMs);
    this.order.push(++this.nextOrder);
    this.items.push(item);
    item.slot = i;
    this.siftUp(i);
    this.rearm();
  }

  /** Drops the item's deadline, if it has one. */
  delete(item: T): void {
    if (item.slot < 0) return;
    this.take(item.slot);
    this.rearm();
  }

  /** Drops every deadline. */
  clear(): void {
    for (const item of this.items) item.slot = -1;
    this.at = [];
    this.order = [];
    this.items = [];
    this.rearm();
  }

  get size(): number {
    return this.at.length;
  }

  private onTimer(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const nowMs = this.clock.monotonicMs();
    while (this.at.length > 0 && this.at[0]! <= nowMs) {
      const item = this.items[0]!;
      this.take(0);
      this.fire(item);
    }
    this.rearm();
  }

  /** One clock timer, at the earliest deadline. */
  private rearm(): void {
    const next = this.at.length > 0 ? this.at[0]! : Infinity;
    if (next === this.timerAt) return;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = next;
    if (next === Infinity) return;
    this.timer = this.clock.setTimeout(() => this.onTimer(), Math.max(0, next - this.clock.monotonicMs()));
  }

  /** Removes the entry at slot `i`, keeping the heap in order. */
  private take(i: number): void {
    const last = this.at.length - 1;
    this.items[i]!.slot = -1;
    if (i !== last) this.move(last, i);
    this.at.pop();
    this.order.pop();
    this.items.pop();
    if (i < last) {
      this.siftDown(i);
      this.siftUp(i);
    }
  }

  private siftUp(from: number): void {
    for (let i = from; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(from: number): void {
    const size = this.at.length;
    for (let i = from; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < size && this.before(left, smallest)) smallest = left;
      if (right < size && this.before(right, smallest)) smallest = right;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }

  private before(a: number, b: number): boolean {
    return this.at[a]! < this.at[b]! || (this.at[a] === this.at[b] && this.order[a]! < this.order[b]!);
  }

  /** Puts the entry at `from` into slot `to` (whose entry is overwritten). */
  private move(from: number, to: number): void {
    this.at[to] = this.at[from]!;
    this.order[to] = this.order[from]!;
    const item = this.items[from]!;
    this.items[to] = item;
    item.slot = to;
  }

  private swap(a: number, b: number): void {
    const at = this.at[a]!;
    const order = this.order[a]!;
    const item = this.items[a]!;
    this.move(b, a);
    this.at[b] = at;
    this.order[b] = order;
    this.items[b] = item;
    item.slot = b;
  }
}
