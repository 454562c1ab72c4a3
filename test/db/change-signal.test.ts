import { describe, expect, it, vi } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import {
  bumpChangeSignal,
  CHANGE_POLL_INTERVAL_MS,
  CHANGE_SIGNAL_KEY,
  type Change,
  ChangeWatcher,
  changeHandler,
  KEPT_CHANGES,
  type NewChanges,
} from '../../src/db/change-signal.ts';
import type { Db } from '../../src/db/client.ts';
import { freshDbFile } from '../helpers/db.ts';
import { capturingLogger } from '../helpers/log.ts';

const CONFIG: Change = { what: 'config' };
const DELETED: Change = { what: 'users', userIds: [7], access: 'ended' };

async function signalOf(db: Db): Promise<{ seq: number; changes: (Change & { seq: number })[] }> {
  const row = await db.preference.findUniqueOrThrow({ where: { key: CHANGE_SIGNAL_KEY } });
  return JSON.parse(row.value);
}

async function bump(db: Db, change: Change, times = 1): Promise<void> {
  for (let i = 0; i < times; i++) await db.$transaction((tx) => bumpChangeSignal(tx, change));
}

/** A watcher on its own database, whose `apply` records what it is handed. */
async function watching() {
  const db = await freshDbFile().open();
  const clock = new FakeClock();
  const seen: NewChanges[] = [];
  const log = capturingLogger();
  const watcher = new ChangeWatcher({ db, clock, logger: log.logger, apply: async (news) => void seen.push(news) });
  const poll = async () => {
    await clock.advanceAsync(CHANGE_POLL_INTERVAL_MS);
    await watcher.idle();
  };
  return { db, clock, seen, log, watcher, poll };
}

describe('the change signal', () => {
  it('numbers each change and keeps the newest ones', async () => {
    const db = await freshDbFile().open();
    await bump(db, CONFIG);
    await bump(db, DELETED);
    expect(await signalOf(db)).toEqual({
      seq: 2,
      changes: [
        { ...CONFIG, seq: 1 },
        { ...DELETED, seq: 2 },
      ],
    });

    await bump(db, CONFIG, KEPT_CHANGES);
    const signal = await signalOf(db);
    expect(signal.seq).toBe(KEPT_CHANGES + 2);
    expect(signal.changes.map((c) => c.seq)).toEqual(Array.from({ length: KEPT_CHANGES }, (_, i) => i + 3));
  });

  it('is rolled back with the change it announces', async () => {
    const db = await freshDbFile().open();
    await bump(db, CONFIG);
    const failed = db.$transaction(async (tx) => {
      await bumpChangeSignal(tx, DELETED);
      throw new Error('the change failed');
    });
    await expect(failed).rejects.toThrow('the change failed');
    expect((await signalOf(db)).seq).toBe(1);
  });

  it('a watcher hands over, in order, only what was announced after it started, once', async () => {
    const { db, seen, watcher, poll } = await watching();
    await bump(db, CONFIG);
    await watcher.start();
    await poll();
    expect(seen).toEqual([]);

    await bump(db, DELETED);
    await bump(db, { what: 'everything', userIds: [] });
    await poll();
    expect(seen).toEqual([{ changes: [DELETED, { what: 'everything', userIds: [] }], missed: false }]);
    await poll();
    expect(seen).toHaveLength(1);
    await watcher.stop();
  });

  it('says when changes were missed: more than it keeps between two polls, or a signal that went back', async () => {
    const { db, seen, watcher, poll, log } = await watching();
    await watcher.start();
    await bump(db, CONFIG, KEPT_CHANGES + 1);
    await poll();
    expect(seen.map((n) => [n.changes.length, n.missed])).toEqual([[KEPT_CHANGES, true]]);

    await db.preference.delete({ where: { key: CHANGE_SIGNAL_KEY } });
    await bump(db, DELETED);
    await poll();
    expect(seen[1]).toEqual({ changes: [DELETED], missed: true });
    expect(log.lines().filter((l) => l.level === 40)).toHaveLength(2);
    await watcher.stop();
  });

  it('keeps polling after a failed apply, and hands the change over again', async () => {
    const db = await freshDbFile().open();
    const clock = new FakeClock();
    const log = capturingLogger();
    const apply = vi.fn<(news: NewChanges) => Promise<void>>().mockRejectedValueOnce(new Error('engine busy')).mockResolvedValue();
    const watcher = new ChangeWatcher({ db, clock, logger: log.logger, apply });
    await watcher.start();
    await bump(db, CONFIG);
    for (let i = 0; i < 2; i++) {
      await clock.advanceAsync(CHANGE_POLL_INTERVAL_MS);
      await watcher.idle();
    }
    expect(apply.mock.calls).toEqual([[{ changes: [CONFIG], missed: false }], [{ changes: [CONFIG], missed: false }]]);
    expect(log.lines().map((l) => l.msg)).toEqual(['could not read or apply the change signal; trying again']);
    await watcher.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('the server reconciles for config, reloads after an import or a gap, and ends the access of changed users', async () => {
    const calls: string[] = [];
    const handle = changeHandler({
      reconcile: async () => void calls.push('reconcile'),
      reload: async () => void calls.push('reload'),
      userChanged: (id, access) => void calls.push(`user ${id} ${access}`),
    });
    await handle({ changes: [CONFIG, CONFIG, { what: 'users', userIds: [3, 4], access: null }], missed: false });
    expect(calls.splice(0)).toEqual(['user 3 null', 'user 4 null', 'reconcile']);
    await handle({ changes: [DELETED, CONFIG, { what: 'everything', userIds: [9] }], missed: false });
    expect(calls.splice(0)).toEqual(['user 7 ended', 'user 9 ended', 'reload']);
    await handle({ changes: [], missed: true });
    expect(calls.splice(0)).toEqual(['reload']);
  });
});
