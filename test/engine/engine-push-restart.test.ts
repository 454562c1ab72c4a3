import { describe, expect, it } from 'vitest';
import type { CheckRecord, StateChangeRecord } from '../../src/engine/types.ts';
import type { Prisma } from '../../src/generated/prisma/client.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { systemClockEngine } from './system-clock-engine.ts';
import { engineHarness, received, T0 } from './harness.ts';

const TOKEN = '5eed5eed5eed5eed5eed5eed5eed5eed';
const DAY_MS = 86_400_000;

type Persisted = Omit<Prisma.SiteRuntimeStateUncheckedCreateInput, 'siteId' | 'updatedAt'>;

/** A push monitor "job" (interval 300: LATE after 300 s, STALE after 375 s, DOWN after 450 s) left by an earlier run. */
async function restoredPush(persisted: Persisted | null) {
  const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' } });
  const receiver = await startReceiver();
  const id = await h.createSite({ name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 300 });
  await h.createWebhook(receiver, 'ops', [id]);
  if (persisted) await h.persistState(id, persisted);
  await h.engine.start();
  await h.tick(0);
  return { h, receiver, id };
}

/** UP since its last beat at `beatMs`. */
const upSince = (beatMs: number): Persisted => ({
  status: 'UP',
  latencyMs: 0,
  lastCheckAt: new Date(beatMs),
  lastSuccessAt: new Date(beatMs),
  statusChangedAt: new Date(beatMs),
});

describe('engine: push monitors after uptop itself was down (DESIGN decision 9)', () => {
  it('a last beat 2 days old is judged from the start: LATE after one interval, DOWN only after interval plus grace', async () => {
    const { h, receiver, id } = await restoredPush(upSince(T0 - 2 * DAY_MS));
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(300_000);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await h.tick(75_000);
    expect(h.engine.getState(id)!.status).toBe('STALE');
    await h.tick(74_999);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('STALE');
    expect(received(receiver, 'ops')).toEqual([]);
    await h.tick(1);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => [a.event, a.timestamp])).toEqual([['down', new Date(T0 + 450_001).toISOString()]]);
  });

  it('a beat during that grace resets everything: the deadlines count from the beat', async () => {
    const { h, receiver, id } = await restoredPush(upSince(T0 - 2 * DAY_MS));
    await h.tick(299_000);
    expect(h.engine.heartbeat(TOKEN).ok).toBe(true);
    await h.tick(300_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0 + 299_000) });
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await h.tick(150_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => a.timestamp)).toEqual([new Date(T0 + 299_000 + 450_001).toISOString()]);
  });

  it('a persisted DOWN push monitor stays DOWN on start: no alert again, no flip back to LATE or STALE', async () => {
    const down: Persisted = {
      ...upSince(T0 - 2 * DAY_MS),
      status: 'DOWN',
      failureCount: 1,
      statusChangedAt: new Date(T0 - DAY_MS),
      lastAlertAt: new Date(T0 - DAY_MS),
    };
    const { h, receiver, id } = await restoredPush(down);
    for (let i = 0; i < 24; i++) await h.tick(3_600_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops')).toEqual([]);
    expect(await h.db.stateChange.count()).toBe(0);
    h.engine.heartbeat(TOKEN);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([['up', "Push Monitor 'job' is receiving heartbeats. (was down 2d 0h)"]]);
  });

  it('a restart between beats moves the deadline to one interval after the restart', async () => {
    const { h, id } = await restoredPush(null);
    h.engine.heartbeat(TOKEN);
    await h.tick(100_000);
    const engine = await h.restart();
    expect(engine.getState(id)).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0) });
    await h.tick(300_000);
    expect(engine.getState(id)!.status).toBe('UP');
    await h.tick(1);
    expect(engine.getState(id)!.status).toBe('LATE');
  });

  it('a passive engine refuses beats, so on becoming active it grants the same interval plus grace', async () => {
    const { h, receiver, id } = await restoredPush(null);
    h.engine.heartbeat(TOKEN);
    h.engine.setActive(false);
    await h.tick(3_600_000);
    h.engine.setActive(true);
    await h.tick(450_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('STALE');
    expect(received(receiver, 'ops')).toEqual([]);
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('DOWN');
  });

  it('a last beat stored an hour in the future (clock stepped back) does not freeze the monitor until then', async () => {
    const { h, id } = await restoredPush(upSince(T0 + 3_600_000));
    await h.tick(300_000);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
  });
});

describe('engine: push monitors after a restart, on the system clock', () => {
  it('a monitor silent for 2 days is not DOWN at start; with a retry it turns LATE after two failures an interval apart', async () => {
    // Interval 1 s: LATE 1 s after start, but DOWN only after the 60 s minimum grace.
    const {
      engine,
      pubsub,
      prepared: site,
    } = await systemClockEngine(async (writer) => {
      const created = await writer.submit((tx) => tx.site.create({ data: { name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 1, maxRetries: 1 } }));
      await writer.submit((tx) => tx.siteRuntimeState.create({ data: { siteId: created.id, ...upSince(Date.now() - 2 * DAY_MS), updatedAt: new Date() } }));
      return created;
    });
    const checks: CheckRecord[] = [];
    const checkIterator = pubsub.subscribe('site:checkCompleted');
    void (async () => {
      for await (const check of checkIterator) checks.push(check);
    })();
    const changeIterator = pubsub.subscribe('site:statusChanged');
    const firstChange = changeIterator.next().then((r) => r.value as StateChangeRecord);

    const startedAt = Date.now();
    await engine.start();
    expect(engine.getState(site.id)!.status).toBe('UP');
    expect(await firstChange).toMatchObject({ from: 'UP', to: 'LATE' });
    await checkIterator.return?.();
    await changeIterator.return?.();
    expect(checks.map((c) => c.status)).toEqual(['LATE', 'LATE']);
    // Failures count on the interval grid from the start: the first past one interval, the second past two.
    const [first, second] = checks.map((c) => c.checkedAt.getTime() - startedAt);
    expect(first).toBeGreaterThan(1000);
    expect(second).toBeGreaterThan(2000);
  });
});
