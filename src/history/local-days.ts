import { offsetAt } from '../engine/recurrence.ts';

const DAY_MS = 24 * 3600_000;

/** The wall clock (as UTC fields) in the zone at an instant. */
const wallAt = (timeZone: string, ms: number) => ms + offsetAt(timeZone, ms);

/**
 * The first instant of the local day whose midnight (given as UTC fields) is `wallMidnightMs`: that midnight when it
 * exists (its earlier instant when a fall-back repeats it); else, when a spring-forward skips it (America/Santiago,
 * America/Havana), the instant of the transition, the day's first existing instant (01:00 local there).
 */
function midnightIn(timeZone: string, wallMidnightMs: number): number {
  // The offsets in force around that midnight: no zone changes its offset twice within two days.
  const offsets = new Set([-DAY_MS, 0, DAY_MS].map((d) => offsetAt(timeZone, wallMidnightMs + d)));
  const exact = [...offsets].map((o) => wallMidnightMs - o).filter((t) => wallAt(timeZone, t) === wallMidnightMs);
  if (exact.length > 0) return Math.min(...exact);
  // Skipped: the day starts at the first instant whose wall clock is past midnight. Before `lo` the wall clock is
  // still on the previous day, at `hi` it is on this one; offsets change on whole seconds.
  let lo = wallMidnightMs - Math.max(...offsets);
  let hi = wallMidnightMs - Math.min(...offsets);
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallAt(timeZone, mid) >= wallMidnightMs) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The last `days` local days in the zone, oldest first, today included and cut at now: each with its date
 * (YYYY-MM-DD) and its [start, end) instants. A DST day is 23 or 25 hours long, as the wall clock says.
 */
export function localDays(timeZone: string, days: number, nowMs: number): { date: string; start: number; end: number }[] {
  const todayWall = nowMs + offsetAt(timeZone, nowMs);
  const todayMidnightWall = Math.floor(todayWall / DAY_MS) * DAY_MS;
  const out: { date: string; start: number; end: number }[] = [];
  for (let k = days - 1; k >= 0; k--) {
    const wall = todayMidnightWall - k * DAY_MS;
    const start = midnightIn(timeZone, wall);
    const end = k === 0 ? nowMs : midnightIn(timeZone, wall + DAY_MS);
    out.push({ date: new Date(wall).toISOString().slice(0, 10), start, end });
  }
  return out;
}
