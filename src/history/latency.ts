import type { Db } from '../db/client.ts';
import { statement } from '../db/dialect.ts';
import { type RawInt, readRows } from '../db/raw-reads.ts';
import { ROLLUP_LEVELS, type RollupLevel, type RollupWidth } from '../writer/rollups.ts';
import { toSqlDate } from '../db/sql-date.ts';
import { ClosedBucketCache, type KeptBucket } from './closed-buckets.ts';
import { addSparseCounts, decodeSketch, SketchMerge } from './sketch.ts';
import { forEachInSteps, turns } from '../turns.ts';

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

/**
 * The rollup rows of a series, read with the columns it needs and no model mapping: on a 100-site dashboard this is
 * some 2,400 rows, and Prisma's per-row mapping of `findMany` was the largest cost of the page. Aggregating in SQL
 * instead (json_each over every sketch, grouped) measured several times slower than decoding the sketches here. It
 * reads the CheckRollup model written by writer/rollups.ts; test/graphql/history-read.test.ts checks the series
 * against a recomputation from raw checks.
 */
const ROWS_SQL = statement(
  (d) => `SELECT "siteId" AS site, ${d.intDiv(`${d.epochMs('"start"')} - ?`, '?')} AS k, "count" AS n, "upCount" AS up,
    "latencyCount" AS ln, "latencySum" AS ls, "latencyMin" AS mn, "latencyMax" AS mx, CAST("sketch" AS TEXT) AS "sketch"
  FROM "CheckRollup" WHERE "width" = ? AND ${d.inJsonIds('"siteId"')} AND "start" >= ? AND "start" < ?`,
);

interface RollupRow {
  site: RawInt;
  k: RawInt;
  n: RawInt;
  up: RawInt;
  ln: RawInt;
  ls: number;
  mn: number | null;
  mx: number | null;
  sketch: string;
}

/** A chart bucket being summed: a kept bucket's numbers, its sketch still open to more rows. */
type Acc = Omit<KeptBucket, 'sketch' | 'quantiles'> & { sketch: SketchMerge };

/** Where a series may keep and find its closed buckets (see ClosedBucketCache). */
export interface SeriesCache {
  store: ClosedBucketCache;
  nowMs: number;
  /** The engine's reload count when the read began. */
  generation: number;
}

async function readRollups(db: Db, siteIds: readonly number[], plan: SeriesPlan, stepMs: number, fromMs: number, toMs: number): Promise<RollupRow[]> {
  await turns.next();
  return readRows<RollupRow>(db, ROWS_SQL, [plan.startMs, stepMs, plan.width, JSON.stringify(siteIds), toSqlDate(new Date(fromMs)), toSqlDate(new Date(toMs))]);
}

/** The smaller (or larger) of two values either of which may be missing. */
const lower = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const higher = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** Rows decoded and added per turn of the event loop. */
const ROWS_PER_TURN = 250;

/** Adds rollup rows into per-site chart buckets, ROWS_PER_TURN in each turn of the event loop. */
function accumulate(rows: readonly RollupRow[], accs: Map<number, Acc[]>): Promise<void> {
  return forEachInSteps(rows, ROWS_PER_TURN, (row) => {
    const site = Number(row.site);
    let perSite = accs.get(site);
    if (!perSite) accs.set(site, (perSite = []));
    const k = Number(row.k);
    const acc = (perSite[k] ??= { count: 0, upCount: 0, latencyCount: 0, latencySum: 0, min: null, max: null, sketch: new SketchMerge() });
    acc.count += Number(row.n);
    acc.upCount += Number(row.up);
    acc.latencyCount += Number(row.ln);
    acc.latencySum += row.ls;
    acc.min = lower(acc.min, row.mn);
    acc.max = higher(acc.max, row.mx);
    acc.sketch.add(decodeSketch(row.sketch));
  });
}

const QUANTILES = [0.5, 0.95, 0.99];

/** A bucket's figures without its sketch: what a chart answers. */
type Summary = Omit<KeptBucket, 'sketch'>;

const summarize = ({ sketch, ...figures }: Acc): Summary => ({ ...figures, quantiles: sketch.quantiles(QUANTILES) });

const keep = (acc: Acc | undefined): KeptBucket | undefined => acc && { ...summarize(acc), sketch: acc.sketch.sparse() };

/**
 * A kept closed part with the open rollups of its bucket added. The two sparse count lists are summed as they are:
 * a dense merge allocated and scanned an 8 KB array per site on every dashboard read.
 */
function withOpen(kept: KeptBucket, open: Acc): Acc {
  const sketch = new SketchMerge();
  sketch.addSparse(addSparseCounts(kept.sketch, open.sketch.sparse()));
  return {
    count: kept.count + open.count,
    upCount: kept.upCount + open.upCount,
    latencyCount: kept.latencyCount + open.latencyCount,
    latencySum: kept.latencySum + open.latencySum,
    min: lower(kept.min, open.min),
    max: higher(kept.max, open.max),
    sketch,
  };
}

/**
 * The latency series of each site: bucket k covers [start + k·step, start + (k + 1)·step), and a bucket without
 * checks has count 0 and null latencies. Percentiles come from the merged sketches (within the sketch's relative
 * error); count, min, max and mean are exact. Two statements at most, for all the sites: the closed rollups of the
 * sites whose closed part is not kept in `cache`, and the rollups still open (all of them, without a cache).
 */
export async function latencySeries(
  db: Db,
  siteIds: readonly number[],
  range: SeriesRange,
  plan: SeriesPlan,
  cache?: SeriesCache,
): Promise<Map<number, LatencyBucket[]>> {
  const stepMs = range.stepSeconds * 1000;
  const endMs = Math.min(plan.startMs + plan.buckets * stepMs, range.to.getTime());
  const ids = [...new Set(siteIds)];
  const closedEnd = cache ? ClosedBucketCache.closedEnd(cache.nowMs, plan.width * 1000, plan.startMs, endMs) : plan.startMs;
  const keyOf = (id: number) => `${cache?.generation}|${id}|${plan.width}|${plan.startMs}|${stepMs}|${closedEnd}`;
  const kept = new Map<number, (KeptBucket | undefined)[]>();
  const missing: number[] = [];
  for (const id of ids) {
    const found = cache?.store.get(keyOf(id));
    if (found) kept.set(id, found);
    else missing.push(id);
  }
  const [closedRows, openRows] = await Promise.all([
    missing.length > 0 && closedEnd > plan.startMs ? readRollups(db, missing, plan, stepMs, plan.startMs, closedEnd) : [],
    closedEnd < endMs ? readRollups(db, ids, plan, stepMs, closedEnd, endMs) : [],
  ]);
  const closed = new Map<number, Acc[]>();
  await accumulate(closedRows, closed);
  for (const id of missing) {
    const buckets = Array.from({ length: plan.buckets }, (_, k) => keep(closed.get(id)?.[k]));
    kept.set(id, buckets);
    if (cache && closedEnd > plan.startMs) cache.store.set(keyOf(id), buckets);
  }
  const open = new Map<number, Acc[]>();
  await accumulate(openRows, open);
  const series = new Map<number, LatencyBucket[]>();
  for (const siteId of siteIds) {
    const closedPart = kept.get(siteId) ?? [];
    const openPart = open.get(siteId) ?? [];
    series.set(
      siteId,
      Array.from({ length: plan.buckets }, (_, k) => {
        const start = new Date(plan.startMs + k * stepMs);
        const [c, o] = [closedPart[k], openPart[k]];
        if (c && o) return toBucket(start, summarize(withOpen(c, o)));
        return toBucket(start, c ?? (o && summarize(o)));
      }),
    );
  }
  return series;
}

function toBucket(start: Date, b: Summary | undefined): LatencyBucket {
  if (!b) return { start, count: 0, upCount: 0, min: null, avg: null, max: null, p50: null, p95: null, p99: null };
  const [p50, p95, p99] = b.quantiles;
  return {
    start,
    count: b.count,
    upCount: b.upCount,
    min: b.min,
    avg: b.latencyCount > 0 ? b.latencySum / b.latencyCount : null,
    max: b.max,
    p50: p50!,
    p95: p95!,
    p99: p99!,
  };
}
