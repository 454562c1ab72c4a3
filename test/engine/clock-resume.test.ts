import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { engineHarness, httpTarget, received, T0 } from './harness.ts';

const TOKEN = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0';
const DAY_MS = 86_400_000;

/** The machine sleeps: the wall clock moves on, the monotonic one (on which timers wait) does not. */
const suspend = (h: { clock: { set(ms: number): void; nowMs(): number } }, ms: number) => h.clock.set(h.clock.nowMs() + ms);

describe('the engine after the machine was suspended for days (wall clock ahead of its timers)', () => {
  it('gives a push monitor one interval plus grace from the resume instead of alerting every push monitor DOWN', async () => {
    const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' } });
    const receiver = await startReceiver();
    const ids: number[] = [];
    for (const name of ['backup', 'billing']) {
      const id = await h.createSite({ name, type: 'PUSH', pushToken: `${name}${TOKEN}`.slice(0, 32), interval: 300 });
      await h.createWebhook(receiver, `ops-${name}`, [id]);
      ids.push(id);
    }
    await h.engine.start();
    for (const name of ['backup', 'billing']) expect(h.engine.heartbeat(`${name}${TOKEN}`.slice(0, 32)).ok).toBe(true);
    await h.tick(200_000);
    suspend(h, 3 * DAY_MS);
    // The timers wake where they would have: the beats the jobs sent meanwhile were refused, not missed.
    await h.tick(100_001);
    await h.settle();
    expect(ids.map((id) => h.engine.getState(id)!.status)).toEqual(['UP', 'UP']);
    expect([...received(receiver, 'ops-backup'), ...received(receiver, 'ops-billing')]).toEqual([]);
    expect(h.engine.logs().map((l) => l.message)).toContain('The clock jumped 3d 0h ahead (machine resumed?): push deadlines count from now');
    // Silence after the resume is judged as ever: DOWN one interval plus grace (450 s) later, alerted once.
    await h.tick(450_000);
    await h.settle();
    expect(ids.map((id) => h.engine.getState(id)!.status)).toEqual(['STALE', 'STALE']);
    await h.tick(1);
    await h.settle();
    expect(ids.map((id) => h.engine.getState(id)!.status)).toEqual(['DOWN', 'DOWN']);
    expect(received(receiver, 'ops-backup').map((a) => a.event)).toEqual(['down']);
  });

  it('tells an outage held back by a recurring window whose occurrence ended during the sleep at the next look, not when the stale timer wakes', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    // 00:30 UTC; the reconcile looks every 30 s.
    const h = await engineHarness({ start: false, now: T0 + 30 * 60_000, env: { UPTOP_RECONCILE_INTERVAL: '30s' } });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 86_400 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.writer.submit((tx) =>
      tx.maintenanceWindow.create({
        data: { title: 'nightly', startsAt: new Date(T0), recurrence: '0 0 * * *', durationMinutes: 120, timezone: 'UTC' },
      }),
    );
    await h.engine.start();
    await h.tick(30_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops')).toEqual([]);
    // Asleep from 00:31 to 03:31 two days later: that night's window ended at 02:00 while the machine slept.
    suspend(h, 2 * DAY_MS + 3 * 3_600_000);
    const resumedAt = h.clock.nowMs();
    // Within one reconcile interval, not 90 minutes on, when the timer armed for 02:00 would wake.
    await h.tick(30_000);
    await h.settle();
    expect(h.engine.isInMaintenance(id)).toBe(false);
    const alerts = received(receiver, 'ops');
    expect(alerts.map((a) => a.event)).toEqual(['down']);
    expect(Date.parse(alerts[0]!.timestamp)).toBeGreaterThanOrEqual(resumedAt);
    await h.tick(2 * 3_600_000);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(1);
  });
});
