import type { JsonRow } from '../db/dialect.ts';
import { toSqlDate } from '../db/sql-date.ts';
import { addTo, encodeSketch, type Sketch } from '../history/sketch.ts';
import { siteStatement } from './fencing.ts';
import type { Write } from './types.ts';

type CheckWrite = Extract<Write, { kind: 'check' }>;

/** The rollup levels and their bucket widths in seconds (UTC buckets). */
export const ROLLUP_LEVELS = { minute: 60, hour: 3600, day: 86_400 } as const;
export type RollupLevel = keyof typeof ROLLUP_LEVELS;
export type RollupWidth = (typeof ROLLUP_LEVELS)[RollupLevel];
export const ROLLUP_WIDTHS: readonly RollupWidth[] = Object.values(ROLLUP_LEVELS);

export const ROLLUP_COLUMNS = ['siteId', 'width', 'start', 'count', 'upCount', 'latencyCount', 'latencySum', 'latencyMin', 'latencyMax', 'sketch'];

/**
 * Adds a batch's buckets to the stored ones: counts and sums add, min and max compare, and the sketches merge by
 * adding the counts of equal buckets (both are JSON objects of bucket → count). A bucket row whose site was deleted
 * after its checks were queued is left out, as the checks themselves are.
 */
export const ROLLUP_SQL = siteStatement(
  (d, fence) => `INSERT INTO "CheckRollup" (${ROLLUP_COLUMNS.map((c) => `"${c}"`).join(', ')})
  SELECT ${ROLLUP_COLUMNS.map((c) => `v."${c}"`).join(', ')} FROM ${d.jsonRows('CheckRollup', ROLLUP_COLUMNS)}
  WHERE EXISTS (SELECT 1 FROM "Site" AS s WHERE s."id" = v."siteId")${fence(d)}
  ON CONFLICT ("siteId", "width", "start") DO UPDATE SET
    "count" = "CheckRollup"."count" + excluded."count",
    "upCount" = "CheckRollup"."upCount" + excluded."upCount",
    "latencyCount" = "CheckRollup"."latencyCount" + excluded."latencyCount",
    "latencySum" = "CheckRollup"."latencySum" + excluded."latencySum",
    "latencyMin" = CASE WHEN "CheckRollup"."latencyMin" IS NULL THEN excluded."latencyMin"
      WHEN excluded."latencyMin" IS NULL THEN "CheckRollup"."latencyMin" ELSE ${d.least('"CheckRollup"."latencyMin"', 'excluded."latencyMin"')} END,
    "latencyMax" = CASE WHEN "CheckRollup"."latencyMax" IS NULL THEN excluded."latencyMax"
      WHEN excluded."latencyMax" IS NULL THEN "CheckRollup"."latencyMax" ELSE ${d.greatest('"CheckRollup"."latencyMax"', 'excluded."latencyMax"')} END,
    "sketch" = ${d.mergeSketches('"CheckRollup"."sketch"', 'excluded."sketch"')}`,
);

interface Bucket {
  siteId: number;
  width: RollupWidth;
  startMs: number;
  count: number;
  upCount: number;
  latencyCount: number;
  latencySum: number;
  latencyMin: number | null;
  latencyMax: number | null;
  sketch: Sketch;
}

/** A batch's checks as one row per site, level and bucket, ready for ROLLUP_SQL. */
export function rollupRows(checks: readonly CheckWrite[]): JsonRow[] {
  const buckets = new Map<string, Bucket>();
  for (const check of checks) {
    const atMs = check.checkedAt.getTime();
    for (const width of ROLLUP_WIDTHS) {
      const startMs = Math.floor(atMs / (width * 1000)) * width * 1000;
      const key = `${check.siteId}:${width}:${startMs}`;
      let bucket = buckets.get(key);
      if (!bucket) {
        bucket = {
          siteId: check.siteId,
          width,
          startMs,
          count: 0,
          upCount: 0,
          latencyCount: 0,
          latencySum: 0,
          latencyMin: null,
          latencyMax: null,
          sketch: {},
        };
        buckets.set(key, bucket);
      }
      bucket.count++;
      if (check.up) bucket.upCount++;
      const latency = check.latencyMs;
      if (latency !== null && Number.isFinite(latency)) {
        bucket.latencyCount++;
        bucket.latencySum += latency;
        bucket.latencyMin = bucket.latencyMin === null ? latency : Math.min(bucket.latencyMin, latency);
        bucket.latencyMax = bucket.latencyMax === null ? latency : Math.max(bucket.latencyMax, latency);
        addTo(bucket.sketch, latency);
      }
    }
  }
  return [...buckets.values()].map((b) => [
    b.siteId,
    b.width,
    toSqlDate(new Date(b.startMs)),
    b.count,
    b.upCount,
    b.latencyCount,
    b.latencySum,
    b.latencyMin,
    b.latencyMax,
    encodeSketch(b.sketch),
  ]);
}
