import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { engineHarness, holdRequests, httpTarget, received, T0, type EngineHarness } from './harness.ts';

const TOKEN = 'c0ffeec0ffeec0ffeec0ffeec0ffeec0';

async function setPaused(h: EngineHarness, id: number, paused: boolean): Promise<void> {
  await h.updateSite(id, { paused });
  await h.engine.siteChanged(id);
}

describe('engine: paused means silent', () => {
  it('a paused DOWN site sends no re-notification; resuming re-arms them, counting from the resume', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' } });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 300, renotifyMinutes: 10 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);

    await setPaused(h, id, true);
    for (let i = 0; i < 12; i++) await h.tick(10 * 60_000);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(1);
    expect(web.requests).toHaveLength(1);

    await setPaused(h, id, false);
    await h.tick(0);
    expect(web.requests).toHaveLength(2);
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    await h.tick(10 * 60_000 - 1);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(1);
    await h.tick(1);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.message)).toEqual([
      "Monitor 'web' is DOWN: HTTP 500 (expected 200-299)",
      "Monitor 'web' is DOWN: HTTP 500 (expected 200-299) (still down after 2h 10m)",
    ]);
  });

  it('a result in flight when the site is paused is dropped: the status stays, and the outage it saw alerts once resumed', async () => {
    const web = await httpTarget();
    const hold = holdRequests(web);
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    await h.clock.advanceAsync(0);
    await hold.waitFor(1);
    await setPaused(h, id, true);
    hold.release(500);
    await h.settle();
    expect(h.engine.getState(id)).toMatchObject({ status: 'PENDING', lastAlertAt: null });
    expect(await h.db.check.count()).toBe(0);
    expect(received(receiver, 'ops')).toEqual([]);

    // Applied silently, that DOWN made every check after the resume DOWN → DOWN: the outage was never alerted.
    await setPaused(h, id, false);
    await hold.waitFor(1);
    hold.release(500);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
  });

  it('a paused push monitor is not judged, and a beat while paused brings it UP without a recovery alert', async () => {
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false, env: { UPTOP_RECONCILE_INTERVAL: '1h' } });
    const id = await h.createSite({ name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 10 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    h.engine.heartbeat(TOKEN);
    await h.tick(70_001);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');

    await setPaused(h, id, true);
    h.engine.heartbeat(TOKEN);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    // Long past every deadline of that beat: a paused monitor is not judged.
    await h.tick(3_600_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
    expect(h.engine.logs().map((l) => l.message)).toContain("Recovery alert for 'job' suppressed (paused)");

    // Resumed, it starts a fresh period: the hour it was paused is not held against the job. The recovery held back
    // while paused is told now, and the next DOWN is a new outage, one interval plus grace after the resume.
    const resumedAt = h.clock.nowMs();
    await setPaused(h, id, false);
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([
      ['down', "Push Monitor 'job' missed heartbeat."],
      ['up', "Monitor 'job' is UP (it recovered while its alerts were held back)"],
    ]);
    await h.tick(70_000);
    expect(h.engine.getState(id)!.status).toBe('STALE');
    await h.tick(1);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.timestamp])).toEqual([
      ['down', new Date(T0 + 70_001).toISOString()],
      ['up', new Date(resumedAt).toISOString()],
      ['down', new Date(resumedAt + 70_001).toISOString()],
    ]);
  });

  it('a paused group follows no child and alerts nothing; resumed, it is evaluated at once', async () => {
    const web = await httpTarget();
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const group = await h.createSite({ name: 'shop', type: 'GROUP', interval: 60 });
    const child = await h.createSite({ name: 'api', type: 'HTTP', url: web.url, interval: 60, parentId: group });
    await h.createWebhook(receiver, 'team', [group]);
    await h.engine.start();
    await h.tick(0);
    await h.engine.checkNow(group);
    expect(h.engine.getState(group)!.status).toBe('UP');

    await setPaused(h, group, true);
    web.reply({ status: 502 });
    await h.engine.checkNow(child);
    await h.tick(600_000);
    await h.settle();
    expect(h.engine.getState(child)!.status).toBe('DOWN');
    expect(h.engine.getState(group)!.status).toBe('UP');
    expect(received(receiver, 'team')).toEqual([]);

    await setPaused(h, group, false);
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(group)!.status).toBe('DOWN');
    expect(received(receiver, 'team').map((a) => a.event)).toEqual(['down']);
  });
});
