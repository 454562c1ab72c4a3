import { type Dialect, type Statement, statement } from '../db/dialect.ts';
import type { Write, WriteFencing } from './types.ts';

/**
 * A row whose slot the batch's writes carry a fence for is written only while its writer still leases that slot under
 * that fence (see WriteFencing); a row of a slot no write carried a fence for (not the engine's) is written as it is.
 * On PostgreSQL the lease row stays share-locked until the batch commits, so a takeover waits for it or refuses it.
 */
const fenceCondition = (d: Dialect, slots: number) =>
  ` AND NOT EXISTS (SELECT 1 FROM ${d.jsonIntPairs('f', ['slot', 'fence'])} WHERE f."slot" = v."siteId" % ${slots}` +
  ` AND NOT EXISTS (SELECT 1 FROM "SlotLease" AS l WHERE l."slot" = f."slot" AND l."fence" = f."fence" AND l."owner" = ?${d.lockShared('l')}))`;

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
 * A batch's site writes under fencing: the slot fences they carry (the newest per slot), and the writes to keep. A
 * write under an older fence of the same slot is of a tenure that has ended: it is left out here. A write with no
 * fence is not the engine's (a test's, say): it is kept, and bound by its slot's fence if another write carries one.
 */
export function fenceWrites<W extends SiteWrite>(writes: readonly W[], fencing: WriteFencing): { writes: W[]; pairs: [number, number][]; stale: number } {
  const newest = new Map<number, number>();
  for (const w of writes) {
    if (w.fence === undefined) continue;
    const slot = fencing.slotOf(w.siteId);
    newest.set(slot, Math.max(newest.get(slot) ?? w.fence, w.fence));
  }
  const kept = writes.filter((w) => w.fence === undefined || newest.get(fencing.slotOf(w.siteId)) === w.fence);
  return { writes: kept, pairs: [...newest], stale: writes.length - kept.length };
}
