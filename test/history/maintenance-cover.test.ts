import { describe, expect, it } from 'vitest';
import { type WindowRow, windowStateAt } from '../../src/engine/maintenance.ts';
import { Recurrence } from '../../src/engine/recurrence.ts';
import { activeIntervals, FIRES_PER_STEP } from '../../src/history/maintenance-cover.ts';
import { type Interval, normalizeIntervals } from '../../src/services/uptime.ts';
import { recordTurns } from '../helpers/turns.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function window(recurrence: string | null, durationMinutes: number | null, timezone: string, startsAt: number, endsAt: number | null = null): WindowRow {
  return {
    id: 1,
    type: 'MAINTENANCE',
    siteId: null,
    startsAt: new Date(startsAt),
    endsAt: endsAt === null ? null : new Date(endsAt),
    recurrence,
    durationMinutes,
    timezone,
  };
}

/** The engine's own answer, asked from one answer's end to the next over the whole range (no cut). */
function byTheEngine(w: WindowRow, fromMs: number, toMs: number): Interval[] {
  const fires = w.recurrence ? new Recurrence(w.recurrence, w.timezone ?? 'UTC') : undefined;
  const out: Interval[] = [];
  for (let t = fromMs; t < toMs; ) {
    const state = windowStateAt(w, t, fires);
    const until = Math.min(state.until, toMs);
    if (state.active) out.push({ start: t, end: until });
    if (until <= t) break;
    t = until;
  }
  return normalizeIntervals(out);
}

const total = (intervals: readonly Interval[]) => intervals.reduce((sum, i) => sum + i.end - i.start, 0);

describe('activeIntervals', () => {
  const cases: [string, WindowRow, number, number][] = [
    // 02:30 daily in Berlin: skipped on 2026-03-29 (starts 03:30 summer time), repeated on 2026-10-25 (starts at the first).
    ['daily through a spring-forward', window('30 2 * * *', 60, 'Europe/Berlin', Date.UTC(2026, 0, 1)), Date.UTC(2026, 2, 24), Date.UTC(2026, 3, 3)],
    ['daily through a fall-back', window('30 2 * * *', 60, 'Europe/Berlin', Date.UTC(2026, 0, 1)), Date.UTC(2026, 9, 20), Date.UTC(2026, 9, 30)],
    ['every 20 minutes through a fall-back', window('*/20 2 * * *', 10, 'Europe/Berlin', Date.UTC(2026, 0, 1)), Date.UTC(2026, 9, 24), Date.UTC(2026, 9, 26)],
    // Starts in an occurrence, ends in another.
    [
      'hourly, cut by its own bounds',
      window('0 * * * *', 30, 'UTC', Date.UTC(2026, 5, 1, 10, 10), Date.UTC(2026, 5, 3, 20, 15)),
      Date.UTC(2026, 5, 1),
      Date.UTC(2026, 5, 4),
    ],
    // Occurrences that overlap: one stretch.
    ['every five minutes for ten', window('*/5 * * * *', 10, 'America/New_York', Date.UTC(2026, 2, 7)), Date.UTC(2026, 2, 7, 12), Date.UTC(2026, 2, 9)],
    ['weekly, half-hour DST', window('0 22 * * 0', 180, 'Australia/Lord_Howe', Date.UTC(2026, 0, 1)), Date.UTC(2026, 2, 1), Date.UTC(2026, 4, 1)],
    // Midnight on the 1st in Santiago; 2026-09-06's midnight does not exist (a Sunday: the weekday form).
    [
      'monthly and on Sundays at a skipped midnight',
      window('0 0 1 * *', 120, 'America/Santiago', Date.UTC(2025, 0, 1)),
      Date.UTC(2025, 11, 1),
      Date.UTC(2026, 11, 31),
    ],
    ['Sundays at midnight, Santiago', window('0 0 * * 0', 90, 'America/Santiago', Date.UTC(2026, 0, 1)), Date.UTC(2026, 7, 20), Date.UTC(2026, 8, 20)],
    ['a fire before the range still covers it', window('0 23 * * *', 240, 'UTC', Date.UTC(2026, 0, 1)), Date.UTC(2026, 5, 1, 1), Date.UTC(2026, 5, 3)],
    ['one-off', window(null, null, 'UTC', Date.UTC(2026, 5, 1, 3), Date.UTC(2026, 5, 1, 5)), Date.UTC(2026, 5, 1), Date.UTC(2026, 5, 2)],
  ];
  for (const [name, w, from, to] of cases) {
    it(`agrees with the engine's windowStateAt: ${name}`, async () => {
      const got = await activeIntervals(w, from, to);
      expect(got.length).toBeGreaterThan(0);
      expect(got).toEqual(byTheEngine(w, from, to));
    });
  }

  it('leaves out every occurrence of an hourly window over 300 days, where 5,000 walked ones used to stop it', async () => {
    const to = Date.UTC(2026, 5, 10);
    const from = to - 300 * DAY;
    const got = await activeIntervals(window('0 * * * *', 30, 'UTC', from - DAY), from, to);
    expect(got).toHaveLength(300 * 24);
    expect(total(got)).toBe(300 * 12 * HOUR);
    expect(got.at(-1)).toEqual({ start: to - HOUR, end: to - 30 * MINUTE });
  });

  it('walks two years of a window every five minutes in steps, one per turn of the event loop', async () => {
    const to = Date.UTC(2026, 5, 10);
    const from = to - 730 * DAY;
    const record = recordTurns();
    const got = await activeIntervals(window('*/5 * * * *', 2, 'Europe/Berlin', from - DAY), from, to).finally(record.stop);
    const fires = (730 * DAY) / (5 * MINUTE);
    expect(got).toHaveLength(fires);
    expect(total(got)).toBe(fires * 2 * MINUTE);
    expect(record.steps()).toBeGreaterThanOrEqual(Math.floor(fires / FIRES_PER_STEP));
    expect(record.crowded()).toBe(-1);
  });

  it('refuses what the engine refuses (never active there): a cron firing more than once a minute', async () => {
    await expect(activeIntervals(window('* * * * * *', 5, 'UTC', 0), DAY, 2 * DAY)).rejects.toThrow(/more than once a minute/);
  });
});
