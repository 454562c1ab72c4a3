import { describe, expect, it } from 'vitest';
import { addTo, decodeSketch, quantile, quantileOfSorted, RELATIVE_ERROR, type Sketch } from '../../src/history/sketch.ts';
import { ROLLUP_WIDTHS } from '../../src/writer/rollups.ts';
import { seededRandom } from '../helpers/random.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { check, createSites, T0, writerHarnessOn } from './harness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Recomputed {
  count: number;
  upCount: number;
  latencies: number[];
}

const stores = useStores();

describe.each(PROVIDERS)('check rollups on %s', (provider) => {
  const harness = writerHarnessOn(stores, provider);

  it('equal a recomputation from the raw checks: counts, min and max exactly, percentiles within the sketch error', async () => {
    // Small batches, so buckets are merged across many batches as well as within one.
    const h = await harness({ config: { batchSize: 97, queueSize: 100_000 } });
    const sites = await createSites(h.db, 3);
    h.writer.start();
    const random = seededRandom(42);
    // Three sites over 50 hours, a check every 2 to 90 s, some down, some without a latency.
    for (const siteId of sites) {
      for (let at = T0 + 17_000; at < T0 + 50 * HOUR; at += 2000 + Math.floor(random() * 88_000)) {
        const up = random() > 0.07;
        const latencyMs = random() < 0.05 ? null : random() < 0.03 ? 5000 + random() * 20_000 : 5 + random() ** 2 * 400;
        h.writer.enqueue(check(siteId, at, { up, status: up ? 'UP' : 'DOWN', latencyMs }));
      }
    }
    await h.writer.flush();
    expect(h.writer.stats.failedWrites).toBe(0);

    const raw = await h.db.check.findMany({ orderBy: { id: 'asc' } });
    const rollups = await h.db.checkRollup.findMany();
    for (const width of ROLLUP_WIDTHS) {
      const expected = new Map<string, Recomputed>();
      for (const c of raw) {
        const start = Math.floor(c.checkedAt.getTime() / (width * 1000)) * width * 1000;
        const key = `${c.siteId}:${start}`;
        const agg = expected.get(key) ?? { count: 0, upCount: 0, latencies: [] };
        agg.count++;
        if (c.up) agg.upCount++;
        if (c.latencyMs !== null) agg.latencies.push(c.latencyMs);
        expected.set(key, agg);
      }
      const stored = rollups.filter((r) => r.width === width);
      expect(stored.length).toBe(expected.size);
      for (const row of stored) {
        const want = expected.get(`${row.siteId}:${row.start.getTime()}`);
        expect(want, `bucket ${row.siteId} ${row.start.toISOString()} at width ${width}`).toBeDefined();
        const sorted = [...want!.latencies].sort((a, b) => a - b);
        expect([row.count, row.upCount, row.latencyCount]).toEqual([want!.count, want!.upCount, sorted.length]);
        expect(row.latencyMin).toBe(sorted[0] ?? null);
        expect(row.latencyMax).toBe(sorted.at(-1) ?? null);
        expect(row.latencySum).toBeCloseTo(
          sorted.reduce((a, b) => a + b, 0),
          6,
        );
        const sketch = decodeSketch(row.sketch);
        // Merged in SQL across batches, the sketch is exactly the one of all the bucket's latencies at once.
        const whole: Sketch = {};
        for (const latency of sorted) addTo(whole, latency);
        expect(sketch).toEqual(whole);
        for (const q of [0.5, 0.95, 0.99]) {
          const exact = quantileOfSorted(sorted, q);
          const estimate = quantile(sketch, q);
          if (exact === null) expect(estimate).toBeNull();
          else expect(Math.abs(estimate! - exact) / exact).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-12);
        }
      }
    }
    // 50 hours: three days touched, 50 or 51 hours and 3,000 minutes or so per site.
    expect(rollups.filter((r) => r.width === 86_400).length).toBe(3 * 3);
  });

  it('leaves out the buckets of a site deleted while its checks were queued, and go with a deleted site', async () => {
    const h = await harness();
    const [kept, gone] = await createSites(h.db, 2);
    h.writer.enqueue(check(kept!, T0));
    h.writer.enqueue(check(gone!, T0));
    await h.writeDb.site.delete({ where: { id: gone! } });
    h.writer.start();
    await h.writer.flush();
    expect(new Set((await h.db.checkRollup.findMany()).map((r) => r.siteId))).toEqual(new Set([kept]));
    await h.writer.submit((tx) => tx.site.delete({ where: { id: kept! } }));
    expect(await h.db.checkRollup.count()).toBe(0);
  });

  it('are pruned per level by age on the retention timer', async () => {
    const h = await harness({
      config: { pruneIntervalMs: 10 * MINUTE, retainRollupsMs: { minute: 2 * HOUR, hour: 3 * DAY, day: 10 * DAY } },
    });
    const [siteId] = await createSites(h.db, 1);
    h.clock.set(T0 + 20 * DAY);
    // One check a day for 20 days, and one a minute over the last 3 hours.
    for (let d = 0; d < 20; d++) h.writer.enqueue(check(siteId!, T0 + d * DAY + HOUR));
    for (let m = 0; m < 180; m++) h.writer.enqueue(check(siteId!, T0 + 20 * DAY - 180 * MINUTE + m * MINUTE));
    h.writer.start();
    await h.writer.flush();
    await h.clock.advance(10 * MINUTE);
    await h.writer.flush();
    const now = h.clock.nowMs();
    const rows = await h.db.checkRollup.findMany();
    const oldest = (width: number) => Math.min(...rows.filter((r) => r.width === width).map((r) => r.start.getTime()));
    expect(oldest(60)).toBeGreaterThanOrEqual(now - 2 * HOUR);
    expect(oldest(3600)).toBeGreaterThanOrEqual(now - 3 * DAY);
    expect(oldest(86_400)).toBeGreaterThanOrEqual(now - 10 * DAY);
    // And nothing younger than its level's retention went: the pass ran 10 minutes after the last check, so the
    // minutes of the last 110 minutes remain, and the days that start at most 10 days back: days 11 to 19.
    expect(rows.filter((r) => r.width === 60).length).toBe(110);
    expect(rows.filter((r) => r.width === 86_400).length).toBe(9);
  });
});
