import type { Db } from '../db/client.ts';
import { statement } from '../db/dialect.ts';
import { type RawInt, readRows } from '../db/raw-reads.ts';
import { toSqlDate } from '../db/sql-date.ts';
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

/**
 * The maintenance-type windows that overlap [from, to]. Hand-written: every SLA read asks with a new `to`, and Prisma
 * planned the model query anew each time, which cost a dashboard page more than all its other reads together.
 * test/graphql/history-read.test.ts holds the exclusions to what the windows say.
 */
const WINDOWS_SQL = statement(
  () => `SELECT "id", "type", "siteId", "startsAt", "endsAt", "recurrence", "durationMinutes", "timezone" FROM "MaintenanceWindow"
    WHERE "type" = 'MAINTENANCE' AND "startsAt" < ? AND ("endsAt" IS NULL OR "endsAt" > ?)`,
);

type StoredWindow = Omit<WindowRow, 'id' | 'siteId' | 'durationMinutes'> & { id: RawInt; siteId: RawInt | null; durationMinutes: RawInt | null };

/** One statement: the maintenance-type windows that overlap [from, to], and where each was active in it. */
export async function loadMaintenanceCover(db: Db, from: Date, to: Date): Promise<MaintenanceCover> {
  const stored = await readRows<StoredWindow>(db, WINDOWS_SQL, [toSqlDate(to), toSqlDate(from)]);
  const cover: MaintenanceCover = { global: [], bySite: new Map() };
  for (const row of stored) {
    const w: WindowRow = {
      ...row,
      id: Number(row.id),
      siteId: row.siteId === null ? null : Number(row.siteId),
      durationMinutes: row.durationMinutes === null ? null : Number(row.durationMinutes),
    };
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
