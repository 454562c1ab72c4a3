import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { statement } from '../../src/db/dialect.ts';
import { readRows, sqliteConnectionOf } from '../../src/db/raw-reads.ts';
import { freshDbFile } from '../helpers/db.ts';

/** Typed columns, an untyped expression and a null, filtered by a boolean and a Date bound as they are in code. */
const SITES = statement(
  () => `SELECT "id", "name", "paused", "createdAt", "port", "id" * 2 AS twice FROM "Site"
    WHERE "paused" = ? AND "createdAt" <= ? ORDER BY "id"`,
);

/** Bigints as numbers: Prisma's raw query gives SQLite's integers as bigints, the driver read gives numbers. */
const asNumbers = (rows: Record<string, unknown>[]) =>
  rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));

describe('readRows on SQLite', () => {
  it("reads through the client's own connection the rows Prisma's raw query reads, with the same types", async () => {
    const db = await (await freshDbFile()).open();
    for (let i = 0; i < 6; i++) await db.site.create({ data: { name: `site ${i}`, type: 'PUSH', paused: i % 2 === 0, port: i === 2 ? 8080 : null } });
    expect(sqliteConnectionOf(db)).toBeDefined();
    // A derived client is another object: it has no connection of its own and reads through Prisma.
    const derived = db.$extends({}) as unknown as Db;
    expect(sqliteConnectionOf(derived)).toBeUndefined();

    const args = [true, new Date(Date.now() + 60_000)];
    const direct = await readRows<Record<string, unknown>>(db, SITES, args);
    const throughPrisma = await readRows<Record<string, unknown>>(derived, SITES, args);
    expect(direct).toHaveLength(3);
    expect(direct[0]!.createdAt).toBeInstanceOf(Date);
    expect(direct.map((r) => r.paused)).toEqual([true, true, true]);
    expect(direct).toStrictEqual(asNumbers(throughPrisma));
    expect(direct.find((r) => r.name === 'site 2')).toMatchObject({ port: 8080, twice: 2 * Number(direct[1]!.id) });
  });

  it('refuses a column named __proto__, which a row literal would take for its prototype', async () => {
    const db = await (await freshDbFile()).open();
    await expect(
      readRows(
        db,
        statement(() => 'SELECT 1 AS "__proto__"'),
        [],
      ),
    ).rejects.toThrow(/__proto__/);
  });
});
