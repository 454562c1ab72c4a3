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
 * Where a slot comes in the order slots are claimed and kept (claims take the lowest ranks, surplus goes back from the
 * highest): its bits reversed, so that any run of ranks, which is what an instance ends up holding, is spread evenly over
 * the slot range. Site ids are sequential, so unless the fleet is a multiple of the slot count the fuller slots are the
 * low ones: shares taken as contiguous slot ranges gave one instance all of them (300 sites on 3 instances: 131, 85, 85).
 */
export function spreadRank(slot: number): number {
  let rank = 0;
  for (let bit = 1; bit < SLOT_COUNT; bit <<= 1) rank = (rank << 1) | (slot & bit ? 1 : 0);
  return rank;
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
