import { LATE_CHECK_MS } from '../engine/events.ts';
import type { SparseCounts } from './sketch.ts';

/** A chart bucket's aggregates over its closed rollups, the sketch kept compact. */
export interface KeptBucket {
  /** Rollup rows summed into it: with the counts, what latency.ts compares with the rows to know it still holds. */
  rows: number;
  count: number;
  upCount: number;
  latencyCount: number;
  latencySum: number;
  min: number | null;
  max: number | null;
  sketch: SparseCounts;
  /** p50, p95 and p99 of the sketch, for a bucket that no open rollup adds to. */
  quantiles: (number | null)[];
}

/**
 * A rollup is kept as closed this long after its end: most checks are written by then. Not a promise that none come
 * later (a probe's result may arrive up to three intervals late, a backed-up writer later still): a site that had such
 * a check (noteLateCheck) has what is kept of it compared with a fingerprint of its rows (latency.ts) at each read for
 * LATE_WATCH_MS after, so the late check is seen at the next read once written.
 */
export const CLOSE_GRACE_MS = LATE_CHECK_MS;
/** How long after a late check its site's kept buckets are checked against the rows: the writer has written it by then. */
export const LATE_WATCH_MS = 10 * 60_000;
/** What the kept buckets may take, roughly, in bytes: past it the least recently used go. */
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * The closed part of each site's latency series, kept between requests. Rollups of hours and days that have ended do
 * not change, so a dashboard asking every few seconds for the last 24 hours re-reads only the rollup still open
 * (one row a site) and merges it into what it kept; the keys carry the range, the step, where the closed part ends
 * (it moves once per level width) and the engine's reload count (an import replaces every row). A site that had a check
 * dated before the grace, on this instance or another (every check is published to all), is suspect for a while: what
 * is kept of it is checked against the rows' counts at each read, and read again when they moved. Checking every site
 * at every read scanned every kept row again and doubled a dashboard's cost.
 */
export class ClosedBucketCache {
  private readonly entries = new Map<string, { buckets: (KeptBucket | undefined)[]; bytes: number }>();
  private bytes = 0;
  /** Site id → until when (ms) its kept buckets are checked against the rows, in the order noted, so soonest first. */
  private readonly late = new Map<number, number>();

  /**
   * A late check of the site ('site:lateCheck'): it may land in a rollup kept as closed. The watches that have run out
   * go here too: `suspect` drops one only when its site is read, and most sites (a deleted one always) never are.
   */
  noteLateCheck(siteId: number, nowMs: number): void {
    this.late.delete(siteId);
    this.late.set(siteId, nowMs + LATE_WATCH_MS);
    for (const [id, until] of this.late) {
      if (until > nowMs) break;
      this.late.delete(id);
    }
  }

  /** Sites whose kept buckets are watched for late checks, for tests. */
  get watchedSites(): number {
    return this.late.size;
  }

  /** Whether what is kept of the site must be checked against its rows (it had a late check lately). */
  suspect(siteId: number, nowMs: number): boolean {
    const until = this.late.get(siteId);
    if (until === undefined) return false;
    if (until > nowMs) return true;
    this.late.delete(siteId);
    return false;
  }

  /** The end of the closed rollups of `widthMs` at `nowMs`, within [startMs, endMs]. */
  static closedEnd(nowMs: number, widthMs: number, startMs: number, endMs: number): number {
    return Math.min(endMs, Math.max(startMs, Math.floor((nowMs - CLOSE_GRACE_MS) / widthMs) * widthMs));
  }

  get(key: string): (KeptBucket | undefined)[] | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    // Most recently used last, so eviction takes from the front.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.buckets;
  }

  set(key: string, buckets: (KeptBucket | undefined)[]): void {
    const old = this.entries.get(key);
    if (old) this.bytes -= old.bytes;
    let bytes = 64 + key.length * 2;
    for (const b of buckets) bytes += b ? 128 + b.sketch.buckets.byteLength + b.sketch.counts.byteLength : 8;
    this.entries.delete(key);
    this.entries.set(key, { buckets, bytes });
    this.bytes += bytes;
    for (const [k, entry] of this.entries) {
      if (this.bytes <= MAX_BYTES) break;
      this.entries.delete(k);
      this.bytes -= entry.bytes;
    }
  }

  /** Forgets everything kept: late checks may have gone unheard (the events between instances were lost for a while). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }
}
