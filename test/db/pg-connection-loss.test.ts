import { describe, expect, it, onTestFinished } from 'vitest';
import { openPgDb } from '../../src/db/pg-client.ts';
import { parsePostgresUrl } from '../../src/db/pg-url.ts';
import { usePostgres } from '../helpers/postgres.ts';

const postgres = usePostgres();

describe('a transaction whose connection PostgreSQL ends', () => {
  // The writer has one connection: one not given back stops every later write, lease renewal and shutdown for good.
  it.each([
    ['its ROLLBACK', true],
    ['its COMMIT', false],
  ])('gives its connection back to the pool when %s fails, so the next query runs once the database is back', async (_ending, failInside) => {
    const db = openPgDb(parsePostgresUrl(await postgres.createDatabase()), 1);
    onTestFinished(() => db.$disconnect());
    const transaction = db.$transaction(async (tx) => {
      await tx.$queryRawUnsafe('SELECT 1');
      await postgres.server.down();
      if (failInside) await tx.$queryRawUnsafe('SELECT 2');
    });
    await expect(transaction).rejects.toThrow();
    await postgres.server.up();
    expect(await db.$queryRawUnsafe('SELECT 3 AS n')).toEqual([{ n: 3 }]);
  });
});
