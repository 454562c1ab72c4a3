import type { Prisma } from '../generated/prisma/client.ts';
import type { Db } from './client.ts';
import { providerOf } from './provider.ts';

/**
 * After rows were written with their ids (uptop migrate-db keeps them), moves every id sequence past the largest id
 * of its table, so the next row created gets a new id instead of a duplicate key. PostgreSQL's `SERIAL` sequences do
 * not follow explicit ids; SQLite's AUTOINCREMENT counter (sqlite_sequence) already does, so there is nothing to do.
 */
export async function advanceIdSequences(db: Db | Prisma.TransactionClient): Promise<void> {
  if (providerOf(db) !== 'postgresql') return;
  const columns = await db.$queryRaw<{ table_name: string; column_name: string }[]>`
    SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`;
  for (const { table_name, column_name } of columns) {
    const table = `"${table_name.replaceAll('"', '""')}"`;
    const column = `"${column_name.replaceAll('"', '""')}"`;
    // setval(seq, max, true): the next value is max + 1; on an empty table, (1, false): the next value is 1.
    await db.$queryRawUnsafe(
      `SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(${column}), 1), MAX(${column}) IS NOT NULL)::text FROM ${table}`,
      table,
      column_name,
    );
  }
}
