import type { Db } from '../db/client.ts';
import { type Dialect, dialectOf, statement } from '../db/dialect.ts';
import { toSqlDate } from '../db/sql-date.ts';

type Executor = Pick<Db, '$executeRawUnsafe' | '$queryRawUnsafe'>;

/** Sites one history statement looks at: each costs an index count of its rows. */
export const PRUNE_SITES_PER_STATEMENT = 10;
/** Most rows one statement deletes; deleting is what costs, so this bounds how long a statement holds the thread. */
export const PRUNE_ROWS_PER_STATEMENT = 500;

export interface HistoryCounts {
  checks: number;
  stateChanges: number;
  logs: number;
}

interface PerSiteHistory {
  key: 'checks' | 'stateChanges';
  table: 'Check' | 'StateChange';
  orderBy: 'checkedAt' | 'changedAt';
}

const PER_SITE: readonly PerSiteHistory[] = [
  { key: 'checks', table: 'Check', orderBy: 'checkedAt' },
  { key: 'stateChanges', table: 'StateChange', orderBy: 'changedAt' },
];

/**
 * Keep-newest-N ranks newest first, the higher id first on equal times; the rows past the newest N are then the
 * oldest (count - N) in the reverse order. Taking those from the old end walks only the rows deleted (the index is
 * ordered by time, and only rows on equal times need sorting by id), where an OFFSET from the new end would sort
 * every row kept.
 */
const oldestFirst = (orderBy: string) => `ORDER BY "${orderBy}" ASC, "id" ASC`;
const pastNewest = (d: Dialect, countRows: string) => d.greatest('0', `(${countRows}) - ?`);
/** Below every site id (PostgreSQL's Int is 32 bits, so a wider number would not even compare). */
const BEFORE_FIRST_SITE = -(2 ** 31);

/**
 * The next sites after `?` that have rows in the table, found by index seeks from one siteId to the next, so the
 * cost does not grow with the history. Taken from the table itself, these are exactly the partitions it holds.
 */
function nextSitesSql({ table }: PerSiteHistory): string {
  const after = (cursor: string) => `(SELECT min("siteId") FROM "${table}" WHERE "siteId" > ${cursor})`;
  // Quoted as the caller reads it: PostgreSQL would fold an unquoted siteId to siteid.
  return `WITH RECURSIVE next(siteId, n) AS (
    SELECT ${after('?')}, 1
    UNION ALL SELECT ${after('next.siteId')}, n + 1 FROM next WHERE next.siteId IS NOT NULL AND n < ${PRUNE_SITES_PER_STATEMENT}
  ) SELECT siteId AS "siteId" FROM next WHERE siteId IS NOT NULL`;
}

/**
 * Deletes, for each of PRUNE_SITES_PER_STATEMENT sites (`siteId, siteId, keep` triples; a NULL site matches nothing),
 * the rows past its newest `keep`, at most PRUNE_ROWS_PER_STATEMENT in all. Each part reads the (siteId, time) index
 * of one site, and the parts run in turn only until the limit is reached.
 */
function pruneSitesSql(d: Dialect, { table, orderBy }: PerSiteHistory): string {
  const count = `SELECT count(*) FROM "${table}" WHERE "siteId" = ?`;
  const oneSite = `SELECT "id" FROM (SELECT "id" FROM "${table}" WHERE "siteId" = ? ${oldestFirst(orderBy)} LIMIT ${pastNewest(d, count)}) AS one`;
  const sites = Array(PRUNE_SITES_PER_STATEMENT).fill(oneSite).join(' UNION ALL ');
  return `DELETE FROM "${table}" WHERE "id" IN (SELECT "id" FROM (${sites}) AS batch LIMIT ${PRUNE_ROWS_PER_STATEMENT})`;
}

const PER_SITE_SQL = PER_SITE.map((t) => ({ ...t, nextSites: statement(() => nextSitesSql(t)), prune: statement((d) => pruneSitesSql(d, t)) }));
const PRUNE_LOGS = statement(
  (d) =>
    `DELETE FROM "Log" WHERE "id" IN (SELECT "id" FROM "Log" ${oldestFirst('createdAt')} LIMIT ${d.least(`${PRUNE_ROWS_PER_STATEMENT}`, pastNewest(d, 'SELECT count(*) FROM "Log"'))})`,
);
// endsAt NULL is an open-ended window (or a recurring one without a last occurrence): never pruned.
const PRUNE_MAINTENANCE = statement(() => `DELETE FROM "MaintenanceWindow" WHERE "endsAt" IS NOT NULL AND "endsAt" < ?`);

/**
 * Keeps the newest `keep.checks` checks and `keep.stateChanges` state changes per site and `keep.logs` logs, in
 * statements of bounded cost. It yields after each statement so the caller can run other work (and let the event
 * loop turn) in between; every statement judges "newest" at the moment it runs, so rows written in between are
 * ranked with the rest. Returns the rows deleted.
 */
export async function* pruneHistory(db: Executor, keep: HistoryCounts): AsyncGenerator<void, HistoryCounts> {
  const { provider } = dialectOf(db);
  const deleted: HistoryCounts = { checks: 0, stateChanges: 0, logs: 0 };
  for (const t of PER_SITE_SQL) {
    let cursor = BEFORE_FIRST_SITE;
    for (;;) {
      const rows = await db.$queryRawUnsafe<{ siteId: number | bigint }[]>(t.nextSites[provider], cursor);
      if (rows.length === 0) break;
      const sites = rows.map((r) => Number(r.siteId));
      const params = Array.from({ length: PRUNE_SITES_PER_STATEMENT }, (_, i) => [sites[i] ?? null, sites[i] ?? null, keep[t.key]]).flat();
      const n = await db.$executeRawUnsafe(t.prune[provider], ...params);
      deleted[t.key] += n;
      // Under the limit, every one of these sites is done; at the limit some may have more, so they come round again.
      if (n < PRUNE_ROWS_PER_STATEMENT) cursor = sites.at(-1)!;
      yield;
    }
  }
  for (;;) {
    const n = await db.$executeRawUnsafe(PRUNE_LOGS[provider], keep.logs);
    deleted.logs += n;
    if (n < PRUNE_ROWS_PER_STATEMENT) break;
    yield;
  }
  return deleted;
}

// Each level's oldest buckets by the (width, start) index; by the physical row key, as the table's key is composite.
const PRUNE_ROLLUPS = statement((d) => d.boundedDelete('CheckRollup', '"width" = ? AND "start" < ?', PRUNE_ROWS_PER_STATEMENT));

/** Deletes, per rollup width, the buckets that start before its cutoff, in statements of bounded cost. */
export async function* pruneRollups(db: Executor, cutoffs: readonly { width: number; before: Date }[]): AsyncGenerator<void, number> {
  const { provider } = dialectOf(db);
  let deleted = 0;
  for (const { width, before } of cutoffs) {
    for (;;) {
      const n = await db.$executeRawUnsafe(PRUNE_ROLLUPS[provider], width, toSqlDate(before));
      deleted += n;
      if (n < PRUNE_ROWS_PER_STATEMENT) break;
      yield;
    }
  }
  return deleted;
}

/** Deletes maintenance windows that ended before `cutoff`. Returns rows deleted. */
export function pruneEndedMaintenance(db: Executor, cutoff: Date): Promise<number> {
  return db.$executeRawUnsafe(PRUNE_MAINTENANCE[dialectOf(db).provider], toSqlDate(cutoff));
}
