import { afterAll, beforeAll, expect, onTestFinished, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import { FakeClock } from '../../src/clock.ts';
import { CHANGE_POLL_INTERVAL_MS } from '../../src/db/change-signal.ts';
import { startTestApp } from './app.ts';
import { capturingLogger } from './log.ts';
import { usePostgres } from './postgres.ts';
import { startRedis, type TestRedis } from './redis.ts';

/** A PostgreSQL server and a Redis for the file's tests, started before them and stopped after. */
export function useClusterServices() {
  const pg = usePostgres();
  let redis: TestRedis | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis?.stop());
  return {
    pg,
    get redis(): TestRedis {
      if (!redis) throw new Error('useClusterServices(): Redis starts in beforeAll');
      return redis;
    },
  };
}

/**
 * Two instances on one new PostgreSQL database and the Redis, each holding half of the slots: `a` a test app, `b` an
 * app on a fake clock of its own, stopped when the test ends. Their logs are kept for assertions.
 */
export async function twoInstances(services: ReturnType<typeof useClusterServices>, env: Record<string, string> = {}) {
  const url = await services.pg.createDatabase();
  const logA = capturingLogger('info');
  const logB = capturingLogger('info');
  const a = await startTestApp({ env: { DATABASE_URL: url, UPTOP_REDIS_URL: services.redis.url, UPTOP_INSTANCE_ID: 'a', ...env }, logger: logA.logger });
  const bClock = new FakeClock(Date.now());
  const b = await createApp({ ...a.config, instanceId: 'b' }, { clock: bClock, logger: logB.logger });
  const { port } = await b.start();
  onTestFinished(() => b.stop());
  const [nodeA, nodeB] = [a.app.deps.cluster!.node, b.deps.cluster!.node];
  // a held every slot until b joined; a gives half back at its next tick and b takes it at its own.
  await nodeA.tick();
  await nodeB.tick();
  /** Polls of the change signal on both instances (every second on a real clock) until both know the site. */
  const pollChanges = (siteId: number) =>
    vi.waitFor(
      async () => {
        await Promise.all([(a.clock as FakeClock).advance(CHANGE_POLL_INTERVAL_MS), bClock.advance(CHANGE_POLL_INTERVAL_MS)]);
        await Promise.all([a.app.deps.changes.idle(), b.deps.changes.idle()]);
        expect([a.app.deps.engine.getSite(siteId)?.id, b.deps.engine.getSite(siteId)?.id]).toEqual([siteId, siteId]);
      },
      { timeout: 5000, interval: 20 },
    );
  return { a, b, bUrl: `http://127.0.0.1:${port}`, nodeA, nodeB, logA, logB, pollChanges, stop: () => b.stop() };
}
