import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import type { Provider } from '../../src/db/provider.ts';
import { ClusterNode, ownershipMs } from '../../src/cluster/node.ts';
import { SLOT_COUNT, slotOf, slotTarget, spreadRank } from '../../src/cluster/slots.ts';
import type { Db } from '../../src/db/client.ts';
import { interceptEnqueue } from '../../src/writer/intercept.ts';
import type { Writer, WriteFencing } from '../../src/writer/types.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { check, createSites, T0, writerHarnessOn } from '../writer/harness.ts';

const stores = useStores();
const TIMING = { ttlMs: 15_000, renewMs: 2_000 };
const silent = pino({ level: 'silent' });

/**
 * Time passing for the lease table as well as for the nodes. On SQLite the leases are measured on the instance's clock
 * (the FakeClock); on PostgreSQL on the database's own `now()`, which no FakeClock moves: its lease and member times are
 * moved back by as much instead, which is the same to every comparison with `now()`.
 */
async function ageLeaseTable(provider: Provider, db: Db, ms: number): Promise<void> {
  if (provider !== 'postgresql') return;
  await db.$executeRawUnsafe(`UPDATE "SlotLease" SET "expiresAt" = "expiresAt" - $1 * interval '1 millisecond'`, ms);
  await db.$executeRawUnsafe(`UPDATE "ClusterMember" SET "heartbeatAt" = "heartbeatAt" - $1 * interval '1 millisecond'`, ms);
}

/** A writer whose commands can be held: a held one never answers (a partition), until `release` runs them all. */
function holdableWriter(writer: Writer) {
  const waiting: (() => void)[] = [];
  let holding = false;
  let submitted = 0;
  const held: Writer = interceptEnqueue(writer, (write, next) => next(write));
  held.submit = <T>(command: Parameters<Writer['submit']>[0]): Promise<T> => {
    submitted++;
    if (!holding) return writer.submit(command) as Promise<T>;
    return new Promise<T>((resolve, reject) => waiting.push(() => (writer.submit(command) as Promise<T>).then(resolve, reject)));
  };
  return {
    writer: held,
    hold: () => void (holding = true),
    release() {
      holding = false;
      for (const run of waiting.splice(0)) run();
    },
    get submitted() {
      return submitted;
    },
  };
}

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
    /** Time passes for the harness's clock and for the lease table. */
    const elapse = async (ms: number) => {
      await ageLeaseTable(provider, h.writeDb, ms);
      h.clock.advance(ms);
    };
    return { h, join, held, changes, elapse };
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
    const { h, join, held, elapse } = await cluster();
    const a = await join('a', new FakeClock(h.clock.nowMs()));
    const b = await join('b');
    await a.tick();
    await b.tick();
    const fromA = held(a);
    // a is killed: it never renews again (its clock never moves), nor leaves.
    await elapse(TIMING.ttlMs - TIMING.renewMs);
    await b.tick();
    expect(held(b)).toHaveLength(128);
    await elapse(2 * TIMING.renewMs);
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
    // It lets go by itself, a safety margin before the lease would expire, counted from the last renewal's start.
    h.clock.advance(ownershipMs(TIMING) - 1);
    expect(held(a)).toHaveLength(SLOT_COUNT);
    h.clock.advance(1);
    expect(held(a)).toHaveLength(0);
    expect(a.status().slotsHeld).toBe(0);
    expect(changes.get('a')).toBe(2);
    await a.tick();
    expect(held(a)).toHaveLength(0);
    h.writer.submit = submit;
    await a.tick();
    expect(held(a)).toHaveLength(SLOT_COUNT);
    await a.stop();
  });

  it('lets its slots go by itself when a renewal never answers, and keeps starting rounds', async () => {
    const { h, held } = await cluster();
    const w = holdableWriter(h.writer);
    let changes = 0;
    const a = new ClusterNode({ instanceId: 'a', writer: w.writer, clock: h.clock, logger: silent, timing: TIMING });
    await a.start({ ownershipChanged: async () => void changes++ });
    expect(held(a)).toHaveLength(SLOT_COUNT);
    expect(a.fenceOf(7)).toBe(1);
    // The database stops answering (a partition, or a call that hangs): the renewal never ends, nor throws.
    w.hold();
    const submittedBefore = w.submitted;
    h.clock.advance(ownershipMs(TIMING) - 1);
    expect(held(a)).toHaveLength(SLOT_COUNT);
    h.clock.advance(1);
    // Past the renewal's cover, nothing is this instance's: no site is checked, no write is stamped.
    expect(held(a)).toHaveLength(0);
    expect(a.fenceOf(7)).toBeNull();
    expect(changes).toBe(2);
    // The hung round does not stop the timer: once it cannot renew anything any more, another one starts.
    h.clock.advance(2 * TIMING.ttlMs);
    expect(w.submitted - submittedBefore).toBeGreaterThanOrEqual(2);
    expect(held(a)).toHaveLength(0);
    // The database answers again: the newest round's renewal gives the slots back to this instance.
    w.release();
    await a.tick();
    expect(held(a)).toHaveLength(SLOT_COUNT);
    expect(changes).toBe(3);
    await a.stop();
  });

  it('measures a renewal on the monotonic clock: a step of the wall clock neither ends nor extends it', async () => {
    const { h, join, held } = await cluster();
    const a = await join('a');
    h.writer.submit = () => new Promise(() => {});
    h.clock.set(h.clock.nowMs() + 3_600_000);
    expect(held(a)).toHaveLength(SLOT_COUNT);
    h.clock.set(h.clock.nowMs() - 7_200_000);
    h.clock.advance(ownershipMs(TIMING));
    expect(held(a)).toHaveLength(0);
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

describe('leases on postgresql, between instances whose clocks disagree by 20 s', () => {
  const harness = writerHarnessOn(stores, 'postgresql');
  const SKEW_MS = 20_000;

  /** Two instances on one database: `behind` on a clock 20 s slow, `ahead` on one 20 s fast, each a FakeClock of its own. */
  async function skewed() {
    const h = await harness({ retention: false });
    h.writer.start();
    const node = (id: string, clock: FakeClock) => new ClusterNode({ instanceId: id, writer: h.writer, clock, logger: silent, timing: TIMING });
    const clocks = { behind: new FakeClock(T0), ahead: new FakeClock(T0 + SKEW_MS) };
    const nodes = { behind: node('behind', clocks.behind), ahead: node('ahead', clocks.ahead) };
    const count = (n: ClusterNode) => Array.from({ length: SLOT_COUNT }, (_, slot) => slot).filter((slot) => n.owns(slot)).length;
    return { h, clocks, nodes, count };
  }

  it.each([
    ['ahead', 'behind'],
    ['behind', 'ahead'],
  ] as const)('share the slots evenly; the one %s dies and the other takes its slots within a lease and a round', async (dies, survives) => {
    const { h, clocks, nodes, count } = await skewed();
    await nodes.behind.start({ ownershipChanged: async () => {} });
    await nodes.ahead.start({ ownershipChanged: async () => {} });
    // Each sees the other live, and neither takes the other's leases for expired.
    for (let round = 0; round < 3; round++) {
      for (const clock of Object.values(clocks)) clock.advance(TIMING.renewMs);
      await ageLeaseTable('postgresql', h.writeDb, TIMING.renewMs);
      await nodes.behind.tick();
      await nodes.ahead.tick();
    }
    expect([count(nodes.behind), count(nodes.ahead)]).toEqual([128, 128]);
    expect(nodes.ahead.status().members).toEqual(['ahead', 'behind']);
    expect(nodes.behind.status().members).toEqual(['ahead', 'behind']);
    const rows = await h.db.slotLease.groupBy({ by: ['owner'], _count: true, orderBy: { owner: 'asc' } });
    expect(rows.map((r) => [r.owner, r._count])).toEqual([
      ['ahead', 128],
      ['behind', 128],
    ]);

    // One is killed (its clock stops, it never renews nor leaves); the other goes on, a round every renewMs.
    const survivor = nodes[survives];
    let waitedMs = 0;
    while (count(survivor) < SLOT_COUNT && waitedMs <= 2 * TIMING.ttlMs) {
      clocks[survives].advance(TIMING.renewMs);
      await ageLeaseTable('postgresql', h.writeDb, TIMING.renewMs);
      waitedMs += TIMING.renewMs;
      await survivor.tick();
    }
    // README "When an instance dies": its leases expire within their lifetime, the others claim them at their next round.
    expect(count(survivor)).toBe(SLOT_COUNT);
    expect(waitedMs).toBeLessThanOrEqual(TIMING.ttlMs + TIMING.renewMs);
    expect(survivor.status().members).toEqual([survives]);
    expect(nodes[dies].instanceId).toBe(dies);
    await survivor.stop();
  });
});
