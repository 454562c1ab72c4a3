import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { parseDatabaseUrl } from '../../src/db/url.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRISMA = path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-schema-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the Prisma CLI with DATABASE_URL set; stderr (warnings, banners) is kept out of the result. */
function prisma(args: string[], databaseUrl: string) {
  return run(PRISMA, args, { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: databaseUrl } });
}

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** The SQL schema of a file, whitespace-normalised, without Prisma's bookkeeping table. */
function schemaOf(file: string): SchemaObject[] {
  const conn = new Database(file, { readonly: true });
  try {
    return (
      conn.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name <> '_prisma_migrations' ORDER BY type, name`).all() as SchemaObject[]
    ).map((o) => ({ ...o, sql: o.sql?.replace(/\s+/g, ' ').trim() ?? null }));
  } finally {
    conn.close();
  }
}

describe('schema and migrations', () => {
  it('starts from one initial migration', () => {
    expect(listMigrations()[0]?.name).toMatch(/^\d{14}_init$/);
  });

  it('the migrations produce exactly the SQL schema that schema.prisma describes', async () => {
    const migrated = path.join(dir, 'migrated.db');
    migrate(parseDatabaseUrl(`file:${migrated}`));

    const { stdout: sql } = await prisma(
      ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
      `file:${path.join(dir, 'unused.db')}`,
    );
    expect(sql).toContain('CREATE TABLE "Site"');
    const fromSchema = path.join(dir, 'from-schema.db');
    const conn = new Database(fromSchema);
    conn.exec(sql);
    conn.close();

    const expected = schemaOf(fromSchema);
    expect(expected.filter((o) => o.type === 'table').length).toBeGreaterThanOrEqual(14);
    expect(schemaOf(migrated)).toEqual(expected);
  });

  it('migrate is idempotent: a second run applies nothing and changes nothing', () => {
    const file = path.join(dir, 'twice.db');
    const target = parseDatabaseUrl(`file:${file}`);
    expect(migrate(target)).toHaveLength(listMigrations().length);
    const once = schemaOf(file);
    expect(migrate(target)).toEqual([]);
    expect(schemaOf(file)).toEqual(once);
    const conn = new Database(file, { readonly: true });
    expect(conn.prepare(`SELECT count(*) AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL`).get()).toEqual({ n: listMigrations().length });
    conn.close();
  });

  it('a file migrated by the Prisma CLI passes the checksum check of applied migrations: both record the same', async () => {
    const file = path.join(dir, 'deployed.db');
    await prisma(['migrate', 'deploy'], `file:${file}`);
    expect(migrate(parseDatabaseUrl(`file:${file}`))).toEqual([]);
  });

  it('the Prisma CLI, through prisma.config.ts and the same URL parsing, finds the migrated file up to date', async () => {
    const file = path.join(dir, 'status.db');
    migrate(parseDatabaseUrl(`file:${file}`));
    // The query string must be parsed, not opened as part of the file name (which would be a new, empty database).
    const { stdout } = await prisma(['migrate', 'status'], `file:${file}?busy_timeout=3000&journal_mode=WAL&synchronous=NORMAL`);
    expect(stdout).toContain('Database schema is up to date!');
    expect(fs.readdirSync(dir).filter((f) => f.includes('?'))).toEqual([]);
  });
});
