import type { Db } from '../db/client.ts';
import type { RollupLevel, RollupWidth } from '../writer/rollups.ts';
import {
  type Acc,
  accumulate,
  type LatencyBucket,
  type LevelRetention,
  MAX_BUCKETS,
  readRollups,
  type SeriesRange,
  SeriesRangeError,
  summarize,
  toBucket,
} from './latency.ts';
import { localDayRuns } from './local-days.ts';

const DAY_SECONDS = 86_400;

/** A latency series over runs of local days: bucket i covers [starts[i], starts[i + 1]), the last one cut at `endMs`. */
export interface LocalSeriesPlan {
  width: RollupWidth;
  /** Each bucket's start, then the start of the bucket after the last. */
  starts: number[];
  /** The first bucket's start rounded up to `width`: where the rows read begin, each counted in the bucket it starts in. */
  readFromMs: number;
  /** The rows read start before this: `to` rounded up to `width`, at most the last bucket's end. */
  endMs: number;
}

/**
 * Buckets of `step` (whole days) in the zone's local days, DST days 23 or 25 hours long, and the level to read them
 * from, whichever holds `from` (as planSeries): the hourly one when every bucket starts on a whole UTC hour; else,
 * for a zone at a :30 or :45 offset (Asia/Kolkata, Australia/Lord_Howe), the minute one; past the minutes' retention
 * the hourly one, and past the hours' the daily one (UTC days), each row counted in the bucket its start falls in, so
 * up to an offset's part of an hour (of a day) lands in the day before.
 */
export function planLocalSeries(range: SeriesRange, timeZone: string, nowMs: number, retention: LevelRetention): LocalSeriesPlan {
  const fromMs = range.from.getTime();
  const toMs = range.to.getTime();
  if (!(toMs > fromMs)) throw new SeriesRangeError('"from" must be before "to"');
  const starts = localDayRuns(timeZone, fromMs, toMs, range.stepSeconds / DAY_SECONDS, MAX_BUCKETS);
  if (starts.at(-1)! < toMs) throw new SeriesRangeError(`at most ${MAX_BUCKETS} buckets: make "step" larger or the range shorter`);
  const holds = (level: RollupLevel) => nowMs - retention[level] <= fromMs;
  const onWholeHours = starts.every((s) => s % 3600_000 === 0);
  const width: RollupWidth = holds('hour') && onWholeHours ? 3600 : holds('minute') ? 60 : holds('hour') ? 3600 : 86_400;
  const widthMs = width * 1000;
  return {
    width,
    starts,
    readFromMs: Math.ceil(starts[0]! / widthMs) * widthMs,
    endMs: Math.min(starts.at(-1)!, Math.ceil(toMs / widthMs) * widthMs),
  };
}

/** The bucket an instant at or after the first start falls in: the last whose start is at or before it. */
function bucketAt(starts: readonly number[], ms: number): number {
  let lo = 0;
  let hi = starts.length - 2;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (starts[mid]! <= ms) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The local-day latency series of each site, from one read of the plan's level for all of them. */
export async function localLatencySeries(db: Db, siteIds: readonly number[], plan: LocalSeriesPlan): Promise<Map<number, LatencyBucket[]>> {
  const widthMs = plan.width * 1000;
  const rows = await readRollups(db, [...new Set(siteIds)], { startMs: plan.readFromMs, width: plan.width }, widthMs, plan.readFromMs, plan.endMs);
  const accs = new Map<number, Acc[]>();
  await accumulate(rows, accs, (k) => bucketAt(plan.starts, plan.readFromMs + k * widthMs));
  const buckets = plan.starts.length - 1;
  return new Map(
    siteIds.map((id) => {
      const perSite = accs.get(id) ?? [];
      return [id, Array.from({ length: buckets }, (_, i) => toBucket(new Date(plan.starts[i]!), perSite[i] && summarize(perSite[i])))];
    }),
  );
}
