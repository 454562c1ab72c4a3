import { dialectOf, statement } from '../db/dialect.ts';
import { advanceIdSequences } from '../db/sequences.ts';
import { toSqlDate } from '../db/sql-date.ts';
import { turns } from '../turns.ts';
import type { Tx } from '../writer/types.ts';

type Cell = string | number | boolean | Date | null;

/**
 * Rows per statement, each statement in a turn of the event loop of its own: some 10 ms of encoding and inserting
 * (about 25 µs a site on SQLite). The 10,000 sites of a backup in one statement held the event loop for 300 ms.
 */
export const ROWS_PER_STATEMENT = 500;

/**
 * Inserts rows into `table`, ROWS_PER_STATEMENT per statement: the rows travel as one JSON array bound to one
 * parameter and unpacked in SQL, as the writer's batches do (writer/statements.ts). Prisma's createMany converts every
 * bound parameter on its own and took 15 s for 5,000 sites of 30 columns; this takes a fraction of a second. Every row
 * must have the keys of the first, in the same order (build them from one literal); dates are stored in the adapter's
 * text form. Rows are inserted in their order (a group before its children) and keep their ids; on PostgreSQL the
 * table's id sequence then moves past them.
 */
export async function insertRows(tx: Tx, table: string, rows: readonly Record<string, Cell>[]): Promise<void> {
  const [first] = rows;
  if (!first) return;
  const columns = Object.keys(first);
  const dialect = dialectOf(tx);
  const names = columns.map((column) => `"${column}"`).join(', ');
  const values = columns.map((column) => `v."${column}"`).join(', ');
  const insert = statement((d) => `INSERT INTO "${table}" (${names}) SELECT ${values} FROM ${d.jsonRows(table, columns)}`);
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    await turns.next();
    const slice = rows.slice(start, start + ROWS_PER_STATEMENT);
    const json = dialect.encodeRows(
      columns,
      slice.map((row) => columns.map((column) => cell(row[column] ?? null))),
    );
    await tx.$executeRawUnsafe(insert[dialect.provider], json);
  }
  if (columns.includes('id')) await advanceIdSequences(tx);
}

function cell(value: Cell): string | number | boolean | null {
  return value instanceof Date ? toSqlDate(value) : value;
}
