/**
 * Work that could hold the event loop goes in steps, one step per turn of the event loop across all of it: each
 * GraphQL request's start (parsing, planning, the page's rows), each page of a long history read. Yielding alone is
 * not enough: twenty requests that arrive together, or twenty reads that each yield between steps, still run twenty
 * steps in one turn (their callbacks all fall in the same phase), and timers (the engine's checks) wait for all of
 * them. Here a step waits for its own turn, so timers run between any two steps.
 */
class Turns {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  /** Resolves in a later turn of the event loop, after the steps queued before it, one per turn. */
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      if (this.waiting.length > 0) this.schedule();
    });
  }
}

/** One per process: there is one event loop to share. */
export const turns = new Turns();

/**
 * Hands `items` to `step` `perStep` at a time, each step in a turn of its own (`turns.next`): for work over a whole
 * fleet (10,000 monitors' metrics, a status page, a backup), which held the event loop for 60–500 ms in one piece.
 */
export async function inSteps<T>(items: readonly T[], perStep: number, step: (slice: readonly T[], first: number) => void): Promise<void> {
  for (let start = 0; start < items.length; start += perStep) {
    await turns.next();
    step(items.slice(start, start + perStep), start);
  }
}

/** `inSteps` an item at a time. */
export function forEachInSteps<T>(items: readonly T[], perStep: number, each: (item: T, index: number) => void): Promise<void> {
  return inSteps(items, perStep, (slice, first) => slice.forEach((item, i) => each(item, first + i)));
}
