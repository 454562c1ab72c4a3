import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { engineHarness, heldSiteReads, httpTarget, received, type EngineHarness } from './harness.ts';

/** An engine over a held-reads client, with an HTTP site "web" answering 500 linked to a webhook "ops" (not started). */
async function setup() {
  const web = await httpTarget();
  web.reply({ status: 500 });
  const receiver = await startReceiver();
  const reads = heldSiteReads();
  const h = await engineHarness({ start: false, wrapDb: reads.wrap });
  return { h, web, receiver, reads };
}

async function createSite(h: EngineHarness, url: string, name = 'web'): Promise<number> {
  return h.createSite({ name, type: 'HTTP', url, interval: 60 });
}

/** Deleted through the database, then the engine told, as the services do. */
async function deleteSite(h: EngineHarness, id: number): Promise<void> {
  await h.writer.submit((tx) => tx.site.delete({ where: { id } }));
  h.engine.siteRemoved(id);
}

describe('engine: a delete wins over every read in flight', () => {
  it('a siteChanged read that began before the delete does not bring the site back', async () => {
    const { h, web, receiver, reads } = await setup();
    web.reply({ status: 200 });
    const id = await createSite(h, web.url);
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    await h.tick(0);
    expect(h.engine.getState(id)!.status).toBe('UP');
    web.reply({ status: 500 });

    await h.updateSite(id, { name: 'renamed' });
    const read = reads.holdNext();
    const changed = h.engine.siteChanged(id);
    await read.arrived;
    await deleteSite(h, id);
    read.release();
    await changed;
    await h.tick(600_000);
    await h.settle();
    expect(h.engine.getState(id)).toBeUndefined();
    expect(web.requests).toHaveLength(1);
    expect(received(receiver, 'ops')).toEqual([]);
    expect(await h.db.check.count()).toBe(0);
  });

  it('a site deleted right after it was created, before the engine read it, never runs', async () => {
    const { h, web, receiver, reads } = await setup();
    await h.engine.start();
    const id = await createSite(h, web.url);
    await h.createWebhook(receiver, 'ops', [id]);
    const read = reads.holdNext();
    const changed = h.engine.siteChanged(id);
    await read.arrived;
    await deleteSite(h, id);
    read.release();
    await changed;
    await h.tick(600_000);
    await h.settle();
    expect(h.engine.getState(id)).toBeUndefined();
    expect(web.requests).toEqual([]);
    expect(received(receiver, 'ops')).toEqual([]);
  });

  it('a reconcile that read a site before its delete does not add it after', async () => {
    const { h, web, receiver, reads } = await setup();
    await h.engine.start();
    // Added by another process: only the reconcile will find it.
    const id = await createSite(h, web.url, 'elsewhere');
    await h.createWebhook(receiver, 'ops', [id]);
    const ids = reads.holdNext();
    const rows = reads.holdNext();
    await h.clock.advanceAsync(h.config.engine.reconcileIntervalMs);
    await ids.arrived;
    ids.release();
    await rows.arrived;
    await deleteSite(h, id);
    rows.release();
    await h.engine.whenIdle();
    await h.tick(600_000);
    await h.settle();
    expect(h.engine.getState(id)).toBeUndefined();
    expect(web.requests).toEqual([]);
    expect(received(receiver, 'ops')).toEqual([]);
  });

  it('a reconcile that read the table before a site was added does not drop that site', async () => {
    const { h, web, reads } = await setup();
    await h.engine.start();
    // Another process adds a site, so the reconcile reads the whole table instead of trusting its fingerprint.
    await h.writer.submit((tx) => tx.site.create({ data: { name: 'elsewhere', type: 'HTTP', url: web.url, interval: 60 } }));
    const ids = reads.holdNext();
    await h.clock.advanceAsync(h.config.engine.reconcileIntervalMs);
    await ids.arrived;
    const id = await createSite(h, web.url);
    await h.engine.siteChanged(id);
    ids.release();
    await h.engine.whenIdle();
    expect(h.engine.getState(id)).toMatchObject({ name: 'web' });
    expect(h.engine.logs().map((l) => l.message)).not.toContain(`Monitor removed (no longer in DB): ID ${id}`);
  });

  it('an older read answering after a newer one does not undo the newer configuration', async () => {
    const { h, web, reads } = await setup();
    const id = await createSite(h, web.url, 'first');
    await h.engine.start();
    await h.updateSite(id, { name: 'second' });
    const read = reads.holdNext();
    const older = h.engine.siteChanged(id);
    await read.arrived;
    await h.updateSite(id, { name: 'third' });
    await h.engine.siteChanged(id);
    read.release();
    await older;
    expect(h.engine.getSite(id)!.name).toBe('third');
  });

  it('a site id used again after a delete (an import writes explicit ids) is a new site: only older reads are fenced off', async () => {
    const { h, web, reads } = await setup();
    const id = await createSite(h, web.url, 'old');
    await h.engine.start();
    const read = reads.holdNext();
    const older = h.engine.siteChanged(id);
    await read.arrived;
    await deleteSite(h, id);
    await h.writer.submit((tx) => tx.site.create({ data: { id, name: 'imported', type: 'HTTP', url: web.url, interval: 60 } }));
    await h.engine.siteChanged(id);
    read.release();
    await older;
    expect(h.engine.getSite(id)!.name).toBe('imported');
  });
});
