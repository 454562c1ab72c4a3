import type { SiteStatus } from '../../src/generated/prisma/client.ts';
import { computeUptime, isDowntime, type StatusChange } from '../../src/services/uptime.ts';
import { graphql } from '../gql/index.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createdLongAgo, createSite } from '../helpers/sites.ts';

const HOUR = 3600 * 1000;
const NOW = new Date(Date.UTC(2026, 2, 1, 12));
const DAY_AGO = new Date(NOW.getTime() - 24 * HOUR);
const ago = (hours: number) => new Date(NOW.getTime() - hours * HOUR);
const change = (to: SiteStatus, hoursAgo: number): StatusChange => ({ to, changedAt: ago(hoursAgo) });

/** The Go original's sla_test.go cases, over a 24 h window ending now. */
describe('computeUptime (the spec ComputeSLA)', () => {
  it('no changes and up: 100 %', () => {
    expect(computeUptime([], 'UP', DAY_AGO, NOW)).toEqual({
      uptimePercent: 100,
      downtimeSeconds: 0,
      outageCount: 0,
      longestOutageSeconds: 0,
      mttrSeconds: null,
      mtbfSeconds: null,
    });
  });

  it('no changes and down: 0 %, the whole window down', () => {
    const r = computeUptime([], 'DOWN', DAY_AGO, NOW);
    expect(r.uptimePercent).toBe(0);
    expect(r.downtimeSeconds).toBe(24 * 3600);
    expect(computeUptime([], 'SSL_EXPIRED', DAY_AGO, NOW).uptimePercent).toBe(0);
  });

  it('a single outage of an hour: ~95.8 %', () => {
    const r = computeUptime([change('UP', 1), change('DOWN', 2)], 'UP', DAY_AGO, NOW);
    expect(r.outageCount).toBe(1);
    expect(r.downtimeSeconds).toBe(3600);
    expect(r.uptimePercent).toBeCloseTo((23 / 24) * 100, 6);
    expect(r.longestOutageSeconds).toBe(3600);
    expect(r.mttrSeconds).toBe(3600);
    expect(r.mtbfSeconds).toBe(23 * 3600);
  });

  it('currently down for three hours', () => {
    const r = computeUptime([change('DOWN', 3)], 'DOWN', DAY_AGO, NOW);
    expect(r.outageCount).toBe(1);
    expect(r.downtimeSeconds).toBe(3 * 3600);
    expect(r.mttrSeconds).toBe(3 * 3600);
  });

  it('two outages: MTTR ~1 h', () => {
    const r = computeUptime([change('UP', 1), change('DOWN', 2), change('UP', 5), change('DOWN', 6)], 'UP', DAY_AGO, NOW);
    expect(r.outageCount).toBe(2);
    expect(r.downtimeSeconds).toBe(2 * 3600);
    expect(r.mttrSeconds).toBe(3600);
    expect(r.longestOutageSeconds).toBe(3600);
    expect(r.mtbfSeconds).toBe(11 * 3600);
  });

  it('LATE is not down', () => {
    const r = computeUptime([change('UP', 1), change('LATE', 3)], 'UP', DAY_AGO, NOW);
    expect(r.outageCount).toBe(0);
    expect(r.uptimePercent).toBe(100);
  });

  it('an outage open at the window start counts from the start; only DOWN and SSL_EXPIRED are downtime', () => {
    const r = computeUptime([change('DOWN', 30), change('UP', 20)], 'UP', DAY_AGO, NOW);
    expect(r.outageCount).toBe(1);
    expect(r.downtimeSeconds).toBe(4 * 3600);
    expect(r.longestOutageSeconds).toBe(4 * 3600);
    expect(['DOWN', 'SSL_EXPIRED', 'UP', 'LATE', 'STALE', 'PENDING'].map((s) => isDowntime(s as SiteStatus))).toEqual([true, true, false, false, false, false]);
  });
});

const SiteUptime = graphql(`
  query SiteUptime($id: ID!, $from: DateTime, $to: DateTime) {
    site(id: $id) {
      uptime(from: $from, to: $to) { uptimePercent downtimeSeconds outageCount longestOutageSeconds mttrSeconds mtbfSeconds }
      last30: uptime { uptimePercent outageCount }
    }
  }
`);

describe('Site.uptime', () => {
  it('reports from recorded state changes, the last one before the window deciding where it starts', async ({ app: t, viewer }) => {
    const { id } = await createSite(t, { name: 'p', type: 'PUSH' });
    await createdLongAgo(t, 1);
    const now = t.clock.nowMs();
    const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR);
    await t.app.deps.writer.submit((tx) =>
      tx.stateChange.createMany({
        data: [
          { siteId: 1, fromStatus: 'UP', toStatus: 'DOWN', changedAt: at(30) },
          { siteId: 1, fromStatus: 'DOWN', toStatus: 'UP', changedAt: at(22) },
          { siteId: 1, fromStatus: 'UP', toStatus: 'SSL_EXPIRED', changedAt: at(10) },
          { siteId: 1, fromStatus: 'SSL_EXPIRED', toStatus: 'UP', changedAt: at(9) },
        ],
      }),
    );
    const res = await viewer.request(SiteUptime, { id, from: at(24).toISOString(), to: new Date(now).toISOString() });
    expect(res.errors).toBeUndefined();
    expect(res.ok().site!.uptime).toEqual({
      uptimePercent: (21 / 24) * 100,
      downtimeSeconds: 3 * 3600,
      outageCount: 2,
      longestOutageSeconds: 2 * 3600,
      mttrSeconds: 1.5 * 3600,
      mtbfSeconds: 10.5 * 3600,
    });
    expect(res.ok().site!.last30.outageCount).toBe(2);
    expect(res.ok().site!.last30.uptimePercent).toBeCloseTo(100 - (9 / (30 * 24)) * 100, 6);

    const backwards = await viewer.request(SiteUptime, { id, from: new Date(now).toISOString(), to: at(1).toISOString() });
    expect(backwards.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});
