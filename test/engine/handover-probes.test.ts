import { describe, expect, it, onTestFinished } from 'vitest';
import type { Checker } from '../../src/engine/checks/types.ts';
import type { ProbeIngest } from '../../src/engine/engine.ts';
import { resultTtlMs } from '../../src/engine/probe-results.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { closedPort } from '../helpers/targets.ts';
import { engineHarness, probeVerdict, received, T0 } from './harness.ts';

function ingest(siteId: number, up: boolean): ProbeIngest {
  return { siteId, ...probeVerdict(up), checkedAt: null };
}

/**
 * Two instances on one database, as a cluster's leases make them: A (the harness's engine) and B, each checking the
 * sites the test says it owns. The site's own target is unreachable from both (a closed port): only the regional
 * probes reach it, so any check either makes itself is DOWN, with an alert to the webhook.
 */
async function twoOwners(maxRetries = 0) {
  const localChecks = { a: 0, b: 0 };
  const counting =
    (who: 'a' | 'b'): Checker =>
    async () => {
      localChecks[who]++;
      return { status: 'DOWN', statusCode: null, latencyMs: null, hasSsl: false, certExpiresAt: null, message: 'connect ECONNREFUSED' };
    };
  const ownedByA = new Set<number>();
  const ownedByB = new Set<number>();
  const h = await engineHarness({ start: false, runCheck: counting('a'), ownership: { owns: (id) => ownedByA.has(id) } });
  const b = h.peer({ runCheck: counting('b'), ownership: { owns: (id) => ownedByB.has(id) } });
  const receiver = await startReceiver();
  onTestFinished(() => receiver.close());
  const id = await h.createSite({ name: 'web', type: 'HTTP', url: `http://127.0.0.1:${await closedPort()}/`, interval: 60, maxRetries });
  await h.createWebhook(receiver, 'ops', [id]);
  ownedByA.add(id);
  await h.engine.start();
  await b.start();
  /** The site's slot goes from A to B: A lets it go (saving its state), then B takes it; `meanwhile` runs as B takes it. */
  const handOver = async (meanwhile?: () => void) => {
    ownedByA.delete(id);
    await h.engine.ownershipChanged((siteId) => siteId === id);
    await h.writer.flush();
    ownedByB.add(id);
    const taking = b.ownershipChanged(() => false);
    meanwhile?.();
    await taking;
  };
  /** Moves the clock and waits for both engines' checks and sends. */
  const tick = async (ms: number) => {
    await h.clock.advanceAsync(ms);
    await Promise.all([h.engine.whenIdle(), b.whenIdle()]);
    await h.clock.advanceAsync(0);
  };
  /** Neither instance checked the site itself: it is UP on B by the probes' verdict, with no DOWN recorded or alerted. */
  const coveredByProbes = async () => {
    expect(localChecks).toEqual({ a: 0, b: 0 });
    expect(b.getState(id)!.status).toBe('UP');
    await h.settle();
    expect(await h.db.stateChange.count({ where: { siteId: id, toStatus: 'DOWN' } })).toBe(0);
    expect(received(receiver, 'ops')).toEqual([]);
  };
  return { h, a: h.engine, b, id, localChecks, handOver, tick, coveredByProbes };
}

describe('a handover of a site the regional probes check', () => {
  it("gives the new owner the probes' fresh results: it applies their verdict, checks nothing itself and sends no alert", async () => {
    const { h, a, b, id, localChecks, handOver, tick, coveredByProbes } = await twoOwners();
    // On A the probes' results stand for the site's checks: UP, though A cannot reach it.
    expect(a.ingestProbeResults('eu', [ingest(id, true)])).toEqual({ taken: 1 });
    await tick(0);
    expect(a.getState(id)).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0) });
    await tick(30_000);
    expect(a.ingestProbeResults('eu', [ingest(id, true)])).toEqual({ taken: 1 });
    expect(a.ingestProbeResults('us', [ingest(id, true)])).toEqual({ taken: 1 });
    await h.writer.flush();

    await handOver();
    // The site's next run, on B: the verdict of the results A took at 30 s, which B never received itself.
    await tick(30_000);
    expect(b.getState(id)).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0 + 30_000), failureCount: 0 });
    // Runs with nothing new from the probes while their results are fresh (taken at 30 s, fresh up to 210 s).
    await tick(60_000);
    await tick(60_000);
    await coveredByProbes();
    expect(await h.db.check.count({ where: { siteId: id, nodeId: '' } })).toBe(0);

    // They expire as they would have live: the run at 240 s checks the site itself (and finds it DOWN).
    expect(T0 + 30_000 + resultTtlMs(60)).toBeLessThan(T0 + 240_000);
    await tick(60_000);
    expect(localChecks).toEqual({ a: 0, b: 1 });
    expect(b.getState(id)!.status).toBe('DOWN');
  });

  it('does not count again a result the last owner already counted: the first run on the new owner adds no retry', async () => {
    const { h, a, b, id, localChecks, handOver, tick } = await twoOwners(1);
    expect(a.ingestProbeResults('eu', [ingest(id, true)])).toEqual({ taken: 1 });
    await tick(0);
    await tick(60_000);
    // A probe reports DOWN; A's run counts it once (one retry of one), then the slot moves.
    expect(a.ingestProbeResults('eu', [ingest(id, false)])).toEqual({ taken: 1 });
    await tick(60_000);
    expect(a.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    await h.writer.flush();
    await handOver();
    expect(b.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    // B's first run finds the same DOWN: nothing new, so no second retry (which would make the site DOWN).
    await tick(60_000);
    expect(b.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    expect(localChecks).toEqual({ a: 0, b: 0 });
  });

  it('keeps a result that reaches the new owner while it takes the site over: no false DOWN once the older one expires', async () => {
    const { h, a, b, id, handOver, tick, coveredByProbes } = await twoOwners();
    expect(a.ingestProbeResults('eu', [ingest(id, true)])).toEqual({ taken: 1 });
    await tick(0);
    await tick(60_000);
    await tick(60_000);
    await tick(50_000);
    await h.writer.flush();
    // The slot moves at 170 s, and the probe's result of 170 s reaches B while B reads what A left.
    await handOver(() => expect(b.ingestProbeResults('eu', [ingest(id, true)])).toEqual({ taken: 1 }));
    // At 230 s the result of 0 s has expired, the one of 170 s has not: the probes still cover the site.
    await tick(0);
    await tick(60_000);
    await coveredByProbes();
  });

  it('restores no result that has expired by the handover: the new owner checks the site itself', async () => {
    const { h, a, b, id, localChecks, handOver, tick } = await twoOwners();
    expect(a.ingestProbeResults('eu', [ingest(id, true)])).toEqual({ taken: 1 });
    await tick(0);
    await h.writer.flush();
    // A (and its probes) went quiet; by the handover the result of 0 s is 181 s old.
    await h.clock.advanceAsync(181_000);
    await handOver();
    await tick(0);
    expect(localChecks).toEqual({ a: 0, b: 1 });
    expect(b.getState(id)!.status).toBe('DOWN');
  });
});
