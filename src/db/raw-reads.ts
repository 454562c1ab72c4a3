import type { Database, Statement } from 'better-sqlite3';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type { Db } from './client.ts';
import type { Statement as Sql } from './dialect.ts';
import { providerOf } from './provider.ts';
import { toSqlDate } from './sql-date.ts';

/**
 * The better-sqlite3 connection under each SQLite client, for the few hot reads where Prisma's per-query work (the
 * query plan, the adapter's row mapping, the raw result's decoding) costs more than the read itself. It is the same
 * connection the client uses (DESIGN "One writer, two connections" holds), recorded when the adapter connects. Kept
 * by the client object itself: a client derived with `$extends` (the tests' statement counter) or a transaction client
 * is another object, and its reads keep going through Prisma and whatever it adds.
 */
const connections = new WeakMap<object, Database>();

/**
 * The better-sqlite3 adapter factory, recording the connection it opens for the client `client()` returns. Prisma
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
    connections.set(this.client(), (adapter as unknown as { client: Database }).client);
    return adapter;
  }
}

/** The better-sqlite3 connection of a client `openDb` opened, once connected; undefined for any other client. */
export function sqliteConnectionOf(db: Db): Database | undefined {
  return connections.get(db);
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

/** A bound value as the adapter would store it: better-sqlite3 binds neither booleans nor Dates. */
const toStored = (arg: unknown) => (typeof arg === 'boolean' ? Number(arg) : arg instanceof Date ? toSqlDate(arg) : arg);

/**
 * The rows of a SELECT on `connection`, typed as Prisma types the same columns: booleans and Dates from their stored
 * forms, nulls kept. Integers are read as numbers: only for values that fit in 2^53, as Prisma's `Int` and the ids do.
 */
function selectRows(connection: Database, sql: string, args: readonly unknown[]): Record<string, unknown>[] {
  const { statement, conversions } = prepare(connection, sql);
  const rows = statement.all(...args.map(toStored)) as Record<string, unknown>[];
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

/**
 * The rows of a hand-written SELECT for the client's store. On SQLite it goes straight to the client's connection
 * (synchronous, as the adapter itself is); on PostgreSQL through Prisma's raw query. Column values come back as
 * Prisma's raw query gives them, except that SQLite's integers are numbers, never bigints: callers that read both
 * stores already accept either.
 */
export async function readRows<Row>(db: Db, sql: Sql, args: readonly unknown[]): Promise<Row[]> {
  const connection = sqliteConnectionOf(db);
  if (connection) return selectRows(connection, sql.sqlite, args) as Row[];
  return db.$queryRawUnsafe<Row[]>(sql[providerOf(db)], ...args);
}
