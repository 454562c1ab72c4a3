import { setMaxListeners } from 'node:events';
import { Repeater, type RepeaterBuffer } from '@repeaterjs/repeater';
import type { PubSub } from 'graphql-yoga';
import type { ProbeIngest } from './engine.ts';
import type { CheckRecord, EngineStatusSnapshot, LiveSiteState, LogRecord, PushReport, SiteChangeRecord, StateChangeRecord } from './types.ts';

/** Engine events that subscriptions listen to. Payloads are self-contained so fan-out needs no DB read. */
export type Topics = {
  'site:statusChanged': [StateChangeRecord];
  'site:checkCompleted': [CheckRecord];
  'site:changed': [SiteChangeRecord];
  'engine:status': [EngineStatusSnapshot];
  'log:added': [LogRecord];
  /** A push beat received by an instance that does not check its site, for the one that does (src/cluster/relay.ts). */
  'cluster:heartbeat': [{ token: string; report: PushReport }];
  /** Probe results an instance received for sites another one checks (src/cluster/relay.ts). */
  'cluster:probeResults': [{ nodeId: string; results: ProbeIngest[] }];
  /** A site's state after a transition on the instance that checks it, for the others' copies (src/cluster/relay.ts). */
  'cluster:state': [LiveSiteState];
  /** `checkSiteNow` received by an instance that does not check the site, for the one that does (src/cluster/relay.ts). */
  'cluster:checkNow': [{ siteId: number }];
  /**
   * A check recorded dated more than LATE_CHECK_MS before it was: it may land in a rollup that readers keep as closed
   * (src/history/closed-buckets.ts). Rare, so every instance may listen, unlike to every check.
   */
  'site:lateCheck': [{ siteId: number }];
};

/** A check dated further back than this when it is recorded is late (see 'site:lateCheck'). */
export const LATE_CHECK_MS = 60_000;

/** Events one subscriber may fall behind by before the oldest it has not read are dropped. */
export const SUBSCRIBER_BACKLOG = 1024;

/**
 * A subscriber's backlog: at capacity the oldest event goes. Never full, so a publish never waits or throws; a plain
 * repeater throws RepeaterOverflowError from inside the event listener past 1,024 unread events, which reached the
 * process as an uncaught exception (a slow client and a burst of results took uptop down).
 */
class DropOldest<T> implements RepeaterBuffer<T> {
  private readonly items: T[] = [];
  readonly full = false;

  constructor(
    private readonly capacity: number,
    private readonly onDrop: () => void,
  ) {}

  get empty(): boolean {
    return this.items.length === 0;
  }

  add(value: T): void {
    if (this.items.length === this.capacity) {
      this.items.shift();
      this.onDrop();
    }
    this.items.push(value);
  }

  remove(): T {
    if (this.items.length === 0) throw new Error('DropOldest: remove from an empty buffer');
    return this.items.shift()!;
  }
}

/** What carries events: dispatching an event reaches the listeners of its type (an EventTarget, or yoga's Redis one). */
export type EventCarrier = Pick<EventTarget, 'addEventListener' | 'removeEventListener' | 'dispatchEvent'> & {
  /**
   * Dispatches as `dispatchEvent` does, and settles once the event is on its way to the other instances: true when
   * sent, false when it could not be (never rejects). Only a carrier between instances (Redis) has it; dispatching to
   * an in-process target cannot fail.
   */
  dispatchConfirmed?(event: CustomEvent): Promise<boolean>;
};

/**
 * What `publish` gives back at run time (yoga types it `void`): nothing for an in-process carrier, whose listeners
 * already had the event; over a carrier between instances, a promise that resolves to whether the event was sent
 * (false: it is lost, e.g. Redis is away). It never rejects, so a caller may ignore it.
 */
export type PublishReceipt = Promise<boolean> | undefined;

/**
 * Topics about this instance alone: its engine's figures, which its `engineStatus` query answers. Through a shared
 * carrier a subscriber would receive every instance's figures in turn, each of a different set of sites. Every
 * instance's engine applies every configuration change (src/cluster/announce.ts), so `site:changed` stays local too:
 * shared, a subscriber would hear each change once per instance.
 */
const INSTANCE_TOPICS: ReadonlySet<string> = new Set<keyof Topics>(['engine:status', 'site:changed']);

/** Whether the topic's events go through the carrier every instance shares (Redis), and so can be lost with it. */
export function isSharedTopic(routingKey: string): boolean {
  return !INSTANCE_TOPICS.has(routingKey);
}

/**
 * yoga's pubsub (the same `publish`/`subscribe` over an event target), except that each subscriber has its own
 * bounded backlog (DropOldest). `carrier` carries the events every instance shares (by default this process's own
 * EventTarget; yoga's Redis event target for several instances). `onOverflow` hears of a subscriber's first drop.
 */
export function createAppPubSub(options: { carrier?: EventCarrier; onOverflow?: (topic: string) => void } = {}): PubSub<Topics> {
  const local = new EventTarget();
  // Thousands of subscribers listen on one topic; the default limit of 10 would only print a warning.
  setMaxListeners(Infinity, local);
  const shared = options.carrier ?? local;
  const carrierOf = (routingKey: string): EventCarrier => (isSharedTopic(routingKey) ? shared : local);
  return {
    publish(routingKey: string, ...args: unknown[]): PublishReceipt {
      const payload = args[1] ?? args[0] ?? null;
      const topic = args[1] === undefined ? routingKey : `${routingKey}:${String(args[0])}`;
      const carrier = carrierOf(routingKey);
      const event = new CustomEvent(topic, { detail: payload });
      if (carrier.dispatchConfirmed) return carrier.dispatchConfirmed(event);
      carrier.dispatchEvent(event);
      return undefined;
    },
    subscribe(routingKey: string, id?: unknown) {
      const topic = id === undefined ? routingKey : `${routingKey}:${String(id)}`;
      const carrier = carrierOf(routingKey);
      let warned = false;
      const backlog = new DropOldest<unknown>(SUBSCRIBER_BACKLOG, () => {
        if (warned) return;
        warned = true;
        options.onOverflow?.(topic);
      });
      return new Repeater((push, stop) => {
        // No payload: a message from Redis that could not be read (every topic's events are objects).
        const listener = (event: Event) => {
          const { detail } = event as CustomEvent;
          if (detail !== null) void push(detail);
        };
        carrier.addEventListener(topic, listener);
        void stop.then(() => carrier.removeEventListener(topic, listener));
      }, backlog);
    },
  } as PubSub<Topics>;
}

export type AppPubSub = PubSub<Topics>;

/** Publishes on `pubsub` and answers whether the event was sent (see PublishReceipt); in process it always is. */
export function publishConfirmed<T extends keyof Topics>(pubsub: AppPubSub, topic: T, payload: Topics[T][0]): Promise<boolean> {
  const receipt = (pubsub.publish as (topic: T, payload: Topics[T][0]) => unknown)(topic, payload) as PublishReceipt;
  return receipt ?? Promise.resolve(true);
}
