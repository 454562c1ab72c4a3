import type { AppPubSub, Topics } from '../engine/events.ts';
import type { CheckRecord, HeartbeatResult, PushReport, StateChangeRecord } from '../engine/types.ts';

/** What the relay hands to this instance's engine. */
export interface RelayTarget {
  heartbeat(token: string, report: PushReport, via: { relayed: true }): HeartbeatResult;
  mirrorCheck(check: CheckRecord): void;
  mirrorStatusChange(change: StateChangeRecord): void;
}

type Topic = keyof Topics;

/**
 * What crosses instances on the shared event bus and concerns this engine: push beats another instance received
 * for a site this one checks, and the checks and state changes of the sites other instances check, so that this
 * instance's copies of them answer reads (status, latency, recent checks) as the owner's do.
 */
export function startRelay(pubsub: AppPubSub, engine: RelayTarget): { stop(): Promise<void> } {
  const streams: AsyncIterator<unknown>[] = [];
  const consume = <T extends Topic>(topic: T, apply: (payload: Topics[T][0]) => void) => {
    const iterator = pubsub.subscribe(topic as never)[Symbol.asyncIterator]() as AsyncIterator<Topics[T][0]>;
    streams.push(iterator);
    void (async () => {
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) apply(next.value);
    })();
  };
  consume('cluster:heartbeat', ({ token, report }) => engine.heartbeat(token, report, { relayed: true }));
  consume('site:checkCompleted', (check) => engine.mirrorCheck(check));
  consume('site:statusChanged', (change) => engine.mirrorStatusChange(change));
  return {
    async stop() {
      await Promise.all(streams.map((s) => s.return?.()));
    },
  };
}
