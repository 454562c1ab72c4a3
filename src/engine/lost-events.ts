import { isSharedTopic, type AppPubSub } from './events.ts';

/** The GraphQL error code the client sees for an EventsLostError (mask-error.ts). */
export const EVENTS_LOST_CODE = 'EVENTS_LOST';

/**
 * A subscription's events may have been lost: the carrier the instances share (Redis) was away and is back. The
 * transports end the subscription on it so that clients reconnect and read again what they show (ws.ts closes the
 * socket with 1012; yoga cuts an SSE stream, which EventSource and graphql-sse clients open again).
 */
export class EventsLostError extends Error {
  constructor() {
    super('Events were lost while the connection between instances (Redis) was down; subscribe again');
    this.name = 'EventsLostError';
  }
}

/**
 * The source, except that `fail` ends it with that error: a `next()` waiting meanwhile is settled by returning the
 * source (which resolves it as done) and then rejects with the error.
 */
function failable<T>(source: AsyncIterable<T>, open: Set<(err: Error) => void>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure = err;
    open.delete(fail);
    void iterator.return?.();
  };
  open.add(fail);
  return {
    async next() {
      const result = await iterator.next();
      if (!result.done) return result;
      open.delete(fail);
      const err = failure;
      failure = null;
      if (err) throw err;
      return result;
    },
    return(value?: unknown) {
      open.delete(fail);
      return iterator.return ? iterator.return(value) : Promise.resolve({ done: true, value: undefined });
    },
    throw(err?: unknown) {
      open.delete(fail);
      return iterator.throw ? iterator.throw(err) : Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * `pubsub` for subscribers that must hear of a loss: each time `onLoss` fires, every open subscription to a shared
 * topic fails with EventsLostError. Topics of this instance alone (its engine's figures) lose nothing and are left
 * as they are. The engine's own subscribers keep the plain pubsub.
 */
export function endingOnLoss(pubsub: AppPubSub, onLoss: (listener: () => void) => void): AppPubSub {
  const open = new Set<(err: Error) => void>();
  onLoss(() => {
    const err = new EventsLostError();
    for (const fail of [...open]) fail(err);
  });
  return {
    publish: pubsub.publish,
    subscribe(routingKey: string, ...id: unknown[]) {
      const source = (pubsub.subscribe as unknown as (...args: unknown[]) => AsyncIterable<unknown>)(routingKey, ...id);
      return isSharedTopic(routingKey) ? failable(source, open) : source;
    },
  } as AppPubSub;
}
