import { describe, expect, it } from 'vitest';
import { localDayRuns, localDays } from '../../src/history/local-days.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Independent of the code under test: the local date of an instant, from Intl. */
function localDate(timeZone: string, ms: number): string {
  let format = formats.get(timeZone);
  if (!format) formats.set(timeZone, (format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })));
  return format.format(ms);
}
const formats = new Map<string, Intl.DateTimeFormat>();

/** The first minute whose local date is `date`, scanning forward from two days before `near`. */
function firstMinuteOf(timeZone: string, date: string, near: number): number {
  let t = Math.floor((near - 2 * DAY) / MINUTE) * MINUTE;
  while (localDate(timeZone, t) < date) t += MINUTE;
  return t;
}

describe('localDays', () => {
  // Midnights a spring-forward skips (Santiago, Havana), one a fall-back repeats (Santiago in April), DST changes at
  // other hours, half-hour changes (Lord Howe), and zones without DST.
  const cases: [string, number][] = [
    ['America/Santiago', Date.UTC(2026, 8, 7, 18)],
    ['America/Havana', Date.UTC(2026, 2, 9, 18)],
    ['America/Santiago', Date.UTC(2026, 3, 5, 18)],
    ['Europe/Berlin', Date.UTC(2026, 2, 30, 12)],
    ['Europe/Berlin', Date.UTC(2026, 9, 26, 12)],
    ['America/New_York', Date.UTC(2026, 2, 9, 18)],
    ['Australia/Lord_Howe', Date.UTC(2026, 3, 5, 6)],
    ['Australia/Lord_Howe', Date.UTC(2026, 9, 4, 6)],
    ['Asia/Kolkata', Date.UTC(2026, 2, 30, 12)],
    ['UTC', Date.UTC(2026, 2, 30, 12)],
  ];
  for (const [timeZone, now] of cases) {
    it(`starts each day in ${timeZone} around ${new Date(now).toISOString().slice(0, 10)} at its first existing instant`, () => {
      const days = localDays(timeZone, 4, now);
      expect(days.at(-1)).toMatchObject({ date: localDate(timeZone, now), end: now });
      for (const [i, day] of days.entries()) {
        expect({ date: day.date, start: new Date(day.start).toISOString(), local: localDate(timeZone, day.start) }).toEqual({
          date: day.date,
          start: new Date(firstMinuteOf(timeZone, day.date, day.start)).toISOString(),
          local: day.date,
        });
        if (i > 0) expect(days[i - 1]!.end).toBe(day.start);
      }
    });
  }

  for (const [timeZone, now] of cases) {
    it(`runs of one and of two local days in ${timeZone} around ${new Date(now).toISOString().slice(0, 10)} start where its days do`, () => {
      const days = localDays(timeZone, 4, now);
      // From within the first day; each run after the one holding `now` ends at the next local midnight.
      const after = localDays(timeZone, 1, days.at(-1)!.start + 36 * HOUR)[0]!.start;
      expect(localDayRuns(timeZone, days[0]!.start + HOUR, now, 1, 10)).toEqual([...days.map((d) => d.start), after]);
      expect(localDayRuns(timeZone, days[0]!.start, now, 2, 10)).toEqual([days[0]!.start, days[2]!.start, after]);
    });
  }

  it('stops after `max` runs, the last start still before the end', () => {
    const runs = localDayRuns('Europe/London', Date.UTC(2026, 0, 1), Date.UTC(2026, 11, 31), 1, 5);
    expect(runs).toHaveLength(6);
    expect(runs.at(-1)).toBe(Date.UTC(2026, 0, 6));
  });

  it('makes the day of a skipped midnight 23 hours long, from 01:00 local', () => {
    // America/Santiago, 2026-09-06: 00:00 (-04) is 01:00 (-03).
    const [, skipped] = localDays('America/Santiago', 3, Date.UTC(2026, 8, 7, 18));
    expect(skipped).toEqual({ date: '2026-09-06', start: Date.UTC(2026, 8, 6, 4), end: Date.UTC(2026, 8, 7, 3) });
  });
});
