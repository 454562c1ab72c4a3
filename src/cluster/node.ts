import type { Clock, TimerHandle } from '../clock.ts';
import type { ClusterStatus } from '../engine/types.ts';
import type { Logger } from '../log.ts';
import type { Writer } from '../writer/types.ts';
import { type HeldSlots, leaseTable } from './leases.ts';
import { SLOT_COUNT, slotOf, slotTarget, spreadRank } from './slots.ts';

export interface ClusterTiming {
  /** Leases and memberships last this long unrenewed: an instance that dies is taken over after at most this plus a tick. */
  ttlMs: number;
  /** How often leases are renewed, shares recomputed and free slots claimed. */
  renewMs: number;
}

/** Departed members' rows are swept every this many rounds. */
const FORGET_EVERY_ROUNDS = 30;

export const DEFAULT_CLUSTER_TIMING: ClusterTiming = { ttlMs: 15_000, renewMs: 2_000 };

/** What the engine answers to: which sites this instance checks, and under which fence it writes for them. */
export interface SiteOwnership {
  owns(siteId: number): boolean;
  /** The fence of the site's slot while this instance holds it; null otherwise. */
  fenceOf(siteId: number): number | null;
}

/** The part of the engine a change of ownership is reported to. */
export interface OwnershipListener {
  /**
   * Sites gained are loaded afresh and scheduled, sites lost stop; resolves once their snapshots are queued.
   * `ownedBefore` answers for the slots held until now, so sites created meanwhile are neither gained nor lost.
   */
  ownershipChanged(ownedBefore: (siteId: number) => boolean): Promise<void>;
}

export interface ClusterNodeOptions {
  instanceId: string;
  writer: Writer;
  clock: Clock;
  logger: Logger;
  timing?: ClusterTiming;
}

/**
 * This instance's membership and leases (DESIGN "Several instances"): every tick it renews both, computes its share
 * of the slots from the live members, claims free or expired slots up to it and gives back what is over it, after
 * the engine let those sites go and their writes landed. If renewals fail for a lease's lifetime it stops checking
 * everything, since another instance may own its slots by then: the database's fence would refuse its writes anyway.
 */
export class ClusterNode implements SiteOwnership {
  private readonly timing: ClusterTiming;
  private held: HeldSlots = new Map();
  /**
   * Slots being given back: no longer checked here, but their fences still stamp the writes the engine makes as it lets
   * their sites go (the runtime snapshots), until the slots are released. Without them those writes were dropped, and
   * the next owner scheduled from an older last check: it checked again at once, right after this instance did.
   */
  private releasing: HeldSlots = new Map();
  private members: string[] = [];
  private listener: OwnershipListener | null = null;
  private timer: TimerHandle | null = null;
  private ticking: Promise<void> | null = null;
  private lastRenewedMs = -Infinity;
  private readonly startedAt: Date;
  private stopped = false;
  private rounds = 0;

  constructor(private readonly options: ClusterNodeOptions) {
    this.timing = options.timing ?? DEFAULT_CLUSTER_TIMING;
    this.startedAt = options.clock.now();
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  owns(siteId: number): boolean {
    return this.held.has(slotOf(siteId));
  }

  fenceOf(siteId: number): number | null {
    const slot = slotOf(siteId);
    return this.held.get(slot) ?? this.releasing.get(slot) ?? null;
  }

  /** The instance holding slot 0 does the chores one instance does for all (retention); another takes them with it. */
  leadsChores(): boolean {
    return this.held.has(0);
  }

  status(): ClusterStatus {
    return { instanceId: this.instanceId, members: [...this.members], slotsHeld: this.held.size, slotsTotal: SLOT_COUNT };
  }

  /** Joins: slot rows made, a first tick run (so the engine starts with a share), then a tick every `renewMs`. */
  async start(listener: OwnershipListener): Promise<void> {
    this.listener = listener;
    // Instances starting together may race to create the rows; the loser finds them made.
    await this.options.writer
      .submit((tx) => leaseTable.ensureSlots(tx, this.options.clock.now()))
      .catch(async () => {
        await this.options.writer.submit((tx) => leaseTable.ensureSlots(tx, this.options.clock.now()));
      });
    await this.tick();
    this.arm();
  }

  /** One round now (tests, and the timer). Overlapping calls share the round in progress. */
  tick(): Promise<void> {
    this.ticking ??= this.round().finally(() => (this.ticking = null));
    return this.ticking;
  }

  /** Leaves: stops ticking, lets every site go, and gives every slot back so the others take them over at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    await this.ticking;
    const hadSlots = this.held.size > 0;
    this.releasing = this.held;
    try {
      await this.setHeld(new Map());
      if (!hadSlots && this.members.length === 0) return;
      await this.options.writer.writesDrained();
      await this.options.writer
        .submit((tx) => leaseTable.leave(tx, this.instanceId, this.options.clock.now()))
        .catch((err: unknown) => {
          this.options.logger.warn({ err }, 'cluster: could not give the leases back; they expire on their own');
        });
    } finally {
      this.releasing = new Map();
    }
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.tick().finally(() => this.arm());
    }, this.timing.renewMs);
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    const { writer, clock, logger } = this.options;
    const me = this.instanceId;
    let surplus: number[] = [];
    try {
      const { members, held } = await writer.submit(async (tx) => {
        const now = clock.now();
        const members = await leaseTable.heartbeat(tx, me, this.startedAt, now, this.timing);
        const held = await leaseTable.renew(tx, me, now, this.timing);
        const target = slotTarget(members, me);
        if (held.size < target) for (const [slot, fence] of await leaseTable.claim(tx, me, target - held.size, now, this.timing)) held.set(slot, fence);
        if (this.rounds++ % FORGET_EVERY_ROUNDS === 0) await leaseTable.forgetDeparted(tx, now, this.timing.ttlMs * 20);
        return { members, held };
      });
      this.lastRenewedMs = clock.nowMs();
      this.members = members.sort();
      const target = slotTarget(members, me);
      surplus = [...held.keys()].sort((a, b) => spreadRank(b) - spreadRank(a)).slice(0, Math.max(0, held.size - target));
      this.releasing = new Map(surplus.map((slot) => [slot, held.get(slot)!]));
      for (const slot of surplus) held.delete(slot);
      await this.setHeld(held);
    } catch (err) {
      if (this.stopped) return;
      logger.error({ err }, 'cluster: lease renewal failed');
      // Past the lease's lifetime another instance may hold these slots: stop checking them.
      if (clock.nowMs() - this.lastRenewedMs >= this.timing.ttlMs && this.held.size > 0) {
        logger.warn({ slots: this.held.size }, 'cluster: leases not renewed within their lifetime; no longer checking their sites');
        await this.setHeld(new Map());
      }
      return;
    }
    if (surplus.length === 0) return;
    try {
      // Their sites' last writes land under the fence still held, then the slots go back.
      await writer.writesDrained();
      await writer.submit((tx) => leaseTable.release(tx, me, surplus, clock.now()));
      logger.info({ slots: surplus.length }, 'cluster: gave slots back to rebalance');
    } finally {
      this.releasing = new Map();
    }
  }

  private async setHeld(next: HeldSlots): Promise<void> {
    const before = this.held;
    this.held = next;
    const same = before.size === next.size && [...next].every(([slot, fence]) => before.get(slot) === fence);
    if (!same) await this.listener?.ownershipChanged((siteId) => before.has(slotOf(siteId)));
  }
}
