import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { Db } from '../db/client.ts';
import { storableOnPostgres } from '../db/dialect.ts';
import { parsePostgresUrl } from '../db/pg-url.ts';
import { advanceIdSequences } from '../db/sequences.ts';
import { databaseFailure, openMigrated, storeFor, type Store } from '../db/store.ts';
import { getDatamodel } from '../generated/pothos-types.ts';
import { CliError, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';

export interface MigrateDbOptions {
  from: string;
  to: string;
  /** As typed: a whole number of at least 1. */
  batchSize: string;
}

type Row = Record<string, unknown>;

/** The part of a Prisma model delegate the copy uses: the same on every model, so the copy is one loop over them. */
interface Delegate {
  count(): Promise<number>;
  findMany(args: { select: Record<string, true>; orderBy: Record<string, 'asc'>[]; take: number; skip?: number; cursor?: Row }): Promise<Row[]>;
  createMany(args: { data: Row[] }): Promise<{ count: number }>;
  updateMany(args: { where: Row; data: Row }): Promise<{ count: number }>;
}

interface Table {
  model: string;
  delegate: string;
  /** Scalar columns, copied as they are. */
  columns: string[];
  /** The primary key's columns: the order rows are read in, and the cursor between batches. */
  key: string[];
  /** Foreign-key columns to the table itself (a site's group): written after every row of the table exists. */
  selfRefs: string[];
  /** `@updatedAt` columns: Prisma sets them on every update unless given, so the second pass gives them as they were. */
  updatedAt: string[];
  dependsOn: string[];
}

/** Every table of the models, parents before children, from the Prisma datamodel generated with the client. */
export function tablesInOrder(): Table[] {
  const models = getDatamodel().datamodel.models;
  const tables = Object.entries(models).map(([model, { fields, primaryKey }]): Table => {
    const relations = fields.filter((f) => f.kind === 'object' && (f.relationFromFields?.length ?? 0) > 0);
    return {
      model,
      delegate: model.charAt(0).toLowerCase() + model.slice(1),
      columns: fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum').map((f) => f.name),
      key: [...(primaryKey?.fields ?? fields.filter((f) => f.isId).map((f) => f.name))],
      updatedAt: fields.filter((f) => f.isUpdatedAt).map((f) => f.name),
      selfRefs: relations.filter((f) => f.type === model).flatMap((f) => f.relationFromFields ?? []),
      dependsOn: relations.filter((f) => f.type !== model).map((f) => f.type),
    };
  });
  const ordered: Table[] = [];
  const placed = new Set<string>();
  while (ordered.length < tables.length) {
    const ready = tables.filter((t) => !placed.has(t.model) && t.dependsOn.every((d) => placed.has(d)));
    if (ready.length === 0) throw new Error('the models have a cycle of required relations between tables');
    for (const t of ready) {
      ordered.push(t);
      placed.add(t.model);
    }
  }
  return ordered;
}

function delegates(db: Db | object): Record<string, Delegate> {
  // Indexed by model name at run time; each delegate has the typed API of its own model.
  return db as unknown as Record<string, Delegate>;
}

function parseStore(option: string, url: string): Store {
  try {
    return storeFor(url);
  } catch (err) {
    throw new UsageError(`${option}: ${(err as Error).message.replace(/^DATABASE_URL /, '')}`);
  }
}

const MIGRATIONS_TABLE = '_prisma_migrations';

/** Whether the SQLite file has uptop's migrations table; read-only, so a file that is not a database is left as it is. */
function sqliteHasMigrations(file: string): boolean {
  const conn = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return conn.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(MIGRATIONS_TABLE) !== undefined;
  } finally {
    conn.close();
  }
}

/** Whether the PostgreSQL database has uptop's migrations table, where the migrations would look for it (search_path). */
async function postgresHasMigrations(url: string): Promise<boolean> {
  // Loaded on use, as src/db/store.ts loads it: a SQLite installation never loads pg.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: parsePostgresUrl(url).connectionString });
  try {
    await client.connect();
    const { rows } = await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [`"${MIGRATIONS_TABLE}"`]);
    return rows[0]?.present === true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Refuses a source that is not an existing uptop database, before anything is created or migrated on either side:
 * migrating it would create a missing SQLite file (a typo, or another working directory) or uptop's tables in the
 * wrong PostgreSQL database, and the copy would then fill the target with nothing. A database that has
 * `_prisma_migrations` is uptop's, of whatever version: the command migrates it forward before copying, as the server
 * would at start.
 */
async function requireUptopSource(store: Store, url: string): Promise<void> {
  if (store.provider === 'sqlite' && !fs.existsSync(store.location)) {
    throw new CliError(`--from: there is no database at ${store.location} (no such file): migrate-db copies an existing uptop database`);
  }
  let present: boolean;
  try {
    present = store.provider === 'sqlite' ? sqliteHasMigrations(store.location) : await postgresHasMigrations(url);
  } catch (err) {
    throw new CliError(`--from: could not read the database at ${store.location}: ${(err as Error).message}`);
  }
  if (!present) {
    throw new CliError(
      `--from: ${store.location} is not an uptop database (it has no ${MIGRATIONS_TABLE} table): migrate-db copies an existing uptop database`,
    );
  }
}

/**
 * `uptop migrate-db --from file:… --to postgresql://…`: copies every table of one installation into another, ids
 * kept, so a SQLite installation can move to PostgreSQL without starting over. The source must be an existing uptop
 * database (nothing is created otherwise); both are migrated first; the target must hold no rows. The copy is one
 * transaction on the target (a failure leaves it empty, to be run again) and reads the source in one transaction too,
 * so it sees one consistent state; stop the server on the source before running it.
 */
export async function migrateDbCommand(io: CliIo, options: MigrateDbOptions): Promise<void> {
  if (!/^[1-9]\d*$/.test(options.batchSize)) throw new UsageError(`--batch-size must be a whole number of at least 1 (got "${options.batchSize}")`);
  const from = parseStore('--from', options.from);
  const to = parseStore('--to', options.to);
  if (from.location === to.location) throw new UsageError('--from and --to are the same database');
  await requireUptopSource(from, options.from);
  const sourceFailed = (err: unknown) => Promise.reject(databaseFailure(from, err, '--from'));
  await from.migrate().catch(sourceFailed);
  const source = await from.openWriter().catch(sourceFailed);
  try {
    const { writeDb: target, readDb } = await openMigrated(to, '--to');
    await readDb.$disconnect();
    try {
      const { copied, replaced } = await copyAll(source, target, Number(options.batchSize), to.provider === 'postgresql');
      for (const [model, count] of copied) io.stdout.write(`${model}: ${count}\n`);
      for (const [column, count] of replaced) {
        io.stdout.write(`${column}: ${count} NUL character${count === 1 ? '' : 's'} replaced by U+FFFD (PostgreSQL text cannot hold one)\n`);
      }
      io.stdout.write(`copied ${[...copied.values()].reduce((a, b) => a + b, 0)} rows from ${from.location} to ${to.location}\n`);
    } finally {
      await target.$disconnect();
    }
  } finally {
    await source.$disconnect();
  }
}

// Long enough for millions of rows; Prisma's default (5 s) is meant for requests, not a one-off copy.
const COPY_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** Rows per table, and NUL characters replaced per `Table.column`. */
interface Copied {
  copied: Map<string, number>;
  replaced: Map<string, number>;
}

/**
 * SQLite text may hold U+0000 (a push job's `msg` can carry one); PostgreSQL refuses it in text, and the whole copy
 * would fail on that one row. It becomes U+FFFD, the replacement character, counted per column for the report.
 */
function withoutNul(table: string, row: Row, replaced: Map<string, number>): Row {
  let out = row;
  for (const [column, value] of Object.entries(row)) {
    if (typeof value !== 'string' || !value.includes('\u0000')) continue;
    const key = `${table}.${column}`;
    replaced.set(key, (replaced.get(key) ?? 0) + value.split('\u0000').length - 1);
    out = { ...out, [column]: storableOnPostgres(value) };
  }
  return out;
}

async function copyAll(source: Db, target: Db, batchSize: number, replaceNul: boolean): Promise<Copied> {
  const tables = tablesInOrder();
  const tx = { timeout: COPY_TIMEOUT_MS, maxWait: 60_000 };
  return source.$transaction(
    (src) =>
      target.$transaction(async (dst) => {
        const nonEmpty: string[] = [];
        for (const t of tables) if ((await delegates(dst)[t.delegate]!.count()) > 0) nonEmpty.push(t.model);
        if (nonEmpty.length > 0) {
          throw new CliError(`the target database is not empty (rows in ${nonEmpty.join(', ')}): migrate-db copies into a new, empty database only`);
        }
        const copied = new Map<string, number>();
        const replaced = new Map<string, number>();
        const storable = (t: Table) => (row: Row) => (replaceNul ? withoutNul(t.model, row, replaced) : row);
        for (const t of tables) {
          copied.set(t.model, await copyTable(delegates(src)[t.delegate]!, delegates(dst)[t.delegate]!, t, batchSize, storable(t)));
        }
        await advanceIdSequences(dst);
        return { copied, replaced };
      }, tx),
    tx,
  );
}

async function copyTable(from: Delegate, to: Delegate, table: Table, batchSize: number, storable: (row: Row) => Row): Promise<number> {
  const select = Object.fromEntries(table.columns.map((c) => [c, true as const]));
  const orderBy = table.key.map((k) => ({ [k]: 'asc' as const }));
  const cursorName = table.key.join('_');
  let cursor: Row | undefined;
  let count = 0;
  const selfRefs: Row[] = [];
  for (;;) {
    const read = await from.findMany({ select, orderBy, take: batchSize, ...(cursor ? { cursor, skip: 1 } : {}) });
    const rows = read.map(storable);
    if (rows.length === 0) break;
    // A row may name a parent of the same table that comes later in key order: the reference is set once all exist.
    const data = rows.map((row) => {
      if (table.selfRefs.every((c) => row[c] === null)) return row;
      selfRefs.push(row);
      return { ...row, ...Object.fromEntries(table.selfRefs.map((c) => [c, null])) };
    });
    count += (await to.createMany({ data })).count;
    // The source's key: a replaced NUL would not be found there.
    const last = read.at(-1)!;
    cursor = { [cursorName]: table.key.length === 1 ? last[cursorName] : Object.fromEntries(table.key.map((k) => [k, last[k]])) };
    if (rows.length < batchSize) break;
  }
  for (const row of selfRefs) {
    await to.updateMany({
      where: Object.fromEntries(table.key.map((k) => [k, row[k]])),
      data: Object.fromEntries([...table.selfRefs, ...table.updatedAt].map((c) => [c, row[c]])),
    });
  }
  return count;
}
