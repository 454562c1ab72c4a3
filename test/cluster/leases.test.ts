import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { ClusterNode } from '../../src/cluster/node.ts';
import { SLOT_COUNT, slotOf, slotTarget, spreadRank } from '../../src/cluster/slots.ts';
import type { WriteFencing } from '../../src/writer/types.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { check, createSites, T0, writerHarnessOn } from '../writer/harness.ts';

const stores = useStores();
const TIMING = { ttlMs: 15_000, renewMs: 2_000 };
const silent = pino({ level: 'silent' });

describe('slotTarget', () => {
  it('splits the slots evenly, the first members in id order taking the remainder', () => {
    expect(['a', 'b', 'c'].map((me) => slotTarget(['c', 'a', 'b'], me))).toEqual([86, 85, 85]);
    for (let n = 1; n <= 7; n++) {
      const members = Array.from({ length: n }, (_, i) => `m${i}`);
      const shares = members.map((me) => slotTarget(members, me));
      expect(shares.reduce((a, b) => a + b)).toBe(SLOT_COUNT);
      expect(Math.max(...shares) - Math.min(...shares)).toBeLessThanOrEqual(1);
    }
  });

  it('counts a member missing from the list (this one, before its first heartbeat is read)', () => {
    expect(slotTarget([], 'solo')).toBe(SLOT_COUNT);
    expect(slotTarget(['a'], 'b')).toBe(128);
  });
});

describe('spreadRank', () => {
  it('orders the slots so that any run of a share holds its part of the low (fuller) slots, within 3', () => {
    const order = Array.from({ length: SLOT_COUNT }, (_, slot) => slot).sort((a, b) => spreadRank(a) - spreadRank(b));
    expect(new Set(order.map(spreadRank)).size).toBe(SLOT_COUNT);
    for (const share of [85, 86, 128])
      for (let start = 0; start + share <= SLOT_COUNT; start++)
        for (let below = 1; below < SLOT_COUNT; below++) {
          const low = order.slice(start, start + share).filter((slot) => slot < below).length;
          expect(Math.abs(low - (share * below) / SLOT_COUNT)).toBeLessThan(3);
        }
  });
});

describe.each(PROVIDERS)('leases on %s', (provider) => {
  const harness = writerHarnessOn(stores, provider);

  /** Instances on one database, each a ClusterNode with its own ownership listener, all on the harness's writer and clock. */
  async function cluster() {
    const h = await harness({ retention: false });
    h.writer.start();
    const changes = new Map<string, number>();
    // `clock`: a node on a clock of its own that never moves is a process that froze or was killed.
    const join = async (id: string, clock = h.clock) => {
      const node = new ClusterNode({ instanceId: id, writer: h.writer, clock, logger: silent, timing: TIMING });
      changes.set(id, 0);
      await node.start({ ownershipChanged: async () => void changes.set(id, changes.get(id)! + 1) });
      return node;
    };
    const held = (node: ClusterNode) => Array.from({ length: SLOT_COUNT }, (_, slot) => slot).filter((slot) => node.owns(slot));
    return { h, join, held, changes };
  }

  it('one instance holds every slot; a second one gets half as the first gives it back', async () => {
    const { h, join, held } = await cluster();
    const a = await join('a');
    expect(held(a)).toHaveLength(SLOT_COUNT);
    expect(a.status()).toEqual({ instanceId: 'a', members: ['a'], slotsHeld: SLOT_COUNT, slotsTotal: SLOT_COUNT });

    const b = await join('b');
    // Nothing is free yet: b waits for a to see it and give its surplus back.
    expect(held(b)).toHaveLength(0);
    await a.tick();
    expect(held(a)).toHaveLength(128);
    await b.tick();
    expect(held(b)).toHaveLength(128);
    expect(held(a).filter((slot) => b.owns(slot))).toEqual([]);
    // Slots that changed hands carry a new fence; the ones a kept, their first.
    const moved = held(b)[0]!;
    const kept = held(a)[0]!;
    const rows = await h.db.slotLease.findMany({ where: { slot: { in: [moved, kept] } }, orderBy: { slot: 'asc' } });
    expect(Object.fromEntries(rows.map((r) => [r.slot, [r.owner, r.fence]]))).toEqual({ [moved]: ['b', 2], [kept]: ['a', 1] });
    expect(b.fenceOf(moved)).toBe(2);
    expect(a.fenceOf(moved)).toBeNull();
    // Exactly one of them does the chores (retention): the holder of slot 0.
    expect([a.leadsChores(), b.leadsChores()]).toEqual([a.owns(0), b.owns(0)]);
    expect(a.leadsChores() !== b.leadsChores()).toBe(true);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('takes over the slots of an instance whose leases expired, under new fences', async () => {
    const { h, join, held } = await cluster();
    const a = await join('a', new FakeClock(h.clock.nowMs()));
    const b = await join('b');
    await a.tick();
    await b.tick();
    const fromA = held(a);
    // a is killed: it never renews again (its clock never moves), nor leaves.
    await h.clock.advance(TIMING.ttlMs - TIMING.renewMs);
    await b.tick();
    expect(held(b)).toHaveLength(128);
    await h.clock.advance(2 * TIMING.renewMs);
    await b.tick();
    expect(held(b)).toHaveLength(SLOT_COUNT);
    expect(b.status().members).toEqual(['b']);
    for (const slot of fromA.slice(0, 3)) expect(b.fenceOf(slot)).toBe(2);
    await b.stop();
  });

  it('lets sites go while their fences still stamp writes, so the last snapshots land before the slots go back', async () => {
    const { h, join } = await cluster();
    const a = new ClusterNode({ instanceId: 'a', writer: h.writer, clock: h.clock, logger: silent, timing: TIMING });
    const slots = Array.from({ length: SLOT_COUNT }, (_, slot) => slot);
    // What the engine sees as it lets sites go: slots no longer checked that still answer a fence.
    const releasing: number[] = [];
    await a.start({ ownershipChanged: async () => void releasing.push(slots.filter((slot) => !a.owns(slot) && a.fenceOf(slot) !== null).length) });
    const b = await join('b');
    await a.tick();
    expect(releasing).toEqual([0, 128]);
    expect(slots.filter((slot) => !a.owns(slot) && a.fenceOf(slot) !== null)).toEqual([]);
    await a.stop();
    expect(releasing).toEqual([0, 128, 128]);
    expect(slots.filter((slot) => a.fenceOf(slot) !== null)).toEqual([]);
    await b.stop();
  });

  it('gives every slot back when it leaves, so the others take them at their next tick', async () => {
    const { join, held } = await cluster();
    const a = await join('a');
    const b = await join('b');
    await a.tick();
    await b.tick();
    await a.stop();
    expect(held(a)).toHaveLength(0);
    await b.tick();
    expect(held(b)).toHaveLength(SLOT_COUNT);
    await b.stop();
  });

  it('stops checking everything when its leases could not be renewed for their lifetime', async () => {
    const { h, join, held, changes } = await cluster();
    const a = await join('a');
    expect(held(a)).toHaveLength(SLOT_COUNT);
    // The database goes away under it: every renewal fails from now on.
    const submit = h.writer.submit.bind(h.writer);
    h.writer.submit = async () => {
      throw new Error('connection lost');
    };
    await h.clock.advance(TIMING.ttlMs - TIMING.renewMs);
    await a.tick();
    expect(held(a)).toHaveLength(SLOT_COUNT);
    await h.clock.advance(2 * TIMING.renewMs);
    await a.tick();
    expect(held(a)).toHaveLength(0);
    expect(changes.get('a')).toBe(2);
    h.writer.submit = submit;
    await a.stop();
  });

  it("refuses a stale owner's site rows in the statement itself, and keeps the owner's", async () => {
    const fencing: WriteFencing = { owner: 'a', slots: SLOT_COUNT, slotOf };
    const h = await harness({ fencing, retention: false });
    h.writer.start();
    const [siteA, siteB] = (await createSites(h.db, 2)) as [number, number];
    const a = new ClusterNode({ instanceId: 'a', writer: h.writer, clock: h.clock, logger: silent, timing: TIMING });
    await a.start({ ownershipChanged: async () => {} });
    expect([a.fenceOf(siteA), a.fenceOf(siteB)]).toEqual([1, 1]);
    const counts = async () => ({
      checks: await h.db.check.count({ where: { siteId: siteA } }),
      rollups: await h.db.checkRollup.count({ where: { siteId: siteA } }),
      changes: await h.db.stateChange.count({ where: { siteId: siteA } }),
      otherChecks: await h.db.check.count({ where: { siteId: siteB } }),
    });
    h.writer.enqueue(check(siteA, T0, { fence: 1 }));
    h.writer.enqueue(check(siteB, T0, { fence: 1 }));
    await h.writer.flush();
    expect(await counts()).toEqual({ checks: 1, rollups: 3, changes: 0, otherChecks: 1 });

    // Another instance took siteA's slot over (a hung past its lease); a wakes up and writes what it had.
    await h.writeDb.slotLease.update({ where: { slot: slotOf(siteA) }, data: { owner: 'b', fence: { increment: 1 } } });
    const skippedBefore = h.writer.stats.skipped;
    h.writer.enqueue(check(siteA, T0 + 60_000, { fence: 1 }));
    h.writer.enqueue({ kind: 'stateChange', siteId: siteA, fromStatus: 'UP', toStatus: 'DOWN', reason: 'timeout', changedAt: new Date(T0 + 60_000), fence: 1 });
    h.writer.enqueue(check(siteB, T0 + 60_000, { fence: 1 }));
    await h.writer.flush();
    // Refused by the lease test in each statement: no check, no rollup bucket of that minute, no state change.
    expect(await counts()).toEqual({ checks: 1, rollups: 3, changes: 0, otherChecks: 2 });
    expect(h.writer.stats.skipped - skippedBefore).toBe(2);

    // A row with no fence is not the engine's (a test's, an import's): it is written as it is.
    h.writer.enqueue(check(siteA, T0 + 90_000));
    await h.writer.flush();
    expect((await counts()).checks).toBe(2);

    // Within one batch, a write under an older fence of a slot than another write's is left out before the statement.
    h.writer.enqueue(check(siteB, T0 + 120_000, { fence: 0 }));
    h.writer.enqueue(check(siteB, T0 + 120_001, { fence: 1 }));
    await h.writer.flush();
    expect(await h.db.check.count({ where: { siteId: siteB } })).toBe(3);
    expect(h.writer.stats.skipped - skippedBefore).toBe(3);
    await a.stop();
  });
});
