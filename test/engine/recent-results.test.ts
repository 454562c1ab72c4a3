import { describe, expect, it } from 'vitest';
import { RECENT_RESULTS, RecentResults } from '../../src/engine/recent-results.ts';
import type { RecentResult } from '../../src/engine/types.ts';
import type { Db } from '../../src/db/client.ts';
import { engineHarness, T0 } from './harness.ts';

const TOKEN = '0123456789abcdef0123456789abcdef';

/** What a reader sees of a result: its Date is made on reading, so it is no own property to compare. */
const seen = (results: readonly RecentResult[]) => results.map(({ status, latencyMs, checkedAt }) => ({ status, latencyMs, checkedAt }));

describe('RecentResults', () => {
  it('keeps results oldest first, latency null when unknown', () => {
    const ring = new RecentResults();
    ring.record(1, 'UP', 12.5, new Date(T0));
    ring.record(1, 'DOWN', null, new Date(T0 + 1000));
    ring.record(2, 'SSL_EXPIRED', 3, new Date(T0 + 2000));
    expect(seen(ring.get(1))).toEqual([
      { status: 'UP', latencyMs: 12.5, checkedAt: new Date(T0) },
      { status: 'DOWN', latencyMs: null, checkedAt: new Date(T0 + 1000) },
    ]);
    expect(seen(ring.get(2))).toEqual([{ status: 'SSL_EXPIRED', latencyMs: 3, checkedAt: new Date(T0 + 2000) }]);
    expect(ring.get(3)).toEqual([]);
  });

  it('gives back a latency exactly as recorded, as the checks table keeps it', () => {
    const ring = new RecentResults();
    // Not representable in a float32: 93.84728240966797 came back when the ring held float32s.
    ring.record(1, 'UP', 93.8472837, new Date(T0));
    expect(ring.get(1)[0]!.latencyMs).toBe(93.8472837);
  });

  it('holds the last 60, dropping the oldest as it wraps', () => {
    const ring = new RecentResults();
    for (let i = 0; i < 150; i++) ring.record(1, i % 2 ? 'DOWN' : 'UP', i, new Date(T0 + i * 1000));
    const kept = ring.get(1);
    expect(kept).toHaveLength(RECENT_RESULTS);
    expect(kept.map((r) => r.latencyMs)).toEqual(Array.from({ length: 60 }, (_, k) => 90 + k));
    expect(seen(kept)[0]).toEqual({ status: 'UP', latencyMs: 90, checkedAt: new Date(T0 + 90_000) });
    expect(seen(kept).at(-1)).toEqual({ status: 'DOWN', latencyMs: 149, checkedAt: new Date(T0 + 149_000) });
  });

  it('forgets a removed site', () => {
    const ring = new RecentResults();
    ring.record(1, 'UP', 1, new Date(T0));
    ring.remove(1);
    expect(ring.get(1)).toEqual([]);
  });

  it('puts seeded rows before the results a site already has, never after them', () => {
    const ring = new RecentResults();
    ring.record(1, 'DOWN', null, new Date(T0 + 5000));
    ring.seed([
      { siteId: 1, status: 'UP', latencyMs: 1, checkedAt: new Date(T0) },
      // As new as what the site has: it would overtake it, so it is left out.
      { siteId: 1, status: 'LATE', latencyMs: null, checkedAt: new Date(T0 + 5000) },
      { siteId: 2, status: 'UP', latencyMs: 2, checkedAt: new Date(T0) },
      { siteId: 2, status: 'LATE', latencyMs: null, checkedAt: new Date(T0 + 1000) },
    ]);
    expect(ring.get(1).map((r) => r.status)).toEqual(['UP', 'DOWN']);
    expect(ring.get(2).map((r) => r.status)).toEqual(['UP', 'LATE']);
  });
});

describe('engine: recent results', () => {
  it('starts each site from its newest 60 check rows, then appends what it applies', async () => {
    const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' } });
    const busy = await h.createSite({ name: 'busy', type: 'PUSH', pushToken: TOKEN, interval: 300 });
    const quiet = await h.createSite({ name: 'quiet', type: 'PUSH', interval: 300, paused: true });
    const never = await h.createSite({ name: 'never', type: 'PUSH', interval: 300, paused: true });
    // 100 rows for busy, inserted out of time order (ids do not follow time), 3 for quiet.
    const busyRows = Array.from({ length: 100 }, (_, i) => ({
      siteId: busy,
      checkedAt: new Date(T0 - (100 - i) * 60_000),
      up: i % 3 !== 0,
      status: i % 3 !== 0 ? ('UP' as const) : ('DOWN' as const),
      latencyMs: i,
    })).reverse();
    const quietRows = [0, 1, 2].map((i) => ({ siteId: quiet, checkedAt: new Date(T0 - (3 - i) * 1000), up: true, status: 'UP' as const, latencyMs: null }));
    await h.writer.submit((tx) => tx.check.createMany({ data: [...busyRows, ...quietRows] }));

    await h.engine.start();
    await h.engine.recentSeeded();
    const seeded = h.engine.recentResults(busy);
    expect(seeded).toHaveLength(60);
    expect(seeded.map((r) => r.latencyMs)).toEqual(Array.from({ length: 60 }, (_, k) => 40 + k));
    expect(seen(seeded)[0]).toEqual({ status: 'UP', latencyMs: 40, checkedAt: new Date(T0 - 60 * 60_000) });
    expect(seen(seeded).at(-1)).toEqual({ status: 'DOWN', latencyMs: 99, checkedAt: new Date(T0 - 60_000) });
    expect(h.engine.recentResults(quiet).map((r) => r.checkedAt.getTime() - T0)).toEqual([-3000, -2000, -1000]);
    expect(h.engine.recentResults(never)).toEqual([]);

    // A beat and then a missed deadline are applied results: both are appended, the oldest seeded row drops out.
    h.engine.heartbeat(TOKEN);
    await h.tick(300_001);
    const after = h.engine.recentResults(busy);
    expect(after).toHaveLength(60);
    expect(seen(after.slice(-2))).toEqual([
      { status: 'UP', latencyMs: 0, checkedAt: new Date(T0) },
      { status: 'LATE', latencyMs: null, checkedAt: new Date(T0 + 300_001) },
    ]);
    expect(after[0]!.latencyMs).toBe(42);

    // A new type measures something else: the old results go, as its status starts PENDING again.
    expect(h.engine.recentResults(quiet)).toHaveLength(3);
    await h.updateSite(quiet, { type: 'PORT', hostname: '127.0.0.1', port: 9 });
    await h.engine.siteChanged(quiet);
    expect(h.engine.recentResults(quiet)).toEqual([]);

    await h.writer.submit((tx) => tx.site.delete({ where: { id: busy } }));
    h.engine.siteRemoved(busy);
    expect(h.engine.recentResults(busy)).toEqual([]);
  });
});

/** Holds the engine's read of the sites' newest checks (readRecentRows) after it has read them, until released. */
function heldRecentReads() {
  let arrive: () => void = () => {};
  const arrived = new Promise<void>((resolve) => (arrive = resolve));
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const wrap = (db: Db): Db =>
    new Proxy(db, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== 'function') return value;
        if (prop !== '$queryRaw') return value.bind(target);
        return async (strings: TemplateStringsArray, ...values: unknown[]) => {
          const rows: unknown = await value.call(target, strings, ...values);
          if (strings.join('?').includes('c."checkedAt"')) {
            arrive();
            await released;
          }
          return rows;
        };
      },
    });
  return { wrap, arrived, release };
}

describe('engine: recent results of a deleted site', () => {
  it('are not brought back by a read of the newest checks that began before the delete', async () => {
    const held = heldRecentReads();
    const h = await engineHarness({ start: false, wrapDb: held.wrap });
    const gone = await h.createSite({ name: 'gone', type: 'PUSH', interval: 300, paused: true });
    const rows = [0, 1, 2].map((i) => ({ siteId: gone, checkedAt: new Date(T0 - (3 - i) * 1000), up: true, status: 'UP' as const, latencyMs: 1 }));
    await h.writer.submit((tx) => tx.check.createMany({ data: rows }));

    await h.engine.start();
    await held.arrived;
    await h.writer.submit((tx) => tx.site.delete({ where: { id: gone } }));
    h.engine.siteRemoved(gone);
    held.release();
    await h.engine.recentSeeded();

    expect(h.engine.recentResults(gone)).toEqual([]);
  });
});
