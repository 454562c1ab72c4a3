import DataLoader from 'dataloader';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/client.ts';
import type { ClosedBucketCache } from '../history/closed-buckets.ts';
import type { EngineApi } from '../engine/types.ts';
import { latencySeries, type LatencyBucket, type SeriesPlan, type SeriesRange } from '../history/latency.ts';
import { localLatencySeries, type LocalSeriesPlan } from '../history/local-latency.ts';
import { coverFor, loadMaintenanceCover } from '../history/maintenance-cover.ts';
import { loadChangeHistories, type ChangeHistory, type Interval } from '../services/uptime.ts';

/** A site's state changes over a window and the maintenance time to leave out of it (none unless asked). */
export interface SiteHistory {
  history: ChangeHistory | undefined;
  excluded: Interval[];
}

export interface HistoryWindow {
  from: Date;
  to: Date;
  excludeMaintenance: boolean;
}

/**
 * Per-request batching of the per-site history fields: every `Site.uptime` (or `latency`) with the same arguments
 * resolved in one tick becomes one batch, read with a constant number of statements whatever the number of sites.
 * The loaders cache nothing past the batch: a subscription's context lives as long as the subscription, and its
 * events must read fresh history. Only the closed part of latency series, which cannot change, is kept across requests.
 */
export interface HistoryLoaders {
  /**
   * Now, as the history fields read it: the clock read once per turn of the event loop. The rows of a page resolve in
   * one turn, so they ask for the same window and share one batch; read anew for each row, a window ending a
   * millisecond later was a batch (and its statements) of its own.
   */
  now(): Date;
  history(siteId: number, window: HistoryWindow): Promise<SiteHistory>;
  latency(siteId: number, range: SeriesRange, plan: SeriesPlan): Promise<LatencyBucket[]>;
  /** A latency series over local days in `timeZone` (planLocalSeries). */
  localLatency(siteId: number, range: SeriesRange, timeZone: string, plan: LocalSeriesPlan): Promise<LatencyBucket[]>;
}

/** One DataLoader per distinct set of arguments, created when first asked for. */
function keyedLoaders<K, V>(batch: (argsKey: string, keys: readonly K[]) => Promise<V[]>) {
  const loaders = new Map<string, DataLoader<K, V>>();
  return (argsKey: string, key: K): Promise<V> => {
    let loader = loaders.get(argsKey);
    if (!loader) loaders.set(argsKey, (loader = new DataLoader<K, V>((keys) => batch(argsKey, keys), { cache: false })));
    return loader.load(key);
  };
}

export function createHistoryLoaders(deps: {
  db: Db;
  engine: Pick<EngineApi, 'getSite' | 'reloads'>;
  clock: Clock;
  latencyCache?: ClosedBucketCache;
}): HistoryLoaders {
  const history = keyedLoaders<{ siteId: number; window: HistoryWindow }, SiteHistory>(async (_argsKey, keys) => {
    const { from, to, excludeMaintenance } = keys[0]!.window;
    const [histories, cover] = await Promise.all([
      loadChangeHistories(
        deps.db,
        keys.map((k) => k.siteId),
        from,
        to,
      ),
      excludeMaintenance ? loadMaintenanceCover(deps.db, from, to) : null,
    ]);
    // The engine's copy of a site is made for each call: asked for only when some window could cover it.
    const covers = cover !== null && (cover.global.length > 0 || cover.bySite.size > 0);
    return keys.map(({ siteId }) => ({
      history: histories.get(siteId),
      excluded: covers ? coverFor(cover, siteId, deps.engine.getSite(siteId)?.parentId ?? null) : [],
    }));
  });
  const latency = keyedLoaders<{ siteId: number; range: SeriesRange; plan: SeriesPlan }, LatencyBucket[]>(async (_argsKey, keys) => {
    const { range, plan } = keys[0]!;
    const cache = deps.latencyCache && { store: deps.latencyCache, nowMs: deps.clock.nowMs(), generation: deps.engine.reloads };
    const series = await latencySeries(
      deps.db,
      keys.map((k) => k.siteId),
      range,
      plan,
      cache,
    );
    return keys.map((k) => series.get(k.siteId) ?? []);
  });
  const localLatency = keyedLoaders<{ siteId: number; plan: LocalSeriesPlan }, LatencyBucket[]>(async (_argsKey, keys) => {
    const series = await localLatencySeries(
      deps.db,
      keys.map((k) => k.siteId),
      keys[0]!.plan,
    );
    return keys.map((k) => series.get(k.siteId) ?? []);
  });
  let now: Date | null = null;
  return {
    now: () => {
      if (now === null) {
        now = deps.clock.now();
        setImmediate(() => {
          now = null;
        });
      }
      return now;
    },
    history: (siteId, w) => history(`${w.from.getTime()}|${w.to.getTime()}|${w.excludeMaintenance}`, { siteId, window: w }),
    latency: (siteId, range, plan) => latency(`${range.from.getTime()}|${range.to.getTime()}|${range.stepSeconds}`, { siteId, range, plan }),
    localLatency: (siteId, range, timeZone, plan) =>
      localLatency(`${range.from.getTime()}|${range.to.getTime()}|${range.stepSeconds}|${timeZone}`, { siteId, plan }),
  };
}
