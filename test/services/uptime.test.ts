import { describe, expect, it } from 'vitest';
import type { SiteStatus } from '../../src/generated/prisma/client.ts';
import { computeUptime, type StatusChange, statusAtStart, type UptimeReport } from '../../src/services/uptime.ts';
import { seededRandom } from '../helpers/random.ts';

const HOUR = 3600_000;
/** Whole minutes, so the split points and the weights are the same instants. */
const at = (hours: number) => new Date(Math.round(hours * 60) * 60_000);
const change = (from: SiteStatus, to: SiteStatus, hours: number): StatusChange => ({ from, to, changedAt: at(hours) });

/** [a, c] from its parts [a, b] and [b, c]: downtime adds up, the percentages weigh by duration. */
function combined(a: number, b: number, c: number, left: UptimeReport, right: UptimeReport) {
  return {
    downtimeSeconds: left.downtimeSeconds + right.downtimeSeconds,
    uptimePercent: (left.uptimePercent * (b - a) + right.uptimePercent * (c - b)) / (c - a),
  };
}

describe('the status at the start of a window', () => {
  it('is the last change at or before it, else the status the first later change left, else the fallback', () => {
    const changes = [change('DOWN', 'UP', 10), change('UP', 'DOWN', 20)];
    expect(statusAtStart(changes, at(25).getTime(), 'UP')).toBe('DOWN');
    expect(statusAtStart(changes, at(20).getTime(), 'UP')).toBe('DOWN');
    expect(statusAtStart(changes, at(15).getTime(), 'DOWN')).toBe('UP');
    // Before every change: what the first one changed from, not a default UP.
    expect(statusAtStart(changes, at(5).getTime(), 'UP')).toBe('DOWN');
    expect(statusAtStart([], at(5).getTime(), 'SSL_EXPIRED')).toBe('SSL_EXPIRED');
    // A change whose origin is not known (the spec's inputs) leaves the spec's default, UP.
    expect(statusAtStart([{ to: 'DOWN', changedAt: at(10) }], at(5).getTime(), 'DOWN')).toBe('UP');
  });
});

describe('computeUptime over a window split in two', () => {
  it('is the duration-weighted combination of the parts when no change precedes the window', () => {
    // The site came up DOWN (PENDING → DOWN is not recorded) and recovered at hour 30.
    const changes = [change('DOWN', 'UP', 30), change('UP', 'DOWN', 40), change('DOWN', 'UP', 41)];
    const whole = computeUptime(changes, 'UP', at(0), at(48));
    expect(whole).toMatchObject({ downtimeSeconds: 31 * 3600, outageCount: 2, longestOutageSeconds: 30 * 3600 });
    for (const b of [12, 24, 30, 35, 40.5, 47]) {
      const left = computeUptime(changes, 'UP', at(0), at(b));
      const right = computeUptime(changes, 'UP', at(b), at(48));
      const sum = combined(0, b, 48, left, right);
      expect(whole.downtimeSeconds).toBe(sum.downtimeSeconds);
      expect(whole.uptimePercent).toBeCloseTo(sum.uptimePercent, 9);
    }
  });

  it('holds for random histories and split points', () => {
    const random = seededRandom(11);
    const statuses: SiteStatus[] = ['UP', 'DOWN', 'LATE', 'SSL_EXPIRED', 'STALE'];
    for (let round = 0; round < 200; round++) {
      const changes: StatusChange[] = [];
      let status = statuses[Math.floor(random() * statuses.length)]!;
      let t = random() * 10 - 5;
      for (let i = 0; i < Math.floor(random() * 6); i++) {
        const to = statuses[Math.floor(random() * statuses.length)]!;
        changes.push(change(status, to, t));
        status = to;
        t += random() * 10;
      }
      const current = random() < 0.5 ? status : 'DOWN';
      const [a, c] = [0, 40];
      const b = Math.round((1 + random() * 38) * 60) / 60;
      const whole = computeUptime(changes, current, at(a), at(c));
      const sum = combined(a, b, c, computeUptime(changes, current, at(a), at(b)), computeUptime(changes, current, at(b), at(c)));
      expect(whole.downtimeSeconds).toBeCloseTo(sum.downtimeSeconds, 6);
      expect(whole.uptimePercent).toBeCloseTo(sum.uptimePercent, 9);
    }
  });
});

describe('an outage already open at the window start (spec §10)', () => {
  it('counts once whether or not the change into DOWN was recorded; MTBF stays null without uptime', () => {
    const recorded = computeUptime([change('UP', 'DOWN', -5)], 'DOWN', at(0), at(24));
    const unrecorded = computeUptime([], 'DOWN', at(0), at(24));
    const expected: UptimeReport = {
      uptimePercent: 0,
      downtimeSeconds: 24 * 3600,
      outageCount: 1,
      longestOutageSeconds: 24 * 3600,
      mttrSeconds: 24 * 3600,
      mtbfSeconds: null,
    };
    expect(recorded).toEqual(expected);
    expect(unrecorded).toEqual(expected);
    // Wholly inside maintenance: no time counted, no outage.
    expect(computeUptime([], 'DOWN', at(0), at(24), [{ start: 0, end: 24 * HOUR }])).toMatchObject({ uptimePercent: 100, outageCount: 0 });
  });
});
