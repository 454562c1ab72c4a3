import type { Db } from '../db/client.ts';
import type { SiteStatus } from '../generated/prisma/client.ts';
import { coverFor, loadMaintenanceCover } from '../history/maintenance-cover.ts';
import { fromCreation, loadChangeHistories, uptimeFromHistory } from '../services/uptime.ts';

const DAY_MS = 24 * 3600_000;

/** Sites per history read: bounded whatever the fleet (each read also takes its turns of the event loop, src/turns.ts). */
const SITES_PER_READ = 500;

export interface SiteUptime {
  /** Percent over the last 24 hours. */
  day: number;
  /** Percent over the last 30 days. */
  month: number;
}

export interface UptimeSite {
  id: number;
  status: SiteStatus;
  createdAt: Date;
  /** Its group, public or not: a window on the group covers it. */
  parentId: number | null;
}

/**
 * The 24 h and 30 d uptime of many sites with the services' batched history read (two statements per
 * SITES_PER_READ sites, not two per site), maintenance-type windows left out as `Site.uptime` leaves them out by
 * default: the page and the API must not disagree on the same site. The 30-day history also decides the last 24
 * hours: its first change is the status before the window, which holds at the start of the shorter one too.
 */
export async function readUptimes(db: Db, sites: readonly UptimeSite[], now: Date): Promise<Map<number, SiteUptime>> {
  const monthStart = new Date(now.getTime() - 30 * DAY_MS);
  const dayStart = new Date(now.getTime() - DAY_MS);
  const cover = await loadMaintenanceCover(db, monthStart, now);
  const out = new Map<number, SiteUptime>();
  for (let i = 0; i < sites.length; i += SITES_PER_READ) {
    const page = sites.slice(i, i + SITES_PER_READ);
    const ids = page.map((s) => s.id);
    const histories = await loadChangeHistories(db, ids, monthStart, now);
    for (const site of page) {
      const history = histories.get(site.id);
      const excluded = coverFor(cover, site.id, site.parentId);
      out.set(site.id, {
        day: uptimeFromHistory(history, site.status, fromCreation(site.createdAt, dayStart), now, excluded).uptimePercent,
        month: uptimeFromHistory(history, site.status, fromCreation(site.createdAt, monthStart), now, excluded).uptimePercent,
      });
    }
  }
  return out;
}
