import type { MaintenanceWindow } from '../generated/prisma/client.ts';
import { RecurrenceError } from './errors.ts';
import { Recurrence } from './recurrence.ts';

export type WindowRow = Pick<MaintenanceWindow, 'id' | 'type' | 'siteId' | 'startsAt' | 'endsAt' | 'recurrence' | 'durationMinutes' | 'timezone'>;

/** Whether a window is active now, and until when that answer holds (Infinity: for good). */
export interface WindowState {
  active: boolean;
  until: number;
}

/** The longest occurrence of a recurring window. */
export const MAX_DURATION_MINUTES = 7 * 24 * 60;

/**
 * How far ahead a window not in an occurrence looks for the next one: past a week and a DST change, so a daily or
 * weekly window knows exactly; a rarer one is simply asked again then.
 */
const LOOKAHEAD_MS = 8 * 24 * 3600_000;

/**
 * Throws a RecurrenceError naming what is wrong with a recurring window's cron, duration or timezone; returns its
 * fires. A cron firing more than once a minute is refused: nobody means it, and it would make every occurrence a sliver.
 */
export function validateRecurrence(recurrence: string, durationMinutes: number | null, timezone: string | null): Recurrence {
  if (!durationMinutes || !Number.isInteger(durationMinutes) || durationMinutes <= 0 || durationMinutes > MAX_DURATION_MINUTES) {
    throw new RecurrenceError('durationMinutes', `a recurring window needs durationMinutes, a whole number from 1 to ${MAX_DURATION_MINUTES} (a week)`);
  }
  const tz = timezone ?? 'UTC';
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
  } catch {
    throw new RecurrenceError('timezone', `unknown IANA timezone "${tz}"`);
  }
  let fires: Recurrence;
  try {
    fires = new Recurrence(recurrence, tz);
  } catch (err) {
    throw new RecurrenceError('recurrence', `invalid cron expression "${recurrence}": ${(err as Error).message}`);
  }
  if (fires.subMinute) {
    throw new RecurrenceError(
      'recurrence',
      `"${recurrence}" fires more than once a minute: give its seconds field a single value (such as 0), or use 5 fields`,
    );
  }
  return fires;
}

/**
 * One-off: active when startsAt ≤ now < endsAt (or no end). Recurring: within those bounds, active for
 * durationMinutes from each cron fire, the cron read in the window's IANA timezone (so 02:00 stays 02:00 local across
 * DST changes), each occurrence lasting durationMinutes of real time. A wall time a fall-back repeats starts one
 * occurrence, at its first instant, unless the cron has `*` in its minute or hour field; one a spring-forward skips
 * starts at the instant it would have had (see Recurrence). The cost is the same whatever the cron: the
 * last fire at or before now and the next one, never every fire in between. `fires` spares parsing the cron again.
 */
export function windowStateAt(w: WindowRow, nowMs: number, fires?: Recurrence): WindowState {
  const start = w.startsAt.getTime();
  const end = w.endsAt ? w.endsAt.getTime() : Infinity;
  if (nowMs >= end) return { active: false, until: Infinity };
  if (nowMs < start) return { active: false, until: start };
  if (!w.recurrence) return { active: true, until: end };

  const durationMs = (w.durationMinutes ?? 0) * 60_000;
  if (!(durationMs > 0)) return { active: false, until: Infinity };
  const { last, next } = (fires ?? new Recurrence(w.recurrence, w.timezone ?? 'UTC')).around(nowMs, durationMs, LOOKAHEAD_MS);
  if (last !== null) return { active: true, until: Math.min(last + durationMs, end) };
  return { active: false, until: Math.min(next ?? nowMs + LOOKAHEAD_MS, end) };
}

const NEVER: WindowState = { active: false, until: Infinity };

/**
 * One window's answer, kept until the instant it can next change. The engine and the API both ask through this, so
 * they agree; a row whose recurrence fails validation is never active.
 */
export class WatchedWindow {
  readonly invalid: RecurrenceError | null = null;
  private readonly fires: Recurrence | undefined;
  private state: WindowState = { active: false, until: -Infinity };
  /** The kept answer holds for from ≤ now < state.until. */
  private from = Infinity;

  constructor(readonly row: WindowRow) {
    if (!row.recurrence) return;
    try {
      this.fires = validateRecurrence(row.recurrence, row.durationMinutes, row.timezone);
    } catch (err) {
      if (!(err instanceof RecurrenceError)) throw err;
      this.invalid = err;
    }
  }

  at(nowMs: number): WindowState {
    if (this.invalid) return NEVER;
    if (nowMs < this.from || nowMs >= this.state.until) {
      this.state = windowStateAt(this.row, nowMs, this.fires);
      this.from = nowMs;
    }
    return this.state;
  }
}

/** Answers the API's `active` for window rows read from the database, keeping each answer until it can change. */
export class WindowStates {
  /** Rows deleted behind its back are dropped only by a clear: this bounds what they can hold. */
  private static readonly MAX_KEPT = 10_000;
  private readonly byId = new Map<number, WatchedWindow>();

  isActive(row: WindowRow, nowMs: number): boolean {
    let watched = this.byId.get(row.id);
    if (!watched || !sameSchedule(watched.row, row)) {
      if (this.byId.size >= WindowStates.MAX_KEPT) this.byId.clear();
      watched = new WatchedWindow(row);
      this.byId.set(row.id, watched);
    }
    return watched.at(nowMs).active;
  }
}

function sameSchedule(a: WindowRow, b: WindowRow): boolean {
  return (
    a.startsAt.getTime() === b.startsAt.getTime() &&
    (a.endsAt?.getTime() ?? null) === (b.endsAt?.getTime() ?? null) &&
    a.recurrence === b.recurrence &&
    a.durationMinutes === b.durationMinutes &&
    a.timezone === b.timezone
  );
}

/**
 * The windows that have not ended, indexed by target, each with its answer kept until it can next change, so the
 * per-check question "is this site in maintenance" costs a few map lookups.
 */
export class MaintenanceIndex {
  private readonly global: WatchedWindow[] = [];
  private readonly bySite = new Map<number, WatchedWindow[]>();

  constructor(windows: Iterable<WindowRow>, onInvalid: (w: WindowRow, err: Error) => void = () => {}) {
    for (const row of windows) {
      const watched = new WatchedWindow(row);
      if (watched.invalid) onInvalid(row, watched.invalid);
      if (row.siteId === null) this.global.push(watched);
      else {
        const list = this.bySite.get(row.siteId);
        if (list) list.push(watched);
        else this.bySite.set(row.siteId, [watched]);
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
    const visit = (list: WatchedWindow[]) => {
      for (const w of list) next = Math.min(next, w.at(nowMs).until);
    };
    visit(this.global);
    for (const list of this.bySite.values()) visit(list);
    return next;
  }

  private anyActive(list: WatchedWindow[] | undefined, nowMs: number, anyType: boolean): boolean {
    if (!list) return false;
    for (const w of list) {
      if ((anyType || w.row.type === 'MAINTENANCE') && w.at(nowMs).active) return true;
    }
    return false;
  }
}
