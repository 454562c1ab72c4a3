import { quantileOfSorted, RELATIVE_ERROR } from '../../src/history/sketch.ts';
import type { Write } from '../../src/writer/types.ts';
import type { TestApp } from '../helpers/app.ts';
import { statementCounter } from '../helpers/count-statements.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

async function seedSite(t: TestApp): Promise<number> {
  const id = await t.app.deps.writer.submit(async (tx) => (await tx.site.create({ data: { name: 'latency', type: 'PUSH' } })).id);
  await t.app.deps.engine.siteChanged(id);
  return id;
}

function check(siteId: number, atMs: number, latencyMs: number | null): Extract<Write, { kind: 'check' }> {
  return { kind: 'check', siteId, checkedAt: new Date(atMs), up: true, status: 'UP', latencyMs, statusCode: null, message: null };
}

const LATENCY = /* GraphQL */ `
  query Latency($id: ID!, $from: DateTime!, $to: DateTime, $step: Int!) {
    site(id: $id) { latency(from: $from, to: $to, step: $step) { start count upCount min avg max p50 p95 p99 } }
  }
`;

async function latency(t: TestApp, siteId: number, from: number, step: number, to?: number) {
  const res = await t.request<{ site: { latency: any[] } }>(
    LATENCY,
    { id: globalId('Site', siteId), from: new Date(from).toISOString(), to: to === undefined ? undefined : new Date(to).toISOString(), step },
    t.users.viewer.token,
  );
  return res.ok().site.latency;
}

describe('Site.latency percentiles', () => {
  it('are within 1 % in a bucket that adds open rollups to kept closed ones, latencies over half an hour included', async ({ app: t, clock }) => {
    clock.set(Date.UTC(2026, 5, 10, 12, 30));
    const siteId = await seedSite(t);
    // Push beats reporting huge pings: the larger in a closed hour first, then a smaller, then one in the open hour.
    const raw = [
      ...Array.from({ length: 10 }, (_, i) => [Date.UTC(2026, 5, 10, 10, 15, i), 9_000_000] as const),
      ...Array.from({ length: 10 }, (_, i) => [Date.UTC(2026, 5, 10, 11, 15, i), 3_000_000] as const),
      [Date.UTC(2026, 5, 10, 12, 10), 5_000_000] as const,
    ];
    for (const [at, ms] of raw) t.app.deps.writer.enqueue(check(siteId, at, ms));
    await t.app.deps.writer.flush();
    const sorted = raw.map(([, ms]) => ms).sort((a, b) => a - b);
    // Twice: as the closed part is first kept, and as it is found kept.
    for (let read = 0; read < 2; read++) {
      const [bucket] = await latency(t, siteId, Date.UTC(2026, 5, 9, 13), 86_400);
      expect(bucket.count).toBe(21);
      for (const [q, field] of [
        [0.5, 'p50'],
        [0.95, 'p95'],
        [0.99, 'p99'],
      ] as const) {
        const exact = quantileOfSorted(sorted, q)!;
        expect(Math.abs(bucket[field] - exact) / exact, `${field}, read ${read}`).toBeLessThanOrEqual(RELATIVE_ERROR + 1e-9);
      }
    }
  });
});

describe('Site.latency last bucket', () => {
  it('counts the checks before `to` (rounded up to the minute) whichever rollup level the buckets come from', async ({ app: t, clock }) => {
    clock.set(Date.UTC(2026, 5, 10, 12, 30));
    const siteId = await seedSite(t);
    // A check at 5 s past every minute from 08:00 to 11:59.
    const checks = Array.from({ length: 4 * 60 }, (_, m) => Date.UTC(2026, 5, 10, 8, m, 5));
    for (const at of checks) t.app.deps.writer.enqueue(check(siteId, at, 50));
    await t.app.deps.writer.flush();
    /** Independent: the checks of [start, start + step) before `to` rounded up to a whole minute. */
    const expected = (from: number, step: number, to: number) => {
      const stepMs = step * 1000;
      const end = Math.ceil(to / MINUTE) * MINUTE;
      return Array.from({ length: Math.ceil((to - from) / stepMs) }, (_, k) => {
        const start = from + k * stepMs;
        return checks.filter((at) => at >= start && at < Math.min(start + stepMs, end)).length;
      });
    };
    const cases = [
      // Hour rollups (from on the hour), the last bucket's part from minute rows.
      { from: Date.UTC(2026, 5, 10, 9), step: 3600, to: Date.UTC(2026, 5, 10, 10, 30) },
      // Minute rollups (from off the hour): the same checks counted at the same end.
      { from: Date.UTC(2026, 5, 10, 9, 1), step: 3600, to: Date.UTC(2026, 5, 10, 10, 30) },
      // Day rollups (from on the day): hours, then minutes, of the day still under way at `to`.
      { from: Date.UTC(2026, 5, 10), step: 86_400, to: Date.UTC(2026, 5, 10, 10, 30) },
      { from: Date.UTC(2026, 5, 9), step: 2 * 86_400, to: Date.UTC(2026, 5, 10, 9, 17) },
      // `to` off the minute: rounded up, the minute under way counted whole at every level.
      { from: Date.UTC(2026, 5, 10, 9), step: 3600, to: Date.UTC(2026, 5, 10, 10, 29, 30) },
      { from: Date.UTC(2026, 5, 10, 9, 1), step: 3600, to: Date.UTC(2026, 5, 10, 10, 29, 30) },
      { from: Date.UTC(2026, 5, 10), step: 86_400, to: Date.UTC(2026, 5, 10, 10, 29, 30) },
      // `to` on the level's width: nothing rounded.
      { from: Date.UTC(2026, 5, 10, 8), step: 7200, to: Date.UTC(2026, 5, 10, 11) },
    ];
    for (const { from, step, to } of cases) {
      // Twice: without and with the closed part kept.
      for (let read = 0; read < 2; read++) {
        const got = await latency(t, siteId, from, step, to);
        expect(
          got.map((b) => b.count),
          `${new Date(from).toISOString()} step ${step} to ${new Date(to).toISOString()}`,
        ).toEqual(expected(from, step, to));
      }
    }
    // The audit's case: [9:00, 10:00) and [10:00, 10:30) against [9:01, 10:01) and [10:01, 10:30).
    expect(expected(Date.UTC(2026, 5, 10, 9), 3600, Date.UTC(2026, 5, 10, 10, 30))).toEqual([60, 30]);
    expect(expected(Date.UTC(2026, 5, 10, 9, 1), 3600, Date.UTC(2026, 5, 10, 10, 30))).toEqual([60, 29]);
  });

  it('refuses a negative or zero step as BAD_USER_INPUT', async ({ app: t, clock, viewer }) => {
    const siteId = await seedSite(t);
    for (const step of [-3600, -60, 0]) {
      const res = await viewer.request(LATENCY, { id: globalId('Site', siteId), from: new Date(clock.nowMs() - DAY).toISOString(), step });
      expect(
        res.errors?.map((e) => e.extensions?.code),
        `step ${step}`,
      ).toEqual(['BAD_USER_INPUT']);
      expect(res.errors?.[0]?.message).toMatch(/positive whole number of minutes/);
    }
  });
});

describe('Site.latency kept between requests', () => {
  const statements = statementCounter();
  it.override({ appOptions: { wrapReadDb: statements.wrap } });

  it('shows a check written late into a closed hour at the next read, and reads the kept part in one statement otherwise', async ({ app: t, clock }) => {
    clock.set(Date.UTC(2026, 5, 10, 12, 3));
    const siteId = await seedSite(t);
    const from = Date.UTC(2026, 5, 10, 8);
    for (let k = 0; k < 5; k++) t.app.deps.writer.enqueue(check(siteId, Date.UTC(2026, 5, 10, 11, 10 + k), 100));
    await t.app.deps.writer.flush();
    const read = async () => {
      const before = statements.count;
      const [bucket] = await latency(t, siteId, from, 4 * 3600);
      return { count: bucket.count, max: bucket.max, statements: statements.count - before };
    };
    const first = await read();
    expect(first.count).toBe(5);
    // Kept: the open part in one statement, besides the site's own; no late check, so no fingerprint of the kept part.
    const kept = await read();
    expect(kept).toEqual({ count: 5, max: 100, statements: first.statements - 1 });
    // 11:59:30's result written at 12:03, past the grace: a probe's late result, or a backed-up writer. The engine
    // writes such a check and announces it (TransitionEffects.recordCheck, test/engine/probe-results.test.ts); every
    // instance hears of it.
    const late = (write: Extract<Write, { kind: 'check' }>) => {
      t.app.deps.writer.enqueue(write);
      t.app.deps.pubsub.publish('site:lateCheck', { siteId: write.siteId });
    };
    late(check(siteId, Date.UTC(2026, 5, 10, 11, 59, 30), 700));
    await t.app.deps.writer.flush();
    expect(await read()).toMatchObject({ count: 6, max: 700 });
    // Much later, in an hour long closed, in the same chart bucket.
    await clock.advance(2 * HOUR);
    expect((await read()).count).toBe(6);
    late(check(siteId, Date.UTC(2026, 5, 10, 9, 30), 1));
    await t.app.deps.writer.flush();
    const [bucket] = await latency(t, siteId, from, 4 * 3600);
    expect([bucket.count, bucket.min, bucket.max]).toEqual([7, 1, 700]);
  });
});
