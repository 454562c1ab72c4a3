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
const GAVE_UP = 'a reader keeps the WAL from being emptied: writes go on without waiting, and its TRUNCATE checkpoint is retried';
const STILL_HELD = 'a reader still holds the WAL: its TRUNCATE checkpoint is retried';
const EMPTIED = 'the WAL is back within its limit: writes pause again should it pass it';
// The pause gives up after two refused retries and half a third wait.
const BOUNDED = { ...SMALL, busyTimeoutMs: 0, maxPauseMs: 2.5 * DEFAULT_WAL_CHECKPOINTS.retryMs };

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

/**
 * A writer paused past the WAL's limit by a reader that holds the WAL (as Litestream does), with 20 commands of 100
 * rows waiting behind the pause and the first TRUNCATE refused.
 */
async function pausedByReader(checkpoints: typeof BOUNDED & { workerScript?: URL }) {
  const h = await writerHarness({ checkpoints, retention: false });
  h.writer.start();
  const count = (msg: string) => h.logLines.filter((l) => l.msg === msg).length;
  await fill(h.writer, 100);
  const reader = pinWal(h.t.target.file);
  const commands = Array.from({ length: 20 }, () => fill(h.writer, 100));
  await vi.waitFor(() => expect(count(REFUSED)).toBe(1), THREAD);
  return { h, wal: `${h.t.target.file}-wal`, count, reader, commands };
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

/** Whether another connection holds the write lock now: a transaction that takes it at once is refused. */
function writeLockHeld(file: string): boolean {
  const probe = new Database(file, { timeout: 0 });
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  } finally {
    probe.close();
  }
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

  it(
    'pauses for at most maxPauseMs while a reader holds the WAL as Litestream does, then writes at full speed, loses nothing, and empties the WAL once the reader ends',
    async () => {
      const { h, wal, count, reader, commands } = await pausedByReader(BOUNDED);
      const pausedAt = fileSize(wal);
      const waiting = h.writer.stats.pendingCommands;
      expect(waiting).toBeGreaterThan(0);
      // Within the bound the writer waits, whatever the retries: none of them gets past the reader.
      for (const refusals of [2, 3]) {
        await h.clock.advanceAsync(DEFAULT_WAL_CHECKPOINTS.retryMs);
        await vi.waitFor(() => expect(count(REFUSED)).toBe(refusals), THREAD);
        expect(h.writer.stats.pendingCommands).toBe(waiting);
        expect(fileSize(wal)).toBe(pausedAt);
      }

      await h.clock.advanceAsync(BOUNDED.maxPauseMs - 2 * DEFAULT_WAL_CHECKPOINTS.retryMs);
      // One pause for all of them: every command left is written without the clock moving again.
      await vi.waitFor(() => expect(h.writer.stats.pendingCommands).toBe(0), THREAD);
      expect(await Promise.all(commands)).toEqual(commands.map(() => 100));
      expect(count(PAUSED)).toBe(1);
      expect(count(REFUSED)).toBe(3);
      expect(h.logLines.filter((l) => l.msg === GAVE_UP)).toEqual([
        expect.objectContaining({ level: 40, walBytes: pausedAt, limitBytes: SMALL.limitBytes, waitedMs: BOUNDED.maxPauseMs }),
      ]);
      const grownTo = fileSize(wal);
      expect(grownTo).toBeGreaterThan(pausedAt);

      // The reader still holds: the retry goes on, quietly, and the writes with it.
      await vi.waitFor(() => expect(h.clock.pendingTimers).toBe(1), THREAD);
      await h.clock.advanceAsync(DEFAULT_WAL_CHECKPOINTS.retryMs);
      await vi.waitFor(() => expect(count(STILL_HELD)).toBe(1), THREAD);
      await fill(h.writer, 100);
      expect(count(PAUSED)).toBe(1);
      expect(count(REFUSED)).toBe(3);

      reader.release();
      await vi.waitFor(() => expect(h.clock.pendingTimers).toBe(1), THREAD);
      await h.clock.advanceAsync(DEFAULT_WAL_CHECKPOINTS.retryMs);
      await vi.waitFor(() => expect(count(EMPTIED)).toBe(1), THREAD);
      expect(fileSize(wal)).toBe(0);
      const emptied = h.logLines.find((l) => l.msg === EMPTIED);
      expect(emptied).toMatchObject({ level: 30, walBytes: 0, limitBytes: SMALL.limitBytes });
      expect(emptied?.largestBytes).toBeGreaterThan(grownTo);
      expect(await h.db.log.count()).toBe(2200);

      // Emptied, the WAL is back to bounded pauses: past the limit again, the writer pauses until the TRUNCATE.
      for (let round = 0; round < 4; round++) await fill(h.writer, 100);
      await h.writer.flush();
      expect(count(PAUSED)).toBeGreaterThan(1);
      // Every pause but the first, which gave up, ended with the WAL emptied.
      expect(count(RESUMED)).toBe(count(PAUSED) - 1);
      expect(count(GAVE_UP)).toBe(1);
    },
    3 * THREAD.timeout,
  );

  // A read of the -wal file's size failing with EIO cannot be made for real here (as root, no permission stops it, and
  // SQLite needs the file): statSync is made to fail for that path alone.
  it("a WAL size that cannot be read does not end the process from the pause's timers: the pause still ends at its bound", async () => {
    const { h, wal, count, reader, commands } = await pausedByReader(BOUNDED);
    const statSync = fs.statSync;
    const failing = vi.spyOn(fs, 'statSync').mockImplementation(((file: fs.PathLike, options?: fs.StatSyncOptions) => {
      if (String(file) === wal) throw Object.assign(new Error(`EIO: i/o error, stat '${wal}'`), { code: 'EIO' });
      return statSync(file, options);
    }) as typeof fs.statSync);

    await h.clock.advanceAsync(BOUNDED.maxPauseMs);
    await vi.waitFor(() => expect(h.writer.stats.pendingCommands).toBe(0), THREAD);
    expect(await Promise.all(commands)).toEqual(commands.map(() => 100));
    expect(count(GAVE_UP)).toBe(1);
    expect(count(`the WAL's size cannot be read: EIO: i/o error, stat '${wal}'`)).toBeGreaterThan(0);

    failing.mockRestore();
    reader.release();
    await vi.waitFor(() => expect(h.clock.pendingTimers).toBe(1), THREAD);
    await h.clock.advanceAsync(DEFAULT_WAL_CHECKPOINTS.retryMs);
    await vi.waitFor(() => expect(count(EMPTIED)).toBe(1), THREAD);
    expect(fileSize(wal)).toBe(0);
  });

  it('once writes go on past the limit, retries do not wait for the reader: that wait holds the writer lock', async () => {
    const workerScript = new URL('./fixtures/recording-checkpoint-worker.mjs', import.meta.url);
    const retryMs = DEFAULT_WAL_CHECKPOINTS.retryMs;
    const options = { ...SMALL, busyTimeoutMs: 10, maxPauseMs: 1.5 * retryMs, workerScript };
    const { h, count, commands } = await pausedByReader(options);
    await h.clock.advanceAsync(retryMs);
    await vi.waitFor(() => expect(count(REFUSED)).toBe(2), THREAD);
    await h.clock.advanceAsync(options.maxPauseMs - retryMs);
    expect(await Promise.all(commands)).toEqual(commands.map(() => 100));
    // On to the retry the second refusal armed, the first once writes go on.
    await h.clock.advanceAsync(2 * retryMs - options.maxPauseMs);
    await vi.waitFor(() => expect(count(STILL_HELD)).toBe(1), THREAD);

    const requests = fs
      .readFileSync(`${h.t.target.file}-requests`, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(requests.filter((r) => r.mode === 'TRUNCATE')).toEqual([
      { mode: 'TRUNCATE', busyTimeoutMs: 10 },
      { mode: 'TRUNCATE', busyTimeoutMs: 10 },
      { mode: 'TRUNCATE', busyTimeoutMs: 0 },
    ]);
  });

  it('gives up on the pause only once a TRUNCATE waiting on its thread has ended, as that one holds the writer lock', async () => {
    const h = await writerHarness({ checkpoints: { ...BOUNDED, busyTimeoutMs: 600_000 }, retention: false });
    h.writer.start();
    const count = (msg: string) => h.logLines.filter((l) => l.msg === msg).length;
    await fill(h.writer, 100);
    const reader = pinWal(h.t.target.file);
    const commands = Array.from({ length: 20 }, () => fill(h.writer, 100));
    // What each command's settling finds in the log: those written once the pause gave up must find the WAL emptied.
    const seen = commands.map((c) => c.then(() => ({ gaveUp: count(GAVE_UP), emptied: count(EMPTIED) })));
    await vi.waitFor(() => expect(count(PAUSED)).toBe(1), THREAD);
    // The paused writer holds no lock: the TRUNCATE has the writer's, waiting for the reader.
    await vi.waitFor(() => expect(writeLockHeld(h.t.target.file)).toBe(true), THREAD);
    await h.clock.advanceAsync(BOUNDED.maxPauseMs);
    expect(count(GAVE_UP)).toBe(1);

    // A write let through meanwhile would race that TRUNCATE for the writer lock and, once it lost, wait for it on the
    // event loop (the writer's connection is synchronous) for as long as the reader holds.
    reader.release();
    expect(await Promise.all(commands)).toEqual(commands.map(() => 100));
    const afterGivingUp = (await Promise.all(seen)).filter((s) => s.gaveUp === 1);
    expect(afterGivingUp.length).toBeGreaterThan(0);
    expect(afterGivingUp.map((s) => s.emptied)).toEqual(afterGivingUp.map(() => 1));
    expect(count(REFUSED)).toBe(0);
    expect(h.writer.stats.failedBatches).toBe(0);
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
