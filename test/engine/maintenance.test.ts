import { CronExpression } from 'cron-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RecurrenceError } from '../../src/engine/errors.ts';
import { MaintenanceIndex, validateRecurrence, WindowStates, windowStateAt, type WindowRow } from '../../src/engine/maintenance.ts';
import type { Db } from '../../src/db/client.ts';
import { engineHarness, T0 } from './harness.ts';

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

  it('refuse a cron that fires more than once a minute, naming the field', () => {
    const problem = (cron: string, minutes = 60) => {
      try {
        validateRecurrence(cron, minutes, 'UTC');
        return null;
      } catch (err) {
        return (err as RecurrenceError).field;
      }
    };
    for (const cron of ['* * * * * *', '*/30 * * * * *', '0,30 * * * * *', '0-1 0 2 * * *', '*/59 * * * * *']) expect(problem(cron), cron).toBe('recurrence');
    expect(() => validateRecurrence('*/30 * * * * *', 60, 'UTC')).toThrow(/fires more than once a minute/);
    for (const cron of ['0 * * * * *', '30 * * * * *', '* * * * *', '*/5 * * * *', '0 2 * * 0']) expect(problem(cron), cron).toBeNull();
    expect(problem('0 2 * * *', 7 * 24 * 60 + 1)).toBe('durationMinutes');
  });
});

describe('recurring windows across DST changes (cron "30 2 * * *", 20 minutes, Europe/Berlin)', () => {
  const nightly = win({ recurrence: '30 2 * * *', durationMinutes: 20, timezone: 'Europe/Berlin', startsAt: iso('2026-01-01T00:00:00Z') });
  const MINUTE = 60_000;

  /** Every minute of [from, to): the pure function, the engine's index and the API's answer, each moved minute by minute. */
  function answers(from: string, to: string) {
    const index = new MaintenanceIndex([nightly]);
    const api = new WindowStates();
    const seen: { at: string; fresh: boolean; engine: boolean; api: boolean }[] = [];
    for (let t = iso(from).getTime(); t < iso(to).getTime(); t += MINUTE) {
      index.nextChange(t);
      seen.push({ at: new Date(t).toISOString(), fresh: windowStateAt(nightly, t).active, engine: index.covers(1, null, t), api: api.isActive(nightly, t) });
    }
    return seen;
  }

  /** The minutes expected active: `durationMinutes` from each listed start. */
  function expected(from: string, to: string, starts: string[]) {
    const result: { at: string; fresh: boolean; engine: boolean; api: boolean }[] = [];
    for (let t = iso(from).getTime(); t < iso(to).getTime(); t += MINUTE) {
      const active = starts.some((s) => t >= iso(s).getTime() && t < iso(s).getTime() + 20 * MINUTE);
      result.push({ at: new Date(t).toISOString(), fresh: active, engine: active, api: active });
    }
    return result;
  }

  it('starts one occurrence, at the first of the two 02:30s of the fall-back day (25 October 2026), engine and API alike', () => {
    // 02:30 CEST is 00:30 UTC; the clocks go back at 03:00 CEST, and 02:30 CET (01:30 UTC) starts nothing, as cron.
    expect(answers('2026-10-24T23:00:00Z', '2026-10-25T03:00:00Z')).toEqual(expected('2026-10-24T23:00:00Z', '2026-10-25T03:00:00Z', ['2026-10-25T00:30:00Z']));
    // The day after, once again, at 01:30 UTC.
    expect(answers('2026-10-26T00:00:00Z', '2026-10-26T03:00:00Z')).toEqual(expected('2026-10-26T00:00:00Z', '2026-10-26T03:00:00Z', ['2026-10-26T01:30:00Z']));
  });

  it('starts the occurrence skipped by the spring-forward (29 March 2026) an hour later, at 03:30 summer time', () => {
    for (const [from, to, start] of [
      ['2026-03-28T00:00:00Z', '2026-03-28T03:00:00Z', '2026-03-28T01:30:00Z'],
      ['2026-03-28T23:00:00Z', '2026-03-29T03:00:00Z', '2026-03-29T01:30:00Z'],
      ['2026-03-29T23:00:00Z', '2026-03-30T02:00:00Z', '2026-03-30T00:30:00Z'],
    ]) {
      expect(answers(from!, to!)).toEqual(expected(from!, to!, [start!]));
    }
  });
});

describe('the cost of evaluating a recurring window', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** cron-parser steps (next or prev) taken to answer at `at`. */
  function cronSteps(recurrence: string, at: string): number {
    const next = vi.spyOn(CronExpression.prototype, 'next');
    const prev = vi.spyOn(CronExpression.prototype, 'prev');
    windowStateAt(win({ recurrence, durationMinutes: 7 * 24 * 60, timezone: 'Europe/Berlin' }), iso(at).getTime());
    const steps = next.mock.calls.length + prev.mock.calls.length;
    vi.restoreAllMocks();
    return steps;
  }

  it('is the same few cron steps whatever the recurrence, also for every minute over a week', () => {
    const everyMinute = cronSteps('* * * * *', '2026-01-20T12:00:30Z');
    expect(everyMinute).toBeLessThanOrEqual(4);
    expect(cronSteps('0 * * * * *', '2026-01-20T12:00:30Z')).toBe(everyMinute);
    expect(cronSteps('0 2 * * 0', '2026-01-20T12:00:30Z')).toBe(everyMinute);
    expect(cronSteps('0 3 1 * *', '2026-01-20T12:00:30Z')).toBe(everyMinute);
    // A DST change in reach adds one offset to look through, not one step per fire.
    expect(cronSteps('* * * * *', '2026-10-28T12:00:00Z')).toBeLessThanOrEqual(8);
  });

  it('is kept until the answer can change: the index asks cron-parser again only at a boundary', () => {
    const index = new MaintenanceIndex([win({ recurrence: '0 2 * * *', durationMinutes: 60 })]);
    const next = vi.spyOn(CronExpression.prototype, 'next');
    const prev = vi.spyOn(CronExpression.prototype, 'prev');
    const t = iso('2026-01-20T02:10:00Z').getTime();
    expect(index.covers(1, null, t)).toBe(true);
    const steps = next.mock.calls.length + prev.mock.calls.length;
    for (let m = 1; m < 50; m++) expect(index.covers(1, null, t + m * 60_000)).toBe(true);
    expect(next.mock.calls.length + prev.mock.calls.length).toBe(steps);
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

  it('ignores a stored window firing every second, and the API does not call it active either', () => {
    const row = win({ recurrence: '* * * * * *', durationMinutes: 7 * 24 * 60 });
    const invalid: string[] = [];
    const idx = new MaintenanceIndex([row], (_w, err) => invalid.push(err.message));
    expect(invalid).toEqual([expect.stringMatching(/fires more than once a minute/)]);
    expect(idx.covers(1, null, now)).toBe(false);
    expect(new WindowStates().isActive(row, now)).toBe(false);
  });
});

describe('engine: a window ending in 30 days', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('arms one boundary timer for its end instead of re-evaluating every millisecond', async () => {
    // Reconciles re-arm the boundary and prunes cost time over 30 days: 60-day intervals (chained too) keep them out.
    const h = await engineHarness({ env: { UPTOP_RECONCILE_INTERVAL: '60d', UPTOP_PRUNE_INTERVAL: '60d', UPTOP_MAINT_PRUNE_INTERVAL: '60d' } });
    const start = h.clock.nowMs();
    await h.writer.submit((tx) =>
      tx.maintenanceWindow.create({ data: { title: 'migration', startsAt: new Date(start), endsAt: new Date(start + 30 * 86_400_000) } }),
    );
    await h.engine.maintenanceChanged();
    await h.tick(0);
    const evaluations = vi.spyOn(MaintenanceIndex.prototype, 'nextChange');
    await h.tick(100);
    expect(evaluations).not.toHaveBeenCalled();
    expect(h.engine.isInMaintenance(1)).toBe(true);
    await h.tick(30 * 86_400_000 - 101);
    expect(h.engine.isInMaintenance(1)).toBe(true);
    expect(evaluations).not.toHaveBeenCalled();
    await h.tick(1);
    expect(h.engine.isInMaintenance(1)).toBe(false);
    expect(evaluations).toHaveBeenCalledTimes(1);
  });
});

/** Holds the answer of the engine's next read of the window table, after it has read, until released. */
function heldWindowRead() {
  let arrive!: () => void;
  let release!: () => void;
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let armed = false;
  const wrap = (db: Db): Db => {
    const windows = new Proxy(db.maintenanceWindow, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if (prop !== 'findMany' || typeof value !== 'function') return value;
        return async (...args: unknown[]) => {
          const rows: unknown = await value.apply(target, args);
          if (armed) {
            armed = false;
            arrive();
            await released;
          }
          return rows;
        };
      },
    });
    return new Proxy(db, { get: (target, prop) => (prop === 'maintenanceWindow' ? windows : Reflect.get(target, prop)) });
  };
  return { wrap, arrived, release, arm: () => (armed = true) };
}

describe('engine: window reads answering out of order', () => {
  it('a reload that read before a window was deleted, answering after the delete was applied, does not bring it back', async () => {
    // A PostgreSQL pool can answer two reads out of order; SQLite's one connection happens not to.
    const held = heldWindowRead();
    const h = await engineHarness({ wrapDb: held.wrap });
    const w = await h.writer.submit((tx) =>
      tx.maintenanceWindow.create({ data: { title: 'upgrade', startsAt: new Date(T0), endsAt: new Date(T0 + 3600_000) } }),
    );
    await h.engine.maintenanceChanged();
    expect(h.engine.isInMaintenance(1)).toBe(true);

    held.arm();
    const reconcile = h.engine.reconcileNow();
    await held.arrived;
    await h.writer.submit((tx) => tx.maintenanceWindow.delete({ where: { id: w.id } }));
    await h.engine.maintenanceChanged();
    expect(h.engine.isInMaintenance(1)).toBe(false);
    held.release();
    await reconcile;
    expect(h.engine.isInMaintenance(1)).toBe(false);
  });
});
