import { offsetAt } from '../engine/recurrence.ts';

const DAY_MS = 24 * 3600_000;

/** The instant a wall-clock midnight (given as UTC fields) happens in the zone; offsets are read twice for DST. */
function midnightIn(timeZone: string, wallMidnightMs: number): number {
  const guess = wallMidnightMs - offsetAt(timeZone, wallMidnightMs);
  return wallMidnightMs - offsetAt(timeZone, guess);
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
