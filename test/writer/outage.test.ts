import { describe, expect, it, vi } from 'vitest';
import type { Db } from '../../src/db/client.ts';
import { FIRST_RETRY_MS } from '../../src/writer/outage.ts';
import { holdWriteLock } from '../db/hold-write-lock.ts';
import { fillDisk, freshDbFile } from '../helpers/db.ts';
import { check, createSites, log, T0, type WriterHarness, writerHarness } from './harness.ts';

/** Resolves at the writer's next note (its first words on a failure, whatever it does with the batch). */
async function nextNote(h: WriterHarness): Promise<string> {
  const seen = h.notes.length;
  await vi.waitFor(() => expect(h.notes.length).toBeGreaterThan(seen), { interval: 1 });
  return h.notes[seen]!;
}

/** A writer whose connection fails at once on a lock (busy_timeout=0), so a held lock is a refused write. */
async function impatientWriter(config: Parameters<typeof writerHarness>[0] = {}) {
  const h = await writerHarness({ ...config, store: freshDbFile('?busy_timeout=0') });
  h.writer.start();
  await h.writer.flush();
  return h;
}

async function messages(db: Db): Promise<string[]> {
  return (await db.log.findMany({ orderBy: { id: 'asc' }, select: { message: true } })).map((r) => r.message);
}

describe('the database refusing writes for a while', () => {
  it('holds a batch refused by a lock held past busy_timeout, and writes it once the lock is released', async () => {
    const h = await impatientWriter();
    const holder = await holdWriteLock(h.t.target.file, 'until released');

    const failing = nextNote(h);
    h.writer.enqueue(log('checked while locked', T0));
    expect(await failing).toMatch(/^db writes failing \(.*database is locked.*\); holding 1 writes and retrying/);
    expect(h.writer.stats).toMatchObject({ failedWrites: 0, queueDepth: 1, failing: { since: h.clock.now() } });

    expect(await holder.release()).toBe(0);
    h.clock.advance(FIRST_RETRY_MS);
    await h.writer.flush();

    expect(await messages(h.db)).toEqual(['written by the lock holder', 'checked while locked']);
    expect(h.writer.stats).toMatchObject({ written: 1, failedWrites: 0, failedBatches: 0, queueDepth: 0, failing: null });
    expect(h.notes.at(-1)).toMatch(/^db writes recovered after 1s of failures/);
  });

  it('holds a batch refused by a full database (SQLITE_FULL), and writes it once there is room', async () => {
    const h = await impatientWriter();
    const [siteId] = await createSites(h.db, 1);
    const roomAgain = await fillDisk(h.writeDb);

    const failing = nextNote(h);
    for (let i = 0; i < 200; i++) h.writer.enqueue(check(siteId!, T0 + i * 1000, { message: 'x'.repeat(200) }));
    expect(await failing).toMatch(/^db writes failing \(.*full.*\)/);

    await roomAgain();
    h.clock.advance(FIRST_RETRY_MS);
    await h.writer.flush();

    expect(await h.db.check.count()).toBe(200);
    expect(h.writer.stats).toMatchObject({ written: 200, failedWrites: 0, failing: null });
  });

  it('retries less often the longer it lasts, and notes the outage once, not at every retry', async () => {
    const h = await impatientWriter();
    const holder = await holdWriteLock(h.t.target.file, 'until released');
    const failing = nextNote(h);
    h.writer.enqueue(log('held', T0));
    await failing;

    const armed = h.clock.pendingTimers;
    for (const wait of [1, 2, 4, 8, 16, 30, 30]) {
      // One millisecond short of the retry nothing is tried; at the retry it fails again and waits longer.
      h.clock.advance(wait * 1000 - 1);
      expect(h.clock.pendingTimers).toBe(armed);
      h.clock.advance(1);
      expect(h.clock.pendingTimers).toBe(armed - 1);
      await vi.waitFor(() => expect(h.clock.pendingTimers).toBe(armed), { interval: 1 });
    }
    expect(h.writer.stats).toMatchObject({ failedWrites: 0, queueDepth: 1 });
    expect(h.notes.filter((n) => n.startsWith('db writes failing'))).toHaveLength(1);
    await holder.release();
  });

  it('does not make a flush wait out the outage, and a command does not overtake the held writes', async () => {
    const h = await impatientWriter();
    const holder = await holdWriteLock(h.t.target.file, 'until released');
    const failing = nextNote(h);
    h.writer.enqueue(log('held', T0));
    await failing;

    await h.writer.flush();
    expect(h.writer.stats).toMatchObject({ queueDepth: 1, failing: { since: h.clock.now() } });

    await holder.release();
    await h.writer.submit((tx) => tx.log.create({ data: { message: 'from a command', createdAt: new Date(T0 + 1) } }));
    expect(await messages(h.db)).toEqual(['written by the lock holder', 'held', 'from a command']);
    expect(h.writer.stats).toMatchObject({ queueDepth: 0, failing: null });
  });

  it('keeps the queue bounded while it cannot write: what does not fit is dropped, counted and noted', async () => {
    const h = await impatientWriter({ config: { queueSize: 20, batchSize: 5 } });
    const holder = await holdWriteLock(h.t.target.file, 'until released');
    const failing = nextNote(h);
    h.writer.enqueue(log('line 0', T0));
    await failing;

    for (let i = 1; i < 100; i++) h.writer.enqueue(log(`line ${i}`, T0 + i));
    expect(h.writer.stats.queueDepth).toBe(20);
    expect(h.writer.stats.dropped.log).toBe(80);
    expect(h.notes).toContain('db write queue full, dropped log');

    await holder.release();
    h.clock.advance(FIRST_RETRY_MS);
    await h.writer.flush();
    expect(await messages(h.db)).toEqual(['written by the lock holder', ...Array.from({ length: 20 }, (_, i) => `line ${i}`)]);
  });

  it('stops while the database still refuses: one last attempt, then the held writes are counted lost and logged', async () => {
    const h = await impatientWriter();
    const holder = await holdWriteLock(h.t.target.file, 'until released');
    const failing = nextNote(h);
    h.writer.enqueue(log('never written', T0));
    await failing;

    await h.writer.stop();

    expect(h.writer.stats).toMatchObject({ failedWrites: 1, queueDepth: 0 });
    expect(h.notes.at(-1)).toMatch(/^db log write failed: .*database is locked/);
    await holder.release();
  });
});
