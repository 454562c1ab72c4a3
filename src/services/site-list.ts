import type { Db } from '../db/client.ts';
import type { Prisma } from '../generated/prisma/client.ts';

/** Ids read per query while scanning: bounded, so no query binds more than a couple of values however large the fleet. */
const SCAN_BATCH = 1000;

/**
 * A filter the database cannot evaluate (a site's live display status lives in the engine's memory): `where` is
 * what SQL narrows first, `keep` decides each remaining id.
 */
export interface InMemoryFilter {
  where: Prisma.SiteWhereInput;
  keep: (siteId: number) => boolean;
}

/**
 * The ids `filter` accepts, in id order (descending when `backwards`), starting past `fromId`. Ids are read in
 * keyset batches of SCAN_BATCH, never all at once and never bound into an `IN` list, which SQLite caps at 32,766
 * variables.
 */
async function* scanIds(db: Db, filter: InMemoryFilter, backwards: boolean, fromId?: number): AsyncGenerator<number> {
  let bound = fromId;
  for (;;) {
    const past: Prisma.SiteWhereInput | undefined = bound === undefined ? undefined : { id: backwards ? { lt: bound } : { gt: bound } };
    const rows = await db.site.findMany({
      where: past ? { AND: [filter.where, past] } : filter.where,
      select: { id: true },
      orderBy: { id: backwards ? 'desc' : 'asc' },
      take: SCAN_BATCH,
    });
    for (const { id } of rows) if (filter.keep(id)) yield id;
    if (rows.length < SCAN_BATCH) return;
    bound = rows.at(-1)!.id;
  }
}

/**
 * One page of a connection ordered by id, as the prisma plugin plans it: `take` rows after the cursor row, or
 * before it when `take` is negative (the cursor row itself excluded). Returns the page's ids in ascending order.
 */
export async function pageIds(db: Db, filter: InMemoryFilter, page: { cursorId?: number; take: number }): Promise<number[]> {
  const backwards = page.take < 0;
  const wanted = Math.abs(page.take);
  const ids: number[] = [];
  if (wanted === 0) return ids;
  for await (const id of scanIds(db, filter, backwards, page.cursorId)) {
    ids.push(id);
    if (ids.length === wanted) break;
  }
  return backwards ? ids.reverse() : ids;
}

/** How many sites `filter` accepts; reads every candidate id, a batch at a time. */
export async function countIds(db: Db, filter: InMemoryFilter): Promise<number> {
  let count = 0;
  for await (const _id of scanIds(db, filter, false)) count++;
  return count;
}
