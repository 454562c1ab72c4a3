import { describe, expect, it } from 'vitest';
import { type WindowRow, windowStateAt } from '../../src/engine/maintenance.ts';
import { activeIntervals } from '../../src/history/maintenance-cover.ts';
import { type Interval, normalizeIntervals } from '../../src/services/uptime.ts';

const at = (iso: string) => new Date(iso).getTime();

function recurring(recurrence: string, durationMinutes: number, timezone: string): WindowRow {
  return { id: 1, type: 'MAINTENANCE', siteId: null, startsAt: new Date('2026-01-01T00:00:00Z'), endsAt: null, recurrence, durationMinutes, timezone };
}

/** The engine's answer (windowStateAt), asked from one answer's end to the next over [from, to). */
function byTheEngine(w: WindowRow, fromMs: number, toMs: number): Interval[] {
  const out: Interval[] = [];
  for (let t = fromMs; t < toMs; ) {
    const state = windowStateAt(w, t);
    const until = Math.min(state.until, toMs);
    if (state.active) out.push({ start: t, end: until });
    t = until;
  }
  return normalizeIntervals(out);
}

/** The active stretches of a window over [from, to) as the engine and the SLA (activeIntervals) each see them. */
async function covered(w: WindowRow, from: string, to: string) {
  const span = (i: Interval) => [new Date(i.start).toISOString(), new Date(i.end).toISOString()];
  return {
    engine: byTheEngine(w, at(from), at(to)).map(span),
    sla: (await activeIntervals(w, at(from), at(to))).map(span),
  };
}

const both = (stretches: string[][]) => ({ engine: stretches, sla: stretches });

describe('a fixed-time window on a fall-back night starts once, at the first of the repeated wall times', () => {
  it('daily 01:30 for 2 h, America/New_York (1 November 2026: 02:00 EDT becomes 01:00 EST at 06:00Z)', async () => {
    expect(await covered(recurring('30 1 * * *', 120, 'America/New_York'), '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual(
      both([
        ['2026-10-31T05:30:00.000Z', '2026-10-31T07:30:00.000Z'],
        // 01:30 EDT to 02:30 EST would be three hours: the second 01:30 (06:30Z) starts nothing.
        ['2026-11-01T05:30:00.000Z', '2026-11-01T07:30:00.000Z'],
        ['2026-11-02T06:30:00.000Z', '2026-11-02T08:30:00.000Z'],
      ]),
    );
  });

  it('the same with a seconds field ("0 30 1 * * *")', async () => {
    expect(await covered(recurring('0 30 1 * * *', 120, 'America/New_York'), '2026-11-01T00:00:00Z', '2026-11-01T12:00:00Z')).toEqual(
      both([['2026-11-01T05:30:00.000Z', '2026-11-01T07:30:00.000Z']]),
    );
  });

  it('daily 01:30 for 1 h, Europe/London (25 October 2026: 02:00 BST becomes 01:00 GMT at 01:00Z)', async () => {
    expect(await covered(recurring('30 1 * * *', 60, 'Europe/London'), '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z')).toEqual(
      both([
        ['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z'],
        ['2026-10-26T01:30:00.000Z', '2026-10-26T02:30:00.000Z'],
      ]),
    );
  });

  it('daily 01:45 for 30 min, Australia/Lord_Howe, whose clocks go back 30 minutes (5 April 2026: 02:00 becomes 01:30)', async () => {
    expect(await covered(recurring('45 1 * * *', 30, 'Australia/Lord_Howe'), '2026-04-04T00:00:00Z', '2026-04-06T00:00:00Z')).toEqual(
      both([
        // 01:45 at +11:00; the second 01:45, at +10:30 (15:15Z), starts nothing.
        ['2026-04-04T14:45:00.000Z', '2026-04-04T15:15:00.000Z'],
        ['2026-04-05T15:15:00.000Z', '2026-04-05T15:45:00.000Z'],
      ]),
    );
  });
});

describe('a wildcard window (`*` in its minute or hour field) fires at every real instant through a fall-back', () => {
  it('hourly for 20 min: both 01:00s of the New York fall-back night', async () => {
    expect(await covered(recurring('0 * * * *', 20, 'America/New_York'), '2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z')).toEqual(
      both([
        ['2026-11-01T04:00:00.000Z', '2026-11-01T04:20:00.000Z'],
        ['2026-11-01T05:00:00.000Z', '2026-11-01T05:20:00.000Z'],
        ['2026-11-01T06:00:00.000Z', '2026-11-01T06:20:00.000Z'],
        ['2026-11-01T07:00:00.000Z', '2026-11-01T07:20:00.000Z'],
      ]),
    );
  });

  it('every 30 minutes within the 1 o’clock hour ("*/30 1 * * *"): each pass of that hour', async () => {
    expect(await covered(recurring('*/30 1 * * *', 10, 'America/New_York'), '2026-11-01T04:00:00Z', '2026-11-01T08:00:00Z')).toEqual(
      both([
        ['2026-11-01T05:00:00.000Z', '2026-11-01T05:10:00.000Z'],
        ['2026-11-01T05:30:00.000Z', '2026-11-01T05:40:00.000Z'],
        ['2026-11-01T06:00:00.000Z', '2026-11-01T06:10:00.000Z'],
        ['2026-11-01T06:30:00.000Z', '2026-11-01T06:40:00.000Z'],
      ]),
    );
  });

  it('"@hourly" is a wildcard too', async () => {
    expect((await covered(recurring('@hourly', 10, 'Europe/London'), '2026-10-25T00:00:00Z', '2026-10-25T02:00:00Z')).sla).toEqual([
      ['2026-10-25T00:00:00.000Z', '2026-10-25T00:10:00.000Z'],
      ['2026-10-25T01:00:00.000Z', '2026-10-25T01:10:00.000Z'],
    ]);
  });
});

describe('occurrences last their duration of real time across a DST change', () => {
  it('a window ending in the repeated hour ends at its first pass (23:30 for 2 h ends 01:30 EDT)', async () => {
    expect(await covered(recurring('30 23 * * *', 120, 'America/New_York'), '2026-11-01T00:00:00Z', '2026-11-01T12:00:00Z')).toEqual(
      both([['2026-11-01T03:30:00.000Z', '2026-11-01T05:30:00.000Z']]),
    );
  });

  it('a window ending in the skipped hour ends two real hours later (00:30 EST for 2 h ends 03:30 EDT)', async () => {
    expect(await covered(recurring('30 0 * * *', 120, 'America/New_York'), '2026-03-08T00:00:00Z', '2026-03-08T12:00:00Z')).toEqual(
      both([['2026-03-08T05:30:00.000Z', '2026-03-08T07:30:00.000Z']]),
    );
  });

  it('a start the spring-forward skips (02:30) is taken with the offset before the gap: 03:30 EDT', async () => {
    expect(await covered(recurring('30 2 * * *', 60, 'America/New_York'), '2026-03-07T12:00:00Z', '2026-03-09T12:00:00Z')).toEqual(
      both([
        ['2026-03-08T07:30:00.000Z', '2026-03-08T08:30:00.000Z'],
        ['2026-03-09T06:30:00.000Z', '2026-03-09T07:30:00.000Z'],
      ]),
    );
  });

  it('a 48-hour weekly window across the fall-back lasts 48 hours (Saturday 22:00 EDT to Monday 21:00 EST)', async () => {
    expect(await covered(recurring('0 22 * * 6', 48 * 60, 'America/New_York'), '2026-10-30T00:00:00Z', '2026-11-05T00:00:00Z')).toEqual(
      both([['2026-11-01T02:00:00.000Z', '2026-11-03T02:00:00.000Z']]),
    );
  });

  it('a 25-hour daily window over the fall-back covers without a gap, from the first 01:30 EDT', async () => {
    expect(await covered(recurring('30 1 * * *', 25 * 60, 'America/New_York'), '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z')).toEqual(
      both([['2026-10-31T12:00:00.000Z', '2026-11-02T12:00:00.000Z']]),
    );
  });
});
