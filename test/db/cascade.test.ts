import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { writerHarness } from '../writer/harness.ts';

/** A site with one of everything that hangs off it, plus a child monitor. */
async function seedSite(db: Db, name: string, channelIds: number[]) {
  const at = new Date(Date.UTC(2026, 0, 1));
  const site = await db.site.create({ data: { name, type: 'GROUP' } });
  const child = await db.site.create({ data: { name: `${name} child`, parentId: site.id } });
  await db.check.create({ data: { siteId: site.id, checkedAt: at, up: true, status: 'UP' } });
  await db.stateChange.create({ data: { siteId: site.id, fromStatus: 'PENDING', toStatus: 'UP', changedAt: at } });
  await db.maintenanceWindow.create({ data: { title: `${name} window`, siteId: site.id, startsAt: at } });
  await db.siteRuntimeState.create({ data: { siteId: site.id, status: 'UP', updatedAt: at } });
  await db.log.create({ data: { message: `${name} log`, siteId: site.id, createdAt: at } });
  for (const alertChannelId of channelIds) await db.siteAlertChannel.create({ data: { siteId: site.id, alertChannelId } });
  return { site, child };
}

async function rowsOf(db: Db, siteId: number) {
  return {
    checks: await db.check.count({ where: { siteId } }),
    stateChanges: await db.stateChange.count({ where: { siteId } }),
    windows: await db.maintenanceWindow.count({ where: { siteId } }),
    runtimeState: await db.siteRuntimeState.count({ where: { siteId } }),
    links: await db.siteAlertChannel.count({ where: { siteId } }),
  };
}

const ONE_OF_EACH = { checks: 1, stateChanges: 1, windows: 1, runtimeState: 1, links: 2 };
const NONE = { checks: 0, stateChanges: 0, windows: 0, runtimeState: 0, links: 0 };

describe('deleting through the writer', () => {
  it('deleting a site removes its checks, state changes, windows, runtime state and links; logs and children stay', async () => {
    const h = await writerHarness();
    const c1 = await h.db.alertChannel.create({ data: { name: 'c1', provider: 'WEBHOOK', settings: '{}' } });
    const c2 = await h.db.alertChannel.create({ data: { name: 'c2', provider: 'SLACK', settings: '{}' } });
    const doomed = await seedSite(h.db, 'doomed', [c1.id, c2.id]);
    const other = await seedSite(h.db, 'other', [c1.id, c2.id]);
    h.writer.start();

    await h.writer.submit((tx) => tx.site.delete({ where: { id: doomed.site.id } }));

    expect(await h.db.site.findUnique({ where: { id: doomed.site.id } })).toBeNull();
    expect(await rowsOf(h.db, doomed.site.id)).toEqual(NONE);
    expect(await rowsOf(h.db, other.site.id)).toEqual(ONE_OF_EACH);
    expect(await h.db.log.findFirst({ where: { message: 'doomed log' } })).toMatchObject({ siteId: null });
    expect(await h.db.site.findUnique({ where: { id: doomed.child.id } })).toMatchObject({ parentId: null });
    expect(await h.db.alertChannel.count()).toBe(2);
  });

  it('a site deletion that fails part-way changes nothing: it is one transaction', async () => {
    const h = await writerHarness();
    const c1 = await h.db.alertChannel.create({ data: { name: 'c1', provider: 'WEBHOOK', settings: '{}' } });
    const c2 = await h.db.alertChannel.create({ data: { name: 'c2', provider: 'SLACK', settings: '{}' } });
    const kept = await seedSite(h.db, 'kept', [c1.id, c2.id]);
    h.writer.start();

    await expect(
      h.writer.submit(async (tx) => {
        await tx.site.delete({ where: { id: kept.site.id } });
        throw new Error('refused after the delete');
      }),
    ).rejects.toThrow('refused after the delete');

    expect(await h.db.site.findUnique({ where: { id: kept.site.id } })).not.toBeNull();
    expect(await rowsOf(h.db, kept.site.id)).toEqual(ONE_OF_EACH);
    expect(await h.db.site.findUnique({ where: { id: kept.child.id } })).toMatchObject({ parentId: kept.site.id });
  });

  it('deleting a channel unlinks it and drops its health; the sites stay linked to their other channels', async () => {
    const h = await writerHarness();
    const c1 = await h.db.alertChannel.create({ data: { name: 'c1', provider: 'WEBHOOK', settings: '{}' } });
    const c2 = await h.db.alertChannel.create({ data: { name: 'c2', provider: 'SLACK', settings: '{}' } });
    const a = await seedSite(h.db, 'a', [c1.id, c2.id]);
    const b = await seedSite(h.db, 'b', [c1.id]);
    await h.db.alertHealth.create({ data: { alertChannelId: c1.id, sendCount: 3 } });
    await h.db.alertHealth.create({ data: { alertChannelId: c2.id, sendCount: 1 } });
    h.writer.start();

    await h.writer.submit((tx) => tx.alertChannel.delete({ where: { id: c1.id } }));

    expect(await h.db.siteAlertChannel.findMany({ orderBy: { siteId: 'asc' } })).toEqual([{ siteId: a.site.id, alertChannelId: c2.id }]);
    expect(await h.db.alertHealth.findMany({ select: { alertChannelId: true } })).toEqual([{ alertChannelId: c2.id }]);
    expect(await h.db.site.count({ where: { id: { in: [a.site.id, b.site.id] } } })).toBe(2);
  });
});
