import { describe, expect, it } from 'vitest';
import { insertRows } from '../../src/backup/insert.ts';
import { bumpChangeSignal, CHANGE_SIGNAL_KEY } from '../../src/db/change-signal.ts';
import { dialectOf } from '../../src/db/dialect.ts';
import { readRecentRows, RECENT_RESULTS } from '../../src/engine/recent-results.ts';
import type { SiteStatus } from '../../src/generated/prisma/client.ts';
import { latencySeries, planSeries } from '../../src/history/latency.ts';
import { addTo, quantiles, type Sketch } from '../../src/history/sketch.ts';
import { CHANGES_PER_READ, loadChangeHistories } from '../../src/services/uptime.ts';
import { seededRandom } from '../helpers/random.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { check, createSites, T0, WRITER_DEFAULTS, writerHarnessOn } from '../writer/harness.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const stores = useStores();

/** The hand-written reads (and the backup's insert) answer the same on either store, checked against the raw rows. */
describe.each(PROVIDERS)('raw SQL on %s', (provider) => {
  const harness = writerHarnessOn(stores, provider);

  it("knows its client's dialect, in a transaction too", async () => {
    const h = await harness();
    h.writer.start();
    expect(dialectOf(h.db).provider).toBe(provider);
    expect(await h.writer.submit(async (tx) => dialectOf(tx).provider)).toBe(provider);
  });

  it('latency series from the rollups equal a recomputation from the raw checks', async () => {
    const h = await harness({ config: { batchSize: 50, queueSize: 10_000 } });
    const sites = await createSites(h.db, 2);
    const random = seededRandom(7);
    for (const siteId of sites) {
      for (let at = T0 + 5000; at < T0 + 3 * HOUR; at += 10_000 + Math.floor(random() * 50_000)) {
        const up = random() > 0.1;
        h.writer.enqueue(check(siteId, at, { up, status: up ? 'UP' : 'DOWN', latencyMs: random() < 0.05 ? null : 1 + random() * 300 }));
      }
    }
    h.writer.start();
    await h.writer.flush();
    const raw = await h.db.check.findMany();

    // Ten-minute steps from a time off the step, over the minute rollups; then hours over the hour rollups.
    for (const range of [
      { from: new Date(T0 + 7 * MINUTE), to: new Date(T0 + 2 * HOUR + 33 * MINUTE), stepSeconds: 600 },
      { from: new Date(T0), to: new Date(T0 + 3 * HOUR), stepSeconds: 3600 },
    ]) {
      const retention = WRITER_DEFAULTS.retainRollupsMs;
      const plan = planSeries(range, T0 + 3 * HOUR, retention);
      const series = await latencySeries(h.db, sites, range, plan);
      const stepMs = range.stepSeconds * 1000;
      for (const siteId of sites) {
        const buckets = series.get(siteId)!;
        expect(buckets).toHaveLength(plan.buckets);
        buckets.forEach((bucket, k) => {
          const start = plan.startMs + k * stepMs;
          const end = Math.min(start + stepMs, range.to.getTime());
          const rows = raw.filter((c) => c.siteId === siteId && c.checkedAt.getTime() >= start && c.checkedAt.getTime() < end);
          const latencies = rows.flatMap((c) => (c.latencyMs === null ? [] : [c.latencyMs])).sort((a, b) => a - b);
          const sketch: Sketch = {};
          for (const latency of latencies) addTo(sketch, latency);
          const [p50, p95, p99] = quantiles(sketch, [0.5, 0.95, 0.99]);
          expect(bucket, `site ${siteId} bucket ${k} at step ${range.stepSeconds}`).toMatchObject({
            start: new Date(start),
            count: rows.length,
            upCount: rows.filter((c) => c.up).length,
            min: latencies[0] ?? null,
            max: latencies.at(-1) ?? null,
            p50,
            p95,
            p99,
          });
          if (latencies.length > 0) expect(bucket.avg).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 9);
          else expect(bucket.avg).toBeNull();
        });
      }
    }
  });

  it('change histories: the edges around the window and every change inside, across several pages', async () => {
    const h = await harness();
    const [busy, quiet, none] = await createSites(h.db, 3);
    const from = new Date(T0);
    const to = new Date(T0 + 10 * HOUR);
    const statuses: SiteStatus[] = ['UP', 'DOWN'];
    // busy: one change before the window, 2.5 pages inside (ties on one instant included), one after.
    const inside = Array.from({ length: 2 * CHANGES_PER_READ + 500 }, (_, i) => ({
      siteId: busy!,
      fromStatus: statuses[(i + 1) % 2]!,
      toStatus: statuses[i % 2]!,
      changedAt: new Date(T0 + 1000 + Math.floor(i / 2) * 1000),
    }));
    await h.db.stateChange.createMany({
      data: [
        { siteId: busy!, fromStatus: 'PENDING', toStatus: 'UP', changedAt: new Date(T0 - HOUR) },
        ...inside,
        { siteId: busy!, fromStatus: 'SSL_EXPIRED', toStatus: 'UP', changedAt: new Date(T0 + 11 * HOUR) },
        // quiet: only outside the window; the later one's fromStatus says what it was doing.
        { siteId: quiet!, fromStatus: 'UP', toStatus: 'DOWN', changedAt: new Date(T0 - 2 * HOUR) },
        { siteId: quiet!, fromStatus: 'LATE', toStatus: 'UP', changedAt: new Date(T0 + 12 * HOUR) },
        // exactly at `from` is before the window, exactly at `to` inside it.
        { siteId: none!, fromStatus: 'UP', toStatus: 'DOWN', changedAt: from },
        { siteId: none!, fromStatus: 'DOWN', toStatus: 'UP', changedAt: to },
      ],
    });
    const insideRows = await h.db.stateChange.findMany({
      where: { siteId: busy!, changedAt: { gt: from, lte: to } },
      orderBy: [{ changedAt: 'asc' }, { id: 'asc' }],
    });

    const histories = await loadChangeHistories(h.db, [busy!, quiet!, none!], from, to);
    expect(histories.get(busy!)).toEqual({
      changes: [{ to: 'UP', changedAt: from }, ...insideRows.map((r) => ({ to: r.toStatus, changedAt: r.changedAt }))],
      laterFrom: 'SSL_EXPIRED',
    });
    expect(histories.get(busy!)!.changes).toHaveLength(1 + inside.length);
    expect(histories.get(quiet!)).toEqual({ changes: [{ to: 'DOWN', changedAt: from }], laterFrom: 'LATE' });
    expect(histories.get(none!)).toEqual({
      changes: [
        { to: 'DOWN', changedAt: from },
        { to: 'UP', changedAt: to },
      ],
      laterFrom: null,
    });
  });

  it('recent rows: the newest of each site, oldest first', async () => {
    const h = await harness();
    const [busy, few, never] = await createSites(h.db, 3);
    // Inserted newest first, so ids do not follow time.
    const rows = [
      ...Array.from({ length: RECENT_RESULTS + 15 }, (_, i) => ({ siteId: busy!, checkedAt: new Date(T0 + i * MINUTE), latencyMs: i })),
      ...[0, 1, 2].map((i) => ({ siteId: few!, checkedAt: new Date(T0 + i * MINUTE), latencyMs: null })),
    ].reverse();
    await h.db.check.createMany({ data: rows.map((r) => ({ ...r, up: true, status: 'UP' as const })) });

    const read = await readRecentRows(h.db, [busy!, few!, never!]);
    expect(read.filter((r) => r.siteId === busy).map((r) => r.latencyMs)).toEqual(Array.from({ length: RECENT_RESULTS }, (_, k) => 15 + k));
    expect(read.filter((r) => r.siteId === few)).toEqual(
      [0, 1, 2].map((i) => ({ siteId: few, status: 'UP', latencyMs: null, checkedAt: new Date(T0 + i * MINUTE) })),
    );
    expect(read.some((r) => r.siteId === never)).toBe(false);
  });

  // On SQLite the announcing transaction writes first and so holds the database's one write lock; two in one process
  // cannot even overlap (better-sqlite3 waits for that lock synchronously, holding the event loop the other needs).
  it.runIf(provider === 'postgresql')('announcements made at once on several connections take turns: each gets its own number, none is lost', async () => {
    const store = await stores.fresh(provider);
    const clients = await Promise.all(Array.from({ length: 4 }, () => store.open()));
    const numbers = (
      await Promise.all(
        clients.map(async (db) => {
          const mine: number[] = [];
          for (let i = 0; i < 5; i++) mine.push(await db.$transaction((tx) => bumpChangeSignal(tx, { what: 'config' })));
          return mine;
        }),
      )
    ).flat();
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const row = await clients[0]!.preference.findUniqueOrThrow({ where: { key: CHANGE_SIGNAL_KEY } });
    expect(JSON.parse(row.value).changes.map((c: { seq: number }) => c.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('inserted rows keep their ids, and the next row created gets a fresh one', async () => {
    const h = await harness();
    h.writer.start();
    const createdAt = new Date(T0);
    await h.writer.submit((tx) =>
      insertRows(
        tx,
        'Site',
        [5, 9].map((id) => ({ id, name: `site ${id}`, url: `https://s${id}.example`, paused: id === 9, createdAt, updatedAt: createdAt })),
      ),
    );
    const sites = await h.db.site.findMany({ orderBy: { id: 'asc' } });
    expect(sites.map((s) => [s.id, s.name, s.paused, s.createdAt])).toEqual([
      [5, 'site 5', false, createdAt],
      [9, 'site 9', true, createdAt],
    ]);
    const next = await h.writer.submit((tx) => tx.site.create({ data: { name: 'next', url: 'https://next.example' } }));
    expect(next.id).toBe(10);
  });
});
