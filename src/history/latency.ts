import type { Db } from '../db/client.ts';
import { ROLLUP_LEVELS, type RollupLevel, type RollupWidth } from '../writer/rollups.ts';
import { decodeSketch, mergeInto, quantile, type Sketch } from './sketch.ts';

/** One step of a latency series: the checks that started in [start, start + step). Latencies in ms. */
export interface LatencyBucket {
  start: Date;
  count: number;
  upCount: number;
  min: number | null;
  avg: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface SeriesRange {
  from: Date;
  to: Date;
  stepSeconds: number;
}

/** A series has at most this many buckets: a chart has no use for more, and it bounds the rows read. */
export const MAX_BUCKETS = 1000;

export class SeriesRangeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SeriesRangeError';
  }
}

/** How long each level keeps its buckets (the writer's retention settings). */
export type LevelRetention = Record<RollupLevel, number>;

export interface SeriesPlan {
  width: RollupWidth;
  /** `from` rounded down to the level's width: where the first bucket starts. */
  startMs: number;
  buckets: number;
}

const COARSEST_FIRST = (Object.entries(ROLLUP_LEVELS) as [RollupLevel, RollupWidth][]).sort((a, b) => b[1] - a[1]);

/**
 * Which rollup level a series reads. Among the levels whose width divides the step: the coarsest one that `from`
 * is aligned to and that still holds `from` (no rounding, fewest rows); else the finest that holds `from` (`from`
 * rounded down to its width); else the coarsest (what is older than its retention has no checks). So a caller who
 * wants 24 whole hours of hourly buckets passes a `from` on the hour and reads 24 rows per site.
 */
export function planSeries(range: SeriesRange, nowMs: number, retention: LevelRetention): SeriesPlan {
  const { from, to, stepSeconds } = range;
  const fromMs = from.getTime();
  if (!(to.getTime() > fromMs)) throw new SeriesRangeError('"from" must be before "to"');
  const candidates = COARSEST_FIRST.filter(([, width]) => Number.isInteger(stepSeconds) && stepSeconds % width === 0);
  if (candidates.length === 0) throw new SeriesRangeError('"step" must be a whole number of minutes, in seconds (60, 300, 3600, ...)');
  const holds = ([level]: [RollupLevel, RollupWidth]) => nowMs - retention[level] <= fromMs;
  const aligned = candidates.find((c) => holds(c) && fromMs % (c[1] * 1000) === 0);
  const [, width] = aligned ?? [...candidates].reverse().find(holds) ?? candidates[0]!;
  const startMs = Math.floor(fromMs / (width * 1000)) * width * 1000;
  const buckets = Math.ceil((to.getTime() - startMs) / (stepSeconds * 1000));
  if (buckets > MAX_BUCKETS) throw new SeriesRangeError(`at most ${MAX_BUCKETS} buckets: make "step" larger or the range shorter`);
  return { width, startMs, buckets };
}

interface Acc {
  count: number;
  upCount: number;
  latencyCount: number;
  latencySum: number;
  min: number | null;
  max: number | null;
  sketch: Sketch;
}

/**
 * The latency series of each site, from one query for all of them: bucket k covers [start + k·step, start +
 * (k + 1)·step), and a bucket without checks has count 0 and null latencies. Percentiles come from the merged
 * sketches (within the sketch's relative error); count, min, max and mean are exact.
 */
export async function latencySeries(db: Db, siteIds: readonly number[], range: SeriesRange, plan: SeriesPlan): Promise<Map<number, LatencyBucket[]>> {
  const stepMs = range.stepSeconds * 1000;
  const endMs = plan.startMs + plan.buckets * stepMs;
  const rows = await db.checkRollup.findMany({
    where: {
      width: plan.width,
      siteId: { in: [...new Set(siteIds)] },
      start: { gte: new Date(plan.startMs), lt: new Date(Math.min(endMs, range.to.getTime())) },
    },
  });
  const accs = new Map<number, Acc[]>();
  for (const row of rows) {
    let perSite = accs.get(row.siteId);
    if (!perSite) accs.set(row.siteId, (perSite = []));
    const k = Math.floor((row.start.getTime() - plan.startMs) / stepMs);
    const acc = (perSite[k] ??= { count: 0, upCount: 0, latencyCount: 0, latencySum: 0, min: null, max: null, sketch: new Map() });
    acc.count += row.count;
    acc.upCount += row.upCount;
    acc.latencyCount += row.latencyCount;
    acc.latencySum += row.latencySum;
    if (row.latencyMin !== null) acc.min = acc.min === null ? row.latencyMin : Math.min(acc.min, row.latencyMin);
    if (row.latencyMax !== null) acc.max = acc.max === null ? row.latencyMax : Math.max(acc.max, row.latencyMax);
    mergeInto(acc.sketch, decodeSketch(row.sketch));
  }
  const series = new Map<number, LatencyBucket[]>();
  for (const siteId of siteIds) {
    const perSite = accs.get(siteId) ?? [];
    series.set(
      siteId,
      Array.from({ length: plan.buckets }, (_, k) => toBucket(new Date(plan.startMs + k * stepMs), perSite[k])),
    );
  }
  return series;
}

function toBucket(start: Date, acc: Acc | undefined): LatencyBucket {
  if (!acc) return { start, count: 0, upCount: 0, min: null, avg: null, max: null, p50: null, p95: null, p99: null };
  return {
    start,
    count: acc.count,
    upCount: acc.upCount,
    min: acc.min,
    avg: acc.latencyCount > 0 ? acc.latencySum / acc.latencyCount : null,
    max: acc.max,
    p50: quantile(acc.sketch, 0.5),
    p95: quantile(acc.sketch, 0.95),
    p99: quantile(acc.sketch, 0.99),
  };
}
