import type { Db } from '../db/client.ts';
import { type Dialect, statement } from '../db/dialect.ts';
import { type RawInt, readRows } from '../db/raw-reads.ts';
import { ROLLUP_LEVELS, type RollupLevel, type RollupWidth } from '../writer/rollups.ts';
import { toSqlDate } from '../db/sql-date.ts';
import { ClosedBucketCache, type KeptBucket } from './closed-buckets.ts';
import { addSparseCounts, decodeSketch, SketchMerge } from './sketch.ts';
import { forEachInSteps, turns } from '../turns.ts';

/**
 * One step of a latency series: the checks that started in [start, start + step), the last step cut at the series'
 * end (SeriesPlan.endMs). Latencies in ms.
 */
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
  /**
   * Where the series stops counting: `to` rounded up to `finest`, whichever level the buckets are read from. The
   * part of the last bucket that is not a whole row of `width` is read from the finer levels.
   */
  endMs: number;
  /** The finest level that still holds the last bucket's part before `to`: a minute, unless older than its retention. */
  finest: RollupWidth;
}

const COARSEST_FIRST = (Object.entries(ROLLUP_LEVELS) as [RollupLevel, RollupWidth][]).sort((a, b) => b[1] - a[1]);
const ROLLUP_WIDTHS_DESC = COARSEST_FIRST.map(([, width]) => width);

/**
 * Which rollup level a series reads. Among the levels whose width divides the step: the coarsest one that `from`
 * is aligned to and that still holds `from` (no rounding, fewest rows); else the finest that holds `from` (`from`
 * rounded down to its width); else the coarsest (what is older than its retention has no checks). So a caller who
 * wants 24 whole hours of hourly buckets passes a `from` on the hour and reads 24 rows per site.
 *
 * Where the series ends does not depend on that choice: at `to` rounded up to a whole minute (to an hour, or a day,
 * when the finer rollups no longer hold the last bucket), the part of the last bucket after its last whole row of the
 * level read from finer rows. A level's row is never added whole when it runs past that end.
 */
export function planSeries(range: SeriesRange, nowMs: number, retention: LevelRetention): SeriesPlan {
  const { from, to, stepSeconds } = range;
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (!(toMs > fromMs)) throw new SeriesRangeError('"from" must be before "to"');
  const candidates = COARSEST_FIRST.filter(([, width]) => Number.isInteger(stepSeconds) && stepSeconds > 0 && stepSeconds % width === 0);
  if (candidates.length === 0) throw new SeriesRangeError('"step" must be a positive whole number of minutes, in seconds (60, 300, 3600, ...)');
  const holds = ([level]: [RollupLevel, RollupWidth], atMs: number) => nowMs - retention[level] <= atMs;
  const aligned = candidates.find((c) => holds(c, fromMs) && fromMs % (c[1] * 1000) === 0);
  const [, width] = aligned ?? [...candidates].reverse().find((c) => holds(c, fromMs)) ?? candidates[0]!;
  const startMs = Math.floor(fromMs / (width * 1000)) * width * 1000;
  const buckets = Math.ceil((toMs - startMs) / (stepSeconds * 1000));
  if (buckets > MAX_BUCKETS) throw new SeriesRangeError(`at most ${MAX_BUCKETS} buckets: make "step" larger or the range shorter`);
  // A series up to now, what dashboards ask for, cuts no row: nothing was checked after now, so the open row is read
  // whole (one row a site, not its sixty minutes).
  if (toMs >= nowMs)
    return { width, startMs, buckets, endMs: Math.min(startMs + buckets * stepSeconds * 1000, Math.ceil(toMs / (width * 1000)) * width * 1000), finest: width };
  // The last whole row of `width` ends at tailStart; what follows up to `to` comes from the finest level holding it.
  const tailStart = Math.max(startMs, Math.floor(toMs / (width * 1000)) * width * 1000);
  const finer = COARSEST_FIRST.filter(([, w]) => w <= width).reverse();
  const [, finest] = finer.find((c) => holds(c, tailStart)) ?? [undefined, width];
  const endMs = Math.min(startMs + buckets * stepSeconds * 1000, Math.ceil(toMs / (finest * 1000)) * finest * 1000);
  return { width, startMs, buckets, endMs, finest };
}

/**
 * The rollup rows of a series, read with the columns it needs and no model mapping: on a 100-site dashboard this is
 * some 2,400 rows, and Prisma's per-row mapping of `findMany` was the largest cost of the page. Aggregating in SQL
 * instead (json_each over every sketch, grouped) measured several times slower than decoding the sketches here. It
 * reads the CheckRollup model written by writer/rollups.ts; test/graphql/history-read.test.ts checks the series
 * against a recomputation from raw checks.
 */
const rowsOf = (d: Dialect) => `SELECT "siteId" AS site, ${d.intDiv(`${d.epochMs('"start"')} - ?`, '?')} AS k, "count" AS n, "upCount" AS up,
    "latencyCount" AS ln, "latencySum" AS ls, "latencyMin" AS mn, "latencyMax" AS mx, CAST("sketch" AS TEXT) AS "sketch", 0 AS agg
  FROM "CheckRollup" WHERE "width" = ? AND ${d.inJsonIds('"siteId"')} AND "start" >= ? AND "start" < ?`;
const ROWS_SQL = statement(rowsOf);

/**
 * The rows a read takes anew: up to three ranges of rows (the level's open rows, then the last bucket's part from
 * finer levels, see planSeries), and, for the sites whose closed part is kept, a fingerprint of each of its chart
 * buckets (row count and summed counts) from the rows as they are now. A kept bucket whose rows changed since (a check
 * written late into a closed rollup, a pruned row) no longer matches and is read again: what is kept never differs
 * from the rows. One statement, as before the fingerprint: most reads find every kept bucket unchanged.
 */
const OPEN_SQL = statement(
  (d) => `${rowsOf(d)} UNION ALL ${rowsOf(d)} UNION ALL ${rowsOf(d)} UNION ALL
  SELECT "siteId" AS site, ${d.intDiv(`${d.epochMs('"start"')} - ?`, '?')} AS k, SUM("count") AS n, SUM("upCount") AS up,
    SUM("latencyCount") AS ln, COUNT(*) AS ls, NULL AS mn, NULL AS mx, NULL AS "sketch", 1 AS agg
  FROM "CheckRollup" WHERE "width" = ? AND ${d.inJsonIds('"siteId"')} AND "start" >= ? AND "start" < ? GROUP BY 1, 2`,
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
  /** 1 for a fingerprint of kept rows (OPEN_SQL): n, up and ln summed, ls the row count. */
  agg: RawInt;
}

/** A chart bucket being summed: a kept bucket's numbers, its sketch still open to more rows. */
export type Acc = Omit<KeptBucket, 'sketch' | 'quantiles'> & { sketch: SketchMerge };

/** Where a series may keep and find its closed buckets (see ClosedBucketCache). */
export interface SeriesCache {
  store: ClosedBucketCache;
  nowMs: number;
  /** The engine's reload count when the read began. */
  generation: number;
}

/** Rows of one level of the given sites that start in [fromMs, toMs). */
interface Segment {
  width: RollupWidth;
  fromMs: number;
  toMs: number;
}

const segmentArgs = (plan: Pick<SeriesPlan, 'startMs'>, stepMs: number, ids: readonly number[], s: Segment) => [
  plan.startMs,
  stepMs,
  s.width,
  JSON.stringify(ids),
  toSqlDate(new Date(s.fromMs)),
  toSqlDate(new Date(s.toMs)),
];

/** The rows of `plan.width` in [fromMs, toMs), each with k = how many steps of `stepMs` after `plan.startMs` it starts. */
export async function readRollups(
  db: Db,
  siteIds: readonly number[],
  plan: Pick<SeriesPlan, 'startMs' | 'width'>,
  stepMs: number,
  fromMs: number,
  toMs: number,
): Promise<RollupRow[]> {
  await turns.next();
  return readRows<RollupRow>(db, ROWS_SQL, segmentArgs(plan, stepMs, siteIds, { width: plan.width, fromMs, toMs }));
}

/** OPEN_SQL: `segments` (at most three) of `siteIds`, and the fingerprints of `keptIds` over `kept`. */
async function readOpen(
  db: Db,
  siteIds: readonly number[],
  plan: SeriesPlan,
  stepMs: number,
  segments: readonly Segment[],
  keptIds: readonly number[],
  kept: Segment,
): Promise<RollupRow[]> {
  await turns.next();
  const padded = [...segments, ...Array<Segment>(3 - segments.length).fill({ width: plan.width, fromMs: plan.startMs, toMs: plan.startMs })];
  return readRows<RollupRow>(db, OPEN_SQL, [...padded.flatMap((s) => segmentArgs(plan, stepMs, siteIds, s)), ...segmentArgs(plan, stepMs, keptIds, kept)]);
}

/** Whether the kept buckets of a site are those its rows give now: every chart bucket's row count and sums. */
function stillHolds(kept: readonly (KeptBucket | undefined)[], fingerprints: readonly RollupRow[]): boolean {
  let buckets = 0;
  for (const b of kept) if (b) buckets++;
  if (fingerprints.length !== buckets) return false;
  return fingerprints.every((f) => {
    const b = kept[Number(f.k)];
    return b !== undefined && b.rows === Number(f.ls) && b.count === Number(f.n) && b.upCount === Number(f.up) && b.latencyCount === Number(f.ln);
  });
}

/** The smaller (or larger) of two values either of which may be missing. */
const lower = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const higher = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** Rows decoded and added per turn of the event loop. */
const ROWS_PER_TURN = 250;

/**
 * Adds rollup rows into per-site chart buckets, ROWS_PER_TURN in each turn of the event loop: a row into bucket
 * `bucketOf(k)`, k itself unless told.
 */
export function accumulate(rows: readonly RollupRow[], accs: Map<number, Acc[]>, bucketOf: (k: number) => number = (k) => k): Promise<void> {
  return forEachInSteps(rows, ROWS_PER_TURN, (row) => {
    const site = Number(row.site);
    let perSite = accs.get(site);
    if (!perSite) accs.set(site, (perSite = []));
    const k = bucketOf(Number(row.k));
    const acc = (perSite[k] ??= { rows: 0, count: 0, upCount: 0, latencyCount: 0, latencySum: 0, min: null, max: null, sketch: new SketchMerge() });
    acc.rows++;
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
export type Summary = Omit<KeptBucket, 'sketch'>;

export const summarize = ({ sketch, ...figures }: Acc): Summary => ({ ...figures, quantiles: sketch.quantiles(QUANTILES) });

const keep = (acc: Acc | undefined): KeptBucket | undefined => acc && { ...summarize(acc), sketch: acc.sketch.sparse() };

/**
 * A kept closed part with the open rollups of its bucket added. The two sparse count lists are summed as they are:
 * a dense merge allocated and scanned an 8 KB array per site on every dashboard read.
 */
function withOpen(kept: KeptBucket, open: Acc): Acc {
  const sketch = new SketchMerge();
  sketch.addSparse(addSparseCounts(kept.sketch, open.sketch.sparse()));
  return {
    rows: kept.rows + open.rows,
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
 * The latency series of each site: bucket k covers [start + k·step, start + (k + 1)·step), the last one cut at
 * `plan.endMs`, and a bucket without checks has count 0 and null latencies. Percentiles come from the merged sketches
 * (within the sketch's relative error); count, min, max and mean are exact. Two statements at most in the usual case,
 * for all the sites: the closed rollups of the sites whose closed part is not kept in `cache`, and the rollups still
 * open (all of them, without a cache) with the fingerprints of the kept ones; a third only for kept sites whose rows
 * changed since (a check written late), which are read again.
 */
export async function latencySeries(
  db: Db,
  siteIds: readonly number[],
  range: SeriesRange,
  plan: SeriesPlan,
  cache?: SeriesCache,
): Promise<Map<number, LatencyBucket[]>> {
  const stepMs = range.stepSeconds * 1000;
  const widthMs = plan.width * 1000;
  const endMs = plan.endMs;
  // The level's whole rows end here; the rest of the last bucket comes from finer levels.
  const wholeEnd = Math.max(plan.startMs, Math.floor(endMs / widthMs) * widthMs);
  const ids = [...new Set(siteIds)];
  const closedEnd = cache ? ClosedBucketCache.closedEnd(cache.nowMs, widthMs, plan.startMs, wholeEnd) : plan.startMs;
  const keyOf = (id: number) => `${cache?.generation}|${id}|${plan.width}|${plan.startMs}|${stepMs}|${closedEnd}`;
  const kept = new Map<number, (KeptBucket | undefined)[]>();
  const missing: number[] = [];
  for (const id of ids) {
    const found = closedEnd > plan.startMs ? cache?.store.get(keyOf(id)) : undefined;
    if (found) kept.set(id, found);
    else missing.push(id);
  }
  const segments: Segment[] = [];
  if (closedEnd < wholeEnd) segments.push({ width: plan.width, fromMs: closedEnd, toMs: wholeEnd });
  let tailFrom = wholeEnd;
  for (const width of ROLLUP_WIDTHS_DESC) {
    if (width >= plan.width || width < plan.finest || tailFrom >= endMs) continue;
    const tailTo = Math.floor(endMs / (width * 1000)) * width * 1000;
    if (tailTo > tailFrom) segments.push({ width, fromMs: tailFrom, toMs: tailTo });
    tailFrom = Math.max(tailFrom, tailTo);
  }
  // Only the kept sites that had a late check lately are compared with their rows (ClosedBucketCache.noteLateCheck).
  const keptIds = cache ? [...kept.keys()].filter((id) => cache.store.suspect(id, cache.nowMs)) : [];
  const closedPart: Segment = { width: plan.width, fromMs: plan.startMs, toMs: closedEnd };
  const [closedRows, openRows] = await Promise.all([
    missing.length > 0 && closedEnd > plan.startMs ? readRollups(db, missing, plan, stepMs, plan.startMs, closedEnd) : [],
    segments.length > 0 || keptIds.length > 0 ? readOpen(db, ids, plan, stepMs, segments, keptIds, closedPart) : [],
  ]);
  // Kept buckets whose rows changed since they were kept are read again, as if never kept.
  const fingerprints = new Map<number, RollupRow[]>();
  for (const row of openRows) if (Number(row.agg) === 1) fingerprints.set(Number(row.site), [...(fingerprints.get(Number(row.site)) ?? []), row]);
  const stale = keptIds.filter((id) => !stillHolds(kept.get(id)!, fingerprints.get(id) ?? []));
  for (const id of stale) kept.delete(id);
  const closed = new Map<number, Acc[]>();
  await accumulate(stale.length > 0 ? [...closedRows, ...(await readRollups(db, stale, plan, stepMs, plan.startMs, closedEnd))] : closedRows, closed);
  for (const id of [...missing, ...stale]) {
    const buckets = Array.from({ length: plan.buckets }, (_, k) => keep(closed.get(id)?.[k]));
    kept.set(id, buckets);
    if (cache && closedEnd > plan.startMs) cache.store.set(keyOf(id), buckets);
  }
  const open = new Map<number, Acc[]>();
  await accumulate(
    openRows.filter((row) => Number(row.agg) === 0),
    open,
  );
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

export function toBucket(start: Date, b: Summary | undefined): LatencyBucket {
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
