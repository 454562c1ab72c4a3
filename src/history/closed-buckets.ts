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
 * later (a probe's result may arrive up to three intervals late, a backed-up writer later still): every read compares
 * what is kept with a fingerprint of the rows (latency.ts), so a late check is seen at the next read.
 */
export const CLOSE_GRACE_MS = 60_000;
/** What the kept buckets may take, roughly, in bytes: past it the least recently used go. */
const MAX_BYTES = 32 * 1024 * 1024;

/**
 * The closed part of each site's latency series, kept between requests. Rollups of hours and days that have ended do
 * not change, so a dashboard asking every few seconds for the last 24 hours re-reads only the rollup still open
 * (one row a site) and merges it into what it kept; the keys carry the range, the step, where the closed part ends
 * (it moves once per level width) and the engine's reload count (an import replaces every row). What is kept is
 * checked against the rows' counts at each read, and read again when they moved: a check written late into a closed
 * rollup, on this instance or another, is never hidden by it.
 */
export class ClosedBucketCache {
  private readonly entries = new Map<string, { buckets: (KeptBucket | undefined)[]; bytes: number }>();
  private bytes = 0;

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

  get size(): number {
    return this.entries.size;
  }
}
