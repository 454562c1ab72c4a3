import type { Db } from '../db/client.ts';
import type { SiteStatus } from '../generated/prisma/client.ts';

export interface StatusChange {
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

/**
 * The spec's ComputeSLA over [from, to]: walks the changes in time order from the status at `from` (the last
 * change at or before it, else UP). Without any change the current status decides: 100 %, or 0 % when broken.
 */
export function computeUptime(changes: readonly StatusChange[], currentStatus: SiteStatus, from: Date, to: Date): UptimeReport {
  const windowMs = Math.max(0, to.getTime() - from.getTime());
  const report: UptimeReport = {
    uptimePercent: 100,
    downtimeSeconds: 0,
    outageCount: 0,
    longestOutageSeconds: 0,
    mttrSeconds: null,
    mtbfSeconds: null,
  };
  if (changes.length === 0) {
    if (isDowntime(currentStatus)) {
      report.uptimePercent = 0;
      report.downtimeSeconds = windowMs / 1000;
    }
    return report;
  }

  const sorted = [...changes].sort((a, b) => a.changedAt.getTime() - b.changedAt.getTime());
  const start = from.getTime();
  const end = to.getTime();
  let statusAtStart: SiteStatus = 'UP';
  for (const c of sorted) {
    if (c.changedAt.getTime() > start) break;
    statusAtStart = c.to;
  }

  let upMs = 0;
  let downMs = 0;
  const outages: number[] = [];
  let down = isDowntime(statusAtStart);
  let outageStart = start;
  let cursor = start;
  if (down) report.outageCount = 1;

  for (const c of sorted) {
    const at = c.changedAt.getTime();
    if (at < start) continue;
    if (at > end) break;
    if (down) downMs += at - cursor;
    else upMs += at - cursor;
    const nowDown = isDowntime(c.to);
    if (!down && nowDown) {
      report.outageCount++;
      outageStart = at;
    } else if (down && !nowDown) {
      outages.push(at - outageStart);
    }
    down = nowDown;
    cursor = at;
  }
  if (down) {
    downMs += end - cursor;
    outages.push(end - outageStart);
  } else {
    upMs += end - cursor;
  }

  const total = upMs + downMs;
  report.uptimePercent = total > 0 ? (upMs / total) * 100 : 100;
  report.downtimeSeconds = downMs / 1000;
  if (outages.length > 0) {
    report.longestOutageSeconds = Math.max(...outages) / 1000;
    report.mttrSeconds = outages.reduce((a, b) => a + b, 0) / outages.length / 1000;
  }
  if (report.outageCount > 0 && upMs > 0) report.mtbfSeconds = upMs / report.outageCount / 1000;
  return report;
}

/**
 * Loads the changes that decide [from, to] (those inside it and the last one before it) and computes the report.
 * With none of those, the status during the window is what the first later change changed from, else the current one.
 */
export async function siteUptime(db: Db, siteId: number, currentStatus: SiteStatus, from: Date, to: Date): Promise<UptimeReport> {
  const select = { toStatus: true, changedAt: true } as const;
  const [inside, before] = await Promise.all([
    db.stateChange.findMany({ where: { siteId, changedAt: { gt: from, lte: to } }, select, orderBy: [{ changedAt: 'asc' }, { id: 'asc' }] }),
    db.stateChange.findFirst({ where: { siteId, changedAt: { lte: from } }, select, orderBy: [{ changedAt: 'desc' }, { id: 'desc' }] }),
  ]);
  const changes = (before ? [before, ...inside] : inside).map((c) => ({ to: c.toStatus, changedAt: c.changedAt }));
  if (changes.length > 0) return computeUptime(changes, currentStatus, from, to);
  const later = await db.stateChange.findFirst({
    where: { siteId, changedAt: { gt: to } },
    select: { fromStatus: true },
    orderBy: [{ changedAt: 'asc' }, { id: 'asc' }],
  });
  return computeUptime([], later?.fromStatus ?? currentStatus, from, to);
}
