import { CronExpressionParser } from 'cron-parser';
import type { MaintenanceWindow } from '../generated/prisma/client.ts';

export type WindowRow = Pick<
  MaintenanceWindow,
  'id' | 'type' | 'siteId' | 'startsAt' | 'endsAt' | 'recurrence' | 'durationMinutes' | 'timezone'
>;

/** Whether a window is active now, and until when that answer holds (Infinity: for good). */
export interface WindowState {
  active: boolean;
  until: number;
}

export class RecurrenceError extends Error {
  override name = 'RecurrenceError';
}

/** Throws a RecurrenceError naming what is wrong with a recurring window's cron, duration or timezone. */
export function validateRecurrence(recurrence: string, durationMinutes: number | null, timezone: string | null): void {
  if (!durationMinutes || !Number.isInteger(durationMinutes) || durationMinutes <= 0) {
    throw new RecurrenceError('a recurring window needs durationMinutes, a whole number above 0');
  }
  const tz = timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new RecurrenceError(`unknown IANA timezone "${tz}"`);
  }
  try {
    CronExpressionParser.parse(recurrence, { tz }).next();
  } catch (err) {
    throw new RecurrenceError(`invalid cron expression "${recurrence}": ${(err as Error).message}`);
  }
}

/**
 * One-off: active when startsAt ≤ now < endsAt (or no end). Recurring: within those bounds, active for
 * durationMinutes from each cron fire time, the cron read in the window's IANA timezone (so 02:00 stays 02:00 local
 * across DST changes; a fire time that does not exist that day moves to the next valid local time).
 */
export function windowStateAt(w: WindowRow, nowMs: number): WindowState {
  const start = w.startsAt.getTime();
  const end = w.endsAt ? w.endsAt.getTime() : Infinity;
  if (nowMs >= end) return { active: false, until: Infinity };
  if (nowMs < start) return { active: false, until: start };
  if (!w.recurrence) return { active: true, until: end };

  const durationMs = (w.durationMinutes ?? 0) * 60_000;
  if (durationMs <= 0) return { active: false, until: Infinity };
  // next() is strictly after currentDate: starting one duration back finds every occurrence still running now.
  const fires = CronExpressionParser.parse(w.recurrence, { currentDate: new Date(nowMs - durationMs), tz: w.timezone ?? 'UTC' });
  let lastFire: number | null = null;
  for (;;) {
    const fire = fires.next().getTime();
    if (fire > nowMs) {
      if (lastFire !== null) return { active: true, until: Math.min(lastFire + durationMs, end) };
      return { active: false, until: Math.min(fire, end) };
    }
    lastFire = fire;
  }
}

/** windowStateAt for callers that only need the answer (the API's `active` field). */
export function isWindowActive(w: WindowRow, now: Date): boolean {
  try {
    return windowStateAt(w, now.getTime()).active;
  } catch {
    return false;
  }
}

interface CachedWindow {
  row: WindowRow;
  suppresses: boolean;
  active: boolean;
  /** The cached answer holds for from ≤ now < until. */
  from: number;
  until: number;
  /** A recurrence that cannot be evaluated is never active (reported once). */
  broken: boolean;
}

/**
 * The windows that have not ended, indexed by target, each with its answer cached until it can next change, so the
 * per-check question "is this site in maintenance" costs a few map lookups.
 */
export class MaintenanceIndex {
  private readonly global: CachedWindow[] = [];
  private readonly bySite = new Map<number, CachedWindow[]>();

  constructor(windows: Iterable<WindowRow>, onInvalid: (w: WindowRow, err: Error) => void = () => {}) {
    for (const row of windows) {
      const entry: CachedWindow = { row, suppresses: row.type === 'MAINTENANCE', active: false, from: Infinity, until: -Infinity, broken: false };
      if (row.recurrence) {
        try {
          validateRecurrence(row.recurrence, row.durationMinutes, row.timezone);
        } catch (err) {
          entry.broken = true;
          onInvalid(row, err as Error);
        }
      }
      if (row.siteId === null) this.global.push(entry);
      else {
        const list = this.bySite.get(row.siteId);
        if (list) list.push(entry);
        else this.bySite.set(row.siteId, [entry]);
      }
    }
  }

  /**
   * A window covers the site now: global, on the site itself, or on its group. Only MAINTENANCE-type windows count
   * unless `anyType` (incidents are informational: DESIGN decision 1).
   */
  covers(siteId: number, parentId: number | null, nowMs: number, anyType = false): boolean {
    return (
      this.anyActive(this.global, nowMs, anyType) ||
      this.anyActive(this.bySite.get(siteId), nowMs, anyType) ||
      (parentId !== null && this.anyActive(this.bySite.get(parentId), nowMs, anyType))
    );
  }

  /** Earliest instant after which some window's answer may change (Infinity if none). */
  nextChange(nowMs: number): number {
    let next = Infinity;
    const visit = (list: CachedWindow[]) => {
      for (const w of list) if (!w.broken) next = Math.min(next, this.refresh(w, nowMs).until);
    };
    visit(this.global);
    for (const list of this.bySite.values()) visit(list);
    return next;
  }

  private anyActive(list: CachedWindow[] | undefined, nowMs: number, anyType: boolean): boolean {
    if (!list) return false;
    for (const w of list) {
      if ((anyType || w.suppresses) && !w.broken && this.refresh(w, nowMs).active) return true;
    }
    return false;
  }

  private refresh(w: CachedWindow, nowMs: number): CachedWindow {
    if (nowMs < w.from || nowMs >= w.until) {
      const state = windowStateAt(w.row, nowMs);
      w.active = state.active;
      w.from = nowMs;
      w.until = state.until;
    }
    return w;
  }
}
