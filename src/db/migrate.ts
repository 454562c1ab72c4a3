import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type { SqliteTarget } from './url.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/migrations', import.meta.url));

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** An applied migration's file no longer matches what was applied: the schema may differ from what the code expects. */
export class MigrationChangedError extends Error {
  constructor(
    readonly migrations: string[],
    file: string,
  ) {
    const [names, verb] = migrations.length === 1 ? [`Migration ${migrations[0]} was`, 'its'] : [`Migrations ${migrations.join(', ')} were`, 'their'];
    super(
      `${names} changed after being applied to ${file}: ${verb} migration.sql no longer matches the checksum recorded in _prisma_migrations. ` +
        'Restore the file as it was applied; a schema change belongs in a new migration.',
    );
    this.name = 'MigrationChangedError';
  }
}

/** The database records migrations this code does not have: a newer uptop migrated it, and this one would misread it. */
export class DatabaseNewerError extends Error {
  constructor(
    readonly migrations: string[],
    location: string,
  ) {
    super(
      `${location} was migrated by a newer uptop (${migrations.join(', ')} not known to this version). ` +
        'Run the newer version, or restore a backup taken before the upgrade.',
    );
    this.name = 'DatabaseNewerError';
  }
}

const sha256 = (text: string) => crypto.createHash('sha256').update(text).digest();

/**
 * Whether a migration file still matches the checksum recorded when it was applied, judged as Prisma's schema engine
 * judges it (`script_matches_checksum`), so uptop and `prisma migrate` agree: the file as it is or with its line
 * endings converted either way (a checkout with other line endings is no change), and a checksum of another length
 * than 64 compared in the old format that dropped each byte's leading zero.
 */
export function matchesChecksum(sql: string, recorded: string): boolean {
  const oldFormat = recorded.length !== 0 && recorded.length !== 64;
  return [sql, sql.replaceAll('\r\n', '\n'), sql.replaceAll('\n', '\r\n')].some((text) => {
    const digest = sha256(text);
    return (oldFormat ? [...digest].map((b) => b.toString(16)).join('') : digest.toString('hex')) === recorded;
  });
}

export function listMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'migration.sql')))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: sha256(sql).toString('hex') };
    });
}

/**
 * The `migrations` (listMigrations) not yet applied, in order, given those `_prisma_migrations` records as finished.
 * Throws MigrationChangedError, naming `location`, when an applied migration's file has changed since, and
 * DatabaseNewerError when a migration was applied that `migrations` does not have.
 */
export function pendingMigrations(migrations: Migration[], applied: { name: string; checksum: string }[], location: string): Migration[] {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = applied.map((a) => a.name).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new DatabaseNewerError(unknown, location);
  const changed = migrations.filter((m) => applied.some((a) => a.name === m.name && !matchesChecksum(m.sql, a.checksum))).map((m) => m.name);
  if (changed.length > 0) throw new MigrationChangedError(changed, location);
  const appliedNames = new Set(applied.map((a) => a.name));
  return migrations.filter((m) => !appliedNames.has(m.name));
}

/**
 * Applies pending migrations the way `prisma migrate deploy` does, recording them in `_prisma_migrations`
 * so the Prisma CLI agrees on the state. Done in-process because the CLI costs a second per spawn and the
 * adapter cannot run multi-statement files (stack-notes §0.3). Returns the names applied.
 * Throws MigrationChangedError, before applying anything, when an applied migration's file has changed since.
 */
export function migrate(target: SqliteTarget, dir: string = MIGRATIONS_DIR): string[] {
  const conn = new Database(target.file, { timeout: target.busyTimeoutMs });
  try {
    conn.exec(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" TEXT PRIMARY KEY NOT NULL,
      "checksum" TEXT NOT NULL,
      "finished_at" DATETIME,
      "migration_name" TEXT NOT NULL,
      "logs" TEXT,
      "rolled_back_at" DATETIME,
      "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
      "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
    )`);
    const done: string[] = [];
    // A migration that redefines a table drops the old one, and with foreign keys on, DROP TABLE first deletes its
    // rows, cascading to every table that references it (a site's checks, state changes, channels...). The file's own
    // PRAGMA foreign_keys=OFF is a no-op inside a transaction, so they go off here, before it, as SQLite's procedure for
    // changing a table says, and the keys are checked before each commit instead.
    conn.pragma('foreign_keys = OFF');
    // Two processes can start on one new file together (a server and `uptop user add`, two units at boot): each
    // migration is chosen under the write lock, from what is recorded then, so the second waits and finds it applied.
    const migrations = listMigrations(dir);
    const readApplied = () =>
      conn.prepare(`SELECT migration_name AS name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`).all() as {
        name: string;
        checksum: string;
      }[];
    const applyNext = conn.transaction((): string | undefined => {
      const m = pendingMigrations(migrations, readApplied(), target.file)[0];
      if (m === undefined) return undefined;
      conn.exec(m.sql);
      const broken = conn.pragma('foreign_key_check') as { table: string }[];
      if (broken.length > 0) throw new Error(`Migration ${m.name} would leave rows of ${broken[0]!.table} pointing at rows that do not exist`);
      conn
        .prepare(
          `INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count)
           VALUES (?, ?, ?, ?, ?, 1)`,
        )
        .run(crypto.randomUUID(), m.checksum, Date.now(), m.name, Date.now());
      return m.name;
    });
    // Up to date, the usual case, needs no write lock: a start waits for no one's write.
    if (pendingMigrations(migrations, readApplied(), target.file).length === 0) return done;
    for (let name = applyNext.immediate(); name !== undefined; name = applyNext.immediate()) done.push(name);
    return done;
  } finally {
    conn.close();
  }
}
