/**
 * Sites are leased in slots, not one by one: 256 lease rows are renewed in one statement whatever the fleet's size,
 * and a site's owner is known without a read (its id modulo the slot count). Ids are sequential, so every slot holds
 * about the same number of sites and an even share of slots is an even share of sites.
 */
export const SLOT_COUNT = 256;

export function slotOf(siteId: number): number {
  return siteId % SLOT_COUNT;
}

/**
 * How many slots each live member should hold: an even share, the first `slots % members` of them (in id order) one
 * more. Every member computes the same answer from the same member list, so none needs to ask another.
 */
export function slotTarget(members: readonly string[], me: string, slots = SLOT_COUNT): number {
  const sorted = [...new Set([...members, me])].sort();
  const rank = sorted.indexOf(me);
  const base = Math.floor(slots / sorted.length);
  return base + (rank < slots % sorted.length ? 1 : 0);
}
