import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Db } from '../db/client.ts';
import { dialectOf, statement } from '../db/dialect.ts';
import { Prisma, type SiteStatus } from '../generated/prisma/client.ts';
import type { RecentResult } from './types.ts';

/** Results kept per site: the Go original's history length (spec §10), one bar strip of the status page. */
export const RECENT_RESULTS = 60;

/**
 * Sites per seeding query: 100 × 60 rows at most. better-sqlite3 answers synchronously and Prisma converts every row,
 * so 500 sites held the event loop for ~450 ms (5,000 sites with 300 checks each, here); 100 hold it for ~90 ms.
 */
const SEED_SITES_PER_QUERY = 100;

/**
 * A ring slot as read: its Date is made only when `checkedAt` is read. A sparkline asks for status and latency alone,
 * and a dashboard page reads 6,000 of these; a Date each was a tenth of that page's server time.
 */
class RecentCheck implements RecentResult {
  constructor(
    readonly status: SiteStatus,
    readonly latencyMs: number | null,
    private readonly atMs: number,
  ) {}

  get checkedAt(): Date {
    return new Date(this.atMs);
  }
}

/** Status ↔ one byte; the order is only this file's. */
const STATUSES: readonly SiteStatus[] = ['UP', 'DOWN', 'PENDING', 'LATE', 'STALE', 'SSL_EXPIRED'];
const STATUS_CODE = new Map(STATUSES.map((status, i) => [status, i]));

/**
 * One site's ring in three typed arrays (about 1 KB, against some 6 KB for sixty small objects): 10,000 sites hold
 * about 10 MB. A latency unknown (push beats, groups, failures) is NaN. Latencies are kept as doubles, as the checks
 * table keeps them: a float32 gave the sparkline values the checks do not have (93.84728240966797 for 93.8472837),
 * whose shortest decimal forms also made a dashboard page's JSON a third slower to write.
 */
class Ring {
  readonly atMs = new Float64Array(RECENT_RESULTS);
  readonly latencyMs = new Float64Array(RECENT_RESULTS);
  readonly status = new Uint8Array(RECENT_RESULTS);
  next = 0;
  count = 0;

  push(status: SiteStatus, latencyMs: number | null, atMs: number): void {
    const i = this.next;
    this.atMs[i] = atMs;
    this.latencyMs[i] = latencyMs ?? Number.NaN;
    this.status[i] = STATUS_CODE.get(status) ?? 0;
    this.next = (i + 1) % RECENT_RESULTS;
    this.count = Math.min(this.count + 1, RECENT_RESULTS);
  }

  /** Oldest first. */
  list(): RecentResult[] {
    const out: RecentResult[] = new Array(this.count);
    const first = (this.next - this.count + RECENT_RESULTS) % RECENT_RESULTS;
    for (let k = 0; k < this.count; k++) {
      const i = (first + k) % RECENT_RESULTS;
      const latency = this.latencyMs[i]!;
      out[k] = new RecentCheck(STATUSES[this.status[i]!]!, Number.isNaN(latency) ? null : latency, this.atMs[i]!);
    }
    return out;
  }
}

/** The last RECENT_RESULTS results of each site, in memory: what a bar strip or a sparkline shows without a query. */
export class RecentResults {
  private readonly rings = new Map<number, Ring>();

  record(siteId: number, status: SiteStatus, latencyMs: number | null, at: Date): void {
    let ring = this.rings.get(siteId);
    if (!ring) this.rings.set(siteId, (ring = new Ring()));
    ring.push(status, latencyMs, at.getTime());
  }

  /** Oldest first; empty for a site never checked or not known. */
  get(siteId: number): RecentResult[] {
    return this.rings.get(siteId)?.list() ?? [];
  }

  remove(siteId: number): void {
    this.rings.delete(siteId);
  }

  /**
   * Rows read at start (readRecentRows), oldest first per site, read while the engine already checks: a site that has
   * results by then keeps them, after the rows older than its oldest (a row as new or newer would overtake them).
   */
  seed(rows: Iterable<RecentRow>): void {
    const bySite = new Map<number, RecentRow[]>();
    for (const row of rows) {
      const list = bySite.get(row.siteId);
      if (list) list.push(row);
      else bySite.set(row.siteId, [row]);
    }
    for (const [siteId, seeded] of bySite) {
      const newer = this.get(siteId);
      const oldestMs = newer[0]?.checkedAt.getTime() ?? Number.POSITIVE_INFINITY;
      const older = seeded.filter((row) => row.checkedAt.getTime() < oldestMs);
      if (older.length === 0) continue;
      const ring = new Ring();
      for (const r of [...older, ...newer]) ring.push(r.status, r.latencyMs, r.checkedAt.getTime());
      this.rings.set(siteId, ring);
    }
  }
}

export interface RecentRow {
  siteId: number;
  status: SiteStatus;
  latencyMs: number | null;
  checkedAt: Date;
}

/** Each site's newest RECENT_RESULTS checks, by the (siteId, checkedAt) index (no tie-break on id: it would sort them all). */
const NEWEST_CHECKS = statement((d) =>
  d.joinRowsByIds('Check', 'c', `SELECT k."id" FROM "Check" k WHERE k."siteId" = s."id" ORDER BY k."checkedAt" DESC LIMIT ${RECENT_RESULTS}`),
);

interface RawRecentRow {
  siteId: number | bigint;
  status: SiteStatus;
  latencyMs: number | null;
  checkedAt: Date | string;
}

/**
 * The newest RECENT_RESULTS check rows of each given site, oldest first per site, one query per
 * SEED_SITES_PER_QUERY sites. Each site's rows come from the (siteId, checkedAt) index with a LIMIT, so a site with
 * a thousand retained checks costs sixty rows, not a thousand.
 */
export async function readRecentRows(db: Db, siteIds: readonly number[]): Promise<RecentRow[]> {
  const newest = Prisma.raw(NEWEST_CHECKS[dialectOf(db).provider]);
  const rows: RecentRow[] = [];
  for (let i = 0; i < siteIds.length; i += SEED_SITES_PER_QUERY) {
    if (i > 0) await yieldToEventLoop();
    const ids = siteIds.slice(i, i + SEED_SITES_PER_QUERY);
    const page = await db.$queryRaw<RawRecentRow[]>`
      SELECT c."siteId", c."status", c."latencyMs", c."checkedAt"
      FROM "Site" s ${newest}
      WHERE s."id" IN (${Prisma.join(ids)})
      ORDER BY c."siteId", c."checkedAt", c."id"`;
    for (const r of page) {
      rows.push({ siteId: Number(r.siteId), status: r.status, latencyMs: r.latencyMs, checkedAt: new Date(r.checkedAt) });
    }
  }
  return rows;
}
