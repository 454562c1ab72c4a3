import { describe, expect, it } from 'vitest';
import { planSeries } from '../../src/history/latency.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const RETENTION = { minute: 2 * DAY, hour: 90 * DAY, day: 730 * DAY };
const NOW = Date.UTC(2026, 10, 29, 14, 37, 12);

describe('planSeries: where the last bucket ends', () => {
  it('reads the open hour whole for a series up to now: nothing was checked after now, and one row beats sixty', () => {
    const from = new Date(NOW - DAY - (NOW % HOUR));
    const plan = planSeries({ from, to: new Date(NOW), stepSeconds: 86_400 }, NOW, RETENTION);
    expect(plan).toEqual({ width: 3600, startMs: from.getTime(), buckets: 2, endMs: Math.ceil(NOW / HOUR) * HOUR, finest: 3600 });
  });

  it('cuts a series that ends before now at `to` rounded up to the minute, the open hour read from its minutes', () => {
    const from = new Date(NOW - DAY - (NOW % HOUR));
    const to = NOW - 2 * HOUR + 30_000;
    const plan = planSeries({ from, to: new Date(to), stepSeconds: 3600 }, NOW, RETENTION);
    expect(plan).toMatchObject({ width: 3600, startMs: from.getTime(), endMs: Math.ceil(to / MINUTE) * MINUTE, finest: 60 });
  });
});
