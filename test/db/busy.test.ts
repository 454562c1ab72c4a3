import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { toSqlDate } from '../../src/db/sql-date.ts';
import { freshDbFile } from '../helpers/db.ts';
import { log, writerHarness } from '../writer/harness.ts';
import { HOLDER_MARKER, holdWriteLock } from './hold-write-lock.ts';

const HOLD_MS = 1000;

/** A write whose row records whether the lock holder's commit was visible when it ran. */
function writeAfterHolder(db: Db): Promise<number> {
  return db.$executeRawUnsafe(
    `INSERT INTO "Log" ("message", "createdAt") SELECT 'saw ' || count(*) || ' holder rows', ? FROM "Log" WHERE "message" = ?`,
    toSqlDate(new Date()),
    HOLDER_MARKER,
  );
}

describe('another process holding the write lock', () => {
  it('delays a write instead of failing it (busy_timeout), which then runs after the holder committed', async () => {
    const t = freshDbFile();
    const db = await t.open();
    const holder = await holdWriteLock(t.target.file, HOLD_MS);

    await expect(writeAfterHolder(db)).resolves.toBe(1);

    expect(await holder.exited).toBe(0);
    expect(holder.output()).toContain('committed');
    const rows = await db.log.findMany({ orderBy: { id: 'asc' }, select: { message: true } });
    expect(rows.map((r) => r.message)).toEqual([HOLDER_MARKER, 'saw 1 holder rows']);
  });

  it('fails the write at once with busy_timeout=0, so it is the timeout that makes writes wait', async () => {
    const t = freshDbFile('?busy_timeout=0');
    const db = await t.open();
    const holder = await holdWriteLock(t.target.file, HOLD_MS);

    await expect(writeAfterHolder(db)).rejects.toThrow(/SQLITE_BUSY|database is locked|timed out/i);
    expect(await holder.exited).toBe(0);
    expect(await db.log.count()).toBe(1);
  });

  it('a writer batch waits for the lock too, and lands', async () => {
    const h = await writerHarness();
    h.writer.start();
    await h.writer.flush();
    const holder = await holdWriteLock(h.t.target.file, HOLD_MS);

    h.writer.enqueue(log('from the writer', Date.UTC(2026, 0, 1)));
    await h.writer.flush();

    expect(h.writer.stats).toMatchObject({ written: 1, failedBatches: 0 });
    expect(await holder.exited).toBe(0);
    const rows = await h.db.log.findMany({ orderBy: { id: 'asc' }, select: { message: true } });
    expect(rows.map((r) => r.message)).toEqual([HOLDER_MARKER, 'from the writer']);
  });
});
