import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { listMigrations, matchesChecksum, migrate, MigrationChangedError, MIGRATIONS_DIR } from '../../src/db/migrate.ts';
import { parseDatabaseUrl, type SqliteTarget } from '../../src/db/url.ts';
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
