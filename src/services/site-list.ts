import type { Db } from '../db/client.ts';
import { statement, type Statement } from '../db/dialect.ts';
import { readRows } from '../db/raw-reads.ts';
import { Prisma } from '../generated/prisma/client.ts';

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

/** The Site model's columns: a page reads only these, so no other name can reach the SQL text. */
const SITE_COLUMNS: ReadonlySet<string> = new Set(Object.values(Prisma.SiteScalarFieldEnum));

/** A page as the prisma plugin plans it: `take` rows (backwards when negative) from the cursor row, `skip` of them skipped. */
export interface SitePage {
  cursor?: { id?: number };
  take: number;
  skip: number;
}

/** The page statement for these columns and direction (cheap to build: not kept, so no selection can grow a cache). */
function pageStatement(columns: readonly string[], backwards: boolean, fromCursor: boolean): Statement {
  // Prisma's own cursor form: the rows from the cursor row's id on, so a cursor whose row is gone reads nothing.
  const where = fromCursor ? `WHERE "id" ${backwards ? '<=' : '>='} (SELECT "id" FROM "Site" WHERE "id" = ?) ` : '';
  const order = backwards ? 'DESC' : 'ASC';
  return statement(() => `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "Site" ${where}ORDER BY "id" ${order} LIMIT ? OFFSET ?`);
}

/**
 * The hot read of the `sites` list without filters: one page of every site in id order with only `columns`, the same
 * rows, with the same types, as `db.site.findMany({ select, cursor, take, skip, orderBy: { id: 'asc' } })` gives, but
 * as one hand-written statement through the read connection. Prisma compiles each model query anew, which cost more
 * than the rest of a 50-row page; on SQLite the statement goes straight to the connection's driver (Prisma's raw query
 * path still cost a fifth of a page), on PostgreSQL through a raw query. test/services/site-list.test.ts holds both to
 * the model query.
 */
export async function readSitePage(db: Db, columns: readonly string[], page: SitePage): Promise<Record<string, unknown>[]> {
  for (const c of columns) if (!SITE_COLUMNS.has(c)) throw new Error(`readSitePage: "${c}" is not a Site column`);
  const backwards = page.take < 0;
  const cursorId = page.cursor?.id;
  const bounds = [Math.abs(page.take), page.skip];
  const rows = await readRows<Record<string, unknown>>(
    db,
    pageStatement(columns, backwards, cursorId !== undefined),
    cursorId === undefined ? bounds : [cursorId, ...bounds],
  );
  return backwards ? rows.reverse() : rows;
}
