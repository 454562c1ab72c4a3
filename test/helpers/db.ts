import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { inject, onTestFinished } from 'vitest';
import { openDb, type Db } from '../../src/db/client.ts';
import { migrate, MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { type Provider, storeFor } from '../../src/db/store.ts';
import { parseDatabaseUrl, type SqliteTarget } from '../../src/db/url.ts';
import { createDatabase, dropDatabase } from './postgres.ts';

/** The database of a test's app, on the store the run uses (SQLite, or PostgreSQL under vitest.postgres.config.ts). */
export interface TestDatabase {
  provider: Provider;
  url: string;
  /** A folder of the test's own, removed when it ends; on SQLite the database file's (removing it loses the database). */
  dir: string;
  /** Opens another client on the same database (the writer's and the readers' connections are separate). */
  open(): Promise<Db>;
}

export interface TestDb extends TestDatabase {
  provider: 'sqlite';
  target: SqliteTarget;
}

/** A migrated SQLite file of the test's own, copied from the run's template, removed when the test ends. */
export function freshDbFile(query = ''): TestDb {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-test-'));
  const file = path.join(dir, 'uptop.db');
  fs.copyFileSync(inject('templateDb'), file);
  const url = `file:${file}${query}`;
  const target = parseDatabaseUrl(url);
  const opened: Db[] = [];
  onTestFinished(async () => {
    await Promise.all(opened.map((db) => db.$disconnect()));
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    provider: 'sqlite',
    dir,
    target,
    url,
    async open() {
      const db = await openDb(target);
      opened.push(db);
      return db;
    },
  };
}

/**
 * A SQLite file of the test's own as an older release left it: migrated up to the migration `first` (which that
 * release did not have), then `rows` written as that release wrote them. Opening it as the server does
 * (`migrate`) applies the rest.
 */
export function olderDbFile(first: string, rows: (conn: Database.Database) => void): TestDb {
  const t = freshDbFile();
  fs.rmSync(t.target.file);
  const migrations = path.join(t.dir, 'migrations');
  fs.cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
  for (const entry of fs.readdirSync(migrations, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name >= first) fs.rmSync(path.join(migrations, entry.name), { recursive: true });
  }
  migrate(t.target, migrations);
  const conn = new Database(t.target.file);
  try {
    rows(conn);
  } finally {
    conn.close();
  }
  return t;
}

/**
 * Makes `db`'s connection refuse to grow its file, as on a full disk: SQLite's own SQLITE_FULL ("database or disk is
 * full") for any write that needs a new page. Resolves with the undo.
 */
export async function fillDisk(db: Db): Promise<() => Promise<void>> {
  const [row] = await db.$queryRawUnsafe<{ pages: bigint }[]>('SELECT page_count AS pages FROM pragma_page_count()');
  await db.$queryRawUnsafe(`PRAGMA max_page_count = ${row!.pages}`);
  return async () => {
    await db.$queryRawUnsafe('PRAGMA max_page_count = 4294967294');
  };
}

/**
 * A fresh migrated database for a test's app: a SQLite file as `freshDbFile` gives, or, when the run provides a
 * PostgreSQL cluster (test/setup/postgres-setup.ts), a database copied from the run's migrated template, dropped when
 * the test ends.
 */
export async function freshTestDatabase(): Promise<TestDatabase> {
  const postgres = inject('postgres');
  if (!postgres) return freshDbFile();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-test-'));
  const url = await createDatabase(postgres.server, { template: postgres.template });
  const store = storeFor(url);
  const opened: Db[] = [];
  onTestFinished(async () => {
    await Promise.all(opened.map((db) => db.$disconnect()));
    await dropDatabase(postgres.server, url);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    provider: 'postgresql',
    url,
    dir,
    async open() {
      const db = await store.openWriter();
      opened.push(db);
      return db;
    },
  };
}
