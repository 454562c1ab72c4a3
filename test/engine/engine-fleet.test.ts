import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import type { EngineStatusSnapshot } from '../../src/engine/types.ts';
import { loadChannelLinks, loadSites, PAGE_SIZE } from '../../src/engine/sites.ts';
import { freshDbFile } from '../helpers/db.ts';
import { engineHarness, httpTarget, T0, type EngineHarness } from './harness.ts';

/** Counts the Site reads that go through the engine's client, by method. */
function countedSiteReads() {
  const calls: { method: string; take: unknown }[] = [];
  const wrap = (db: Db): Db => {
    const site = new Proxy(db.site, {
      get(target, prop) {
        const value: unknown = Reflect.get(target, prop);
        if (typeof value !== 'function' || (prop !== 'findMany' && prop !== 'aggregate')) return value;
        return (args?: { take?: unknown }) => {
          calls.push({ method: String(prop), take: args?.take });
          return value.call(target, args);
        };
      },
    });
    return new Proxy(db, { get: (target, prop) => (prop === 'site' ? site : Reflect.get(target, prop)) });
  };
  return { calls, wrap };
}

/** The snapshot's figures as displayStatus gives them site by site: what the kept counters must always equal. */
function recount(h: EngineHarness, ids: number[]): Pick<EngineStatusSnapshot, 'up' | 'down' | 'pending' | 'paused' | 'maintenance'> {
  const n = { up: 0, down: 0, pending: 0, paused: 0, maintenance: 0 };
  for (const id of ids) {
    const shown = h.engine.displayStatus(id);
    if (shown === 'UP') n.up++;
    else if (shown === 'DOWN' || shown === 'SSL_EXPIRED') n.down++;
    else if (shown === 'PENDING') n.pending++;
    else if (shown === 'PAUSED') n.paused++;
    else if (shown === 'MAINTENANCE') n.maintenance++;
  }
  return n;
}

/** `total` HTTP sites with ids 1..total, in one statement. */
async function insertSites(db: Db, total: number): Promise<void> {
  const stamp = new Date(T0).toISOString().replace('Z', '+00:00');
  await db.$executeRawUnsafe(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${total})
     INSERT INTO "Site" (name, type, url, interval, createdAt, updatedAt) SELECT 'site ' || i, 'HTTP', 'http://127.0.0.1/', 60, '${stamp}', '${stamp}' FROM n`,
  );
}

describe('engine: a large fleet', () => {
  it('keeps the status counters equal to a site-by-site count through results, pauses, groups, windows and deletes', async () => {
    const ok = await httpTarget();
    const bad = await httpTarget();
    bad.reply({ status: 500 });
    const h = await engineHarness({ start: false });
    const group = await h.createSite({ name: 'group', type: 'GROUP', interval: 60 });
    const up = await h.createSite({ name: 'up', type: 'HTTP', url: ok.url, interval: 60, parentId: group });
    const down = await h.createSite({ name: 'down', type: 'HTTP', url: bad.url, interval: 60 });
    const paused = await h.createSite({ name: 'paused', type: 'HTTP', url: ok.url, interval: 60, paused: true });
    const push = await h.createSite({ name: 'push', type: 'PUSH', interval: 60, pushToken: 'aaaabbbbccccddddeeeeffff00001111' });
    let ids = [group, up, down, paused, push];
    const expectCounts = () => expect(h.engine.status()).toMatchObject({ sites: ids.length, ...recount(h, ids) });

    await h.engine.start();
    expectCounts();
    await h.tick(0);
    await h.settle();
    expect(h.engine.status()).toMatchObject({ up: 2, down: 1, pending: 1, paused: 1 });
    expectCounts();

    bad.reply({ status: 200 });
    await h.tick(61_000);
    expectCounts();
    expect(h.engine.status()).toMatchObject({ up: 3, down: 0 });

    await h.updateSite(down, { paused: true });
    await h.engine.siteChanged(down);
    expectCounts();

    // A window on the group covers its child too, until it ends.
    await h.writer.submit((tx) => tx.maintenanceWindow.create({ data: { title: 'w', siteId: group, startsAt: new Date(T0), endsAt: new Date(T0 + 300_000) } }));
    await h.engine.maintenanceChanged();
    expect(h.engine.status().maintenance).toBe(2);
    expectCounts();
    await h.tick(300_000);
    expect(h.engine.status().maintenance).toBe(0);
    expectCounts();

    await h.writer.submit((tx) => tx.maintenanceWindow.create({ data: { title: 'w2', siteId: group, startsAt: new Date(h.clock.nowMs()), endsAt: null } }));
    await h.engine.maintenanceChanged();
    expectCounts();
    // The group goes: its child is no longer covered by the group's window.
    await h.writer.submit((tx) => tx.site.delete({ where: { id: group } }));
    h.engine.siteRemoved(group);
    ids = ids.filter((id) => id !== group);
    expectCounts();
    expect(h.engine.status().maintenance).toBe(0);
  });

  it('reads every site in pages of PAGE_SIZE, never the whole table in one query', async () => {
    const t = freshDbFile();
    const db = await t.open();
    const total = 2 * PAGE_SIZE + 5;
    await insertSites(db, total);
    const reads = countedSiteReads();
    const sites = await loadSites(reads.wrap(db), undefined);
    expect(sites.map((s) => s.id)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(reads.calls).toEqual([
      { method: 'findMany', take: PAGE_SIZE },
      { method: 'findMany', take: PAGE_SIZE },
      { method: 'findMany', take: PAGE_SIZE },
    ]);

    reads.calls.length = 0;
    const some = Array.from({ length: PAGE_SIZE + 1 }, (_, i) => total - i);
    expect((await loadSites(reads.wrap(db), undefined, some)).map((s) => s.id).sort((a, b) => a - b)).toEqual([...some].reverse());
    expect(reads.calls.map((c) => c.method)).toEqual(['findMany', 'findMany']);
    await db.$disconnect();
  });

  it('reads the alert channel links a page of sites at a time: a channel linked to every site is not one query', async () => {
    const t = freshDbFile();
    const db = await t.open();
    const total = 2 * PAGE_SIZE + 5;
    await insertSites(db, total);
    const [a, b] = await Promise.all(['a', 'b'].map((name) => db.alertChannel.create({ data: { name, provider: 'WEBHOOK', settings: '{}' } })));
    // Every site on channel a, the odd ones on b too; the last site on none.
    await db.siteAlertChannel.createMany({
      data: Array.from({ length: total - 1 }, (_, i) => i + 1).flatMap((siteId) => [
        { siteId, alertChannelId: a!.id },
        ...(siteId % 2 ? [{ siteId, alertChannelId: b!.id }] : []),
      ]),
    });
    const reads = countedSiteReads();
    const links = await loadChannelLinks(reads.wrap(db));
    expect(links.size).toBe(total - 1);
    expect(links.get(1)!.sort()).toEqual([a!.id, b!.id].sort());
    expect(links.get(2)).toEqual([a!.id]);
    expect(links.has(total)).toBe(false);
    expect(reads.calls).toEqual([
      { method: 'findMany', take: PAGE_SIZE },
      { method: 'findMany', take: PAGE_SIZE },
      { method: 'findMany', take: PAGE_SIZE },
    ]);
    await db.$disconnect();
  });

  it('a reconcile after start compares no rows while the Site table has not changed since the engine loaded it', async () => {
    const web = await httpTarget();
    const reads = countedSiteReads();
    const h = await engineHarness({ start: false, wrapDb: reads.wrap });
    await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.engine.start();
    reads.calls.length = 0;
    await h.clock.advanceAsync(h.config.engine.reconcileIntervalMs);
    await h.engine.whenIdle();
    // The fingerprint, then the alert channel links, read a page of sites at a time.
    expect(reads.calls.map((c) => c.method)).toEqual(['aggregate', 'findMany']);

    await h.createSite({ name: 'added elsewhere', type: 'HTTP', url: web.url, interval: 60 });
    reads.calls.length = 0;
    await h.clock.advanceAsync(h.config.engine.reconcileIntervalMs);
    await h.engine.whenIdle();
    // The fingerprint, then the changed site and the links.
    expect(reads.calls.map((c) => c.method)).toEqual(['aggregate', 'findMany', 'findMany', 'findMany']);
    expect(h.engine.status().sites).toBe(2);
  });

  it('a reconcile that finds the same windows keeps their index: an ignored window is logged once, not every 30 s', async () => {
    const h = await engineHarness({ start: false });
    await h.writer.submit((tx) =>
      tx.maintenanceWindow.create({
        data: { title: 'stored before sub-minute crons were refused', startsAt: new Date(T0), recurrence: '* * * * * *', durationMinutes: 5 },
      }),
    );
    await h.engine.start();
    for (let i = 0; i < 3; i++) {
      await h.clock.advanceAsync(h.config.engine.reconcileIntervalMs);
      await h.engine.whenIdle();
    }
    expect(h.engine.logs().filter((l) => l.message.startsWith('Maintenance window 1 is ignored'))).toHaveLength(1);

    await h.writer.submit((tx) => tx.maintenanceWindow.create({ data: { title: 'now', startsAt: new Date(h.clock.nowMs()) } }));
    await h.clock.advanceAsync(h.config.engine.reconcileIntervalMs);
    await h.engine.whenIdle();
    expect(h.engine.isInMaintenance(1)).toBe(true);
  });
});
