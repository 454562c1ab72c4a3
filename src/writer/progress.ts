/** A count that only grows, with promises for "it has reached n". Work items finish in order, so reaching n means the first n are done. */
export class Progress {
  private done = 0;
  private waiters: { target: number; resolve: () => void }[] = [];

  advance(by: number): void {
    this.done += by;
    if (this.waiters.length === 0) return;
    const waiting: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (w.target <= this.done) w.resolve();
      else waiting.push(w);
    }
    this.waiters = waiting;
  }

  reached(target: number): Promise<void> {
    if (target <= this.done) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ target, resolve }));
  }
}
