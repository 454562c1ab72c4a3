import { describe, expect, it } from 'vitest';
import type { Checker } from '../../src/engine/checks/types.ts';
import { engineHarness, T0 } from '../engine/harness.ts';

/**
 * One engine whose ownership a test moves by hand, as the cluster's leases do: which of its sites does it check, and
 * when, around a change of ownership.
 */
async function handover() {
  const owned = new Set<number>();
  const checks: { siteId: number; atMs: number }[] = [];
  /** A check of a site in here waits until the test lets it end. */
  const held = new Map<number, () => void>();
  const holding = new Set<number>();
  const runCheck: Checker = async (site, { clock }) => {
    checks.push({ siteId: site.id, atMs: clock!.nowMs() });
    if (holding.has(site.id)) await new Promise<void>((resolve) => held.set(site.id, resolve));
    return { status: 'UP', statusCode: 200, latencyMs: 5, hasSsl: false, certExpiresAt: null, message: '' };
  };
  const h = await engineHarness({ start: false, runCheck, ownership: { owns: (id) => owned.has(id) } });
  const change = async (update: () => void) => {
    const before = new Set(owned);
    update();
    await h.engine.ownershipChanged((id) => before.has(id));
  };
  const checksOf = (siteId: number) => checks.filter((c) => c.siteId === siteId).map((c) => c.atMs - T0);
  return { h, owned, change, checksOf, held, holding };
}

describe('a change of ownership', () => {
  it('leaves the sites it keeps alone, created since the start or not, and saves the state of those it lets go', async () => {
    const { h, owned, change, checksOf } = await handover();
    const a = await h.createSite({ name: 'a', type: 'HTTP', url: 'http://127.0.0.1:9/a', interval: 60 });
    const b = await h.createSite({ name: 'b', type: 'HTTP', url: 'http://127.0.0.1:9/b', interval: 60 });
    owned.add(a).add(b);
    await h.engine.start();
    // Created while the engine runs, in a slot it holds.
    const c = await h.createSite({ name: 'c', type: 'HTTP', url: 'http://127.0.0.1:9/c', interval: 60 });
    owned.add(c);
    await h.engine.siteChanged(c);
    // A first check (PENDING to UP, saved at once), then a routine one (whose snapshot waits).
    for (let i = 0; i < 3; i++) {
      await h.clock.advance(61_000);
      await h.engine.whenIdle();
    }
    const before = { a: checksOf(a), c: checksOf(c) };
    const lastB = h.engine.getState(b)!.lastCheckAt!;
    await h.writer.flush();
    const persisted = await h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: b } });
    expect(persisted.lastCheckAt!.getTime()).toBeLessThan(lastB.getTime());

    // b goes to another instance: a and c are not checked again early, b stops here with its state saved.
    await change(() => owned.delete(b));
    await h.clock.advance(30_000);
    await h.engine.whenIdle();
    expect({ a: checksOf(a), c: checksOf(c) }).toEqual(before);
    await h.writer.flush();
    const saved = await h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: b } });
    expect(saved.lastCheckAt).toEqual(lastB);
    const checksOfB = checksOf(b).length;
    await h.clock.advance(120_000);
    await h.engine.whenIdle();
    expect(checksOf(b)).toHaveLength(checksOfB);
  });

  it('checks a site it gains when its next check is due by the state its last owner saved, not at once', async () => {
    const { h, owned, change, checksOf } = await handover();
    const a = await h.createSite({ name: 'a', type: 'HTTP', url: 'http://127.0.0.1:9/a', interval: 60 });
    await h.engine.start();
    // Another instance checked it 20 s ago and saved that.
    await h.persistState(a, { status: 'UP', lastCheckAt: new Date(T0 - 20_000) });
    await change(() => owned.add(a));
    expect(h.engine.getState(a)).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0 - 20_000) });
    await h.clock.advance(39_000);
    await h.engine.whenIdle();
    expect(checksOf(a)).toEqual([]);
    await h.clock.advance(1_000);
    await h.engine.whenIdle();
    expect(checksOf(a)).toEqual([40_000]);
  });

  it('lets a check in progress on a site it lets go finish and count, and saves the state with it', async () => {
    const { h, owned, change, checksOf, held, holding } = await handover();
    const a = await h.createSite({ name: 'a', type: 'HTTP', url: 'http://127.0.0.1:9/a', interval: 60 });
    owned.add(a);
    await h.engine.start();
    await h.clock.advance(61_000);
    await h.engine.whenIdle();
    // The next check has hit the target and not answered yet when the slot goes.
    holding.add(a);
    await h.clock.advance(61_000);
    await expect.poll(() => held.has(a)).toBe(true);
    const startedAt = checksOf(a).at(-1)!;
    const handing = change(() => owned.delete(a));
    held.get(a)!();
    await handing;
    await h.writer.flush();
    // Its result was applied here and saved: the next owner starts from it, so it does not check again at once.
    const saved = await h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: a } });
    expect(saved.lastCheckAt!.getTime()).toBeGreaterThanOrEqual(T0 + startedAt);
    expect(await h.db.check.count({ where: { siteId: a } })).toBe(checksOf(a).length);
  });
});
