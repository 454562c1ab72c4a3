import { type Dialect, type Statement, statement } from '../db/dialect.ts';
import type { Write, WriteFencing } from './types.ts';

/**
 * The row's site is in a slot its writer still leases under the fence its writes carry (see WriteFencing). On
 * PostgreSQL the lease row stays share-locked until the batch commits, so a takeover waits for it or refuses it.
 */
const fenceCondition = (d: Dialect, slots: number) =>
  ` AND EXISTS (SELECT 1 FROM "SlotLease" AS l JOIN ${d.jsonIntPairs('f', ['slot', 'fence'])} ON f."slot" = l."slot" AND f."fence" = l."fence"` +
  ` WHERE l."slot" = v."siteId" % ${slots} AND l."owner" = ?${d.lockShared('l')})`;

/** A statement writing site rows (`v."siteId"`), as it is and fenced for a cluster (`fence` goes into its WHERE). */
export interface SiteStatement {
  plain: Statement;
  fenced(slots: number): Statement;
}

export function siteStatement(build: (d: Dialect, fence: (d: Dialect) => string) => string): SiteStatement {
  const bySlots = new Map<number, Statement>();
  return {
    plain: statement((d) => build(d, () => '')),
    fenced(slots) {
      let s = bySlots.get(slots);
      if (!s) bySlots.set(slots, (s = statement((d) => build(d, (x) => fenceCondition(x, slots)))));
      return s;
    },
  };
}

type SiteWrite = Extract<Write, { siteId: number; fence?: number }>;

/**
 * A batch's site writes under fencing: the slot fences they carry (the newest per slot), and the writes that carry
 * that fence. An older fence of the same slot, or none, is a write of a tenure that has ended: it is left out here.
 */
export function fenceWrites<W extends SiteWrite>(writes: readonly W[], fencing: WriteFencing): { writes: W[]; pairs: [number, number][]; stale: number } {
  const newest = new Map<number, number>();
  for (const w of writes) {
    if (w.fence === undefined) continue;
    const slot = fencing.slotOf(w.siteId);
    newest.set(slot, Math.max(newest.get(slot) ?? w.fence, w.fence));
  }
  const kept = writes.filter((w) => w.fence !== undefined && newest.get(fencing.slotOf(w.siteId)) === w.fence);
  return { writes: kept, pairs: [...newest], stale: writes.length - kept.length };
}
