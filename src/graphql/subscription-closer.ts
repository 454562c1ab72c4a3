/**
 * Ends open subscriptions at shutdown, or one by one when their viewer's access ends, so that SSE streams and
 * graphql-ws operations finish with a proper `complete` instead of a cut connection. Each subscription source is wrapped by `track`; `closeAll` returns every
 * tracked iterator, which settles its pending `next()` as done, and the transport then completes the operation.
 * One set of callbacks, not an AbortSignal listener per subscriber: thousands of subscribers are expected.
 */
export class SubscriptionCloser {
  private readonly open = new Set<() => Promise<void>>();
  private closed = false;

  /**
   * `watch`, when given, is told how to end this subscription early (its viewer's access ended) and returns how to
   * stop watching, which is called once the subscription has ended either way.
   */
  track<T>(source: AsyncIterable<T>, watch?: (end: () => void) => () => unknown): AsyncIterableIterator<T> {
    const iterator = source[Symbol.asyncIterator]();
    let unwatch: (() => unknown) | undefined;
    const forget = () => {
      this.open.delete(close);
      unwatch?.();
    };
    const finish = async (value?: unknown): Promise<IteratorResult<T>> => {
      forget();
      return iterator.return ? iterator.return(value) : { done: true, value: undefined };
    };
    const close = () =>
      finish().then(
        () => undefined,
        () => undefined,
      );
    if (this.closed) void close();
    else {
      this.open.add(close);
      unwatch = watch?.(() => void close());
    }
    return {
      next: () => iterator.next(),
      return: finish,
      throw: (err?: unknown) => {
        forget();
        return iterator.throw ? iterator.throw(err) : Promise.reject(err);
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Ends every open subscription and every one started from now on; resolves when their sources have ended. */
  async closeAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.open].map((close) => close()));
  }

  get size(): number {
    return this.open.size;
  }
}
