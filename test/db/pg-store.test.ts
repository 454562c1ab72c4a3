import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { openClients, providerOf, storeFor } from '../../src/db/store.ts';
import { DatabaseUrlError } from '../../src/db/url.ts';
import { parsePostgresUrl } from '../../src/db/pg-url.ts';
import { usePostgres } from '../helpers/postgres.ts';

const postgres = usePostgres();

describe('DATABASE_URL=postgresql://… selects PostgreSQL', () => {
  it('migrates at start and opens the writer on one connection and the readers on a pool, both on the same models', async () => {
    const url = await postgres.createDatabase();
    const store = storeFor(`${url}?connection_limit=3`);
    expect(store.provider).toBe('postgresql');
    expect((await store.migrate()).length).toBeGreaterThan(0);
    expect(await store.migrate()).toEqual([]);

    const { writeDb, readDb } = await openClients(store);
    try {
      expect(providerOf(writeDb)).toBe('postgresql');
      expect(await writeDb.$transaction(async (tx) => providerOf(tx))).toBe('postgresql');
      const site = await writeDb.site.create({ data: { name: 'on postgres', type: 'PUSH', pushToken: 'a'.repeat(32) } });
      expect(await readDb.site.findUniqueOrThrow({ where: { id: site.id } })).toMatchObject({ name: 'on postgres', type: 'PUSH', createdAt: expect.any(Date) });

      const backends = async (db: typeof writeDb) =>
        new Set(
          (
            await Promise.all(Array.from({ length: 6 }, () => db.$queryRaw<{ pid: number }[]>`SELECT pg_backend_pid() AS pid, pg_sleep(0.05)::text AS slept`))
          ).map((rows) => rows[0]?.pid),
        );
      // The writer's batches and commands keep their order on one session; readers run side by side.
      expect((await backends(writeDb)).size).toBe(1);
      expect((await backends(readDb)).size).toBeGreaterThan(1);
      expect((await backends(readDb)).size).toBeLessThanOrEqual(3);
    } finally {
      await Promise.all([writeDb.$disconnect(), readDb.$disconnect()]);
    }
  });

  it('accepts postgres:// too, and passes pg its own parameters without uptop’s', () => {
    expect(storeFor('postgres://u@db.internal:6543/uptop').provider).toBe('postgresql');
    expect(parsePostgresUrl('postgresql://u:p%40ss@db/uptop?sslmode=require&connection_limit=4')).toEqual({
      connectionString: 'postgresql://u:p%40ss@db/uptop?sslmode=require',
      display: 'postgresql://u:***@db/uptop?sslmode=require&connection_limit=4',
      readPoolSize: 4,
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/uptop' }).databaseUrl).toBe('postgresql://db/uptop');
  });

  it.each([
    ['postgresql://', /not a valid postgresql:\/\/ URL|has no host/],
    ['postgresql:///uptop', /has no host/],
    ['postgresql://db', /must name one database/],
    ['postgresql://db/a/b', /must name one database/],
    ['postgresql://db/uptop?schema=x', /unknown parameter "schema"/],
    ['postgresql://db/uptop?connection_limit=0', /connection_limit must be a whole number/],
    ['mysql://db/uptop', /must start with "file:" \(SQLite\) or "postgresql:\/\/" \/ "postgres:\/\/" \(PostgreSQL\)/],
  ])('refuses %s with a DatabaseUrlError, and the configuration names DATABASE_URL', (url, message) => {
    expect(() => storeFor(url)).toThrow(DatabaseUrlError);
    expect(() => storeFor(url)).toThrow(message);
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(ConfigError);
  });

  it('never shows the password in its messages', () => {
    expect(() => storeFor('postgresql://u:hunter2@db/uptop?schema=x')).toThrow(DatabaseUrlError);
    expect(() => storeFor('postgresql://u:hunter2@db')).toThrow(/postgresql:\/\/u:\*\*\*@db/);
    expect(() => storeFor('postgresql://u:hunter2@db')).not.toThrow(/hunter2/);
  });
});
