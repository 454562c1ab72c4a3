/**
 * Open long-lived connections (WebSockets, SSE streams) per key (a client IP, a user), at most `max` each, so one
 * client or user cannot hold every socket and subscription the server can afford.
 */
export class ConnectionCounter {
  private readonly open = new Map<string | number, number>();

  constructor(readonly max: number) {}

  /** Counts one more for `key`: the release to call when it closes (once; later calls do nothing), or null when full. */
  tryOpen(key: string | number): (() => void) | null {
    const count = this.open.get(key) ?? 0;
    if (count >= this.max) return null;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }

  /** Open now for `key`, for tests and metrics. */
  count(key: string | number): number {
    return this.open.get(key) ?? 0;
  }
}

/** `source`, calling `release` once when it ends for any reason: done, failed, or returned before its first value. */
export function releasing<T>(source: AsyncIterable<T>, release: () => void): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next() {
      try {
        const result = await iterator.next();
        if (result.done) release();
        return result;
      } catch (err) {
        release();
        throw err;
      }
    },
    async return(value?: unknown) {
      release();
      return iterator.return ? iterator.return(value) : { done: true, value: undefined };
    },
    async throw(err?: unknown) {
      release();
      if (iterator.throw) return iterator.throw(err);
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
