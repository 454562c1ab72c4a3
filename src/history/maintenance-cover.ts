import type { Db } from '../db/client.ts';
import { windowStateAt, type WindowRow } from '../engine/maintenance.ts';
import { Recurrence } from '../engine/recurrence.ts';
import { normalizeIntervals, type Interval } from '../services/uptime.ts';

/** Where maintenance-type windows were active over a range: the SLA leaves that time out. */
export interface MaintenanceCover {
  /** Windows on every site. */
  global: Interval[];
  /** Windows on one site, or on a group (which covers its children). */
  bySite: Map<number, Interval[]>;
}

/** Occurrences walked per window at most: a daily window over two years is 730. */
const MAX_OCCURRENCES = 5000;

/**
 * The active stretches of one window within [fromMs, toMs), found by asking the same question as the engine
 * (windowStateAt: active now, and until when) from one answer's end to the next, so the two never disagree.
 */
export function activeIntervals(w: WindowRow, fromMs: number, toMs: number): Interval[] {
  const fires = w.recurrence ? new Recurrence(w.recurrence, w.timezone ?? 'UTC') : undefined;
  const out: Interval[] = [];
  let t = fromMs;
  for (let i = 0; i < 2 * MAX_OCCURRENCES && t < toMs; i++) {
    const state = windowStateAt(w, t, fires);
    const until = Math.min(state.until, toMs);
    if (state.active) out.push({ start: t, end: until });
    if (until <= t) break;
    t = until;
  }
  return out;
}

/** One statement: the maintenance-type windows that overlap [from, to], and where each was active in it. */
export async function loadMaintenanceCover(db: Db, from: Date, to: Date): Promise<MaintenanceCover> {
  const windows = await db.maintenanceWindow.findMany({
    where: { type: 'MAINTENANCE', startsAt: { lt: to }, OR: [{ endsAt: null }, { endsAt: { gt: from } }] },
    select: { id: true, type: true, siteId: true, startsAt: true, endsAt: true, recurrence: true, durationMinutes: true, timezone: true },
  });
  const cover: MaintenanceCover = { global: [], bySite: new Map() };
  for (const w of windows) {
    let intervals: Interval[];
    try {
      intervals = activeIntervals(w, from.getTime(), to.getTime());
    } catch {
      // A recurrence that no longer parses is never active for the engine either.
      continue;
    }
    if (w.siteId === null) cover.global.push(...intervals);
    else cover.bySite.set(w.siteId, [...(cover.bySite.get(w.siteId) ?? []), ...intervals]);
  }
  return cover;
}

/** The stretches excluded for a site: global windows, its own, and its group's. */
export function coverFor(cover: MaintenanceCover, siteId: number, parentId: number | null): Interval[] {
  return normalizeIntervals([...cover.global, ...(cover.bySite.get(siteId) ?? []), ...(parentId === null ? [] : (cover.bySite.get(parentId) ?? []))]);
}
