import { FakeClock, type Clock, type TimerHandle } from '../../src/clock.ts';
import { statementCounter } from '../helpers/count-statements.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { createSite } from '../helpers/sites.ts';

const DAY = 24 * 3600_000;
const HOUR = 3600_000;

/** A clock that, like a real one, has moved on a little every time it is read; its timers wait on a FakeClock. */
class MovingClock implements Clock {
  private readonly timers = new FakeClock(Date.now());
  private reads = 0;
  now(): Date {
    return new Date(this.nowMs());
  }
  nowMs(): number {
    return this.timers.nowMs() + ++this.reads;
  }
  monotonicMs(): number {
    return this.timers.monotonicMs();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.timers.setTimeout(fn, ms);
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.clearTimeout(handle);
  }
}

const PAGE = `query($first: Int!, $monthAgo: DateTime!, $dayAgo: DateTime!) {
  sites(first: $first) { edges { node { id uptime(from: $monthAgo) { uptimePercent } latency(from: $dayAgo, step: 86400) { p95 } } } }
}`;

describe('the history fields of a page on a clock that moves', () => {
  const statements = statementCounter();
  it.override({ appOptions: { wrapReadDb: statements.wrap, clock: new MovingClock() } });

  it('read one window for every row, so the page takes as many statements for 40 sites as for 5', async ({ app: t, viewer }) => {
    for (let i = 0; i < 40; i++) await createSite(t, { name: `site ${i}`, type: 'PUSH' });
    const now = Date.now();
    const variables = (first: number) => ({
      first,
      monthAgo: new Date(now - 30 * DAY).toISOString(),
      dayAgo: new Date(Math.floor((now - DAY) / HOUR) * HOUR).toISOString(),
    });
    const used = async (first: number) => {
      const before = statements.count;
      const res = await viewer.request<{ sites: { edges: unknown[] } }>(PAGE, variables(first));
      expect(res.ok().sites.edges).toHaveLength(first);
      return statements.count - before;
    };
    const small = await used(5);
    expect(await used(40)).toBe(small);
  });
});
