import { describe, expect, it } from 'vitest';
import { engineHarness } from './harness.ts';

/** Engine.reconcileNow: another process said it changed the database (db/change-signal.ts). */
describe('engine: reconcile now', () => {
  it('picks up sites added, edited and deleted by another process at once, not at the next interval', async () => {
    const h = await engineHarness();
    const kept = await h.createSite({ name: 'kept', type: 'PUSH', interval: 300, pushToken: 'a'.repeat(32) });
    const gone = await h.createSite({ name: 'gone', type: 'PUSH', interval: 300, pushToken: 'b'.repeat(32) });
    expect(h.engine.siteIds()).toEqual([]);
    await h.engine.reconcileNow();
    expect(h.engine.siteIds().sort()).toEqual([kept, gone].sort());

    await h.updateSite(kept, { name: 'renamed', updatedAt: new Date(h.clock.nowMs() + 1000) });
    await h.writer.submit((tx) => tx.site.delete({ where: { id: gone } }));
    await h.engine.reconcileNow();
    expect(h.engine.siteIds()).toEqual([kept]);
    expect(h.engine.getSite(kept)!.name).toBe('renamed');
  });

  it('asked while a reconcile is in flight, runs another after it: the first may have read before the change', async () => {
    const h = await engineHarness();
    const first = h.engine.reconcileNow();
    const id = await h.createSite({ name: 'late', type: 'PUSH', interval: 300, pushToken: 'c'.repeat(32) });
    const second = h.engine.reconcileNow();
    await Promise.all([first, second]);
    expect(h.engine.siteIds()).toEqual([id]);
  });

  it('does nothing on an engine that has stopped', async () => {
    const h = await engineHarness();
    await h.engine.stop();
    await h.createSite({ name: 'after stop', type: 'PUSH', interval: 300, pushToken: 'd'.repeat(32) });
    await h.engine.reconcileNow();
    expect(h.engine.siteIds()).toEqual([]);
  });
});
