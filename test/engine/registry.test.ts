import { describe, expect, it } from 'vitest';
import { initialState } from '../../src/engine/live-state.ts';
import { SiteRegistry } from '../../src/engine/registry.ts';
import type { EngineSite } from '../../src/engine/sites.ts';
import { engineSite } from './fixtures.ts';

const NOW = Date.UTC(2026, 0, 1, 12);

function add(registry: SiteRegistry, site: EngineSite, epoch = 1) {
  return registry.add(site, initialState(site), epoch, NOW);
}

describe('SiteRegistry', () => {
  it('indexes a push monitor by its token, and only a push monitor', () => {
    const registry = new SiteRegistry();
    const push = add(registry, engineSite({ id: 1, type: 'PUSH', pushToken: 'a'.repeat(32) }));
    add(registry, engineSite({ id: 2, type: 'HTTP', pushToken: 'b'.repeat(32) }));
    expect(registry.byToken('a'.repeat(32))).toBe(push);
    expect(registry.byToken('b'.repeat(32))).toBeUndefined();
    expect(registry.size).toBe(2);
  });

  it('moves the token index when a site is reconfigured, and answers the configuration replaced', () => {
    const registry = new SiteRegistry();
    const site = engineSite({ id: 1, type: 'PUSH', pushToken: 'a'.repeat(32) });
    const entry = add(registry, site);
    const before = registry.reconfigure(entry, { ...site, pushToken: 'c'.repeat(32) });
    expect(before).toBe(site);
    expect(registry.byToken('a'.repeat(32))).toBeUndefined();
    expect(registry.byToken('c'.repeat(32))).toBe(entry);
    registry.reconfigure(entry, { ...site, type: 'HTTP', pushToken: 'c'.repeat(32) });
    expect(registry.byToken('c'.repeat(32))).toBeUndefined();
  });

  it('follows group membership through adds, moves and removals', () => {
    const registry = new SiteRegistry();
    add(registry, engineSite({ id: 10, type: 'GROUP' }));
    add(registry, engineSite({ id: 11, type: 'GROUP' }));
    const child = add(registry, engineSite({ id: 1, parentId: 10 }));
    add(registry, engineSite({ id: 2, parentId: 10 }));
    expect(registry.childStates(10).map((s) => s.siteId)).toEqual([1, 2]);
    expect([...registry.parentIds()]).toEqual([10]);

    registry.reconfigure(child, { ...child.site, parentId: 11 });
    expect(registry.childStates(10).map((s) => s.siteId)).toEqual([2]);
    expect(registry.childStates(11).map((s) => s.siteId)).toEqual([1]);

    registry.remove(2);
    expect([...registry.parentIds()]).toEqual([11]);
  });

  it('removing a group orphans its children, in their configuration and their live state', () => {
    const registry = new SiteRegistry();
    add(registry, engineSite({ id: 10, type: 'GROUP' }));
    add(registry, engineSite({ id: 1, parentId: 10 }));
    const removed = registry.remove(10);
    expect(removed?.entry.site.id).toBe(10);
    expect(removed?.orphans.map((e) => [e.site.id, e.site.parentId, e.state.parentId])).toEqual([[1, null, null]]);
    expect(registry.has(10)).toBe(false);
    expect([...registry.parentIds()]).toEqual([]);
    expect(registry.remove(10)).toBeUndefined();
  });

  it('drops the token of a removed push monitor', () => {
    const registry = new SiteRegistry();
    add(registry, engineSite({ id: 1, type: 'PUSH', pushToken: 'a'.repeat(32) }));
    registry.remove(1);
    expect(registry.byToken('a'.repeat(32))).toBeUndefined();
  });

  it('counts push deadlines from the last check, and a state never checked as never saved', () => {
    const registry = new SiteRegistry();
    const site = engineSite({ id: 1, type: 'PUSH' });
    const fresh = add(registry, site);
    expect(fresh.pushFromMs).toBe(NOW);
    expect(fresh.savedAtMs).toBe(-Infinity);
    const restored = registry.add({ ...site, id: 2 }, { ...initialState(site), siteId: 2, status: 'UP', lastCheckAt: new Date(NOW - 5000) }, 1, NOW);
    expect(restored.pushFromMs).toBe(NOW - 5000);
    expect(restored.savedAtMs).toBe(NOW);
    const future = registry.add({ ...site, id: 3 }, { ...initialState(site), siteId: 3, status: 'UP', lastCheckAt: new Date(NOW + 60_000) }, 1, NOW);
    expect(future.pushFromMs).toBe(NOW);
  });
});
