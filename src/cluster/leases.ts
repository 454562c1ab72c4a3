import { providerOf } from '../db/provider.ts';
import type { Tx } from '../writer/types.ts';
import { SLOT_COUNT, spreadRank } from './slots.ts';

/** The slots an instance holds, each with the fence it holds it under. */
export type HeldSlots = ReadonlyMap<number, number>;

export interface LeaseTiming {
  /** How long a lease or a membership lasts without renewal. */
  ttlMs: number;
}

/**
 * The lease table's statements. Each runs in a writer command (one transaction). A claim is a conditional update
 * (`owner` empty or the lease expired), so two instances racing for a slot cannot both win: PostgreSQL re-checks the
 * condition on the row the other's update left, SQLite serialises the writers.
 *
 * Every time they write or compare (`expiresAt`, `heartbeatAt`) is `now` from `leaseTable.now`: on PostgreSQL the
 * database's own clock, so that instances whose clocks disagree still agree on which leases and members are live.
 */
export const leaseTable = {
  /**
   * The time the transaction's lease statements measure by. On PostgreSQL it is the database's `now()`: the start of
   * the transaction, the same value in each of its statements, so reading it first and binding it is the same as
   * writing `now()` into each. SQLite is one instance's store (src/cluster/cluster.ts: no cluster runs on it), where
   * the database's clock is that instance's: `local` is used as it is, which tests drive with the FakeClock.
   */
  async now(tx: Tx, local: Date): Promise<Date> {
    if (providerOf(tx) !== 'postgresql') return local;
    const [row] = await tx.$queryRawUnsafe<{ ms: number | string }[]>('SELECT (extract(epoch FROM now()) * 1000)::float8 AS "ms"');
    return new Date(Math.floor(Number(row!.ms)));
  },

  /** The slot rows exist once; every instance may try, the first creates them. */
  async ensureSlots(tx: Tx, now: Date): Promise<void> {
    const have = await tx.slotLease.count();
    if (have >= SLOT_COUNT) return;
    const existing = new Set((await tx.slotLease.findMany({ select: { slot: true } })).map((r) => r.slot));
    const missing = Array.from({ length: SLOT_COUNT }, (_, slot) => slot).filter((slot) => !existing.has(slot));
    await tx.slotLease.createMany({ data: missing.map((slot) => ({ slot, expiresAt: now })) });
  },

  /** Renews this instance's membership and answers the live members' ids (this one included). */
  async heartbeat(tx: Tx, me: string, startedAt: Date, now: Date, timing: LeaseTiming): Promise<string[]> {
    await tx.clusterMember.upsert({ where: { id: me }, create: { id: me, startedAt, heartbeatAt: now }, update: { heartbeatAt: now } });
    const live = await tx.clusterMember.findMany({ where: { heartbeatAt: { gte: new Date(now.getTime() - timing.ttlMs) } }, select: { id: true } });
    return live.map((m) => m.id);
  },

  /**
   * Extends every lease this instance still owns and answers them. A lease that expired but was not taken is
   * extended too: nobody else wrote under another fence meanwhile.
   */
  async renew(tx: Tx, me: string, now: Date, timing: LeaseTiming): Promise<Map<number, number>> {
    await tx.slotLease.updateMany({ where: { owner: me }, data: { expiresAt: new Date(now.getTime() + timing.ttlMs) } });
    const rows = await tx.slotLease.findMany({ where: { owner: me }, select: { slot: true, fence: true } });
    return new Map(rows.map((r) => [r.slot, r.fence]));
  },

  /** Takes up to `count` slots that are free or whose lease expired, each under a new fence; answers those won. */
  async claim(tx: Tx, me: string, count: number, now: Date, timing: LeaseTiming): Promise<Map<number, number>> {
    const won = new Map<number, number>();
    if (count <= 0) return won;
    const free = { OR: [{ owner: '' }, { expiresAt: { lt: now } }] };
    const candidates = await tx.slotLease.findMany({ where: free, select: { slot: true } });
    const slots = candidates
      .map((c) => c.slot)
      .sort((a, b) => spreadRank(a) - spreadRank(b))
      .slice(0, count);
    // The condition is tested again per row by the update itself: a slot another instance took meanwhile is skipped.
    await tx.slotLease.updateMany({
      where: { slot: { in: slots }, ...free },
      data: { owner: me, fence: { increment: 1 }, expiresAt: new Date(now.getTime() + timing.ttlMs) },
    });
    for (const row of await tx.slotLease.findMany({ where: { slot: { in: slots }, owner: me }, select: { slot: true, fence: true } }))
      won.set(row.slot, row.fence);
    return won;
  },

  /** Gives slots back (the sites in them were let go first); another instance may claim them at once. */
  async release(tx: Tx, me: string, slots: readonly number[], now: Date): Promise<void> {
    if (slots.length === 0) return;
    await tx.slotLease.updateMany({ where: { owner: me, slot: { in: [...slots] } }, data: { owner: '', expiresAt: now } });
  },

  /** Leaves the cluster: every slot given back and the membership ended, so the others rebalance at their next tick. */
  async leave(tx: Tx, me: string, now: Date): Promise<void> {
    await tx.slotLease.updateMany({ where: { owner: me }, data: { owner: '', expiresAt: now } });
    await tx.clusterMember.deleteMany({ where: { id: me } });
  },

  /** Members silent for this long are forgotten (their leases expired long ago). */
  async forgetDeparted(tx: Tx, now: Date, olderThanMs: number): Promise<void> {
    await tx.clusterMember.deleteMany({ where: { heartbeatAt: { lt: new Date(now.getTime() - olderThanMs) } } });
  },
};
