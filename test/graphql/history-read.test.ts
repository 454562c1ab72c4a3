import { quantileOfSorted, RELATIVE_ERROR } from '../../src/history/sketch.ts';
import type { Write } from '../../src/writer/types.ts';
import type { TestApp } from '../helpers/app.ts';
import { statementCounter } from '../helpers/count-statements.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';
import { seededRandom } from '../helpers/random.ts';
import { LONG_AGO } from '../helpers/sites.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Sites created through the writer, as a restore would; the engine is told of each. */
async function seedSites(t: TestApp, n: number, parentOf?: (i: number) => number | null): Promise<number[]> {
  const ids = await t.app.deps.writer.submit(async (tx) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const site = await tx.site.create({
        data: {
          name: `site ${String(i).padStart(3, '0')}`,
          type: i === 0 && parentOf ? 'GROUP' : 'PUSH',
          parentId: parentOf?.(i) ?? null,
          createdAt: LONG_AGO,
        },
      });
      out.push(site.id);
    }
    return out;
  });
  for (const id of ids) await t.app.deps.engine.siteChanged(id);
  return ids;
}

function check(siteId: number, atMs: number, latencyMs: number | null, up = true): Write {
  return { kind: 'check', siteId, checkedAt: new Date(atMs), up, status: up ? 'UP' : 'DOWN', latencyMs, statusCode: null, message: null };
}

const LATENCY = /* GraphQL */ `
  query Latency($id: ID!, $from: DateTime!, $to: DateTime, $step: Int!) {
    site(id: $id) { latency(from: $from, to: $to, step: $step) { start count upCount min avg max p50 p95 p99 } }
  }
`;

describe('Site.latency', () => {
  it('reads buckets from the rollups that equal the raw checks (exact counts, min, max, mean; percentiles within 1 %)', async ({ app: t, clock, viewer }) => {
    const [siteId] = await seedSites(t, 1);
    const now = clock.nowMs();
    const from = Math.floor((now - 6 * HOUR) / HOUR) * HOUR;
    const random = seededRandom(3);
    const raw: { at: number; latency: number | null; up: boolean }[] = [];
    for (let at = from + 1000; at < now; at += 20_000 + Math.floor(random() * 40_000)) {
      const up = random() > 0.1;
      const latency = random() < 0.05 ? null : 10 + random() ** 2 * 500;
      raw.push({ at, latency, up });
      t.app.deps.writer.enqueue(check(siteId!, at, latency, up));
    }
    await t.app.deps.writer.flush();

    // Hourly buckets read one rollup row each; two-hour buckets merge two rows each.
    for (const step of [3600, 7200]) {
      const stepMs = step * 1000;
      const res = await viewer.request<{ site: { latency: any[] } }>(LATENCY, { id: globalId('Site', siteId!), from: new Date(from).toISOString(), step });
      const buckets = res.ok().site.latency;
      expect(buckets.length).toBe(Math.ceil((now - from) / stepMs));
      for (const [k, b] of buckets.entries()) {
        const start = from + k * stepMs;
        expect(new Date(b.start).getTime()).toBe(start);
        const inside = raw.filter((r) => r.at >= start && r.at < start + stepMs);
        const latencies = inside.flatMap((r) => (r.latency === null ? [] : [r.latency])).sort((a, c) => a - c);
        expect([b.count, b.upCount]).toEqual([inside.length, inside.filter((r) => r.up).length]);
        expect(b.min).toBe(latencies[0] ?? null);
        expect(b.max).toBe(latencies.at(-1) ?? null);
        // A bucket with no latency (the last one may have begun just before now) has none of these.
        if (latencies.length === 0) {
          expect([b.avg, b.p50, b.p95, b.p99]).toEqual([null, null, null, null]);
          continue;
        }
        expect(b.avg).toBeCloseTo(latencies.reduce((a, c) => a + c, 0) / latencies.length, 6);
        for (const [q, field] of [
          [0.5, 'p50'],
          [0.95, 'p95'],
          [0.99, 'p99'],
        ] as const) {
          const exact = quantileOfSorted(latencies, q)!;
          expect(Math.abs(b[field] - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-9);
        }
      }
    }
  });

  it('refuses a step that is not whole minutes, and a range of more than 1000 buckets, as BAD_USER_INPUT', async ({ app: t, clock, viewer }) => {
    const [siteId] = await seedSites(t, 1);
    const id = globalId('Site', siteId!);
    const from = new Date(clock.nowMs() - DAY).toISOString();
    for (const step of [90, 30]) {
      const res = await viewer.request(LATENCY, { id, from, step });
      expect(res.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      expect(res.errors?.[0]?.message).toMatch(/whole number of minutes/);
    }
    const tooMany = await viewer.request(LATENCY, { id, from: new Date(clock.nowMs() - 30 * DAY).toISOString(), step: 60 });
    expect(tooMany.errors?.[0]?.message).toMatch(/at most 1000 buckets/);
  });
});

const UPTIME = /* GraphQL */ `
  query Uptime($id: ID!, $from: DateTime, $to: DateTime, $exclude: Boolean) {
    site(id: $id) { uptime(from: $from, to: $to, excludeMaintenance: $exclude) { uptimePercent downtimeSeconds outageCount longestOutageSeconds } }
  }
`;

describe('Site.uptime and dailyUptime', () => {
  it('leave maintenance-type windows out of the SLA: global, on the site, and on its group; incidents stay in', async ({ app: t, clock, viewer }) => {
    // Site 1 is a group; sites 2 and 3 are its children, 4 stands alone.
    const [group, child, , alone] = await seedSites(t, 4, (i) => (i === 1 || i === 2 ? 1 : null));
    const now = clock.nowMs();
    const from = now - 10 * HOUR;
    await t.app.deps.writer.submit(async (tx) => {
      for (const siteId of [child!, alone!]) {
        // Down from 8 h to 6 h ago and from 3 h to 2 h ago.
        await tx.stateChange.createMany({
          data: [
            { siteId, fromStatus: 'UP', toStatus: 'DOWN', reason: 'x', changedAt: new Date(now - 8 * HOUR) },
            { siteId, fromStatus: 'DOWN', toStatus: 'UP', reason: 'x', changedAt: new Date(now - 6 * HOUR) },
            { siteId, fromStatus: 'UP', toStatus: 'DOWN', reason: 'x', changedAt: new Date(now - 3 * HOUR) },
            { siteId, fromStatus: 'DOWN', toStatus: 'UP', reason: 'x', changedAt: new Date(now - 2 * HOUR) },
          ],
        });
      }
      // On the group: covers the child's whole second outage. Global: the first hour of the first outage.
      await tx.maintenanceWindow.create({
        data: { title: 'deploy', siteId: group!, startsAt: new Date(now - 3.5 * HOUR), endsAt: new Date(now - 1.5 * HOUR) },
      });
      await tx.maintenanceWindow.create({ data: { title: 'network', startsAt: new Date(now - 8 * HOUR), endsAt: new Date(now - 7 * HOUR) } });
      // An incident is not maintenance: it excludes nothing.
      await tx.maintenanceWindow.create({ data: { title: 'outage', type: 'INCIDENT', startsAt: new Date(now - 10 * HOUR), endsAt: new Date(now - HOUR) } });
    });
    const uptime = async (siteId: number, exclude?: boolean) =>
      (
        await viewer.request<{ site: { uptime: any } }>(UPTIME, {
          id: globalId('Site', siteId),
          from: new Date(from).toISOString(),
          to: new Date(now).toISOString(),
          exclude,
        })
      ).ok().site.uptime;

    // The child: 3 h down of 10 h counted in full; with maintenance out, 1 h of the first outage in 10 - 1 - 2 = 7 h.
    expect(await uptime(child!, false)).toMatchObject({ downtimeSeconds: 3 * 3600, outageCount: 2 });
    const childSla = await uptime(child!);
    expect(childSla).toMatchObject({ downtimeSeconds: 3600, outageCount: 1, longestOutageSeconds: 3600 });
    expect(childSla.uptimePercent).toBeCloseTo((6 / 7) * 100, 9);
    // The lone site is not in the group: only the global hour goes, 2 h down in 9 h.
    const aloneSla = await uptime(alone!);
    expect(aloneSla).toMatchObject({ downtimeSeconds: 2 * 3600, outageCount: 2 });
    expect(aloneSla.uptimePercent).toBeCloseTo((7 / 9) * 100, 9);
  });

  it('breaks uptime down per local day, a DST day 23 hours long', async ({ app: t, clock, viewer }) => {
    // 2026-03-30 12:00 UTC is 14:00 in Berlin; 2026-03-29 had 23 hours there.
    clock.set(Date.UTC(2026, 2, 30, 12));
    const [siteId] = await seedSites(t, 1);
    await t.app.deps.writer.submit((tx) =>
      tx.stateChange.createMany({
        data: [
          // Down from Berlin 22:00 on the 28th (21:00 UTC) to 02:00 UTC on the 29th (04:00 CEST).
          { siteId: siteId!, fromStatus: 'UP', toStatus: 'DOWN', reason: 'x', changedAt: new Date(Date.UTC(2026, 2, 28, 21)) },
          { siteId: siteId!, fromStatus: 'DOWN', toStatus: 'UP', reason: 'x', changedAt: new Date(Date.UTC(2026, 2, 29, 2)) },
        ],
      }),
    );
    const res = await viewer.request<{ site: { dailyUptime: any[] } }>(
      `query Daily($id: ID!) { site(id: $id) { dailyUptime(days: 3, timeZone: "Europe/Berlin") { date uptimePercent downtimeSeconds outageCount } } }`,
      { id: globalId('Site', siteId!) },
    );
    const days = res.ok().site.dailyUptime;
    expect(days.map((d) => d.date)).toEqual(['2026-03-28', '2026-03-29', '2026-03-30']);
    // The 28th: 2 of 24 hours down. The 29th (23 hours): from midnight (23:00 UTC) to 02:00 UTC, 3 hours down.
    expect(days[0]).toMatchObject({ downtimeSeconds: 2 * 3600, outageCount: 1 });
    expect(days[0].uptimePercent).toBeCloseTo((22 / 24) * 100, 9);
    expect(days[1]).toMatchObject({ downtimeSeconds: 3 * 3600, outageCount: 1 });
    expect(days[1].uptimePercent).toBeCloseTo((20 / 23) * 100, 9);
    expect(days[2]).toMatchObject({ uptimePercent: 100, downtimeSeconds: 0, outageCount: 0 });

    const bad = await viewer.request(`query { site(id: "${globalId('Site', siteId!)}") { dailyUptime(timeZone: "Mars/Olympus") { date } } }`);
    expect(bad.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('Site.recentChecks', () => {
  it("is the engine's memory of the last results, oldest first", async ({ app: t, viewer, site }) => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${site.pushToken}` } });
      expect(res.status).toBe(200);
    }
    const res = await viewer.request<{ site: { recentChecks: any[] } }>(`query R($id: ID!) { site(id: $id) { recentChecks { status latencyMs checkedAt } } }`, {
      id: site.id,
    });
    const recent = res.ok().site.recentChecks;
    expect(recent).toHaveLength(3);
    expect(recent.every((r) => r.status === 'UP')).toBe(true);
  });
});

const DASHBOARD = /* GraphQL */ `
  query HistoryDashboard($first: Int, $monthAgo: DateTime!, $dayAgo: DateTime!) {
    sites(first: $first) {
      edges {
        node {
          name
          status
          uptime(from: $monthAgo) { uptimePercent }
          latency(from: $dayAgo, step: 86400) { p95 }
          recentChecks { status }
        }
      }
    }
  }
`;

describe("with the reader's statements counted", () => {
  const statements = statementCounter();
  it.override({ appOptions: { wrapReadDb: statements.wrap } });

  it('reads a page of sites with status, 30-day uptime, 24-hour p95 and recent checks in as many statements for 100 sites as for 5', async ({
    app: t,
    clock,
    viewer,
  }) => {
    const ids = await seedSites(t, 100);
    const now = clock.nowMs();
    for (const siteId of ids) {
      for (let k = 1; k <= 5; k++) t.app.deps.writer.enqueue(check(siteId, now - k * HOUR, 10 * k));
    }
    await t.app.deps.writer.submit((tx) =>
      tx.stateChange.createMany({
        data: ids.map((siteId) => ({ siteId, fromStatus: 'UP', toStatus: 'DOWN', reason: 'x', changedAt: new Date(now - 2 * DAY) })),
      }),
    );
    await t.app.deps.writer.flush();
    const variables = (first: number) => ({
      first,
      monthAgo: new Date(now - 30 * DAY).toISOString(),
      dayAgo: new Date(Math.floor((now - DAY) / HOUR) * HOUR).toISOString(),
    });
    const run = async (first: number) => {
      const before = statements.count;
      const res = await viewer.request<{ sites: { edges: any[] } }>(DASHBOARD, variables(first));
      const edges = res.ok().sites.edges;
      expect(edges).toHaveLength(first);
      return { used: statements.count - before, edges };
    };
    const small = await run(5);
    const large = await run(100);
    expect(large.used).toBe(small.used);
    // The page of sites; the changes inside the window and, per site by index, the one before it; the maintenance
    // windows; the closed rollups not kept yet, and the open ones.
    expect(large.used).toBeLessThanOrEqual(6);
    // Every site went down two days ago and stayed down: the SLA reads it, and the rollups read the five checks.
    expect(large.edges[99].node.uptime.uptimePercent).toBeCloseTo(((28 * DAY) / (30 * DAY)) * 100, 6);
    expect(large.edges[99].node.latency[0].p95).toBeGreaterThan(0);
  });
});

describe('latency series kept between requests', () => {
  it('re-reads only the open rollups once the closed ones are kept, and still sees new checks and a reload', async ({ app: t, clock, viewer }) => {
    const [siteId] = await seedSites(t, 1);
    const id = globalId('Site', siteId!);
    const now = clock.nowMs();
    const from = new Date(Math.floor((now - 3 * HOUR) / HOUR) * HOUR).toISOString();
    for (let k = 1; k <= 30; k++) t.app.deps.writer.enqueue(check(siteId!, now - k * 5 * MINUTE, 100 + k));
    await t.app.deps.writer.flush();
    const counts = async () => (await viewer.request<{ site: { latency: any[] } }>(LATENCY, { id, from, step: 3600 * 4 })).ok().site.latency[0];
    const first = await counts();
    expect(first.count).toBe(30);
    // A check now lands in the open hour: seen at once, with the closed hours kept.
    t.app.deps.writer.enqueue(check(siteId!, now, 5));
    await t.app.deps.writer.flush();
    const second = await counts();
    expect([second.count, second.min, second.max]).toEqual([31, 5, 130]);
    // A rollup row of a closed hour changed behind the cache's back, as only an import does (a check written late is
    // published, which test/graphql/history-latency.test.ts covers): an import reloads the engine, after which nothing
    // kept from before is used.
    const openHour = new Date(Math.floor((now - MINUTE) / HOUR) * HOUR);
    const changed = await t.app.deps.writer.submit((tx) =>
      tx.checkRollup.updateMany({ where: { siteId: siteId!, width: 3600, start: { lt: openHour } }, data: { count: { increment: 1000 } } }),
    );
    expect(changed.count).toBeGreaterThan(0);
    expect((await counts()).count).toBe(31);
    await t.app.deps.engine.reload();
    expect((await counts()).count).toBe(31 + 1000 * changed.count);
  });
});
