import { describe, expect, it } from 'vitest';
import { initialState } from '../../src/engine/live-state.ts';
import type { EngineSite } from '../../src/engine/sites.ts';
import type { LiveSiteState } from '../../src/engine/types.ts';
import { MonitorMetrics } from '../../src/metrics/monitor-metrics.ts';

/** The engine as the counters see it: the sites that exist now, each a push monitor named after its id. */
function fleet() {
  const live = new Set<number>();
  const getState = (id: number): LiveSiteState | undefined =>
    live.has(id) ? initialState({ id, name: `s${id}`, type: 'PUSH', parentId: null, paused: false } as EngineSite) : undefined;
  return { live, getState, siteIds: () => [...live], displayStatus: () => 'PENDING' as const };
}

describe('MonitorMetrics counters without a scraper', () => {
  it('forget deleted sites: a server that creates and deletes sites for months holds counts for about those that exist', () => {
    const metrics = new MonitorMetrics();
    const engine = fleet();
    const kept = 100;
    for (let id = 1; id <= kept; id++) engine.live.add(id);
    // 100,000 short-lived sites, each checked a few times while it exists, with the kept ones checked in between.
    for (let id = kept + 1; id <= 100_000 + kept; id++) {
      engine.live.add(id);
      for (let i = 0; i < 3; i++) metrics.recordCheck(id, true, engine);
      engine.live.delete(id);
      metrics.recordCheck((id % kept) + 1, true, engine);
    }
    expect(metrics.countedSites).toBeLessThanOrEqual(2048);
  });

  it('keep counting the sites that exist across the sweeps', async () => {
    const metrics = new MonitorMetrics();
    const engine = fleet();
    engine.live.add(1);
    for (let id = 2; id <= 10_000; id++) {
      metrics.recordCheck(1, id % 2 === 0, engine);
      metrics.recordCheck(id, true, engine);
    }
    const text = await metrics.render(engine, 'prometheus');
    expect(text).toContain('uptop_monitor_checks_total{id="1",name="s1",type="push"} 9999');
    expect(text).toContain('uptop_monitor_checks_up_total{id="1",name="s1",type="push"} 5000');
  });
});
