import { describe, expect, it } from 'vitest';
import type { Prisma } from '../../src/generated/prisma/client.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { failuresOf, systemClockEngine } from './system-clock-engine.ts';
import { engineHarness, received, T0, type EngineHarness } from './harness.ts';

const TOKEN = 'f4e5f4e5f4e5f4e5f4e5f4e5f4e5f4e5';
const MINUTE = 60_000;

/** A push monitor "job" alerting to the receiver's `/ops`, beaten once at T0. */
async function beatenJob(site: { interval: number; maxRetries?: number }) {
  const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' } });
  const receiver = await startReceiver();
  const id = await h.createSite({ name: 'job', type: 'PUSH', pushToken: TOKEN, interval: site.interval, maxRetries: site.maxRetries ?? 0 });
  await h.createWebhook(receiver, 'ops', [id]);
  await h.engine.start();
  expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
  return { h, receiver, id };
}

/** An edit through the API's path: the row written, then the engine told. */
async function edit(h: EngineHarness, id: number, data: Prisma.SiteUncheckedUpdateInput): Promise<void> {
  await h.updateSite(id, data);
  await h.engine.siteChanged(id);
  await h.tick(0);
}

describe('engine: a push monitor starts a fresh period when the rule it is judged by changes', () => {
  it('interval 1 h → 5 min, 30 min after the beat: no page at the edit; LATE, STALE, DOWN count from the edit', async () => {
    const { h, receiver, id } = await beatenJob({ interval: 3600 });
    await h.tick(30 * MINUTE);
    const editedAt = h.clock.nowMs();
    await edit(h, id, { interval: 300 });
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(received(receiver, 'ops')).toEqual([]);

    await h.tick(300_000);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await h.tick(149_999);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('STALE');
    expect(received(receiver, 'ops')).toEqual([]);
    await h.tick(1);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => [a.event, a.message, a.timestamp])).toEqual([
      ['down', "Push Monitor 'job' missed heartbeat.", new Date(editedAt + 450_001).toISOString()],
    ]);
    const changes = await h.db.stateChange.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => [c.fromStatus, c.toStatus, c.changedAt.getTime() - editedAt])).toEqual([
      ['UP', 'LATE', 300_001],
      ['LATE', 'STALE', 375_001],
      ['STALE', 'DOWN', 450_001],
    ]);
  });

  it('a beat after the edit counts from the beat, as always', async () => {
    const { h, receiver, id } = await beatenJob({ interval: 3600 });
    await h.tick(30 * MINUTE);
    await edit(h, id, { interval: 300 });
    await h.tick(200_000);
    h.engine.heartbeat(TOKEN);
    await h.tick(300_000);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await h.settle();
    expect(received(receiver, 'ops')).toEqual([]);
  });

  it('retries 3 → 0 after two failures were counted: no page at the edit, DOWN one interval plus grace later', async () => {
    const { h, receiver, id } = await beatenJob({ interval: 300, maxRetries: 3 });
    await h.tick(700_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 2 });
    const editedAt = h.clock.nowMs();
    await edit(h, id, { maxRetries: 0 });
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(received(receiver, 'ops')).toEqual([]);
    await h.tick(450_001);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => [a.event, a.timestamp])).toEqual([['down', new Date(editedAt + 450_001).toISOString()]]);
  });

  it('an edit that leaves the rule alone (a rename) keeps the deadlines of the last beat', async () => {
    const { h, receiver, id } = await beatenJob({ interval: 300 });
    await h.tick(200_000);
    await edit(h, id, { name: 'nightly' });
    await h.tick(250_001);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => [a.event, a.message, a.timestamp])).toEqual([
      ['down', "Push Monitor 'nightly' missed heartbeat.", new Date(T0 + 450_001).toISOString()],
    ]);
  });

  it('resumed a day after its last beat: no page at the resume; DOWN one interval plus grace after it', async () => {
    const { h, receiver, id } = await beatenJob({ interval: 300 });
    await h.tick(100_000);
    await edit(h, id, { paused: true });
    await h.tick(86_400_000);
    const resumedAt = h.clock.nowMs();
    await edit(h, id, { paused: false });
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(received(receiver, 'ops')).toEqual([]);
    await h.tick(450_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('STALE');
    await h.tick(1);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => [a.event, a.message, a.timestamp])).toEqual([
      ['down', "Push Monitor 'job' missed heartbeat.", new Date(resumedAt + 450_001).toISOString()],
    ]);
  });
});

describe('engine: a fresh period after an edit, on the system clock', () => {
  it('retries 5 → 4 after the first failure: the next failure counts two intervals after the edit, not after the beat', async () => {
    // Interval 1 s with retries: one failure counts per interval, the first just past one interval after the beat.
    const { engine, pubsub, prepared: writer } = await systemClockEngine(async (writer) => writer);
    const site = await writer.submit((tx) => tx.site.create({ data: { name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 1, maxRetries: 5 } }));
    const failures = failuresOf(pubsub);
    await engine.start();
    const beatAt = Date.now();
    expect(engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: site.id });
    const first = await failures.next();
    expect(first.checkedAt.getTime() - beatAt).toBeGreaterThan(1000);

    await writer.submit((tx) => tx.site.update({ where: { id: site.id }, data: { maxRetries: 4 } }));
    const editedAt = Date.now();
    await engine.siteChanged(site.id);
    const second = await failures.next();
    await failures.stop();
    // Counted from the beat it came one interval after the first; from the edit it waits the fresh period's two.
    expect(second.checkedAt.getTime() - editedAt).toBeGreaterThan(2000);
    expect(engine.getState(site.id)).toMatchObject({ status: 'UP', failureCount: 2 });
  });
});
