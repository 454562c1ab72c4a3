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

/**
 * How long this instance may act on a renewal: the lease's lifetime less a safety margin (a renewal interval, at most a
 * third of the lifetime), counted on the monotonic clock from the start of the round that renewed it. The database
 * extends the lease from its own time during that round, which is later, so the lease outlasts this instance's claim to it.
 */
export function ownershipMs(timing: ClusterTiming): number {
  return timing.ttlMs - Math.min(timing.renewMs, timing.ttlMs / 3);
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
 * the engine let those sites go and their writes landed. Ownership expires by itself: a slot is this instance's only
 * while the last successful renewal is younger than `ownershipMs` on the monotonic clock, whether the renewals since
 * failed, hung (a partition) or never ran (the process was frozen); past it another instance may own the slots, so it
 * stops checking everything (the database's fence would refuse its writes anyway).
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
  private expiry: TimerHandle | null = null;
  /** The round in progress, and when it started (monotonic). */
  private ticking: { startedMono: number; done: Promise<void> } | null = null;
  /** Rounds started, and the number of the one whose answer is in use. */
  private roundsStarted = 0;
  private roundApplied = 0;
  /** When (monotonic) the round whose renewal `held` comes from started; null before the first. */
  private renewedAtMono: number | null = null;
  private readonly ownershipMs: number;
  private readonly startedAt: Date;
  private stopped = false;
  private rounds = 0;
  /** Whether the last renewal applied held slot 0 (see leadsChores). */
  private leader = false;

  constructor(private readonly options: ClusterNodeOptions) {
    this.timing = options.timing ?? DEFAULT_CLUSTER_TIMING;
    this.ownershipMs = ownershipMs(this.timing);
    this.startedAt = options.clock.now();
  }

  get instanceId(): string {
    return this.options.instanceId;
  }

  owns(siteId: number): boolean {
    return this.current() && this.held.has(slotOf(siteId));
  }

  fenceOf(siteId: number): number | null {
    if (!this.current()) return null;
    const slot = slotOf(siteId);
    return this.held.get(slot) ?? this.releasing.get(slot) ?? null;
  }

  /**
   * The instance holding slot 0 does the chores one instance does for all (retention); another takes them with it. The
   * last renewal's answer decides, whether or not it still covers the lease: chores are neither fenced nor harmful
   * twice (a prune run by two instances deletes the same rows), so a lapse does not stop them until a renewal says so.
   */
  leadsChores(): boolean {
    return this.leader;
  }

  status(): ClusterStatus {
    return { instanceId: this.instanceId, members: [...this.members], slotsHeld: this.current() ? this.held.size : 0, slotsTotal: SLOT_COUNT };
  }

  /** Whether the last successful renewal still covers this instance's leases (see ownershipMs). */
  private current(): boolean {
    return this.renewedAtMono !== null && this.options.clock.monotonicMs() - this.renewedAtMono < this.ownershipMs;
  }

  /** Joins: slot rows made, a first tick run (so the engine starts with a share), then a tick every `renewMs`. */
  async start(listener: OwnershipListener): Promise<void> {
    this.listener = listener;
    // Instances starting together may race to create the rows; the loser finds them made.
    const ensure = () => this.options.writer.submit(async (tx) => leaseTable.ensureSlots(tx, await leaseTable.now(tx, this.options.clock.now())));
    await ensure().catch(ensure);
    await this.tick();
    this.arm();
  }

  /**
   * One round now (tests, and the timer). Overlapping calls share the round in progress, unless it has hung for as long
   * as a renewal lets this instance act on it: its answer could no longer give it anything, so another starts beside it.
   */
  tick(): Promise<void> {
    const startedMono = this.options.clock.monotonicMs();
    if (this.ticking && startedMono - this.ticking.startedMono < this.ownershipMs) return this.ticking.done;
    const done: Promise<void> = this.round(++this.roundsStarted, startedMono).finally(() => {
      if (this.ticking?.done === done) this.ticking = null;
    });
    this.ticking = { startedMono, done };
    return done;
  }

  /** Leaves: stops ticking, lets every site go, and gives every slot back so the others take them over at once. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) this.options.clock.clearTimeout(this.timer);
    if (this.expiry) this.options.clock.clearTimeout(this.expiry);
    await this.ticking?.done.catch(() => {});
    const hadSlots = this.held.size > 0;
    this.leader = false;
    this.releasing = this.held;
    try {
      await this.setHeld(new Map());
      if (!hadSlots && this.members.length === 0) return;
      await this.options.writer.writesDrained();
      await this.options.writer
        .submit(async (tx) => leaseTable.leave(tx, this.instanceId, await leaseTable.now(tx, this.options.clock.now())))
        .catch((err: unknown) => {
          this.options.logger.warn({ err }, 'cluster: could not give the leases back; they expire on their own');
        });
    } finally {
      this.releasing = new Map();
    }
  }

  /** A round every `renewMs`, whether or not the last one has ended: one that hangs does not stop the next. */
  private arm(): void {
    if (this.stopped) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      this.arm();
      this.tick().catch((err: unknown) => this.options.logger.error({ err }, 'cluster: round failed'));
    }, this.timing.renewMs);
  }

  /** Once the last renewal no longer covers the leases, lets every site go, whatever the round in progress is doing. */
  private armExpiry(): void {
    const { clock, logger } = this.options;
    if (this.expiry) clock.clearTimeout(this.expiry);
    if (this.stopped || this.renewedAtMono === null) return;
    this.expiry = clock.setTimeout(
      () => {
        this.expiry = null;
        if (this.stopped || this.current() || this.held.size + this.releasing.size === 0) return;
        logger.warn({ slots: this.held.size }, 'cluster: leases not renewed within their lifetime; no longer checking their sites');
        this.releasing = new Map();
        this.setHeld(new Map()).catch((err: unknown) => logger.error({ err }, 'cluster: letting the sites go failed'));
      },
      this.renewedAtMono + this.ownershipMs - clock.monotonicMs(),
    );
  }

  private async round(seq: number, startedMono: number): Promise<void> {
    if (this.stopped) return;
    const { writer, clock, logger } = this.options;
    const me = this.instanceId;
    let surplus: number[] = [];
    try {
      const { members, held } = await writer.submit(async (tx) => {
        // The database's time, not this instance's: every instance measures leases and memberships on the same clock.
        const now = await leaseTable.now(tx, clock.now());
        const members = await leaseTable.heartbeat(tx, me, this.startedAt, now, this.timing);
        const held = await leaseTable.renew(tx, me, now, this.timing);
        const target = slotTarget(members, me);
        if (held.size < target) for (const [slot, fence] of await leaseTable.claim(tx, me, target - held.size, now, this.timing)) held.set(slot, fence);
        if (this.rounds++ % FORGET_EVERY_ROUNDS === 0) await leaseTable.forgetDeparted(tx, now, this.timing.ttlMs * 20);
        return { members, held };
      });
      // A round that started before the one whose answer is in use (it hung, another started beside it) is stale.
      if (this.stopped || seq < this.roundApplied) return;
      this.roundApplied = seq;
      this.renewedAtMono = startedMono;
      this.armExpiry();
      this.members = members.sort();
      const target = slotTarget(members, me);
      surplus = [...held.keys()].sort((a, b) => spreadRank(b) - spreadRank(a)).slice(0, Math.max(0, held.size - target));
      this.releasing = new Map(surplus.map((slot) => [slot, held.get(slot)!]));
      for (const slot of surplus) held.delete(slot);
      this.leader = held.has(0);
      await this.setHeld(held);
    } catch (err) {
      // The leases lapse on their own (armExpiry; owns() answers from the time of the last renewal meanwhile).
      if (!this.stopped) logger.error({ err }, 'cluster: lease renewal failed');
      return;
    }
    if (surplus.length === 0) return;
    try {
      // Their sites' last writes land under the fence still held, then the slots go back.
      await writer.writesDrained();
      await writer.submit(async (tx) => leaseTable.release(tx, me, surplus, await leaseTable.now(tx, clock.now())));
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
