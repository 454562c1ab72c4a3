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

/**
 * The starts of consecutive runs of `stepDays` local days, from the local day that holds `fromMs` on, while they start
 * before `toMs`, and the start of the run after the last: each run as long as the wall clock says (DST days included).
 * Stops after `max` runs (the last start then still before `toMs`): the caller refuses more.
 */
export function localDayRuns(timeZone: string, fromMs: number, toMs: number, stepDays: number, max: number): number[] {
  const firstWall = Math.floor(wallAt(timeZone, fromMs) / DAY_MS) * DAY_MS;
  const starts = [midnightIn(timeZone, firstWall)];
  let offset = offsetAt(timeZone, starts[0]!);
  for (let k = 1; starts.at(-1)! < toMs && starts.length <= max; k++) {
    const wall = firstWall + k * stepDays * DAY_MS;
    // A day on, the last midnight's offset mostly still holds: one lookup instead of midnightIn's four. The instant it
    // gives is the first to show that midnight, as no zone changes its offset twice within a day.
    const guess = wall - offset;
    if (stepDays === 1 && offsetAt(timeZone, guess) === offset) {
      starts.push(guess);
      continue;
    }
    starts.push(midnightIn(timeZone, wall));
    offset = offsetAt(timeZone, starts.at(-1)!);
  }
  return starts;
}
