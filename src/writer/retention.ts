import type { Db } from '../db/client.ts';
import { toSqlDate } from '../db/sql-date.ts';

type Executor = Pick<Db, '$executeRawUnsafe'>;

/** Deletes all but the newest `?` rows (per partition when given) in one window-function pass. */
function keepNewestSql(table: string, orderBy: string, partitionBy?: string): string {
  const over = `${partitionBy ? `PARTITION BY "${partitionBy}" ` : ''}ORDER BY "${orderBy}" DESC, "id" DESC`;
  return `DELETE FROM "${table}" WHERE "id" IN (SELECT "id" FROM (SELECT "id", ROW_NUMBER() OVER (${over}) AS rn FROM "${table}") AS ranked WHERE rn > ?)`;
}

const PRUNE_CHECKS = keepNewestSql('Check', 'checkedAt', 'siteId');
const PRUNE_STATE_CHANGES = keepNewestSql('StateChange', 'changedAt', 'siteId');
const PRUNE_LOGS = keepNewestSql('Log', 'createdAt');
// endsAt NULL is an open-ended window (or a recurring one without a last occurrence): never pruned.
const PRUNE_MAINTENANCE = `DELETE FROM "MaintenanceWindow" WHERE "endsAt" IS NOT NULL AND "endsAt" < ?`;

export interface HistoryCounts {
  checks: number;
  stateChanges: number;
  logs: number;
}

/** Keeps the newest `keep.checks` checks and `keep.stateChanges` state changes per site and `keep.logs` logs. Returns rows deleted. */
export async function pruneHistory(db: Executor, keep: HistoryCounts): Promise<HistoryCounts> {
  return {
    checks: await db.$executeRawUnsafe(PRUNE_CHECKS, keep.checks),
    stateChanges: await db.$executeRawUnsafe(PRUNE_STATE_CHANGES, keep.stateChanges),
    logs: await db.$executeRawUnsafe(PRUNE_LOGS, keep.logs),
  };
}

/** Deletes maintenance windows that ended before `cutoff`. Returns rows deleted. */
export function pruneEndedMaintenance(db: Executor, cutoff: Date): Promise<number> {
  return db.$executeRawUnsafe(PRUNE_MAINTENANCE, toSqlDate(cutoff));
}
