import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { decodeId } from '../../src/graphql/ids.ts';
import { globalId } from '../helpers/ids.ts';
import { createdLongAgo, LONG_AGO } from '../helpers/sites.ts';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

async function seedSite(t: TestApp, name: string): Promise<number> {
  const id = await t.app.deps.writer.submit(async (tx) => (await tx.site.create({ data: { name, type: 'PUSH', createdAt: LONG_AGO } })).id);
  await t.app.deps.engine.siteChanged(id);
  return id;
}

type Status = 'UP' | 'DOWN';

/** Stores the site's state changes, each `[from, to, at]`. */
async function seedChanges(t: TestApp, siteId: number, changes: [Status, Status, number][]): Promise<void> {
  await t.app.deps.writer.submit((tx) =>
    tx.stateChange.createMany({ data: changes.map(([fromStatus, toStatus, at]) => ({ siteId, fromStatus, toStatus, reason: 'x', changedAt: new Date(at) })) }),
  );
}

const UPTIME = /* GraphQL */ `
  query Uptime($id: ID!, $from: DateTime, $to: DateTime) {
    site(id: $id) { uptime(from: $from, to: $to) { uptimePercent downtimeSeconds outageCount longestOutageSeconds mttrSeconds mtbfSeconds } }
  }
`;
const DAILY = /* GraphQL */ `
  query Daily($id: ID!, $days: Int, $tz: String) {
    site(id: $id) { dailyUptime(days: $days, timeZone: $tz) { date uptimePercent downtimeSeconds outageCount } }
  }
`;

describe('Site.uptime and dailyUptime agree on the status at a window start', () => {
  it('reads [a, c] as the duration-weighted parts [a, b] and [b, c], and as the daily breakdown, with no change before a', async ({
    app: t,
    clock,
    viewer,
  }) => {
    clock.set(Date.UTC(2026, 5, 10, 12));
    const siteId = await seedSite(t, 'came up down');
    // Came up DOWN (PENDING → DOWN is not recorded), recovered on the 9th at 06:00, down again 20:00 to 22:00.
    await seedChanges(t, siteId, [
      ['DOWN', 'UP', Date.UTC(2026, 5, 9, 6)],
      ['UP', 'DOWN', Date.UTC(2026, 5, 9, 20)],
      ['DOWN', 'UP', Date.UTC(2026, 5, 9, 22)],
    ]);
    const id = globalId('Site', siteId);
    const uptime = async (from: number, to: number) =>
      (await viewer.request<{ site: { uptime: any } }>(UPTIME, { id, from: new Date(from).toISOString(), to: new Date(to).toISOString() })).ok().site.uptime;
    const [a, c] = [Date.UTC(2026, 5, 8), Date.UTC(2026, 5, 10)];
    const whole = await uptime(a, c);
    // Independent: down from the 8th until the 9th 06:00 (30 h) and 2 h more, of 48 h.
    expect(whole).toMatchObject({ downtimeSeconds: 32 * 3600, outageCount: 2, longestOutageSeconds: 30 * 3600 });
    expect(whole.uptimePercent).toBeCloseTo((16 / 48) * 100, 9);
    // Split before the first change (no change inside [a, b]), at it, and after it.
    for (const b of [a + 12 * HOUR, Date.UTC(2026, 5, 9), Date.UTC(2026, 5, 9, 6), Date.UTC(2026, 5, 9, 21)]) {
      const [left, right] = [await uptime(a, b), await uptime(b, c)];
      expect(left.downtimeSeconds + right.downtimeSeconds).toBe(whole.downtimeSeconds);
      expect((left.uptimePercent * (b - a) + right.uptimePercent * (c - b)) / (c - a)).toBeCloseTo(whole.uptimePercent, 9);
    }

    const daily = (await viewer.request<{ site: { dailyUptime: any[] } }>(DAILY, { id, days: 3, tz: 'UTC' })).ok().site.dailyUptime;
    expect(daily.map((d) => d.date)).toEqual(['2026-06-08', '2026-06-09', '2026-06-10']);
    for (const [k, day] of daily.entries()) {
      const start = a + k * DAY;
      const single = await uptime(start, Math.min(start + DAY, clock.nowMs()));
      expect({ date: day.date, uptimePercent: day.uptimePercent, downtimeSeconds: day.downtimeSeconds, outageCount: day.outageCount }).toEqual({
        date: day.date,
        uptimePercent: single.uptimePercent,
        downtimeSeconds: single.downtimeSeconds,
        outageCount: single.outageCount,
      });
    }
    expect(daily.map((d) => d.downtimeSeconds / 3600)).toEqual([24, 8, 0]);
  });

  it('takes the status before the first change after the window when nothing is recorded inside it', async ({ app: t, clock, viewer }) => {
    const siteId = await seedSite(t, 'later change');
    const now = clock.nowMs();
    // Down until 2 h ago, that change the only one: a window ending before it was down throughout.
    await seedChanges(t, siteId, [['DOWN', 'UP', now - 2 * HOUR]]);
    const id = globalId('Site', siteId);
    const uptime = async (from: number, to: number) =>
      (await viewer.request<{ site: { uptime: any } }>(UPTIME, { id, from: new Date(from).toISOString(), to: new Date(to).toISOString() })).ok().site.uptime;
    const [a, b, c] = [now - 10 * HOUR, now - 4 * HOUR, now];
    const [left, right, whole] = [await uptime(a, b), await uptime(b, c), await uptime(a, c)];
    expect(left).toMatchObject({ uptimePercent: 0, downtimeSeconds: 6 * 3600, outageCount: 1 });
    expect(right).toMatchObject({ downtimeSeconds: 2 * 3600, outageCount: 1 });
    expect(whole).toMatchObject({ downtimeSeconds: 8 * 3600, outageCount: 1, longestOutageSeconds: 8 * 3600 });
  });

  it('reports a site down all window long as one outage whether or not its change into DOWN was recorded', async ({ app: t, clock, viewer, site }) => {
    const withChange = await seedSite(t, 'recorded');
    await seedChanges(t, withChange, [['UP', 'DOWN', clock.nowMs() - 10 * DAY]]);
    // The fixture push site, there all window long: its first result is down, PENDING → DOWN, not recorded as a change.
    await createdLongAgo(t, decodeId(site.id, 'Site')!);
    expect((await fetch(`${t.url}/api/push/${encodeURIComponent(site.pushToken)}?status=down`)).status).toBe(200);
    await t.app.deps.writer.flush();
    const status = await viewer.request<{ site: { status: string } }>(`query S($id: ID!) { site(id: $id) { status } }`, { id: site.id });
    expect(status.ok().site.status).toBe('DOWN');
    await clock.advance(HOUR);
    const window = { from: new Date(clock.nowMs() - 12 * HOUR).toISOString(), to: new Date(clock.nowMs()).toISOString() };
    const sla = async (id: string) => (await viewer.request<{ site: { uptime: any } }>(UPTIME, { id, ...window })).ok().site.uptime;
    const expected = {
      uptimePercent: 0,
      downtimeSeconds: 12 * 3600,
      outageCount: 1,
      longestOutageSeconds: 12 * 3600,
      mttrSeconds: 12 * 3600,
      // No uptime to divide: null by design.
      mtbfSeconds: null,
    };
    expect(await sla(globalId('Site', withChange))).toEqual(expected);
    expect(await sla(site.id)).toEqual(expected);
  });

  it('counts a monitor created DOWN from its creation, not for the whole window before it existed', async ({ app: t, clock, viewer, site }) => {
    // The fixture push site was created at the clock's now; its first result is down (PENDING → DOWN, not recorded).
    expect((await fetch(`${t.url}/api/push/${encodeURIComponent(site.pushToken)}?status=down`)).status).toBe(200);
    await t.app.deps.writer.flush();
    await clock.advance(10 * 60_000);
    const month = (await viewer.request<{ site: { uptime: any } }>(UPTIME, { id: site.id })).ok().site.uptime;
    expect(month).toEqual({ uptimePercent: 0, downtimeSeconds: 600, outageCount: 1, longestOutageSeconds: 600, mttrSeconds: 600, mtbfSeconds: null });
    const days = (await viewer.request<{ site: { dailyUptime: any[] } }>(DAILY, { id: site.id, days: 3, tz: 'UTC' })).ok().site.dailyUptime;
    // The day before yesterday, before it existed, has no downtime; the ten minutes since are down, whichever days hold them.
    expect(days[0]).toMatchObject({ uptimePercent: 100, downtimeSeconds: 0, outageCount: 0 });
    expect(days.reduce((sum, d) => sum + d.downtimeSeconds, 0)).toBe(600);
  });

  it('starts a daily breakdown day whose midnight a spring-forward skips at its first instant (America/Santiago)', async ({ app: t, clock, viewer }) => {
    clock.set(Date.UTC(2026, 8, 7, 18));
    const siteId = await seedSite(t, 'santiago');
    // Down from 22:00 local on the 5th (-04: 02:00Z on the 6th) to 02:00 local on the 6th (-03: 05:00Z).
    await seedChanges(t, siteId, [
      ['UP', 'DOWN', Date.UTC(2026, 8, 6, 2)],
      ['DOWN', 'UP', Date.UTC(2026, 8, 6, 5)],
    ]);
    const daily = (await viewer.request<{ site: { dailyUptime: any[] } }>(DAILY, { id: globalId('Site', siteId), days: 3, tz: 'America/Santiago' })).ok().site
      .dailyUptime;
    // The 5th is [04:00Z on the 5th, 04:00Z on the 6th), 2 h down; the 6th (23 h) starts at 04:00Z (01:00 local), 1 h down.
    expect(daily.map((d) => [d.date, d.downtimeSeconds / 3600])).toEqual([
      ['2026-09-05', 2],
      ['2026-09-06', 1],
      ['2026-09-07', 0],
    ]);
    expect(daily[1].uptimePercent).toBeCloseTo((22 / 23) * 100, 9);
  });

  it('counts a fall-back day as 25 hours and leaves out its nightly window once (America/New_York, 1 November 2026)', async ({ app: t, clock, viewer }) => {
    clock.set(Date.UTC(2026, 10, 2, 17));
    const siteId = await seedSite(t, 'new york');
    // Maintenance daily at 01:30 for 2 h: 05:30Z to 07:30Z on the 1st, whose second 01:30 (06:30Z) starts nothing.
    await t.app.deps.writer.submit((tx) =>
      tx.maintenanceWindow.create({
        data: { title: 'nightly', startsAt: new Date(Date.UTC(2026, 9, 1)), recurrence: '30 1 * * *', durationMinutes: 120, timezone: 'America/New_York' },
      }),
    );
    // Down from 02:30 to 03:30 EST (07:30Z to 08:30Z), just after the window.
    await seedChanges(t, siteId, [
      ['UP', 'DOWN', Date.UTC(2026, 10, 1, 7, 30)],
      ['DOWN', 'UP', Date.UTC(2026, 10, 1, 8, 30)],
    ]);
    const daily = (await viewer.request<{ site: { dailyUptime: any[] } }>(DAILY, { id: globalId('Site', siteId), days: 3, tz: 'America/New_York' })).ok().site
      .dailyUptime;
    // The 1st runs from 04:00Z to 05:00Z on the 2nd: 25 hours, 2 of them maintenance, 1 down.
    expect(daily.map((d) => [d.date, d.downtimeSeconds, d.outageCount])).toEqual([
      ['2026-10-31', 0, 0],
      ['2026-11-01', 3600, 1],
      ['2026-11-02', 0, 0],
    ]);
    expect(daily[1].uptimePercent).toBeCloseTo((22 / 23) * 100, 9);
    const sla = (
      await viewer.request<{ site: { uptime: any } }>(UPTIME, { id: globalId('Site', siteId), from: '2026-11-01T04:00:00Z', to: '2026-11-02T05:00:00Z' })
    ).ok().site.uptime;
    expect([sla.downtimeSeconds, sla.uptimePercent]).toEqual([3600, daily[1].uptimePercent]);
  });
});

describe('Site.uptime with a recurring maintenance window', () => {
  it('leaves every occurrence of an hourly 30-minute window out of a 300-day SLA', async ({ app: t, clock, viewer }) => {
    clock.set(Date.UTC(2026, 5, 10));
    const siteId = await seedSite(t, 'hourly maintenance');
    const now = clock.nowMs();
    const from = now - 300 * DAY;
    await t.app.deps.writer.submit(async (tx) => {
      await tx.stateChange.create({ data: { siteId, fromStatus: 'UP', toStatus: 'DOWN', reason: 'x', changedAt: new Date(from - DAY) } });
      await tx.maintenanceWindow.create({
        data: { title: 'hourly', siteId, startsAt: new Date(from - DAY), endsAt: null, recurrence: '0 * * * *', durationMinutes: 30, timezone: 'UTC' },
      });
    });
    const res = await viewer.request<{ site: { uptime: any } }>(UPTIME, {
      id: globalId('Site', siteId),
      from: new Date(from).toISOString(),
      to: new Date(now).toISOString(),
    });
    // Down throughout, half of every hour left out: 300 days of 12 hours, one outage (its pieces are one outage).
    expect(res.ok().site.uptime).toMatchObject({ uptimePercent: 0, downtimeSeconds: 300 * 12 * 3600, outageCount: 1 });
  });
});
