import { dialectOf, statement } from '../db/dialect.ts';
import { turns } from '../turns.ts';
import { PRUNE_ROWS_PER_STATEMENT } from './retention.ts';
import type { Tx } from './types.ts';
import { DEFAULT_COMMAND_TIMEOUT_MS } from './writer.ts';

/**
 * The tables that hold a site's history: thousands of rows a site (checks, state changes, rollups of every level),
 * where its links, windows and runtime state are a few.
 */
const HISTORY_TABLES = ['Check', 'StateChange', 'CheckRollup'] as const;

/** Sites one statement names. */
export const SITES_PER_STATEMENT = 500;

const DELETE_HISTORY = HISTORY_TABLES.map((table) =>
  statement((d) => d.boundedDelete(table, `"siteId" IN (SELECT value FROM ${d.jsonIds('ids')})`, PRUNE_ROWS_PER_STATEMENT)),
);

/**
 * Deletes sites inside the caller's transaction, their history first in statements of bounded cost, each in a turn of
 * its own (`turns`): left to the foreign keys' cascade, one statement deleted a site's whole history (a year of
 * rollups and more), or that of the 4,000 sites an apply prunes, holding the event loop for seconds. What is left to
 * cascade (links, windows, runtime state) is a few rows a site.
 */
export async function removeSites(tx: Tx, siteIds: readonly number[]): Promise<void> {
  const { provider } = dialectOf(tx);
  for (let start = 0; start < siteIds.length; start += SITES_PER_STATEMENT) {
    const some = siteIds.slice(start, start + SITES_PER_STATEMENT);
    const ids = JSON.stringify(some);
    for (const remove of DELETE_HISTORY) {
      for (;;) {
        await turns.next();
        if ((await tx.$executeRawUnsafe(remove[provider], ids)) < PRUNE_ROWS_PER_STATEMENT) break;
      }
    }
    await turns.next();
    await tx.site.deleteMany({ where: { id: { in: some } } });
  }
}

/**
 * What removing a site may add to its command's transaction time: a history at the retention limits (some 12,000
 * rows) took about 0.3 s on a busy 2-core machine, where the writer's default allows 10 s for the whole command.
 */
const REMOVAL_MS_PER_SITE = 500;

/** The transaction timeout of a command that removes up to `sites` sites with removeSites. */
export function removalTimeoutMs(sites: number): number {
  return DEFAULT_COMMAND_TIMEOUT_MS + sites * REMOVAL_MS_PER_SITE;
}
