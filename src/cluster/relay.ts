import type { ProbeIngest, ProbeIngestOutcome } from '../engine/engine.ts';
import type { AppPubSub, Topics } from '../engine/events.ts';
import type { CheckRecord, HeartbeatResult, LiveSiteState, PushReport } from '../engine/types.ts';

/** What the relay hands to this instance's engine. */
export interface RelayTarget {
  heartbeat(token: string, report: PushReport, via: { relayed: true }): HeartbeatResult;
  checkNow(siteId: number, via: { relayed: true }): Promise<void>;
  ingestProbeResults(nodeId: string, results: readonly ProbeIngest[], via: { relayed: true }): ProbeIngestOutcome;
  mirrorCheck(check: CheckRecord): void;
  mirrorState(state: LiveSiteState): void;
}

type Topic = keyof Topics;

/**
 * What crosses instances on the shared event bus and concerns this engine: push beats and probe results another
 * instance received for a site this one checks, and the states and checks of the sites other instances check, so that this
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
  // Every instance hears it; the owner checks and answers with the site's state, the others do nothing.
  consume('cluster:checkNow', ({ siteId }) => void engine.checkNow(siteId, { relayed: true }).catch(() => undefined));
  consume('cluster:probeResults', ({ nodeId, results }) => engine.ingestProbeResults(nodeId, results, { relayed: true }));
  consume('site:checkCompleted', (check) => engine.mirrorCheck(check));
  consume('cluster:state', (state) => engine.mirrorState(state));
  return {
    async stop() {
      await Promise.all(streams.map((s) => s.return?.()));
    },
  };
}
