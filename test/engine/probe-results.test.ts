import { describe, expect, it } from 'vitest';
import type { ProbeIngest } from '../../src/engine/engine.ts';
import { aggregate, ProbeResults, resultTtlMs, type AggStrategy, type ProbeReport } from '../../src/engine/probe-results.ts';
import { countingChecker, engineHarness, httpTarget, probeVerdict, T0 } from './harness.ts';

function report(nodeId: string, up: boolean, over: Partial<ProbeReport> = {}): ProbeReport {
  return { nodeId, ...probeVerdict(up), checkedAt: new Date(T0), ...over };
}

/** Three probes, the first `down` of them down. */
const three = (down: number) => ['eu', 'us', 'ap'].map((node, i) => report(node, i >= down));

describe('aggregate: one verdict from the newest result of each probe', () => {
  const cases: [AggStrategy, boolean[]][] = [
    // up with 0, 1, 2, 3 of 3 probes down
    ['any-down', [true, false, false, false]],
    ['majority-down', [true, true, false, false]],
    ['all-down', [true, true, true, false]],
  ];
  for (const [strategy, expected] of cases) {
    it(`${strategy}: up with 0..3 of 3 probes down is ${expected.join(', ')}`, () => {
      expect([0, 1, 2, 3].map((down) => aggregate(three(down), strategy).status === 'UP')).toEqual(expected);
    });
  }

  it('majority-down counts a tie as down, as the Go original does (up iff more than half are up)', () => {
    const four = ['a', 'b', 'c', 'd'].map((node, i) => report(node, i >= 2));
    expect(aggregate(four, 'majority-down').status).toBe('DOWN');
  });

  it('averages the measured latencies, names every probe that is down and why, and keeps the code of a probe that agrees', () => {
    const result = aggregate(
      [
        report('eu', false, { latencyMs: null, message: 'connect ECONNREFUSED' }),
        report('us', true, { latencyMs: 30 }),
        report('ap', false, { latencyMs: 10 }),
      ],
      'any-down',
    );
    expect(result).toEqual({
      status: 'DOWN',
      statusCode: 503,
      latencyMs: 20,
      hasSsl: false,
      certExpiresAt: null,
      message: 'DOWN from 2 of 3 probes (eu: connect ECONNREFUSED; ap: HTTP 503 (expected 200-299))',
    });
    expect(aggregate(three(1), 'all-down')).toMatchObject({ status: 'UP', statusCode: 200, message: '' });
  });

  it('averages to the microsecond', () => {
    const latencies = [10, 10.001, 10.001];
    const reports = latencies.map((latencyMs, i) => report(`p${i}`, true, { latencyMs }));
    expect(aggregate(reports, 'any-down').latencyMs).toBe(10.001);
  });

  it('is SSL_EXPIRED only when every probe that is down says so, and carries the newest certificate expiry seen', () => {
    const expiry = new Date(T0 - 1000);
    const expired = (node: string) => report(node, false, { status: 'SSL_EXPIRED', message: 'SSL certificate expired', hasSsl: true, certExpiresAt: expiry });
    expect(aggregate([expired('eu'), expired('us')], 'any-down')).toMatchObject({ status: 'SSL_EXPIRED', hasSsl: true, certExpiresAt: expiry });
    expect(aggregate([expired('eu'), report('us', false)], 'any-down').status).toBe('DOWN');
  });
});

describe('ProbeResults: the newest unexpired result of each probe', () => {
  it('keeps a result for max(3 × interval, 60 s) after it was taken', () => {
    expect([resultTtlMs(5), resultTtlMs(20), resultTtlMs(60)]).toEqual([60_000, 60_000, 180_000]);
    const results = new ProbeResults('any-down');
    results.record(1, 60, report('eu', true), T0);
    expect(results.fresh(1, 60, T0 + 180_000)).toHaveLength(1);
    expect(results.fresh(1, 60, T0 + 180_001)).toEqual([]);
    // Already too old when it arrives: not kept.
    expect(results.record(1, 60, report('eu', true), T0 + 180_001)).toBe(false);
  });

  it('keeps only the newest result of each probe: one arriving late does not replace a newer one', () => {
    const results = new ProbeResults('any-down');
    expect(results.record(1, 60, report('eu', true, { checkedAt: new Date(T0 + 2000) }), T0 + 2000)).toBe(true);
    expect(results.record(1, 60, report('eu', false, { checkedAt: new Date(T0 + 1000) }), T0 + 3000)).toBe(false);
    expect(results.fresh(1, 60, T0 + 3000).map((r) => r.status)).toEqual(['UP']);
  });

  it('gives a verdict once per batch of news: none without results, covered when nothing arrived since the last verdict', () => {
    const results = new ProbeResults('any-down');
    expect(results.verdict(1, 60, T0)).toEqual({ kind: 'none' });
    for (const r of three(1)) results.record(1, 60, r, T0);
    expect(results.verdict(1, 60, T0 + 1000)).toMatchObject({ kind: 'verdict', result: { status: 'DOWN' }, checkedAt: new Date(T0) });
    expect(results.verdict(1, 60, T0 + 2000)).toEqual({ kind: 'covered' });
    results.forget(1);
    expect(results.verdict(1, 60, T0 + 3000)).toEqual({ kind: 'none' });
  });
});

describe('engine: the owner aggregates probe results once per interval', () => {
  function ingest(siteId: number, up: boolean, over: Partial<ProbeIngest> = {}): ProbeIngest {
    const { nodeId: _nodeId, checkedAt: _checkedAt, ...fields } = report('', up);
    return { siteId, ...fields, checkedAt: null, ...over };
  }

  async function probed(strategy: AggStrategy = 'any-down', maxRetries = 0) {
    const web = await httpTarget();
    const checker = countingChecker();
    let localChecks = 0;
    const h = await engineHarness({
      start: false,
      env: { UPTOP_AGG_STRATEGY: strategy },
      runCheck: (site, options) => {
        localChecks++;
        return checker.runCheck(site, options);
      },
    });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, maxRetries });
    await h.engine.start();
    await h.tick(0);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP' });
    return { h, id, web, local: () => localChecks };
  }

  /** Each of the probes reports once (`up[i]` for probe i), then the site's next run comes. */
  async function interval(h: Awaited<ReturnType<typeof probed>>['h'], id: number, up: boolean[]) {
    up.forEach((u, i) => expect(h.engine.ingestProbeResults(`probe-${i}`, [ingest(id, u)])).toEqual({ taken: 1 }));
    await h.tick(60_000);
  }

  it('counts retries per interval, not per report: three probes reporting DOWN add one retry per run, and no local check runs', async () => {
    const { h, id, local } = await probed('any-down', 2);
    await interval(h, id, [false, false, false]);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    await interval(h, id, [false, false, false]);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 2 });
    // A run with no news counts nothing, and is not a reason to check locally either.
    await h.tick(60_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 2 });
    await interval(h, id, [false, true, false]);
    expect(h.engine.getState(id)).toMatchObject({
      status: 'DOWN',
      failureCount: 3,
      lastError: 'DOWN from 2 of 3 probes (probe-0: HTTP 503 (expected 200-299); probe-2: HTTP 503 (expected 200-299))',
    });
    expect(local()).toBe(1);

    await h.settle();
    // Each report is one check row with its probe's node; the verdicts write none (the Go original wrote them twice).
    const rows = await h.db.check.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.nodeId)).toEqual(['', ...Array.from({ length: 9 }, (_, i) => `probe-${i % 3}`)]);
    expect(rows.filter((r) => r.nodeId === 'probe-1').map((r) => r.up)).toEqual([false, false, true]);
    const changes = await h.db.stateChange.findMany({ where: { siteId: id } });
    expect(changes.map((c) => [c.fromStatus, c.toStatus])).toEqual([['UP', 'DOWN']]);
  });

  for (const [strategy, down, expected] of [
    ['any-down', 1, 'DOWN'],
    ['majority-down', 1, 'UP'],
    ['majority-down', 2, 'DOWN'],
    ['all-down', 2, 'UP'],
    ['all-down', 3, 'DOWN'],
  ] as const) {
    it(`UPTOP_AGG_STRATEGY=${strategy}: ${down} of 3 probes down make the site ${expected}`, async () => {
      const { h, id } = await probed(strategy);
      await interval(
        h,
        id,
        [0, 1, 2].map((i) => i >= down),
      );
      expect(h.engine.getState(id)!.status).toBe(expected);
    });
  }

  it('lets results expire after max(3 × interval, 60 s), then checks the site itself again', async () => {
    const { h, id, local } = await probed();
    await interval(h, id, [false]);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastCheckAt: new Date(T0) });
    // Runs at 120 s and 180 s: the result taken at 0 s is still fresh (180 s is the limit), nothing new, nothing checked here.
    await h.tick(120_000);
    expect([local(), h.engine.getState(id)!.status]).toEqual([1, 'DOWN']);
    // At 240 s it has expired, so this run checks the (healthy) target itself.
    await h.tick(60_000);
    expect(local()).toBe(2);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP' });
  });

  it('dates a result by its probe, never later than its arrival, and keeps a late one out of the verdict but in the history', async () => {
    const { h, id } = await probed();
    await h.tick(30_000);
    const future = new Date(T0 + 3_600_000);
    const old = new Date(T0 + 30_000 - 181_000);
    expect(h.engine.ingestProbeResults('eu', [ingest(id, true, { checkedAt: future })])).toEqual({ taken: 1 });
    expect(h.engine.ingestProbeResults('us', [ingest(id, false, { checkedAt: old })])).toEqual({ taken: 1 });
    await h.tick(30_000);
    // The late DOWN (taken 181 s before it arrived) is history only: the verdict is the one fresh UP.
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0 + 30_000) });
    await h.settle();
    const rows = await h.db.check.findMany({ where: { siteId: id, nodeId: { not: '' } }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.nodeId, r.up, r.checkedAt])).toEqual([
      ['eu', true, new Date(T0 + 30_000)],
      ['us', false, old],
    ]);
    // The late one is announced as such, so that latency readers compare what they keep with the rows.
    expect(h.events['site:lateCheck']).toEqual([{ siteId: id }]);
  });

  it('takes a result its probe sends again only once: one check row, and no second retry from it', async () => {
    const { h, id } = await probed('any-down', 1);
    const down = ingest(id, false, { checkedAt: new Date(T0 + 10_000) });
    await h.tick(10_000);
    expect(h.engine.ingestProbeResults('eu', [down])).toEqual({ taken: 1 });
    await h.tick(50_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    // The probe sends the same report again, as after a 503 for the part of it another instance checks.
    expect(h.engine.ingestProbeResults('eu', [down])).toEqual({ taken: 0 });
    await h.tick(60_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    await h.settle();
    expect(await h.db.check.count({ where: { siteId: id, nodeId: 'eu' } })).toBe(1);
  });

  it('takes no result for a site it does not check: unknown, paused, push or group', async () => {
    const { h, id } = await probed();
    const paused = await h.createSite({ name: 'paused', type: 'HTTP', url: 'http://127.0.0.1:9/', paused: true });
    const push = await h.createSite({ name: 'job', type: 'PUSH', pushToken: 'a'.repeat(32) });
    const group = await h.createSite({ name: 'group', type: 'GROUP' });
    for (const site of [paused, push, group]) await h.engine.siteChanged(site);
    const { taken } = h.engine.ingestProbeResults('eu', [
      ingest(id, true),
      ingest(9999, false),
      ingest(paused, false),
      ingest(push, false),
      ingest(group, false),
    ]);
    expect(taken).toBe(1);
    await h.settle();
    expect(await h.db.check.count({ where: { nodeId: 'eu' } })).toBe(1);
  });

  it('forgets the probes of a site that is removed', async () => {
    const { h, id, local } = await probed();
    h.engine.ingestProbeResults('eu', [ingest(id, false)]);
    h.engine.siteRemoved(id);
    await h.engine.siteChanged(id);
    await h.tick(0);
    // Brought back (as a new site) it is checked here: the old probe result went with it.
    expect(local()).toBe(2);
    expect(h.engine.getState(id)!.status).toBe('UP');
  });
});
