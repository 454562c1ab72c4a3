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
  /** In raw mode: each row an array of its columns' values. */
  statement: Statement;
  /** A row's object, its stored values converted. */
  toRow: (values: unknown[]) => Record<string, unknown>;
}

/**
 * The function that makes a row object from the driver's array of values, written out for these columns. better-sqlite3
 * builds row objects through V8's API one property at a time; an object literal is faster (35 against 50 µs for a
 * page of 51 sites) and gives every row one shape. Only column names reach the code, each as a JSON string literal.
 */
function rowMaker(columns: readonly { name: string; type: string | null }[]): (values: unknown[]) => Record<string, unknown> {
  // In a literal, that key would set the prototype instead of a property.
  if (columns.some((c) => c.name === '__proto__')) throw new Error('readRows: a column may not be named __proto__');
  const convert = columns.map((c) => (c.type ? FROM_STORED[c.type.toUpperCase()] : undefined));
  const fields = columns.map((c, i) => `${JSON.stringify(c.name)}: ${convert[i] ? `v[${i}] === null ? null : convert[${i}](v[${i}])` : `v[${i}]`}`);
  return new Function('convert', `return (v) => ({ ${fields.join(', ')} });`)(convert);
}

/** Prepared statements per connection, by SQL text. The texts come from code (column subsets), so the set is small. */
const prepared = new WeakMap<Database, Map<string, Prepared>>();
const MAX_PREPARED = 64;

function prepare(connection: Database, sql: string): Prepared {
  let cache = prepared.get(connection);
  if (!cache) prepared.set(connection, (cache = new Map()));
  let entry = cache.get(sql);
  if (!entry) {
    const statement = connection.prepare(sql).safeIntegers(false).raw(true);
    if (cache.size >= MAX_PREPARED) cache.clear();
    cache.set(sql, (entry = { statement, toRow: rowMaker(statement.columns()) }));
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
  const { statement, toRow } = prepare(connection, sql);
  return (statement.all(...args.map(toStored)) as unknown[][]).map(toRow);
}

/** An integer column as `readRows` gives it: a number on SQLite's direct path, a bigint through Prisma's raw query. */
export type RawInt = number | bigint;

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
