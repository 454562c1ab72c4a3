import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { DatabaseNewerError, listMigrations, MigrationChangedError } from '../../src/db/migrate.ts';
import { migratePostgres, PG_MIGRATIONS_DIR } from '../../src/db/pg-migrate.ts';
import { parsePostgresUrl } from '../../src/db/pg-url.ts';
import { pgQuery, usePostgres } from '../helpers/postgres.ts';

const run = promisify(execFile);
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PRISMA = path.join(REPO_ROOT, 'node_modules', '.bin', 'prisma');
const postgres = usePostgres();

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * A database's schema as the catalogs describe it, without Prisma's bookkeeping table: columns sorted by name (a
 * column added by a later migration comes last in the table, in the model's place from the models), constraints,
 * indexes and enum labels.
 */
async function schemaOf(url: string) {
  const columns = await pgQuery(
    url,
    `SELECT table_name, column_name, udt_name, is_nullable, column_default, character_maximum_length, numeric_precision, datetime_precision
       FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'
      ORDER BY table_name, column_name`,
  );
  const constraints = await pgQuery(
    url,
    `SELECT c.conrelid::regclass::text AS tbl, c.conname, pg_get_constraintdef(c.oid) AS def
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = 'public' AND c.conrelid::regclass::text <> '_prisma_migrations'
      ORDER BY 1, 2`,
  );
  const indexes = await pgQuery(url, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`);
  const enums = await pgQuery(
    url,
    `SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumlabel) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY 1`,
  );
  return { columns, constraints, indexes, enums };
}

describe('PostgreSQL migrations (prisma/postgresql/migrations)', () => {
  it('has a twin of every SQLite migration, same names, and no other', () => {
    expect(listMigrations(PG_MIGRATIONS_DIR).map((m) => m.name)).toEqual(listMigrations().map((m) => m.name));
  });

  it('produce on an empty database exactly the schema that prisma/postgresql/schema.prisma describes', { timeout: 60_000 }, async () => {
    const migrated = await postgres.createDatabase();
    expect(await migratePostgres(parsePostgresUrl(migrated))).toEqual(listMigrations(PG_MIGRATIONS_DIR).map((m) => m.name));

    // prisma.config.ts opens DATABASE_URL's SQLite file even for a diff of two schemas: a fresh checkout has no
    // ./data folder for the default one, so the CLI gets a file of its own.
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-pg-diff-'));
    onTestFinished(() => fs.rmSync(scratch, { recursive: true, force: true }));
    const { stdout: sql } = await run(PRISMA, ['migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/postgresql/schema.prisma', '--script'], {
      cwd: REPO_ROOT,
      env: { ...process.env, DATABASE_URL: `file:${path.join(scratch, 'diff.db')}` },
    });
    expect(sql).toContain('CREATE TABLE "Site"');
    const fromModels = await postgres.createDatabase();
    await pgQuery(fromModels, sql);

    const expected = await schemaOf(fromModels);
    expect(new Set(expected.columns.map((c) => c.table_name)).size).toBeGreaterThanOrEqual(14);
    expect(await schemaOf(migrated)).toEqual(expected);
  });

  it('are applied once, recorded as Prisma records them, and a second run applies nothing', async () => {
    const url = await postgres.createDatabase();
    const target = parsePostgresUrl(url);
    const names = listMigrations(PG_MIGRATIONS_DIR).map((m) => m.name);
    // Two instances starting together take turns on Prisma's advisory lock: each migration is applied once.
    const runs = await Promise.all([migratePostgres(target), migratePostgres(target)]);
    expect(runs.flat().sort()).toEqual(names);
    expect(await migratePostgres(target)).toEqual([]);
    const rows = await pgQuery<{ migration_name: string; checksum: string; applied_steps_count: number; finished: boolean }>(
      url,
      `SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name`,
    );
    expect(rows).toEqual(
      listMigrations(PG_MIGRATIONS_DIR).map((m) => ({ migration_name: m.name, checksum: m.checksum, applied_steps_count: 1, finished: true })),
    );
  });

  it('refuses, applying nothing, when an applied migration file has changed; a failing one leaves no trace', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-pg-migrate-'));
    dirs.push(dir);
    fs.cpSync(PG_MIGRATIONS_DIR, dir, { recursive: true });
    const [first, ...rest] = listMigrations(dir).map((m) => m.name);
    // Only the first applied: the others are pending.
    const aside = path.join(dir, '..', `${path.basename(dir)}-pending`);
    dirs.push(aside);
    fs.mkdirSync(aside);
    for (const name of rest) fs.renameSync(path.join(dir, name), path.join(aside, name));
    const url = await postgres.createDatabase();
    const target = parsePostgresUrl(url.replace('postgresql://postgres@', 'postgresql://postgres:secret@'));
    expect(await migratePostgres(target, dir)).toEqual([first]);
    for (const name of rest) fs.renameSync(path.join(aside, name), path.join(dir, name));

    fs.appendFileSync(path.join(dir, first as string, 'migration.sql'), '\n-- edited\n');
    const refused = migratePostgres(target, dir);
    await expect(refused).rejects.toThrow(MigrationChangedError);
    await expect(refused).rejects.toThrow(/postgres:\*\*\*@/);
    expect(await pgQuery(url, `SELECT count(*)::int AS n FROM "_prisma_migrations"`)).toEqual([{ n: 1 }]);

    // Restored, with a broken newer migration: it rolls back whole and is not recorded.
    fs.writeFileSync(path.join(dir, first as string, 'migration.sql'), fs.readFileSync(path.join(PG_MIGRATIONS_DIR, first as string, 'migration.sql')));
    fs.mkdirSync(path.join(dir, '99990101000000_broken'));
    fs.writeFileSync(path.join(dir, '99990101000000_broken', 'migration.sql'), 'CREATE TABLE "Broken" (x int);\nSELECT no_such_function();\n');
    await expect(migratePostgres(target, dir)).rejects.toThrow(/no_such_function/);
    expect(await pgQuery(url, `SELECT to_regclass('"Broken"') IS NULL AS gone`)).toEqual([{ gone: true }]);
    expect(await pgQuery(url, `SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE migration_name = '99990101000000_broken'`)).toEqual([{ n: 0 }]);
  });

  it('refuses, applying nothing, a database that a newer uptop migrated', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uptop-pg-migrate-'));
    dirs.push(dir);
    fs.cpSync(PG_MIGRATIONS_DIR, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '99991231000000_future'));
    fs.writeFileSync(path.join(dir, '99991231000000_future', 'migration.sql'), 'CREATE TABLE "Future" (x int);\n');
    const url = await postgres.createDatabase();
    const target = parsePostgresUrl(url);
    await migratePostgres(target, dir);

    const refused = migratePostgres(target);
    await expect(refused).rejects.toThrow(DatabaseNewerError);
    await expect(refused).rejects.toThrow(/99991231000000_future/);
    expect(await pgQuery(url, `SELECT count(*)::int AS n FROM "_prisma_migrations"`)).toEqual([{ n: listMigrations(dir).length }]);
  });
});
