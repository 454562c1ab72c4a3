import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { freshDbFile } from '../helpers/db.ts';

async function pragma(db: Db, name: string): Promise<unknown> {
  const [row] = await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
  return Object.values(row ?? {})[0];
}

describe('pragmas from the URL on a real file', () => {
  it('applies the defaults to the connection every query uses: WAL, busy_timeout 5000, synchronous NORMAL, foreign keys', async () => {
    const t = freshDbFile();
    const db = await t.open();
    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(Number(await pragma(db, 'busy_timeout'))).toBe(5000);
    expect(Number(await pragma(db, 'synchronous'))).toBe(1);
    expect(Number(await pragma(db, 'foreign_keys'))).toBe(1);
    // Still in force after other queries and inside a transaction: the adapter keeps one connection.
    await db.site.create({ data: { name: 'a' } });
    const inTx = await db.$transaction(async (tx) =>
      Number(Object.values((await tx.$queryRawUnsafe<Record<string, unknown>[]>('PRAGMA busy_timeout'))[0]!)[0]),
    );
    expect(inTx).toBe(5000);
  });

  it('applies the values given in the query string, and opens the file without the query in its name', async () => {
    const t = freshDbFile('?busy_timeout=1234&journal_mode=WAL&synchronous=FULL');
    const db = await t.open();
    expect(await pragma(db, 'journal_mode')).toBe('wal');
    expect(Number(await pragma(db, 'busy_timeout'))).toBe(1234);
    expect(Number(await pragma(db, 'synchronous'))).toBe(2);
    expect(await db.site.count()).toBe(0); // the migrated copy, not a new empty file
    expect(fs.readdirSync(t.dir).filter((f) => f.includes('?'))).toEqual([]);
  });

  it('honours another journal mode', async () => {
    const t = freshDbFile('?journal_mode=DELETE');
    const db = await t.open();
    expect(await pragma(db, 'journal_mode')).toBe('delete');
  });
});
