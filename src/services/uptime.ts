import type { Db } from '../db/client.ts';
import { statement } from '../db/dialect.ts';
import { type RawInt, readRows } from '../db/raw-reads.ts';
import { toSqlDate } from '../db/sql-date.ts';
import { turns } from '../turns.ts';
import type { SiteStatus } from '../generated/prisma/client.ts';

export interface StatusChange {
  /** The status it changed from, when known: what the site was doing before it (statusAtStart). */
  from?: SiteStatus;
  to: SiteStatus;
  changedAt: Date;
}

export interface UptimeReport {
  uptimePercent: number;
  downtimeSeconds: number;
  /** Outages in the window, one already open at its start included. */
  outageCount: number;
  longestOutageSeconds: number;
  /** Mean outage duration (an ongoing one counts up to the window's end); null without outages. */
  mttrSeconds: number | null;
  /** Uptime divided by the outage count; null without outages or without uptime. */
  mtbfSeconds: number | null;
}

/** Only DOWN and SSL_EXPIRED are downtime; LATE, STALE and PENDING count as up (spec §10). */
export function isDowntime(status: SiteStatus): boolean {
  return status === 'DOWN' || status === 'SSL_EXPIRED';
}

/** A stretch of time [start, end) in epoch ms. */
export interface Interval {
  start: number;
  end: number;
}

/**
 * Milliseconds of [a, b) outside the excluded intervals (sorted by start, not overlapping). Found by bisection from
 * the first that ends after `a`: a window of every five minutes over two years is 210,000 intervals, and a
 * flapping site's 5,000 changes each ask.
 */
function outside(a: number, b: number, excluded: readonly Interval[]): number {
  let ms = b - a;
  let lo = 0;
  let hi = excluded.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (excluded[mid]!.end <= a) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < excluded.length; i++) {
    const x = excluded[i]!;
    if (x.start >= b) break;
    const overlap = Math.min(b, x.end) - Math.max(a, x.start);
    if (overlap > 0) ms -= overlap;
  }
  return ms;
}

/** Sorted and merged, so `outside` can walk them once. */
export function normalizeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const i of sorted) {
    const last = merged.at(-1);
    if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
    else merged.push({ ...i });
  }
  return merged;
}

/**
 * The status at `startMs`, one rule for every window: the last change at or before it says (its `to`); else the
 * first change after it (its `from`, UP when unknown, the spec's default); else, with no change at all, `otherwise`
 * (the caller's best knowledge: the status before the first change after a loaded range, else the current status).
 * `sorted` is in time order.
 */
export function statusAtStart(sorted: readonly StatusChange[], startMs: number, otherwise: SiteStatus): SiteStatus {
  let before: StatusChange | undefined;
  for (const c of sorted) {
    if (c.changedAt.getTime() > startMs) return before ? before.to : (c.from ?? 'UP');
    before = c;
  }
  return before ? before.to : otherwise;
}

/**
 * The spec's ComputeSLA over [from, to]: walks the changes in time order from the status at `from` (statusAtStart;
 * `otherwise` is the status when there is no change at all). So a window split in two gives the duration-weighted
 * parts, and a site down all along is one outage whether or not its change into DOWN was recorded (spec §10:
 * OutageCount includes one already open at the window's start).
 *
 * `excluded` (maintenance-type windows, normalized) is left out of the window: neither uptime nor downtime. An
 * outage counts for its time outside them, and one wholly inside them does not count at all.
 */
export function computeUptime(changes: readonly StatusChange[], otherwise: SiteStatus, from: Date, to: Date, excluded: readonly Interval[] = []): UptimeReport {
  const start = from.getTime();
  const end = Math.max(start, to.getTime());
  const report: UptimeReport = {
    uptimePercent: 100,
    downtimeSeconds: 0,
    outageCount: 0,
    longestOutageSeconds: 0,
    mttrSeconds: null,
    mtbfSeconds: null,
  };
  const sorted = [...changes].sort((a, b) => a.changedAt.getTime() - b.changedAt.getTime());

  let upMs = 0;
  let downMs = 0;
  const outages: number[] = [];
  let down = isDowntime(statusAtStart(sorted, start, otherwise));
  let outageMs = 0;
  let cursor = start;
  const closeOutage = () => {
    if (outageMs > 0) outages.push(outageMs);
    outageMs = 0;
  };
  for (const c of sorted) {
    const at = c.changedAt.getTime();
    if (at <= start) continue;
    if (at > end) break;
    const ms = outside(cursor, at, excluded);
    if (down) {
      downMs += ms;
      outageMs += ms;
    } else upMs += ms;
    const nowDown = isDowntime(c.to);
    if (down && !nowDown) closeOutage();
    down = nowDown;
    cursor = at;
  }
  const ms = outside(cursor, end, excluded);
  if (down) {
    downMs += ms;
    outageMs += ms;
    closeOutage();
  } else upMs += ms;

  const total = upMs + downMs;
  report.uptimePercent = total > 0 ? (upMs / total) * 100 : 100;
  report.downtimeSeconds = downMs / 1000;
  report.outageCount = outages.length;
  if (outages.length > 0) {
    report.longestOutageSeconds = Math.max(...outages) / 1000;
    report.mttrSeconds = outages.reduce((a, b) => a + b, 0) / outages.length / 1000;
    if (upMs > 0) report.mtbfSeconds = upMs / outages.length / 1000;
  }
  return report;
}

/**
 * A window's start, moved to the site's creation when it began before: a site that did not exist was neither up nor
 * down. Its first status change (PENDING to DOWN) is not recorded (spec §2.3), so without this a monitor created
 * DOWN a minute ago counted the whole window (30 days) as downtime.
 */
export function fromCreation(createdAt: Date, from: Date): Date {
  return from.getTime() < createdAt.getTime() ? createdAt : from;
}

/** What decides a site's uptime over a window: the changes (the last one at or before `from` first). */
export interface ChangeHistory {
  /**
   * The last change at or before `from` (dated `from`), then those inside. Without the first, the first inside carries
   * the status it changed from (`from`): what the site was doing at `from` (statusAtStart). No other needs it.
   */
  changes: StatusChange[];
  /** The status the first change after the window changed from: what the site was doing if no change says. */
  laterFrom: SiteStatus | null;
}

/** State changes read per statement: a flapping site keeps 5,000, and reading them at once held the event loop. */
export const CHANGES_PER_READ = 1000;

export const EDGES_SQL = statement(
  (d) => `SELECT s.value AS "siteId",
    (SELECT k."toStatus" FROM "StateChange" k WHERE k."siteId" = s.value AND k."changedAt" <= ? ORDER BY k."changedAt" DESC, k."id" DESC LIMIT 1) AS "before",
    (SELECT k."fromStatus" FROM "StateChange" k WHERE k."siteId" = s.value AND k."changedAt" > ? ORDER BY k."changedAt" ASC, k."id" ASC LIMIT 1) AS "later"
  FROM ${d.jsonIds('s')}`,
);

// Keyset pages in (siteId, changedAt, id) order, which the (siteId, changedAt) index serves.
export const INSIDE_SQL = statement(
  (d) => `SELECT "siteId", "fromStatus", "toStatus", "changedAt", "id" FROM "StateChange"
  WHERE ${d.inJsonIds('"siteId"')} AND "changedAt" > ? AND "changedAt" <= ? AND ("siteId", "changedAt", "id") > (?, ?, ?)
  ORDER BY "siteId", "changedAt", "id" LIMIT ${CHANGES_PER_READ}`,
);

/**
 * The change histories of many sites over (from, to]: one statement seeks, per site through the (siteId, changedAt)
 * index, the last change at or before `from` and the first one after `to`; the changes inside are read in pages of
 * CHANGES_PER_READ, each in its own turn of the event loop (src/turns.ts), so no read holds it for long however
 * much a site flapped.
 */
export async function loadChangeHistories(db: Db, siteIds: readonly number[], from: Date, to: Date): Promise<Map<number, ChangeHistory>> {
  const ids = JSON.stringify([...new Set(siteIds)]);
  const edges = await readRows<{ siteId: RawInt; before: SiteStatus | null; later: SiteStatus | null }>(db, EDGES_SQL, [toSqlDate(from), toSqlDate(to), ids]);
  const histories = new Map<number, ChangeHistory>();
  for (const e of edges) {
    histories.set(Number(e.siteId), { changes: e.before ? [{ to: e.before, changedAt: from }] : [], laterFrom: e.later });
  }
  // Before every site; the time is any valid one, as the site decides (PostgreSQL would not read '' as a time).
  let cursor: [RawInt, string, RawInt] = [-1, toSqlDate(from), -1];
  for (;;) {
    await turns.next();
    const page = await readRows<{ siteId: RawInt; fromStatus: SiteStatus; toStatus: SiteStatus; changedAt: Date | string; id: RawInt }>(db, INSIDE_SQL, [
      ids,
      toSqlDate(from),
      toSqlDate(to),
      ...cursor,
    ]);
    for (const c of page) {
      const changes = histories.get(Number(c.siteId))?.changes;
      const change: StatusChange = { to: c.toStatus, changedAt: new Date(c.changedAt) };
      if (changes?.length === 0) change.from = c.fromStatus;
      changes?.push(change);
    }
    if (page.length < CHANGES_PER_READ) return histories;
    const last = page.at(-1)!;
    cursor = [last.siteId, typeof last.changedAt === 'string' ? last.changedAt : toSqlDate(last.changedAt), last.id];
  }
}

/**
 * The report for one site over [from, to] (within the loaded range) from its loaded history: the status at `from` is
 * statusAtStart's, the first change after the loaded range deciding when no loaded change does, then the current
 * status when the site never changed.
 */
export function uptimeFromHistory(
  history: ChangeHistory | undefined,
  currentStatus: SiteStatus,
  from: Date,
  to: Date,
  excluded: readonly Interval[] = [],
): UptimeReport {
  return computeUptime(history?.changes ?? [], history?.laterFrom ?? currentStatus, from, to, excluded);
}
