import { describe, expect, it } from 'vitest';
import { MaintenanceIndex, RecurrenceError, validateRecurrence, windowStateAt, type WindowRow } from '../../src/engine/maintenance.ts';

const iso = (s: string) => new Date(s);
let nextId = 1;
function win(over: Partial<WindowRow> = {}): WindowRow {
  return {
    id: nextId++,
    type: 'MAINTENANCE',
    siteId: null,
    startsAt: iso('2026-01-01T00:00:00Z'),
    endsAt: null,
    recurrence: null,
    durationMinutes: null,
    timezone: null,
    ...over,
  };
}

describe('one-off windows', () => {
  it('are active when start ≤ now < end, or from start on without an end', () => {
    const w = win({ startsAt: iso('2026-01-01T10:00:00Z'), endsAt: iso('2026-01-01T12:00:00Z') });
    expect(windowStateAt(w, iso('2026-01-01T09:59:59Z').getTime())).toEqual({ active: false, until: w.startsAt.getTime() });
    expect(windowStateAt(w, w.startsAt.getTime())).toEqual({ active: true, until: w.endsAt!.getTime() });
    expect(windowStateAt(w, w.endsAt!.getTime()).active).toBe(false);
    expect(windowStateAt(win(), iso('2030-01-01T00:00:00Z').getTime()).active).toBe(true);
  });
});

describe('recurring windows', () => {
  // Every Sunday 02:00–04:00 Berlin time: 01:00–03:00 UTC in winter (CET), 00:00–02:00 UTC in summer (CEST).
  const sunday = win({ recurrence: '0 2 * * 0', durationMinutes: 120, timezone: 'Europe/Berlin' });
  const active = (w: WindowRow, at: string) => windowStateAt(w, iso(at).getTime()).active;

  it('follow local time across the DST change (Europe/Berlin, 29 March 2026)', () => {
    expect(active(sunday, '2026-03-22T00:59:59Z')).toBe(false);
    expect(active(sunday, '2026-03-22T01:00:00Z')).toBe(true);
    expect(active(sunday, '2026-03-22T02:59:59Z')).toBe(true);
    expect(active(sunday, '2026-03-22T03:00:00Z')).toBe(false);
    // After the change 02:00 local is 00:00 UTC.
    expect(active(sunday, '2026-04-05T00:00:00Z')).toBe(true);
    expect(active(sunday, '2026-04-05T01:59:59Z')).toBe(true);
    expect(active(sunday, '2026-04-05T02:00:00Z')).toBe(false);
    expect(active(sunday, '2026-04-04T23:59:59Z')).toBe(false);
    // And back on 25 October: 02:00 CET is 01:00 UTC again.
    expect(active(sunday, '2026-11-01T00:30:00Z')).toBe(false);
    expect(active(sunday, '2026-11-01T01:30:00Z')).toBe(true);
  });

  it('report how long the answer holds', () => {
    expect(windowStateAt(sunday, iso('2026-03-22T01:30:00Z').getTime())).toEqual({ active: true, until: iso('2026-03-22T03:00:00Z').getTime() });
    expect(windowStateAt(sunday, iso('2026-03-30T12:00:00Z').getTime())).toEqual({ active: false, until: iso('2026-04-05T00:00:00Z').getTime() });
  });

  it('are bounded by startsAt and endsAt', () => {
    const bounded = { ...sunday, startsAt: iso('2026-03-01T00:00:00Z'), endsAt: iso('2026-03-29T00:00:00Z') };
    expect(active(bounded, '2026-02-22T01:30:00Z')).toBe(false);
    expect(active(bounded, '2026-03-22T01:30:00Z')).toBe(true);
    expect(active(bounded, '2026-04-05T00:30:00Z')).toBe(false);
    expect(windowStateAt(bounded, iso('2026-03-22T02:30:00Z').getTime()).until).toBe(iso('2026-03-22T03:00:00Z').getTime());
  });

  it('validate cron, duration and timezone with a clear error', () => {
    expect(() => validateRecurrence('0 2 * * 0', 60, 'Europe/Berlin')).not.toThrow();
    expect(() => validateRecurrence('61 2 * * 0', 60, 'UTC')).toThrow(RecurrenceError);
    expect(() => validateRecurrence('0 2 * * 0', 0, 'UTC')).toThrow(/durationMinutes/);
    expect(() => validateRecurrence('0 2 * * 0', 60, 'Mars/Olympus')).toThrow(/unknown IANA timezone "Mars\/Olympus"/);
  });
});

describe('MaintenanceIndex', () => {
  const now = iso('2026-01-05T12:00:00Z').getTime();

  it('covers every site for a global window, the site itself, and a group’s children', () => {
    const idx = new MaintenanceIndex([win({ siteId: 10 }), win({ siteId: 20 })]);
    expect(idx.covers(10, null, now)).toBe(true);
    expect(idx.covers(11, null, now)).toBe(false);
    expect(idx.covers(21, 20, now)).toBe(true);
    expect(idx.covers(21, 30, now)).toBe(false);
    expect(new MaintenanceIndex([win()]).covers(99, null, now)).toBe(true);
  });

  it('counts only MAINTENANCE windows unless asked for any type (incidents do not suppress)', () => {
    const idx = new MaintenanceIndex([win({ type: 'INCIDENT' })]);
    expect(idx.covers(1, null, now)).toBe(false);
    expect(idx.covers(1, null, now, true)).toBe(true);
  });

  it('ignores windows not yet started or already ended, and re-evaluates as time moves', () => {
    const idx = new MaintenanceIndex([win({ siteId: 1, startsAt: iso('2026-01-05T13:00:00Z'), endsAt: iso('2026-01-05T14:00:00Z') })]);
    expect(idx.covers(1, null, now)).toBe(false);
    expect(idx.nextChange(now)).toBe(iso('2026-01-05T13:00:00Z').getTime());
    expect(idx.covers(1, null, iso('2026-01-05T13:30:00Z').getTime())).toBe(true);
    expect(idx.covers(1, null, iso('2026-01-05T14:00:00Z').getTime())).toBe(false);
    expect(idx.covers(1, null, now)).toBe(false);
  });

  it('reports an invalid recurrence once and never treats it as active', () => {
    const invalid: string[] = [];
    const idx = new MaintenanceIndex([win({ recurrence: 'nonsense', durationMinutes: 60 })], (w, err) => invalid.push(`${w.id}: ${err.message}`));
    expect(invalid).toHaveLength(1);
    expect(idx.covers(1, null, now)).toBe(false);
    expect(idx.nextChange(now)).toBe(Infinity);
  });
});
