import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { engineHarness, received, T0 } from './harness.ts';

const TOKEN = '0123456789abcdef0123456789abcdef';

async function pushSite(interval: number, extra: { maxRetries?: number; name?: string } = {}) {
  // Nothing changes behind the engine's back here: a slow reconcile keeps long fake-time spans quick.
  const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' } });
  const receiver = await startReceiver();
  const id = await h.createSite({ name: extra.name ?? 'job', type: 'PUSH', pushToken: TOKEN, interval, maxRetries: extra.maxRetries ?? 0 });
  await h.createWebhook(receiver, 'ops', [id]);
  await h.engine.start();
  return { h, receiver, id };
}

describe('engine: push monitors', () => {
  it('stays PENDING until the first beat, however long; unknown tokens are refused', async () => {
    const { h, id } = await pushSite(60);
    await h.tick(86_400_000);
    expect(h.engine.getState(id)!.status).toBe('PENDING');
    expect(h.engine.heartbeat('f'.repeat(32))).toEqual({ ok: false, reason: 'unknown-token' });
    await h.settle();
    expect(await h.db.check.count()).toBe(0);
  });

  it('interval 300: UP on a beat, LATE after 300 s, STALE after 375 s, DOWN after 450 s, then recovery on a beat', async () => {
    const { h, receiver, id } = await pushSite(300);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0) });
    const statusAfter = async (ms: number) => {
      await h.tick(ms);
      return h.engine.getState(id)!.status;
    };
    expect(await statusAfter(300_000)).toBe('UP');
    expect(await statusAfter(1)).toBe('LATE');
    expect(await statusAfter(74_999)).toBe('LATE');
    expect(await statusAfter(1)).toBe('STALE');
    expect(await statusAfter(74_999)).toBe('STALE');
    expect(await statusAfter(1)).toBe('DOWN');
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.title, a.message])).toEqual([['down', '🚨 ALERT', "Push Monitor 'job' missed heartbeat."]]);

    await h.tick(150_000);
    h.engine.heartbeat(TOKEN);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([
      ['down', "Push Monitor 'job' missed heartbeat."],
      ['up', "Push Monitor 'job' is receiving heartbeats. (was down 2m)"],
    ]);
    const changes = await h.db.stateChange.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => [c.fromStatus, c.toStatus, c.reason, c.changedAt.getTime() - T0])).toEqual([
      ['UP', 'LATE', 'heartbeat overdue', 300_001],
      ['LATE', 'STALE', 'heartbeat stale', 375_001],
      ['STALE', 'DOWN', 'heartbeat missed', 450_001],
      ['DOWN', 'UP', '', 600_001],
    ]);
    const checks = await h.db.check.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(checks.map((c) => [c.up, c.status])).toEqual([
      [true, 'UP'],
      [false, 'LATE'],
      [false, 'STALE'],
      [false, 'DOWN'],
      [true, 'UP'],
    ]);
    const logs = h.engine.logs().map((l) => l.message);
    expect(logs).toContain("Push Monitor 'job' received first heartbeat");
    expect(logs).toContain("Monitor 'job' heartbeat overdue");
    expect(logs).toContain("Push Monitor 'job' recovered (was down 2m)");
  });

  it('interval 10: the grace is 60 s, so DOWN comes 70 s after the beat', async () => {
    const { h, id } = await pushSite(10);
    h.engine.heartbeat(TOKEN);
    await h.tick(70_000);
    expect(h.engine.getState(id)!.status).toBe('STALE');
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('DOWN');
  });

  it('MaxRetries counts one failure per interval: interval 300, maxRetries 1 gives a LATE check at 300 s and DOWN at 600 s', async () => {
    const { h, receiver, id } = await pushSite(300, { maxRetries: 1 });
    h.engine.heartbeat(TOKEN);
    await h.tick(300_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 0 });
    await h.tick(1);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    expect(h.engine.logs().map((l) => l.message)).toContain("Monitor 'job' failed check 1/1");
    // The STALE and DOWN deadlines pass, but the retry lasts a whole interval.
    await h.tick(299_999);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', failureCount: 1 });
    await h.tick(1);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', failureCount: 2 });
    await h.settle();
    await h.flushEvents();
    expect(h.events['site:checkCompleted'].map((c) => [c.status, c.checkedAt.getTime() - T0])).toEqual([
      ['UP', 0],
      ['LATE', 300_001],
      ['DOWN', 600_001],
    ]);
    expect(h.events['site:statusChanged'].map((c) => [c.from, c.to, c.changedAt.getTime() - T0])).toEqual([['UP', 'DOWN', 600_001]]);
    expect(received(receiver, 'ops').map((a) => [a.event, a.timestamp])).toEqual([['down', new Date(T0 + 600_001).toISOString()]]);
  });

  it('a first beat that reports a failure, counted as a retry, starts the deadlines: the job that then falls silent goes DOWN', async () => {
    const { h, receiver, id } = await pushSite(300, { maxRetries: 1 });
    h.engine.heartbeat(TOKEN, { down: true, message: 'exit 3' });
    expect(h.engine.getState(id)).toMatchObject({ status: 'PENDING', failureCount: 1 });
    // The failure reported counts as this interval's: the silence that follows counts from the next one.
    await h.tick(600_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'PENDING', failureCount: 1 });
    await h.tick(1);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', failureCount: 2, lastError: 'heartbeat missed' });
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([['down', "Push Monitor 'job' missed heartbeat."]]);
  });

  it('a fresh heartbeat is not overwritten by the DOWN its old deadline would have given', async () => {
    const { h, receiver, id } = await pushSite(10);
    h.engine.heartbeat(TOKEN);
    await h.tick(69_000);
    expect(h.engine.getState(id)!.status).toBe('STALE');
    expect(h.engine.heartbeat(TOKEN).ok).toBe(true);
    // Past the old DOWN deadline (70 s), short of the new LATE one (79 s).
    await h.tick(2_000);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(8_000);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await h.settle();
    expect(received(receiver, 'ops')).toEqual([]);
  });

  it('a beat exactly at a deadline is on time, and two beats in one millisecond are two checks counting from then', async () => {
    const { h, receiver, id } = await pushSite(300);
    h.engine.heartbeat(TOKEN);
    await h.tick(300_000);
    h.engine.heartbeat(TOKEN);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(375_001);
    expect(h.engine.getState(id)!.status).toBe('STALE');
    // A beat at that beat's DOWN deadline (450 s) still comes in time.
    await h.tick(74_999);
    expect(h.engine.getState(id)!.status).toBe('STALE');
    h.engine.heartbeat(TOKEN);
    h.engine.heartbeat(TOKEN);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(300_000);
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.tick(1);
    expect(h.engine.getState(id)!.status).toBe('LATE');
    await h.settle();
    expect(received(receiver, 'ops')).toEqual([]);
    const checks = await h.db.check.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(checks.map((c) => [c.status, c.checkedAt.getTime() - T0])).toEqual([
      ['UP', 0],
      ['UP', 300_000],
      ['LATE', 600_001],
      ['STALE', 675_001],
      ['UP', 750_000],
      ['UP', 750_000],
      ['LATE', 1_050_001],
    ]);
  });

  it('a heartbeat is accepted only while the engine is active', async () => {
    const { h, id } = await pushSite(60);
    h.engine.setActive(false);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: false, reason: 'inactive' });
    expect(h.engine.getState(id)!.status).toBe('PENDING');
    h.engine.setActive(true);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
  });

  it('each accepted heartbeat is one check row and one checkCompleted event', async () => {
    const { h, id } = await pushSite(60);
    for (let i = 0; i < 3; i++) {
      h.engine.heartbeat(TOKEN);
      await h.tick(1000);
    }
    await h.settle();
    expect(await h.db.check.count({ where: { siteId: id, up: true, status: 'UP' } })).toBe(3);
    expect(h.events['site:checkCompleted'].filter((c) => c.siteId === id)).toHaveLength(3);
  });
});
