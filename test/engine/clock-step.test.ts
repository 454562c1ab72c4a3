import { describe, expect, it } from 'vitest';
import { engineHarness, httpTarget } from './harness.ts';

describe('the engine when the wall clock is stepped back', () => {
  it('checks an HTTP monitor every interval through the step, and records each check at the time it was made', async () => {
    const h = await engineHarness();
    const web = await httpTarget();
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 30 });
    h.engine.siteChanged(id);
    await h.tick(31_000);
    const before = web.requests.length;
    expect(before).toBeGreaterThanOrEqual(1);
    const stepped = h.clock.nowMs() - 3600_000;
    h.clock.set(stepped);
    // An hour of nothing was what a one-hour step cost: the next check waited for the wall clock to catch up.
    for (let i = 0; i < 4; i++) await h.tick(33_000);
    await h.settle();
    expect(web.requests.length - before).toBe(4);
    const checks = await h.db.check.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(checks.slice(-4).every((check) => check.checkedAt.getTime() >= stepped)).toBe(true);
    expect(h.engine.getState(id)!.status).toBe('UP');
  });
});
