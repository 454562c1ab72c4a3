import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Db } from '../db/client.ts';
import { toSqlDate } from '../db/sql-date.ts';
import { Prisma, type SiteStatus } from '../generated/prisma/client.ts';
import { computeUptime, type StatusChange } from '../services/uptime.ts';

const DAY_MS = 24 * 3600_000;

/** Sites per pair of queries: bounded whatever the fleet, and each query short enough not to stall the event loop. */
const SITES_PER_QUERY = 500;

export interface SiteUptime {
  /** Percent over the last 24 hours. */
  day: number;
  /** Percent over the last 30 days. */
  month: number;
}

/**
 * The 24 h and 30 d uptime of many sites (services/uptime.ts's computeUptime over their state changes) with two
 * queries per SITES_PER_QUERY sites, not two per site: the changes of the last 30 days, and the last change before
 * them, which says what each site was doing when the window opened.
 */
export async function readUptimes(db: Db, sites: readonly { id: number; status: SiteStatus }[], now: Date): Promise<Map<number, SiteUptime>> {
  const monthStart = new Date(now.getTime() - 30 * DAY_MS);
  const dayStart = new Date(now.getTime() - DAY_MS);
  const out = new Map<number, SiteUptime>();
  for (let i = 0; i < sites.length; i += SITES_PER_QUERY) {
    if (i > 0) await yieldToEventLoop();
    const page = sites.slice(i, i + SITES_PER_QUERY);
    const changes = await readChanges(
      db,
      page.map((s) => s.id),
      monthStart,
      now,
    );
    for (const site of page) {
      const mine = changes.get(site.id) ?? [];
      out.set(site.id, {
        day: computeUptime(mine, site.status, dayStart, now).uptimePercent,
        month: computeUptime(mine, site.status, monthStart, now).uptimePercent,
      });
    }
  }
  return out;
}

/** Per site, in time order: its last change at or before `from`, then every change in (from, to]. */
async function readChanges(db: Db, ids: number[], from: Date, to: Date): Promise<Map<number, StatusChange[]>> {
  const [before, inside] = await Promise.all([
    db.$queryRaw<{ siteId: number | bigint; toStatus: SiteStatus; changedAt: Date | string }[]>`
      SELECT c."siteId", c."toStatus", c."changedAt" FROM "StateChange" c WHERE c."id" IN (
        SELECT (SELECT k."id" FROM "StateChange" k WHERE k."siteId" = s."id" AND k."changedAt" <= ${toSqlDate(from)}
                ORDER BY k."changedAt" DESC, k."id" DESC LIMIT 1)
        FROM "Site" s WHERE s."id" IN (${Prisma.join(ids)})
      )`,
    db.stateChange.findMany({
      where: { siteId: { in: ids }, changedAt: { gt: from, lte: to } },
      select: { siteId: true, toStatus: true, changedAt: true },
      orderBy: [{ siteId: 'asc' }, { changedAt: 'asc' }, { id: 'asc' }],
    }),
  ]);
  const bySite = new Map<number, StatusChange[]>();
  const add = (siteId: number, to: SiteStatus, changedAt: Date) => {
    const list = bySite.get(siteId);
    if (list) list.push({ to, changedAt });
    else bySite.set(siteId, [{ to, changedAt }]);
  };
  for (const c of before) add(Number(c.siteId), c.toStatus, new Date(c.changedAt));
  for (const c of inside) add(c.siteId, c.toStatus, c.changedAt);
  return bySite;
}
