import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import { Redis, type RedisOptions } from 'ioredis';
import { maskUrlSecrets } from '../auth/mask-url.ts';
import type { Logger } from '../log.ts';
import { eventSerializer } from './serializer.ts';

/**
 * The event target the instances share: what one dispatches reaches the listeners of every instance, its own included.
 * `dispatchConfirmed` also says whether the event reached Redis (EventCarrier).
 */
export type SharedEventTarget = ReturnType<typeof createRedisEventTarget> & { dispatchConfirmed(event: CustomEvent): Promise<boolean> };

export interface RedisEvents {
  target: SharedEventTarget;
  /** `listener` runs each time the subscribing connection is back after a loss: what was published meanwhile was missed. */
  onReconnect(listener: () => void): void;
  /** Ends both connections; idempotent. */
  close(): Promise<void>;
}

/** Redis did not answer at start: uptop does not start without the Redis it was told to use. */
export class RedisUnavailableError extends Error {
  constructor(url: string, cause: unknown) {
    super(`could not connect to Redis at ${maskUrlSecrets(url)} (UPTOP_REDIS_URL): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'RedisUnavailableError';
  }
}

/** The commands yoga's Redis event target sends without awaiting them. */
const UNAWAITED = new Set(['publish', 'subscribe', 'unsubscribe']);

/**
 * The client, except that the commands the event target fires and forgets report their failure to `onFailure`
 * instead of rejecting unobserved: Node ends the process on an unhandled rejection, and a publish while Redis is
 * away must cost an event, not uptop.
 */
function guarded(client: Redis, onFailure: (command: string, err: unknown) => void): Redis {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !UNAWAITED.has(property) || typeof value !== 'function') return value;
      return (...args: unknown[]) => (value.apply(target, args) as Promise<unknown>).catch((err: unknown) => onFailure(property, err));
    },
  });
}

/**
 * Logs a connection's life once it has started: its loss once (ioredis then reconnects on its own, retrying with a
 * growing delay of at most 2 s), and its return with how many events this instance could not publish meanwhile.
 */
function watchConnection(client: Redis, role: string, logger: Logger, watching: () => boolean, onBack?: () => void): { publishFailed(err: unknown): void } {
  let lost = false;
  let unpublished = 0;
  const lose = (err?: Error) => {
    if (!watching() || lost) return;
    lost = true;
    logger.error({ err, role }, 'lost the connection to Redis; reconnecting (events between instances stop until it is back)');
  };
  client.on('error', lose);
  client.on('close', () => lose());
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info({ role, unpublished }, 'reconnected to Redis');
    unpublished = 0;
    onBack?.();
  });
  return {
    publishFailed(err) {
      if (lost) unpublished++;
      else if (watching()) logger.error({ err }, 'could not publish an event to Redis');
    },
  };
}

/**
 * Connects the two connections yoga's Redis event target needs (a connection that subscribes can do nothing else)
 * and resolves once both answer; rejects with a RedisUnavailableError when Redis cannot be reached at start.
 */
export async function connectRedisEvents(url: string, logger: Logger): Promise<RedisEvents> {
  let started = false;
  let closing = false;
  const options: RedisOptions = { lazyConnect: true };
  // Publishing while Redis is away fails at once rather than queueing every event of the outage in memory.
  const publisher = new Redis(url, { ...options, connectionName: 'uptop-publish', enableOfflineQueue: false });
  // Subscribing queues until Redis is back; ioredis then subscribes again to every channel on its own.
  const subscriber = new Redis(url, { ...options, connectionName: 'uptop-subscribe', maxRetriesPerRequest: null });
  // Failures before start are the start's error; after close, expected.
  const watching = () => started && !closing;
  const publishing = watchConnection(publisher, 'publish', logger, watching);
  const reconnectListeners: (() => void)[] = [];
  watchConnection(subscriber, 'subscribe', logger, watching, () => {
    // ioredis sent the SUBSCRIBEs again as it became ready; a PING answered after them says they are in effect, so
    // a listener that reads the database now misses nothing published from then on. Lost again: the next return runs them.
    subscriber.ping().then(
      () => {
        for (const listener of reconnectListeners) listener();
      },
      () => undefined,
    );
  });

  const close = async () => {
    if (closing) return;
    closing = true;
    // QUIT waits for the replies to what was sent; a connection that is down is just dropped.
    await Promise.all(
      [publisher, subscriber].map((client) => (client.status === 'ready' ? client.quit().catch(() => client.disconnect()) : client.disconnect())),
    );
  };

  // ioredis rejects `connect` with "Connection is closed"; the socket's own error says why (refused, unknown host, auth).
  let why: unknown;
  const noteWhy = (err: unknown) => (why ??= err);
  publisher.once('error', noteWhy);
  subscriber.once('error', noteWhy);
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (err) {
    await close();
    throw new RedisUnavailableError(url, why ?? err);
  }
  publisher.off('error', noteWhy);
  subscriber.off('error', noteWhy);
  started = true;

  const yogaTarget = createRedisEventTarget({
    publishClient: guarded(publisher, (_command, err) => publishing.publishFailed(err)),
    subscribeClient: guarded(subscriber, (command, err) => {
      if (watching()) logger.error({ err, command }, 'a Redis subscription command failed');
    }),
    serializer: {
      stringify: eventSerializer.stringify,
      // A message that is not uptop's (another program on the same channel) must not throw inside ioredis, where
      // nothing would catch it: it is logged and arrives without a payload, which no listener acts on.
      parse(text) {
        try {
          return eventSerializer.parse(text);
        } catch (err) {
          logger.error({ err }, 'ignored an unreadable message from Redis');
          return null;
        }
      },
    },
  });
  const target: SharedEventTarget = {
    ...yogaTarget,
    // What yoga's dispatchEvent does (the channel is the event's type, the message its serialized detail), with the
    // publish awaited: a caller that must not lose the event (a relayed push beat) learns whether it was sent.
    dispatchConfirmed(event: CustomEvent): Promise<boolean> {
      const message = event.detail === undefined ? '' : eventSerializer.stringify(event.detail);
      return publisher.publish(event.type, message).then(
        () => true,
        (err: unknown) => {
          publishing.publishFailed(err);
          return false;
        },
      );
    },
  };
  return { target, onReconnect: (listener) => void reconnectListeners.push(listener), close };
}
