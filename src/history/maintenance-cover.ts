import { CronExpressionParser } from 'cron-parser';
import type { Db } from '../db/client.ts';
import { statement } from '../db/dialect.ts';
import { type RawInt, readRows } from '../db/raw-reads.ts';
import { toSqlDate } from '../db/sql-date.ts';
import { validateRecurrence, type WindowRow } from '../engine/maintenance.ts';
import { offsetSpans } from '../engine/recurrence.ts';
import { type Interval, normalizeIntervals } from '../services/uptime.ts';
import { turns } from '../turns.ts';

/** Where maintenance-type windows were active over a range: the SLA leaves that time out. */
export interface MaintenanceCover {
  /** Windows on every site, normalized (sorted, merged). */
  global: Interval[];
  /** Windows on one site, or on a group (which covers its children), each list normalized. */
  bySite: Map<number, Interval[]>;
}

const DAY_MS = 24 * 3600_000;

/**
 * Fires handled per turn of the event loop (src/turns.ts): a fire costs well under a microsecond here, so a step
 * stays within a few milliseconds, and two years of a cron firing every five minutes (210,000 fires) take some
 * sixty turns.
 */
export const FIRES_PER_STEP = 4000;

/** Adds [start, end) to sorted, merged intervals: at the end (the usual case) or, around a DST change, in place. */
function addInterval(out: Interval[], start: number, end: number): void {
  const last = out.at(-1);
  if (!last || start > last.end) {
    if (!last || start >= last.start) out.push({ start, end });
    else insertInterval(out, start, end);
  } else if (start >= last.start) last.end = Math.max(last.end, end);
  else insertInterval(out, start, end);
}

function insertInterval(out: Interval[], start: number, end: number): void {
  let i = out.findIndex((x) => x.end >= start);
  if (i < 0) i = out.length;
  let j = i;
  while (j < out.length && out[j]!.start <= end) {
    start = Math.min(start, out[j]!.start);
    end = Math.max(end, out[j]!.end);
    j++;
  }
  out.splice(i, j - i, { start, end });
}

/**
 * The active stretches of one window within [fromMs, toMs), sorted and merged, every occurrence of a recurring one
 * included however many: the union of [fire, fire + duration) over its fires, within [startsAt, endsAt), as the engine
 * answers (windowStateAt: active while the last fire is less than a duration ago; test/history/maintenance-cover.test.ts
 * holds the two together). The cron is read on wall-clock time as the engine's Recurrence does; cron-parser finds
 * each day that has fires (one call a day), and a day's fires are its hours × minutes × seconds, so the cost is a
 * fraction of a microsecond a fire, taken FIRES_PER_STEP fires a turn. A window the engine refuses (validateRecurrence)
 * throws, and is never active for it either.
 */
export async function activeIntervals(w: WindowRow, fromMs: number, toMs: number): Promise<Interval[]> {
  const lo = Math.max(fromMs, w.startsAt.getTime());
  const hi = Math.min(toMs, w.endsAt ? w.endsAt.getTime() : Infinity);
  if (!(hi > lo)) return [];
  if (!w.recurrence) return [{ start: lo, end: hi }];
  const fires = validateRecurrence(w.recurrence, w.durationMinutes, w.timezone);
  const durationMs = w.durationMinutes! * 60_000;
  const cron = CronExpressionParser.parse(w.recurrence, { tz: 'UTC' });
  const { hour, minute, second } = cron.fields;
  const times: number[] = [];
  for (const h of hour.values)
    for (const m of minute.values) for (const sec of second.values) times.push(Number(h) * 3600_000 + Number(m) * 60_000 + Number(sec) * 1000);
  times.sort((a, b) => a - b);

  const out: Interval[] = [];
  let budget = FIRES_PER_STEP;
  const spend = async (n: number) => {
    budget -= n;
    if (budget > 0) return;
    budget = FIRES_PER_STEP;
    await turns.next();
  };
  // A fire up to a duration before `lo` still covers it; a day more, as the engine looks, for a spring-forward.
  for (const span of offsetSpans(w.timezone ?? 'UTC', lo - durationMs - DAY_MS, hi)) {
    // The wall times whose instants (wall - offset) fall in (lo - duration, hi), less those a fall-back repeats when the
    // cron fires only at their first instant (Recurrence).
    const wallFrom = Math.max(fires.firstWall(span), lo - durationMs + span.offset);
    const wallTo = Math.min(span.localEnd, hi + span.offset);
    let cursor = wallFrom;
    while (cursor < wallTo) {
      // The first fire at or after the cursor (fires fall on whole seconds): its day is a day with fires.
      cron.reset(new Date(Math.ceil(cursor / 1000) * 1000 - 1000));
      const first = cron.hasNext() ? cron.next().getTime() : Infinity;
      // A call of cron-parser costs about as much as thirty fires here.
      await spend(30);
      if (!(first < wallTo)) break;
      const day = Math.floor(first / DAY_MS) * DAY_MS;
      for (const t of times) {
        const wall = day + t;
        if (wall < first) continue;
        if (wall >= wallTo) break;
        const fire = wall - span.offset;
        const start = Math.max(fire, lo);
        const end = Math.min(fire + durationMs, hi);
        if (end > start) addInterval(out, start, end);
      }
      await spend(times.length);
      cursor = day + DAY_MS;
    }
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

/**
 * One statement: the maintenance-type windows that overlap [from, to], and where each was active in it (every
 * occurrence, in steps of the event loop: see activeIntervals).
 */
export async function loadMaintenanceCover(db: Db, from: Date, to: Date): Promise<MaintenanceCover> {
  const stored = await readRows<StoredWindow>(db, WINDOWS_SQL, [toSqlDate(to), toSqlDate(from)]);
  const global: Interval[][] = [];
  const bySite = new Map<number, Interval[][]>();
  for (const row of stored) {
    const w: WindowRow = {
      ...row,
      id: Number(row.id),
      siteId: row.siteId === null ? null : Number(row.siteId),
      durationMinutes: row.durationMinutes === null ? null : Number(row.durationMinutes),
    };
    let intervals: Interval[];
    try {
      intervals = await activeIntervals(w, from.getTime(), to.getTime());
    } catch {
      // A recurrence the engine refuses (validateRecurrence) is never active for it either.
      continue;
    }
    if (w.siteId === null) global.push(intervals);
    else bySite.set(w.siteId, [...(bySite.get(w.siteId) ?? []), intervals]);
  }
  return { global: await union(global), bySite: new Map(await Promise.all([...bySite].map(async ([id, lists]) => [id, await union(lists)] as const))) };
}

/** Sorted, merged lists as one: the list itself when there is one, else a merge that takes its turn. */
async function union(lists: readonly Interval[][]): Promise<Interval[]> {
  const nonEmpty = lists.filter((l) => l.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0] ?? [];
  await turns.next();
  return normalizeIntervals(nonEmpty.flat());
}

/** The stretches excluded for a site: global windows, its own, and its group's (sorted and merged). */
export function coverFor(cover: MaintenanceCover, siteId: number, parentId: number | null): Interval[] {
  const lists = [cover.global, cover.bySite.get(siteId) ?? [], parentId === null ? [] : (cover.bySite.get(parentId) ?? [])].filter((l) => l.length > 0);
  // Each list is normalized already: one of them is the answer as it is (a fleet under one global window shares it).
  if (lists.length <= 1) return lists[0] ?? [];
  return normalizeIntervals(lists.flat());
}
