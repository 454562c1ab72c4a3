import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { DatabaseNewerError, listMigrations, matchesChecksum, migrate, MigrationChangedError, MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { parseDatabaseUrl, type SqliteTarget } from '../../src/db/url.ts';
import { uptop } from '../cli/uptop.ts';
import { freshDbFile } from '../helpers/db.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/** A copy of the repository's migrations folder and a database file beside it, both removed after the test. */
function workspace(): { migrations: string; target: SqliteTarget; sqlOf: (name: string) => string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-migrate-'));
  dirs.push(dir);
  const migrations = path.join(dir, 'migrations');
  fs.cpSync(MIGRATIONS_DIR, migrations, { recursive: true });
  return {
    migrations,
    target: parseDatabaseUrl(`file:${path.join(dir, 'uptop.db')}`),
    sqlOf: (name) => path.join(migrations, name, 'migration.sql'),
  };
}

/** The workspace's migrations folder cut down to `first` alone: the schema an installation of that release had. */
function keepOnly(w: { migrations: string }, first: string): void {
  for (const e of fs.readdirSync(w.migrations, { withFileTypes: true }))
    if (e.isDirectory() && e.name !== first) fs.rmSync(path.join(w.migrations, e.name), { recursive: true });
}

function rewrite(file: string, change: (sql: string) => string): void {
  fs.writeFileSync(file, change(fs.readFileSync(file, 'utf8')));
}

const tables = (target: SqliteTarget) => {
  const conn = new Database(target.file, { readonly: true });
  try {
    return (conn.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
  } finally {
    conn.close();
  }
};

describe('applied migrations whose file changed', () => {
  const names = listMigrations().map((m) => m.name);
  const first = names[0]!;

  it('stop migrate with a MigrationChangedError naming them, before anything pending is applied', () => {
    const w = workspace();
    expect(migrate(w.target, w.migrations)).toEqual(names);
    expect(migrate(w.target, w.migrations)).toEqual([]);

    rewrite(w.sqlOf(first), (sql) => sql.replace('CREATE TABLE "Site" (', 'CREATE TABLE "Site" (\n    "extra" TEXT,'));
    fs.mkdirSync(path.join(w.migrations, '99991231000000_pending'));
    fs.writeFileSync(w.sqlOf('99991231000000_pending'), 'CREATE TABLE "Pending" ("id" INTEGER);\n');
    const before = tables(w.target);

    let error: unknown;
    try {
      migrate(w.target, w.migrations);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MigrationChangedError);
    expect((error as MigrationChangedError).migrations).toEqual([first]);
    expect((error as Error).message).toContain(`Migration ${first} was changed after being applied to ${w.target.file}`);
    expect(tables(w.target)).toEqual(before);

    // Restored as applied, it passes, and the pending one is applied.
    fs.cpSync(path.join(MIGRATIONS_DIR, first), path.join(w.migrations, first), { recursive: true });
    expect(migrate(w.target, w.migrations)).toEqual(['99991231000000_pending']);
  });

  it('are no change when only their line endings differ, either way, as Prisma judges it', () => {
    const w = workspace();
    migrate(w.target, w.migrations);
    for (const name of names) rewrite(w.sqlOf(name), (sql) => sql.replaceAll('\n', '\r\n'));
    expect(migrate(w.target, w.migrations)).toEqual([]);

    const crlf = workspace();
    for (const name of names) rewrite(crlf.sqlOf(name), (sql) => sql.replaceAll('\n', '\r\n'));
    migrate(crlf.target, crlf.migrations);
    expect(migrate(crlf.target, MIGRATIONS_DIR)).toEqual([]);
  });

  it('a comment added is a change, as it is to Prisma', () => {
    const w = workspace();
    migrate(w.target, w.migrations);
    rewrite(w.sqlOf(first), (sql) => `${sql}\n-- tidied\n`);
    expect(() => migrate(w.target, w.migrations)).toThrow(MigrationChangedError);
  });

  it('stop the app from starting', async () => {
    const t = freshDbFile();
    const conn = new Database(t.target.file);
    conn.prepare(`UPDATE "_prisma_migrations" SET checksum = ? WHERE migration_name = ?`).run('0'.repeat(64), first);
    conn.close();
    const config = loadConfig({ DATABASE_URL: t.url });
    await expect(createApp(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(new RegExp(`Migration ${first} was changed`));
  });
});

describe('checksums as Prisma compares them', () => {
  const hex = (text: string) => crypto.createHash('sha256').update(text).digest('hex');
  /** Prisma's first format, which dropped each byte's leading zero. */
  const unpadded = (text: string) => [...crypto.createHash('sha256').update(text).digest()].map((b) => b.toString(16)).join('');

  it('match the text, its CRLF and LF forms, and the old unpadded format; nothing else', () => {
    const lf = 'CREATE TABLE "A" ("id" INTEGER);\nCREATE TABLE "B" ("id" INTEGER);\n';
    const crlf = lf.replaceAll('\n', '\r\n');
    expect(matchesChecksum(lf, hex(lf))).toBe(true);
    expect(matchesChecksum(lf, hex(crlf))).toBe(true);
    expect(matchesChecksum(crlf, hex(lf))).toBe(true);
    expect(unpadded(lf).length).toBeLessThan(64);
    expect(matchesChecksum(lf, unpadded(lf))).toBe(true);
    expect(matchesChecksum(`${lf} `, hex(lf))).toBe(false);
    expect(matchesChecksum(lf.trimEnd(), hex(lf))).toBe(false);
    expect(matchesChecksum(lf, '')).toBe(false);
  });
});

describe('foreign keys across migrations', () => {
  const first = listMigrations()[0]!.name;

  /** One row in every table of the first schema, as that release wrote them, each site's history pointing at it. */
  const FIRST_RELEASE_ROWS = `
    INSERT INTO "Site" (id, name, url, updatedAt) VALUES (1, 'parent', 'http://127.0.0.1:1/', 0);
    INSERT INTO "Site" (id, name, url, parentId, updatedAt) VALUES (2, 'child', 'http://127.0.0.1:2/', 1, 0);
    INSERT INTO "AlertChannel" (id, name, provider, settings, updatedAt) VALUES (1, 'hook', 'WEBHOOK', '{}', 0);
    INSERT INTO "SiteAlertChannel" (siteId, alertChannelId) VALUES (2, 1);
    INSERT INTO "AlertHealth" (alertChannelId, sendCount) VALUES (1, 3);
    INSERT INTO "User" (id, username, passwordHash, role, updatedAt) VALUES (1, 'admin', 'x', 'ADMIN', 0);
    INSERT INTO "Session" (tokenHash, userId, expiresAt) VALUES ('s', 1, 4102444800000);
    INSERT INTO "ApiToken" (name, tokenHash, userId) VALUES ('ci', 't', 1);
    INSERT INTO "Check" (siteId, checkedAt, up, status) VALUES (2, 0, 1, 'UP'), (2, 60000, 0, 'DOWN');
    INSERT INTO "StateChange" (siteId, fromStatus, toStatus, changedAt) VALUES (2, 'UP', 'DOWN', 60000);
    INSERT INTO "Log" (message, siteId, createdAt) VALUES ('down', 2, 60000);
    INSERT INTO "MaintenanceWindow" (title, siteId, startsAt) VALUES ('patch', 2, 0);
    INSERT INTO "SiteRuntimeState" (siteId, status, updatedAt) VALUES (2, 'DOWN', 60000);
    INSERT INTO "ProbeNode" (id, name) VALUES ('eu-1', 'eu');
    INSERT INTO "Preference" (key, value) VALUES ('k', 'v');`;

  const snapshot = (target: SqliteTarget) => {
    const conn = new Database(target.file, { readonly: true });
    try {
      return Object.fromEntries(
        tables(target)
          .filter((t) => t !== '_prisma_migrations' && t !== 'sqlite_sequence')
          .map((t) => [t, conn.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all()]),
      );
    } finally {
      conn.close();
    }
  };

  it('keep every row of a first-release installation through the migrations that redefine a table its history references', () => {
    const w = workspace();
    keepOnly(w, first);
    migrate(w.target, w.migrations);
    const conn = new Database(w.target.file);
    conn.exec(FIRST_RELEASE_ROWS);
    conn.close();
    const before = snapshot(w.target);

    migrate(w.target, MIGRATIONS_DIR);
    const after = snapshot(w.target);
    for (const [table, rows] of Object.entries(before)) {
      // Later migrations may add columns; the first release's keep their values.
      expect(after[table], table).toEqual(rows.map((row) => expect.objectContaining(row)));
    }
  });
  it('refuse, recording nothing, a migration that would leave a row pointing at nothing', () => {
    const w = workspace();
    migrate(w.target, w.migrations);
    const dangling = '99991231000000_dangling';
    fs.mkdirSync(path.join(w.migrations, dangling));
    fs.writeFileSync(w.sqlOf(dangling), `INSERT INTO "Check" ("siteId", "checkedAt", "up", "status") VALUES (999, 0, 1, 'UP');\n`);
    expect(() => migrate(w.target, w.migrations)).toThrow(`Migration ${dangling} would leave rows of Check pointing at rows that do not exist`);
    const conn = new Database(w.target.file, { readonly: true });
    try {
      expect(conn.prepare(`SELECT count(*) AS n FROM "Check"`).get()).toEqual({ n: 0 });
      expect(conn.prepare(`SELECT count(*) AS n FROM "_prisma_migrations" WHERE migration_name = ?`).get(dangling)).toEqual({ n: 0 });
    } finally {
      conn.close();
    }
  });
});

describe('a database migrated by a newer uptop', () => {
  const future = '99991231000000_future';

  function migratedByNewer(): ReturnType<typeof workspace> {
    const w = workspace();
    fs.mkdirSync(path.join(w.migrations, future));
    fs.writeFileSync(w.sqlOf(future), 'CREATE TABLE "Future" ("id" INTEGER);\n');
    migrate(w.target, w.migrations);
    return w;
  }

  it('stops migrate with a DatabaseNewerError naming what it does not know, changing nothing', () => {
    const w = migratedByNewer();
    const before = tables(w.target);
    let error: unknown;
    try {
      migrate(w.target, MIGRATIONS_DIR);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DatabaseNewerError);
    expect((error as DatabaseNewerError).migrations).toEqual([future]);
    expect((error as Error).message).toContain(`${w.target.file} was migrated by a newer uptop`);
    expect(tables(w.target)).toEqual(before);
  });

  it('stops the app from starting', async () => {
    const w = migratedByNewer();
    const config = loadConfig({ DATABASE_URL: `file:${w.target.file}` });
    await expect(createApp(config, { logger: pino({ level: 'silent' }) })).rejects.toThrow(DatabaseNewerError);
  });
});

// Each spawn of the CLI loads TypeScript through tsx: seconds each on a busy machine.
describe('processes starting together on a new file', { timeout: 180_000 }, () => {
  it('take turns: each migration is applied once and every process starts', async () => {
    // Reproduced with three `uptop serve` at once: the ones that read the list before the first had recorded a
    // migration applied it again and stopped with 'table "Site" already exists'. Timing decides, so several rounds.
    for (let round = 0; round < 3; round++) {
      const w = workspace();
      const runs = await Promise.all(Array.from({ length: 6 }, () => uptop(['migrate'], { DATABASE_URL: `file:${w.target.file}` })));
      expect(runs.map((r) => [r.code, r.stderr])).toEqual(Array(6).fill([0, '']));
      // Which process applies which migration is the scheduler's choice; each is named by exactly one of them.
      const reported = runs.flatMap((r) => /^applied \d+ migration\(s\) to [^:]+: (.+)$/m.exec(r.stdout)?.[1]?.split(', ') ?? []);
      expect(reported.sort()).toEqual(listMigrations().map((m) => m.name));
      const conn = new Database(w.target.file, { readonly: true });
      try {
        const names = (conn.prepare(`SELECT migration_name AS name FROM "_prisma_migrations" ORDER BY name`).all() as { name: string }[]).map((r) => r.name);
        expect(names).toEqual(listMigrations().map((m) => m.name));
      } finally {
        conn.close();
      }
    }
  });
});
