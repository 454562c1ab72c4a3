import { dialectOf, statement } from '../db/dialect.ts';
import { advanceIdSequences } from '../db/sequences.ts';
import { toSqlDate } from '../db/sql-date.ts';
import type { Tx } from '../writer/types.ts';

type Cell = string | number | boolean | Date | null;

/**
 * Inserts rows into `table` in one statement: the rows travel as one JSON array bound to one parameter and unpacked
 * in SQL, as the writer's batches do (writer/statements.ts). Prisma's createMany converts every bound
 * parameter on its own and took 15 s for 5,000 sites of 30 columns; this takes a fraction of a second. Every row
 * must have the keys of the first, in the same order (build them from one literal); dates are stored in the
 * adapter's text form. Rows keep their ids; on PostgreSQL the table's id sequence then moves past them.
 */
export async function insertRows(tx: Tx, table: string, rows: readonly Record<string, Cell>[]): Promise<void> {
  const [first] = rows;
  if (!first) return;
  const columns = Object.keys(first);
  const dialect = dialectOf(tx);
  const json = dialect.encodeRows(
    columns,
    rows.map((row) => columns.map((column) => cell(row[column] ?? null))),
  );
  const names = columns.map((column) => `"${column}"`).join(', ');
  const values = columns.map((column) => `v."${column}"`).join(', ');
  const insert = statement((d) => `INSERT INTO "${table}" (${names}) SELECT ${values} FROM ${d.jsonRows(table, columns)}`);
  await tx.$executeRawUnsafe(insert[dialect.provider], json);
  if (columns.includes('id')) await advanceIdSequences(tx);
}

function cell(value: Cell): string | number | boolean | null {
  return value instanceof Date ? toSqlDate(value) : value;
}
