import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { fencedWriter } from '../../src/cluster/fenced-writer.ts';
import { ClusterNode, ownershipMs } from '../../src/cluster/node.ts';
import { SLOT_COUNT, slotOf } from '../../src/cluster/slots.ts';
import type { Checker } from '../../src/engine/checks/types.ts';
import { interceptEnqueue } from '../../src/writer/intercept.ts';
import type { Writer } from '../../src/writer/types.ts';
import { engineHarness } from '../engine/harness.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { createSites, log, T0, writerHarnessOn } from '../writer/harness.ts';

const TIMING = { ttlMs: 15_000, renewMs: 2_000 };
const silent = pino({ level: 'silent' });
const stores = useStores();

/** The writer with its commands held on demand: a held one never answers, as over a partition, until released. */
function holdable(writer: Writer) {
  const waiting: (() => void)[] = [];
  let holding = false;
  const w = interceptEnqueue(writer, (write, next) => next(write));
  w.submit = <T>(command: Parameters<Writer['submit']>[0]): Promise<T> => {
    if (!holding) return writer.submit(command) as Promise<T>;
    return new Promise<T>((resolve, reject) => waiting.push(() => (writer.submit(command) as Promise<T>).then(resolve, reject)));
  };
  return {
    writer: w,
    hold: () => void (holding = true),
    release() {
      holding = false;
      for (const run of waiting.splice(0)) run();
    },
  };
}

describe('an instance whose lease renewal hangs', () => {
  it('stops checking once the last renewal no longer covers its leases, and starts again once one succeeds', async () => {
    const checks: number[] = [];
    const runCheck: Checker = async (_site, { clock }) => {
      checks.push(clock!.nowMs() - T0);
      return { status: 'UP', statusCode: 200, latencyMs: 5, hasSsl: false, certExpiresAt: null, message: '' };
    };
    let node: ClusterNode | undefined;
    const h = await engineHarness({ start: false, runCheck, ownership: { owns: (id) => node?.owns(id) ?? false } });
    const siteId = await h.createSite({ name: 'a', type: 'HTTP', url: 'http://127.0.0.1:9/a', interval: 5 });
    const w = holdable(h.writer);
    node = new ClusterNode({ instanceId: 'a', writer: w.writer, clock: h.clock, logger: silent, timing: TIMING });
    await node.start(h.engine);
    await h.engine.start();
    /** Time passes in rounds; each round's renewal is awaited unless the database hangs. */
    const rounds = async (n: number, renewing: boolean) => {
      for (let i = 0; i < n; i++) {
        await h.tick(TIMING.renewMs);
        if (renewing) await node!.tick();
        await h.engine.whenIdle();
      }
    };
    await rounds(10, true);
    expect(node.owns(siteId)).toBe(true);
    expect(checks.length).toBeGreaterThanOrEqual(3);

    // The database stops answering: the renewal round started now never ends, nor fails.
    w.hold();
    const heldFrom = h.clock.nowMs() - T0;
    await rounds(Math.ceil(TIMING.ttlMs / TIMING.renewMs), false);
    expect(node.owns(siteId)).toBe(false);
    expect(node.fenceOf(siteId)).toBeNull();
    const checksWhileCovered = checks.length;
    // Nothing after the last renewal's cover ended (it started at the last round before the hold, or later).
    expect(checks.filter((at) => at >= heldFrom + ownershipMs(TIMING))).toEqual([]);
    await rounds(30, false);
    expect(checks).toHaveLength(checksWhileCovered);

    // The database answers again: the next renewal gives the site back, and it is checked again.
    w.release();
    await rounds(5, true);
    expect(node.owns(siteId)).toBe(true);
    expect(checks.length).toBeGreaterThan(checksWhileCovered);
    await h.engine.stop();
    await node.stop();
  });
});

describe.each(PROVIDERS)('the fenced writer on %s', (provider) => {
  const harness = writerHarnessOn(stores, provider);

  it("writes a site's log lines only while its slot is held; lines of no site always", async () => {
    const h = await harness({ retention: false, fencing: { owner: 'a', slots: SLOT_COUNT, slotOf } });
    h.writer.start();
    const [mine, theirs] = (await createSites(h.db, 2)) as [number, number];
    const fences = new Map([[slotOf(mine), 1]]);
    const writer = fencedWriter(h.writer, { fenceOf: (siteId) => fences.get(slotOf(siteId)) ?? null });
    writer.enqueue(log('mine', T0, mine));
    writer.enqueue(log('theirs', T0, theirs));
    writer.enqueue(log('engine', T0, null));
    await writer.flush();
    const rows = await h.db.log.findMany({ orderBy: { id: 'asc' }, select: { message: true, siteId: true } });
    expect(rows).toEqual([
      { message: 'mine', siteId: mine },
      { message: 'engine', siteId: null },
    ]);
  });
});
