import { describe, expect, it } from 'vitest';
import { sqliteConnectionOf } from '../../src/db/raw-reads.ts';
import { EDGES_SQL, INSIDE_SQL } from '../../src/services/uptime.ts';
import { freshDbFile } from '../helpers/db.ts';

/**
 * The history reads walk the (siteId, time) indexes in the order they ask for, in either direction, and sort nothing:
 * with a descending index SQLite sorted every change before a window to find the last one (a busy site keeps 5,000).
 */
const READS: [name: string, sql: string, args: unknown[]][] = [
  ['the SLA edges', EDGES_SQL.sqlite, ['2026-01-01', '2026-02-01', '[1,2,3]']],
  ['the SLA changes inside', INSIDE_SQL.sqlite, ['[1,2,3]', '2026-01-01', '2026-02-01', -1, '2026-01-01', -1]],
  // The stateChanges and checks connections' order (history.ts), newest first with the id breaking ties.
  ['a page of changes', 'SELECT * FROM "StateChange" WHERE "siteId" = ? ORDER BY "changedAt" DESC, "id" DESC LIMIT 20', [1]],
  ['a page of checks', 'SELECT * FROM "Check" WHERE "siteId" = ? ORDER BY "checkedAt" DESC, "id" DESC LIMIT 20', [1]],
  ['the oldest checks first', 'SELECT "id" FROM "Check" WHERE "siteId" = ? ORDER BY "checkedAt" ASC, "id" ASC LIMIT 20', [1]],
];

describe('history read plans on SQLite', () => {
  it.each(READS)('%s: searches the index and sorts nothing', async (_name, sql, args) => {
    const db = await (await freshDbFile()).open();
    const plan = sqliteConnectionOf(db)!
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...args)
      .map((row) => (row as { detail: string }).detail);
    expect(
      plan.some((step) => /SEARCH \w+ USING (COVERING )?INDEX (StateChange_siteId_changedAt_idx|Check_siteId_checkedAt_idx)/.test(step)),
      plan.join('\n'),
    ).toBe(true);
    expect(
      plan.filter((step) => step.includes('TEMP B-TREE')),
      plan.join('\n'),
    ).toEqual([]);
  });
});
