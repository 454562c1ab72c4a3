import type { Database, Statement } from 'better-sqlite3';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type { Db } from './client.ts';

/**
 * The better-sqlite3 connection under a SQLite client, for the few hot reads where Prisma's per-query work (the query
 * plan, the adapter's row mapping, the raw result's decoding) costs more than the read itself. It is the same
 * connection the client uses (DESIGN "One writer, two connections" holds), recorded when the adapter connects.
 */
const CONNECTION = Symbol.for('uptop.db.sqliteConnection');

/**
 * The better-sqlite3 adapter factory, recording the connection it opens on the client `client()` returns. Prisma
 * connects lazily, on the first query; `openDb` runs its pragmas before returning, so the connection exists by then.
 */
export class ConnectionRecordingAdapter extends PrismaBetterSQLite3 {
  constructor(
    config: ConstructorParameters<typeof PrismaBetterSQLite3>[0],
    private readonly client: () => object,
  ) {
    super(config);
  }

  override async connect(): ReturnType<PrismaBetterSQLite3['connect']> {
    const adapter = await super.connect();
    Object.defineProperty(this.client(), CONNECTION, { value: (adapter as unknown as { client: Database }).client, configurable: true });
    return adapter;
  }
}

/** The client's better-sqlite3 connection, once connected; undefined for PostgreSQL or before the first query. */
export function sqliteConnectionOf(db: Db): Database | undefined {
  return (db as unknown as Record<symbol, Database | undefined>)[CONNECTION];
}

/** How a declared column type's stored value becomes what Prisma gives for it (the types the migrations declare). */
const FROM_STORED: Readonly<Record<string, (value: unknown) => unknown>> = {
  // The adapter stores booleans as 0/1 and dates as ISO-8601 text (src/db/sql-date.ts).
  BOOLEAN: (value) => value !== 0,
  DATETIME: (value) => new Date(value as string),
};

interface Prepared {
  statement: Statement;
  /** The columns whose stored value needs converting, with the conversion. */
  conversions: [name: string, convert: (value: unknown) => unknown][];
}

/** Prepared statements per connection, by SQL text. The texts come from code (column subsets), so the set is small. */
const prepared = new WeakMap<Database, Map<string, Prepared>>();
const MAX_PREPARED = 64;

function prepare(connection: Database, sql: string): Prepared {
  let cache = prepared.get(connection);
  if (!cache) prepared.set(connection, (cache = new Map()));
  let entry = cache.get(sql);
  if (!entry) {
    const statement = connection.prepare(sql).safeIntegers(false);
    const conversions = statement
      .columns()
      .flatMap((c) => (c.type && FROM_STORED[c.type.toUpperCase()] ? [[c.name, FROM_STORED[c.type.toUpperCase()]!] as Prepared['conversions'][number]] : []));
    if (cache.size >= MAX_PREPARED) cache.clear();
    cache.set(sql, (entry = { statement, conversions }));
  }
  return entry;
}

/**
 * The rows of a SELECT on `connection`, typed as Prisma types the same columns: booleans and Dates from their stored
 * forms, nulls kept. Integers are read as numbers: only for columns that fit in 2^53, which Prisma's `Int` does.
 */
export function selectRows(connection: Database, sql: string, args: readonly unknown[]): Record<string, unknown>[] {
  const { statement, conversions } = prepare(connection, sql);
  const rows = statement.all(...args) as Record<string, unknown>[];
  if (conversions.length) {
    for (const row of rows) {
      for (const [name, convert] of conversions) {
        const value = row[name];
        if (value !== null) row[name] = convert(value);
      }
    }
  }
  return rows;
}
