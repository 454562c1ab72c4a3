import { describe, expect, it, vi } from 'vitest';
import { FIRST_RETRY_MS } from '../../src/writer/outage.ts';
import { WritesHeldError } from '../../src/writer/writer.ts';
import { useStores } from '../helpers/stores.ts';
import { check, createSites, stateChange, T0, writerHarnessOn } from '../writer/harness.ts';

const stores = useStores();
const harness = writerHarnessOn(stores, 'postgresql');
const failing = (notes: string[]) => notes.some((n) => n.startsWith('db writes failing'));

describe('the writer while PostgreSQL restarts', () => {
  it('keeps the writes it could not make and writes them once the database is back', async () => {
    const h = await harness({ retention: false });
    h.writer.start();
    const [siteId] = (await createSites(h.db, 1)) as [number];

    await stores.postgres.down();
    h.writer.enqueue(check(siteId, T0, { up: false, status: 'DOWN' }));
    h.writer.enqueue(stateChange(siteId, T0));
    await vi.waitFor(() => expect(failing(h.notes)).toBe(true), { timeout: 10_000, interval: 20 });
    expect(h.writer.stats.failing).not.toBeNull();
    await stores.postgres.up();
    // An empty queue is not yet a written one: the batch leaves the queue when its write begins.
    await vi.waitFor(
      async () => {
        await h.clock.advance(FIRST_RETRY_MS);
        expect(h.writer.stats.queueDepth).toBe(0);
        expect([await h.db.check.count(), await h.db.stateChange.count()]).toEqual([1, 1]);
      },
      { timeout: 10_000, interval: 50 },
    );

    expect(h.writer.stats).toMatchObject({ failedBatches: 0, failedWrites: 0, failing: null });
    expect(h.notes.at(-1)).toMatch(/^db writes recovered after \d+s/);
  });

  it('never lets a command act on a database without the writes it kept: it comes after them, or is refused', async () => {
    const h = await harness({ retention: false });
    h.writer.start();
    const [siteId] = (await createSites(h.db, 1)) as [number];
    await stores.postgres.down();
    h.writer.enqueue(stateChange(siteId, T0));
    await vi.waitFor(() => expect(failing(h.notes)).toBe(true), { timeout: 10_000, interval: 20 });
    // A lease renewal, say, that would reload the sites from a database without their last state change.
    const command = h.writer.submit((tx) => tx.stateChange.count()).catch((err: unknown) => err);
    await stores.postgres.up();
    const answer = await command;
    if (answer instanceof WritesHeldError) expect(answer.message).toMatch(/try again$/);
    else expect(answer).toBe(1);
    await vi.waitFor(
      async () => {
        await h.clock.advance(FIRST_RETRY_MS);
        expect(h.writer.stats.queueDepth).toBe(0);
      },
      { timeout: 10_000, interval: 50 },
    );
    expect(await h.writer.submit((tx) => tx.stateChange.count())).toBe(1);
  });

  it('counts the writes lost when it stops while the database is still away, instead of holding the stop', async () => {
    const h = await harness({ retention: false });
    h.writer.start();
    const [siteId] = (await createSites(h.db, 1)) as [number];
    await stores.postgres.down();
    try {
      h.writer.enqueue(check(siteId, T0));
      await vi.waitFor(() => expect(failing(h.notes)).toBe(true), { timeout: 10_000, interval: 20 });
      await h.writer.stop();
      expect(h.writer.stats).toMatchObject({ failedWrites: 1, queueDepth: 0 });
    } finally {
      await stores.postgres.up();
    }
  });
});
