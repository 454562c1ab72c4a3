import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { countingChecker, engineHarness, firstCheckHeld, holdRequests, httpTarget, received } from './harness.ts';

const TOKEN = 'feedfacefeedfacefeedfacefeedface';

describe('engine: site changes', () => {
  it('HTTP → PUSH mid-check: the old type’s result is dropped and the token is accepted at once', async () => {
    const { h, hold, id } = await firstCheckHeld();
    await h.updateSite(id, { type: 'PUSH', url: null, pushToken: TOKEN, interval: 300 });
    await h.engine.siteChanged(id);
    hold.release(500);
    await h.settle();
    expect(h.engine.getState(id)).toMatchObject({ type: 'PUSH', status: 'PENDING', lastCheckAt: null, failureCount: 0 });
    expect(await h.db.check.count()).toBe(0);
    expect(h.events['site:checkCompleted']).toEqual([]);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
    expect(h.engine.getState(id)!.status).toBe('UP');
  });

  it('a pause and resume during a check do not start a second check alongside it', async () => {
    const web = await httpTarget();
    const hold = holdRequests(web);
    const { runCheck, counts } = countingChecker();
    const h = await engineHarness({ start: false, runCheck });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.engine.start();
    await h.clock.advanceAsync(0);
    await hold.waitFor(1);
    for (const paused of [true, false]) {
      await h.updateSite(id, { paused });
      await h.engine.siteChanged(id);
    }
    await h.clock.advanceAsync(0);
    expect(counts.active).toBe(1);
    // The resume's check runs once the first has ended.
    hold.release(500);
    await hold.waitFor(1);
    hold.release(200);
    await h.settle();
    expect(counts.maxActive).toBe(1);
    expect(web.requests).toHaveLength(2);
    expect(h.engine.getState(id)).toMatchObject({ paused: false, status: 'UP' });
  });

  it('HTTP → PUSH: the monitor starts PENDING, so it is not judged overdue against its old checks', async () => {
    const web = await httpTarget();
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'job', type: 'HTTP', url: web.url, interval: 60 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    await h.tick(60_001);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    await h.updateSite(id, { type: 'PUSH', url: null, pushToken: TOKEN, interval: 60 });
    await h.engine.siteChanged(id);
    // Well past interval + grace of the last HTTP check: a kept UP state would have gone DOWN and alerted.
    await h.tick(600_000);
    await h.settle();
    expect(h.engine.getState(id)).toMatchObject({ type: 'PUSH', status: 'PENDING', lastCheckAt: null });
    expect(received(receiver, 'ops')).toEqual([]);
    expect(await h.db.siteRuntimeState.findUnique({ where: { siteId: id } })).toMatchObject({ status: 'PENDING', lastCheckAt: null });
  });

  it('PUSH → HTTP: the token is refused from then on, and the push deadline no longer applies', async () => {
    const web = await httpTarget();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 300 });
    await h.engine.start();
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: true, siteId: id });
    // The services keep the token in the row when the type changes.
    await h.updateSite(id, { type: 'HTTP', url: web.url });
    await h.engine.siteChanged(id);
    await h.settle();
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: false, reason: 'unknown-token' });
    expect(web.requests).toHaveLength(1);
    // Past the old LATE deadline (300 s) the site is judged by its HTTP checks only.
    await h.tick(300_001);
    expect(web.requests).toHaveLength(2);
    expect(h.engine.getState(id)).toMatchObject({ type: 'HTTP', status: 'UP' });
  });

  it('a removed site leaves no timer, token or group link behind', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const group = await h.createSite({ name: 'grp', type: 'GROUP', interval: 60 });
    const push = await h.createSite({ name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 300, parentId: group });
    const http = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, renotifyMinutes: 10 });
    await h.createWebhook(receiver, 'ops', [http]);
    await h.engine.start();
    h.engine.heartbeat(TOKEN);
    await h.tick(0);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
    expect(h.engine.getState(group)!.status).toBe('UP');
    const timers = h.clock.pendingTimers;

    // The HTTP site had its re-notification timer; its next check and the push deadline were due times on the
    // scheduler's one timer, which the group still needs.
    await h.writer.submit((tx) => tx.site.deleteMany({ where: { id: { in: [http, push] } } }));
    h.engine.siteRemoved(http);
    h.engine.siteRemoved(push);
    await h.flushEvents();
    expect(h.clock.pendingTimers).toBe(timers - 1);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: false, reason: 'unknown-token' });
    // The group lost its only child: PENDING again, at once.
    expect(h.engine.getState(group)!.status).toBe('PENDING');
    const requests = web.requests.length;
    const ranBefore = h.events['site:checkCompleted'].filter((c) => c.siteId === http || c.siteId === push).length;
    await h.tick(3_600_000);
    await h.flushEvents();
    expect(received(receiver, 'ops')).toHaveLength(1);
    expect(web.requests).toHaveLength(requests);
    expect(h.events['site:checkCompleted'].filter((c) => c.siteId === http || c.siteId === push)).toHaveLength(ranBefore);
  });

  it('announces each configuration change it applies, from a command or the reconcile, and no removal for a reload', async () => {
    const h = await engineHarness();
    const id = await h.createSite({ name: 'job', type: 'PUSH', pushToken: TOKEN, interval: 300 });
    await h.engine.siteChanged(id);
    await h.updateSite(id, { name: 'nightly job' });
    await h.engine.siteChanged(id);
    // Changed behind the engine's back (the CLI, another instance): the reconcile finds it.
    await h.updateSite(id, { interval: 600 });
    await h.engine.reconcileNow();
    await h.engine.reload();
    await h.writer.submit((tx) => tx.site.delete({ where: { id } }));
    h.engine.siteRemoved(id);
    await h.flushEvents();
    expect(h.events['site:changed']).toEqual([
      { siteId: id, removed: false },
      { siteId: id, removed: false },
      { siteId: id, removed: false },
      { siteId: id, removed: true },
    ]);
  });

  it('stop() leaves no engine timer behind, and calls made after it arm none', async () => {
    const web = await httpTarget();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    const writerTimers = h.clock.pendingTimers;
    await h.engine.start();
    await h.tick(0);
    expect(h.clock.pendingTimers).toBeGreaterThan(writerTimers);
    await h.engine.stop();
    expect(h.clock.pendingTimers).toBe(writerTimers);
    h.engine.siteRemoved(id);
    await h.engine.siteChanged(id);
    await h.engine.maintenanceChanged();
    h.engine.setActive(false);
    expect(h.clock.pendingTimers).toBe(writerTimers);
    await h.writer.stop();
    expect(h.clock.pendingTimers).toBe(0);
  });
});
