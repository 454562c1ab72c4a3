import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { Prisma } from '../../src/generated/prisma/client.ts';
import { sqliteConnectionOf } from '../../src/db/raw-reads.ts';
import { readSitePage, type SitePage } from '../../src/services/site-list.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';

const stores = useStores();

const EVERY_COLUMN = Object.values(Prisma.SiteScalarFieldEnum);

/** Twelve sites that between them hold every kind of value a Site column takes: nulls, booleans, enums, dates, a parent. */
async function seed(db: Db): Promise<number[]> {
  const group = await db.site.create({ data: { name: 'group', type: 'GROUP' } });
  const ids = [group.id];
  for (let i = 0; i < 11; i++) {
    const site = await db.site.create({
      data: {
        name: `site ${i}`,
        type: i % 3 === 0 ? 'PUSH' : 'HTTP',
        url: i % 3 === 0 ? null : `https://user:pw@example.com/${i}?token=t${i}`,
        hostname: i % 2 ? `host${i}.example.com` : null,
        port: i % 2 ? 8000 + i : null,
        checkSsl: i % 2 === 0,
        paused: i % 4 === 0,
        pushToken: i % 3 === 0 ? `token-${i}` : null,
        httpHeaders: i === 1 ? '{"X-Key":"k"}' : null,
        authType: i === 2 ? 'BASIC' : 'NONE',
        authSecret: i === 2 ? 'sealed' : null,
        keywordInvert: i === 5,
        parentId: i < 4 ? group.id : null,
        public: i !== 7,
      },
    });
    ids.push(site.id);
  }
  return ids;
}

/** What the prisma plugin's model query reads for the same page: the reference the hand-written read must equal. */
function modelPage(db: Db, columns: readonly string[], page: SitePage) {
  const select = Object.fromEntries(columns.map((c) => [c, true])) as Prisma.SiteSelect;
  const cursor = page.cursor?.id === undefined ? undefined : { id: page.cursor.id };
  return db.site.findMany({ select, cursor, take: page.take, skip: page.skip, orderBy: { id: 'asc' } });
}

describe.each(PROVIDERS)('the sites page read on %s', (provider) => {
  it('reads the same rows, with the same values and types, as the model query, for every page shape', async () => {
    const db = await (await stores.fresh(provider)).open();
    // On SQLite the page is read straight from the client's connection, not through Prisma's raw query.
    expect(sqliteConnectionOf(db) !== undefined).toBe(provider === 'sqlite');
    const ids = await seed(db);
    const gone = ids[6]!;
    await db.site.delete({ where: { id: gone } });
    const pages: SitePage[] = [
      { take: 5, skip: 0 },
      { take: 100, skip: 0 },
      { take: 4, skip: 1, cursor: { id: ids[2]! } },
      { take: 4, skip: 1, cursor: { id: ids.at(-1)! } },
      { take: -3, skip: 0 },
      { take: -3, skip: 1, cursor: { id: ids[8]! } },
      { take: -20, skip: 1, cursor: { id: ids[3]! } },
      { take: 0, skip: 0 },
      // A cursor whose row is gone: Prisma reads nothing from it, forwards or backwards.
      { take: 4, skip: 1, cursor: { id: gone } },
      { take: -4, skip: 1, cursor: { id: gone } },
    ];
    for (const columns of [EVERY_COLUMN, ['id'], ['id', 'name', 'type', 'url'], ['createdAt', 'paused', 'port', 'id']]) {
      for (const page of pages) {
        const expected = await modelPage(db, columns, page);
        expect(await readSitePage(db, columns, page), `${columns.join(',')} ${JSON.stringify(page)}`).toStrictEqual(expected);
      }
    }
    // Something read at all: the comparison above is not of empty lists only.
    expect((await readSitePage(db, EVERY_COLUMN, { take: 100, skip: 0 })).map((s) => s.id)).toEqual(ids.filter((id) => id !== gone));
  });

  it('refuses a name that is not a Site column before any SQL is built from it', async () => {
    const db = await (await stores.fresh(provider)).open();
    await expect(readSitePage(db, ['id', 'name" FROM "User" --'], { take: 1, skip: 0 })).rejects.toThrow(/not a Site column/);
  });
});
