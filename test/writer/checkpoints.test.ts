import fs from 'node:fs';
import Database from 'better-sqlite3';
import pino from 'pino';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { withCliContext } from '../../src/cli/context.ts';
import { FakeClock, systemClock } from '../../src/clock.ts';
import type { Db } from '../../src/db/client.ts';
import { storeFor } from '../../src/db/store.ts';
import { DEFAULT_WAL_CHECKPOINTS, NO_CHECKPOINTS, startWalCheckpoints } from '../../src/db/wal-checkpoints.ts';
import { toSqlDate } from '../../src/db/sql-date.ts';
import type { Tx, Writer } from '../../src/writer/types.ts';
import { startTestApp } from '../helpers/app.ts';
import { freshDbFile } from '../helpers/db.ts';
import { T0, writerHarness } from './harness.ts';

const KiB = 1024;
const SMALL = { thresholdBytes: 64 * KiB, limitBytes: 512 * KiB };
// Rows of 2 KB made by SQLite itself: the test's writes cost no JSON encoding. A hundred fill about fifty pages.
const FILL = `INSERT INTO "Log" ("message", "createdAt")
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) SELECT hex(randomblob(1000)), ? FROM n`;
// Waits for a worker thread's answer, not for a timer: generous, as the machine may be loaded.
const THREAD = { timeout: 20_000 };

const PAUSED = 'the WAL passed its limit: writes wait for a TRUNCATE checkpoint to empty it';
const REFUSED = 'a reader holds the WAL: its TRUNCATE checkpoint is tried again later';
const RESUMED = 'WAL checkpointed: writes resume';

function fill(writer: Writer, rows: number): Promise<number> {
  return writer.submit((tx) => tx.$executeRawUnsafe(FILL, rows, toSqlDate(new Date(T0))));
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

async function pragma(db: Db | Tx, name: string): Promise<number> {
  const [row] = await db.$queryRawUnsafe<Record<string, unknown>[]>(`PRAGMA ${name}`);
  return Number(Object.values(row ?? {})[0]);
}

/** A connection in a read transaction begun now: checkpoints cannot copy past what it sees, nor empty the WAL. */
function pinWal(file: string): { release(): void } {
  const reader = new Database(file);
  reader.exec('BEGIN');
  reader.prepare('SELECT count(*) FROM "Log"').get();
  let open = true;
  const release = () => {
    if (!open) return;
    open = false;
    reader.exec('COMMIT');
    reader.close();
  };
  onTestFinished(release);
  return { release };
}

describe('WAL checkpoints off the event loop', () => {
  it('keeps the WAL within its limit under sustained writes, and empties it on stop', async () => {
    const h = await writerHarness({ checkpoints: SMALL });
    h.writer.start();
    const wal = `${h.t.target.file}-wal`;
    const walSizes: number[] = [];
    for (let round = 0; round < 40; round++) {
      await fill(h.writer, 100);
      walSizes.push(fileSize(wal));
    }

    expect(await h.db.log.count()).toBe(4000);
    // 8 MB went through the WAL. A transaction starts only while it is within the limit; the first, on an empty WAL,
    // shows what one adds, and a later one may touch a few more index pages.
    const oneCommand = walSizes[0]!;
    expect(Math.max(...walSizes)).toBeLessThanOrEqual(SMALL.limitBytes + 2 * oneCommand);
    await h.writer.stop();
    expect(fileSize(wal)).toBe(0);
  });

  it('pauses the writer past the limit while a reader pins the WAL, loses nothing, and resumes once the WAL is emptied', async () => {
    const h = await writerHarness({ checkpoints: { ...SMALL, busyTimeoutMs: 0 } });
    h.writer.start();
    const wal = `${h.t.target.file}-wal`;
    await fill(h.writer, 100);
    const reader = pinWal(h.t.target.file);
    const commands = Array.from({ length: 20 }, () => fill(h.writer, 100));
    const refusals = () => h.logLines.filter((l) => l.msg === REFUSED).length;
    await vi.waitFor(() => expect(refusals()).toBe(1), THREAD);

    const pausedAt = fileSize(wal);
    expect(pausedAt).toBeGreaterThan(SMALL.limitBytes);
    expect(h.logLines.filter((l) => l.msg === PAUSED)).toHaveLength(1);
    const waiting = h.writer.stats.pendingCommands;
    expect(waiting).toBeGreaterThan(0);
    // The retry, still refused, changes nothing: no transaction went in meanwhile.
    await h.clock.advanceAsync(DEFAULT_WAL_CHECKPOINTS.retryMs);
    await vi.waitFor(() => expect(refusals()).toBe(2), THREAD);
    expect(fileSize(wal)).toBe(pausedAt);
    expect(h.writer.stats.pendingCommands).toBe(waiting);
    const resumed = () => h.logLines.filter((l) => l.msg === RESUMED).length;
    expect(resumed()).toBe(0);

    reader.release();
    await h.clock.advanceAsync(DEFAULT_WAL_CHECKPOINTS.retryMs);
    expect(await Promise.all(commands)).toEqual(commands.map(() => 100));
    // The last command may have passed the limit again: flush waits behind that pause.
    await h.writer.flush();
    // The commands left pass the limit again, each time emptied at once now that no reader holds the WAL.
    expect(resumed()).toBe(h.logLines.filter((l) => l.msg === PAUSED).length);
    expect(h.logLines.filter((l) => l.msg === REFUSED)).toHaveLength(2);
    expect(await h.db.log.count()).toBe(2100);
  });

  it('stops without waiting out a last checkpoint stuck behind a reader', async () => {
    const h = await writerHarness({ checkpoints: { ...SMALL, busyTimeoutMs: 600_000 }, retention: false });
    h.writer.start();
    await fill(h.writer, 100);
    pinWal(h.t.target.file);
    await fill(h.writer, 100);

    expect(h.clock.pendingTimers).toBe(0);
    const stopped = h.writer.stop();
    // The writer has drained once the stop's deadline is armed; the TRUNCATE then waits on its thread for the reader.
    await vi.waitFor(() => expect(h.clock.pendingTimers).toBe(1), THREAD);
    await h.clock.advanceAsync(DEFAULT_WAL_CHECKPOINTS.stopTimeoutMs);
    await stopped;
    expect(h.logLines).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'the last WAL checkpoint did not finish in time; the connections left check it when they close' }),
    );
    expect(await h.db.log.count()).toBe(200);
  });

  it('on the system clock too, stop gives up on a stuck last checkpoint after its deadline', async () => {
    const t = freshDbFile();
    const writeDb = await t.open();
    const logLines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) });
    const checkpoints = await startWalCheckpoints(t.target, writeDb, { clock: systemClock, logger }, { ...SMALL, stopTimeoutMs: 50, busyTimeoutMs: 600_000 });
    await writeDb.$executeRawUnsafe(FILL, 100, toSqlDate(new Date(T0)));
    checkpoints.written();
    pinWal(t.target.file);
    await writeDb.$executeRawUnsafe(FILL, 100, toSqlDate(new Date(T0)));

    await checkpoints.stop();
    expect(logLines).toContainEqual(expect.objectContaining({ level: 40, waitedMs: 50 }));
  });

  it('starts another thread when the checkpoint thread dies, and that one checkpoints', async () => {
    const workerScript = new URL('./fixtures/crash-first-checkpoint-worker.mjs', import.meta.url);
    const h = await writerHarness({ checkpoints: { ...SMALL, workerScript } });
    h.writer.start();
    await fill(h.writer, 200);
    await vi.waitFor(() => expect(h.logLines.filter((l) => l.msg === 'WAL checkpoint thread exited; starting another')).toHaveLength(1), THREAD);
    await h.writer.stop();

    expect(fileSize(`${h.t.target.file}-wal`)).toBe(0);
    expect(h.logLines).toContainEqual(expect.objectContaining({ level: 50, msg: 'WAL checkpoint thread failed: checkpoint thread crashed' }));
  });

  it('goes back to SQLite checkpointing in the COMMIT when the thread keeps failing, and says so', async () => {
    const workerScript = new URL('./fixtures/crashing-checkpoint-worker.mjs', import.meta.url);
    const h = await writerHarness({ checkpoints: { ...SMALL, workerScript } });
    h.writer.start();
    expect(await h.writer.submit((tx) => pragma(tx, 'wal_autocheckpoint'))).toBe(0);
    await fill(h.writer, 200);
    const fellBack = 'WAL checkpoint thread keeps failing; SQLite checkpoints inside the COMMIT again, on the event loop';
    await vi.waitFor(() => expect(h.logLines.filter((l) => l.msg === fellBack)).toHaveLength(1), THREAD);

    expect(h.logLines.filter((l) => l.msg === 'WAL checkpoint thread exited; starting another')).toHaveLength(DEFAULT_WAL_CHECKPOINTS.maxWorkerFailures - 1);
    expect(await h.writer.submit((tx) => pragma(tx, 'wal_autocheckpoint'))).toBe(1000);
    await fill(h.writer, 200);
    await h.writer.stop();
    expect(await h.db.log.count()).toBe(400);
  });
});

describe('where WAL checkpoints move off the COMMIT', () => {
  it("the server's and a command's writers leave checkpoints to the thread; the readers' connection keeps SQLite's", async () => {
    const t = await startTestApp();
    expect(await t.app.deps.writer.submit((tx) => pragma(tx, 'wal_autocheckpoint'))).toBe(0);
    expect(await pragma(t.app.deps.writeDb, 'journal_size_limit')).toBe(DEFAULT_WAL_CHECKPOINTS.thresholdBytes);
    expect(await pragma(t.app.deps.db, 'wal_autocheckpoint')).toBe(1000);
    // A command beside the server on the same file, as `uptop apply` runs.
    const inCommand = await withCliContext(
      (ctx) => {
        ctx.announce({ what: 'config' });
        return ctx.writer.submit((tx) => pragma(tx, 'wal_autocheckpoint'));
      },
      { DATABASE_URL: t.db.url },
    );
    expect(inCommand).toBe(0);
  });

  it('leaves other journal modes and PostgreSQL as they are', async () => {
    const t = freshDbFile('?journal_mode=DELETE');
    const db = await t.open();
    const deps = { clock: new FakeClock(), logger: pino({ level: 'silent' }) };
    expect(await storeFor(t.url).walCheckpoints(db, deps)).toBe(NO_CHECKPOINTS);
    expect(await pragma(db, 'wal_autocheckpoint')).toBe(1000);
    expect(await storeFor('postgresql://uptop@127.0.0.1:1/uptop').walCheckpoints(db, deps)).toBe(NO_CHECKPOINTS);
  });
});
