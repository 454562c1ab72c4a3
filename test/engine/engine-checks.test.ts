import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/alerts/crypto.ts';
import { UnknownSiteError } from '../../src/engine/errors.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { createCertificate } from '../helpers/targets.ts';
import { countingChecker, engineHarness, firstCheckHeld, holdRequests, httpTarget, received, T0 } from './harness.ts';

describe('engine: outbound checks', () => {
  it('checks a site at once after start, then every interval, writing and publishing each check', async () => {
    const web = await httpTarget();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.engine.start();
    await h.tick(0);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', statusCode: 200, failureCount: 0, lastCheckAt: new Date(T0) });
    await h.tick(59_999);
    expect(web.requests).toHaveLength(1);
    await h.tick(1);
    expect(web.requests).toHaveLength(2);
    await h.settle();
    const checks = await h.db.check.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(checks.map((c) => [c.up, c.status, c.statusCode, c.checkedAt.getTime()])).toEqual([
      [true, 'UP', 200, T0],
      [true, 'UP', 200, T0 + 60_000],
    ]);
    expect(h.events['site:checkCompleted'].map((c) => c.siteId)).toEqual([id, id]);
    // PENDING→UP is never a recorded state change.
    expect(h.events['site:statusChanged']).toEqual([]);
    expect(await h.db.stateChange.count()).toBe(0);
    expect(await h.db.siteRuntimeState.findUnique({ where: { siteId: id } })).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0) });
  });

  it('persists the check time of routine results at most every 5 minutes, a change of status or retries at once, and the rest at stop', async () => {
    const web = await httpTarget();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, maxRetries: 1 });
    const saved = async () => {
      await h.settle();
      return h.db.siteRuntimeState.findUnique({ where: { siteId: id } });
    };
    await h.engine.start();
    await h.tick(0);
    expect(await saved()).toMatchObject({ status: 'UP', lastCheckAt: new Date(T0) });
    await h.tick(4 * 60_000);
    expect(await saved()).toMatchObject({ lastCheckAt: new Date(T0) });
    await h.tick(60_000);
    expect(await saved()).toMatchObject({ lastCheckAt: new Date(T0 + 5 * 60_000) });

    web.reply({ status: 503 });
    await h.tick(60_000);
    expect(await saved()).toMatchObject({ status: 'UP', failureCount: 1, lastCheckAt: new Date(T0 + 6 * 60_000) });
    web.reply({ status: 200 });
    await h.tick(60_000);
    expect(await saved()).toMatchObject({ failureCount: 0, lastCheckAt: new Date(T0 + 7 * 60_000) });
    await h.tick(60_000);
    expect(await saved()).toMatchObject({ lastCheckAt: new Date(T0 + 7 * 60_000) });

    await h.engine.stop();
    expect(await saved()).toMatchObject({ status: 'UP', failureCount: 0, lastCheckAt: new Date(T0 + 8 * 60_000) });
  });

  it('needs MaxRetries+1 failures, alerts once, and recovers with the outage duration', async () => {
    const web = await httpTarget();
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, maxRetries: 2 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    await h.tick(0);
    web.reply({ status: 503 });
    await h.tick(60_000);
    await h.tick(60_000);
    const beforeDown = h.engine.getState(id)!;
    expect(beforeDown).toMatchObject({ status: 'UP', failureCount: 2 });
    expect(received(receiver, 'ops')).toEqual([]);
    await h.tick(60_000);
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', failureCount: 3, lastError: 'HTTP 503 (expected 200-299)' });
    // getState hands out the engine's own object, uncopied: the engine replaces it and never changes it in place.
    expect(beforeDown).toMatchObject({ status: 'UP', failureCount: 2 });
    await h.tick(60_000);
    await h.tick(60_000);
    expect(received(receiver, 'ops')).toEqual([
      expect.objectContaining({ event: 'down', title: '🚨 ALERT', message: "Monitor 'web' is DOWN: HTTP 503 (expected 200-299)" }),
    ]);
    web.reply({ status: 200 });
    await h.tick(60_000);
    expect(received(receiver, 'ops').map((a) => [a.event, a.title, a.message])).toEqual([
      ['down', '🚨 ALERT', "Monitor 'web' is DOWN: HTTP 503 (expected 200-299)"],
      ['up', '✅ RECOVERY', "Monitor 'web' is UP (was down 3m)"],
    ]);
    await h.settle();
    const changes = await h.db.stateChange.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => [c.fromStatus, c.toStatus, c.reason, c.changedAt.getTime()])).toEqual([
      ['UP', 'DOWN', 'HTTP 503 (expected 200-299)', T0 + 180_000],
      ['DOWN', 'UP', '', T0 + 360_000],
    ]);
    expect(h.events['site:statusChanged'].map((c) => `${c.from}>${c.to}`)).toEqual(['UP>DOWN', 'DOWN>UP']);
    const logs = h.engine.logs().map((l) => l.message);
    expect(logs).toContain("Monitor 'web' failed check 1/2");
    expect(logs).toContain("Monitor 'web' confirmed DOWN: HTTP 503 (expected 200-299)");
    expect(logs).toContain("Monitor 'web' recovered (was down 3m)");
    const health = await h.db.alertHealth.findFirstOrThrow();
    expect(health).toMatchObject({ lastSendOk: true, sendCount: 2, failCount: 0 });
  });

  it('sends every alert to each of the site’s channels', async () => {
    const web = await httpTarget();
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    const other = await h.createSite({ name: 'other', type: 'HTTP', url: web.url, interval: 60 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.createWebhook(receiver, 'pager', [id, other]);
    await h.createWebhook(receiver, 'unrelated', [other]);
    await h.engine.start();
    await h.tick(0);
    web.handle((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    await h.engine.checkNow(id);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.message)).toEqual(["Monitor 'web' is DOWN: HTTP 500 (expected 200-299)"]);
    expect(received(receiver, 'pager').map((a) => a.message)).toEqual(["Monitor 'web' is DOWN: HTTP 500 (expected 200-299)"]);
    expect(received(receiver, 'unrelated')).toEqual([]);
    expect(received(receiver, 'ops')[0]!.site).toEqual({ id, name: 'web', status: 'DOWN' });
  });

  it('warns about a certificate close to expiry once, and alerts for an expired one', async () => {
    const soon = await httpTarget(await createCertificate(5));
    const expired = await httpTarget(await createCertificate(-2));
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false, now: Date.now() });
    const a = await h.createSite({ name: 'soon', type: 'HTTP', url: soon.url, interval: 60, checkSsl: true, ignoreTls: true, expiryThreshold: 7 });
    const b = await h.createSite({ name: 'old', type: 'HTTP', url: expired.url, interval: 60, checkSsl: true, ignoreTls: true });
    await h.createWebhook(receiver, 'ops', [a, b]);
    await h.engine.start();
    await h.tick(0);
    await h.tick(60_000);
    await h.settle();
    expect(h.engine.getState(a)).toMatchObject({ status: 'UP', hasSsl: true, sentSslWarning: true });
    expect(h.engine.getState(b)).toMatchObject({ status: 'SSL_EXPIRED', lastError: 'SSL certificate expired' });
    const alerts = received(receiver, 'ops').map((r) => [r.event, r.title, r.message]);
    expect(alerts).toHaveLength(2);
    expect(alerts).toContainEqual(['ssl_expiring', 'SSL WARNING', expect.stringMatching(/^SSL for 'soon' expires in [45] days$/)]);
    expect(alerts).toContainEqual(['down', '🚨 ALERT', "Monitor 'old' is DOWN: SSL certificate expired"]);
  });

  it('checks that a redirect is in place with maxRedirects 0, and follows it again when the site is changed back', async () => {
    const web = await httpTarget();
    web.handle((req, res) => {
      res.writeHead(req.url === '/' ? 301 : 200, req.url === '/' ? { location: '/home' } : {});
      res.end();
    });
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, acceptedCodes: '301', maxRedirects: 0 });
    await h.engine.start();
    await h.tick(0);
    expect(h.engine.getState(id)).toMatchObject({ status: 'UP', statusCode: 301 });
    expect(web.requests.map((r) => r.path)).toEqual(['/']);
    await h.updateSite(id, { maxRedirects: 10 });
    await h.engine.siteChanged(id);
    await h.settle();
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', statusCode: 200, lastError: 'HTTP 200 (expected 301)' });
    expect(web.requests.map((r) => r.path)).toEqual(['/', '/', '/home']);
  });

  it('a pause made during a check survives the check, which is dropped: a paused site keeps its status', async () => {
    const { h, web, hold, id } = await firstCheckHeld();
    await h.updateSite(id, { paused: true });
    await h.engine.siteChanged(id);
    hold.release(500);
    await h.settle();
    expect(h.engine.getState(id)).toMatchObject({ paused: true, status: 'PENDING' });
    expect(await h.db.check.count()).toBe(0);
    expect(h.engine.displayStatus(id)).toBe('PAUSED');
    expect(h.engine.logs().map((l) => l.message)).toContain("Monitor 'web' paused");
    await h.tick(3_600_000);
    expect(web.requests).toHaveLength(1);
    await h.updateSite(id, { paused: false });
    await h.engine.siteChanged(id);
    await hold.waitFor(1);
    hold.release(200);
    await h.settle();
    expect(web.requests).toHaveLength(2);
    expect(h.engine.getState(id)).toMatchObject({ paused: false, status: 'UP' });
  });

  it('an edit made during a check survives, and the site is checked again right after with the new config', async () => {
    const { h, web, hold, id } = await firstCheckHeld('old');
    await h.updateSite(id, { name: 'renamed', url: `${web.url}new`, interval: 300 });
    await h.engine.siteChanged(id);
    hold.release(200);
    await hold.waitFor(1);
    expect(hold.held[0]!.path).toBe('/new');
    hold.release(200);
    await h.settle();
    expect(h.engine.getState(id)).toMatchObject({ name: 'renamed', status: 'UP' });
    // The next scheduled check follows the new interval.
    await h.tick(299_999);
    expect(web.requests).toHaveLength(2);
    await h.clock.advanceAsync(1);
    await hold.waitFor(1);
    hold.release(200);
    await h.settle();
    expect(web.requests.map((r) => r.path)).toEqual(['/old', '/new', '/new']);
  });

  it('a site removed mid-check is not recreated and leaves no rows behind', async () => {
    const { h, web, hold, id } = await firstCheckHeld();
    await h.writer.submit((tx) => tx.site.delete({ where: { id } }));
    h.engine.siteRemoved(id);
    hold.release(500);
    await h.settle();
    expect(h.engine.getState(id)).toBeUndefined();
    expect(await h.db.check.count()).toBe(0);
    expect(await h.db.siteRuntimeState.count()).toBe(0);
    expect(h.events['site:checkCompleted']).toEqual([]);
    await h.tick(600_000);
    expect(web.requests).toHaveLength(1);
  });

  it('checkNow during a check runs one more check after it, and the newer result stands', async () => {
    const { h, web, hold, id } = await firstCheckHeld();
    let done = false;
    const now = h.engine.checkNow(id).then(() => (done = true));
    hold.release(500);
    await hold.waitFor(1);
    expect(done).toBe(false);
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    hold.release(200);
    await now;
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(web.requests).toHaveLength(2);
  });

  it('opens a sealed auth secret for the check; one that does not open makes the site DOWN with the reason', async () => {
    const web = await httpTarget();
    const h = await engineHarness({ start: false });
    const good = await h.createSite({ name: 'good', type: 'HTTP', url: web.url, interval: 60, authType: 'BEARER', authSecret: h.secretBox.seal('s3cret') });
    const foreign = createSecretBox(Buffer.alloc(32, 7)).seal('other');
    const bad = await h.createSite({ name: 'bad', type: 'HTTP', url: web.url, interval: 60, authType: 'BEARER', authSecret: foreign });
    await h.engine.start();
    await h.tick(0);
    expect(web.requests.map((r) => r.headers.authorization)).toEqual(['Bearer s3cret']);
    expect(h.engine.getState(good)!.status).toBe('UP');
    expect(h.engine.getState(bad)).toMatchObject({ status: 'DOWN', lastError: expect.stringMatching(/^cannot use the stored auth secret: /) });
  });

  it('stop() aborts checks in flight and applies none of their results', async () => {
    const { h, id } = await firstCheckHeld();
    await h.engine.stop();
    await h.writer.flush();
    expect(h.engine.getState(id)!.status).toBe('PENDING');
    expect(await h.db.check.count()).toBe(0);
  });

  it('checkNow rejects an unknown site with a typed error', async () => {
    const h = await engineHarness();
    await expect(h.engine.checkNow(999)).rejects.toBeInstanceOf(UnknownSiteError);
  });

  it('never runs more checks at once than the configured concurrency', async () => {
    const web = await httpTarget();
    const hold = holdRequests(web);
    const { runCheck, counts } = countingChecker();
    const h = await engineHarness({ start: false, env: { UPTOP_CHECK_CONCURRENCY: '2' }, runCheck });
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push(await h.createSite({ name: `s${i}`, type: 'HTTP', url: web.url, interval: 60 }));
    await h.engine.start();
    await h.clock.advanceAsync(0);
    expect(counts.active).toBe(2);
    await hold.waitFor(2);
    hold.release(200);
    await hold.waitFor(2);
    expect(counts.active).toBe(2);
    hold.release(200);
    await hold.waitFor(1);
    hold.release(200);
    await h.settle();
    expect(counts.maxActive).toBe(2);
    expect(web.requests).toHaveLength(5);
    expect(ids.map((id) => h.engine.getState(id)!.status)).toEqual(['UP', 'UP', 'UP', 'UP', 'UP']);
  });

  it('a site created through the services is checked at once; reconcile picks up changes made elsewhere', async () => {
    const web = await httpTarget();
    const h = await engineHarness();
    const id = await h.createSite({ name: 'new', type: 'HTTP', url: web.url, interval: 60 });
    await h.engine.siteChanged(id);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    // Another process adds a site and deletes this one; only the periodic reconcile tells the engine.
    const other = await h.createSite({ name: 'elsewhere', type: 'HTTP', url: web.url, interval: 60 });
    await h.writer.submit((tx) => tx.site.delete({ where: { id } }));
    await h.tick(h.config.engine.reconcileIntervalMs);
    expect(h.engine.getState(id)).toBeUndefined();
    expect(h.engine.getState(other)!.status).toBe('UP');
    expect(h.engine.logs().map((l) => l.message)).toContain(`Monitor removed (no longer in DB): ID ${id}`);
    // An edit made elsewhere (a newer updatedAt) arrives with the next reconcile, and is checked at once.
    await h.updateSite(other, { name: 'renamed elsewhere', paused: true });
    await h.tick(h.config.engine.reconcileIntervalMs);
    expect(h.engine.getState(other)).toMatchObject({ name: 'renamed elsewhere', paused: true });
    expect(h.engine.displayStatus(other)).toBe('PAUSED');
  });
});

describe('engine: an edit while a check is in flight', () => {
  it('drops the result made with the old configuration and checks with the new one: a fix is no false alarm', async () => {
    const { h, hold, id } = await firstCheckHeld();
    const receiver = await startReceiver();
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.siteChanged(id);
    await h.updateSite(id, { acceptedCodes: '200-299,404' });
    await h.engine.siteChanged(id);
    hold.release(404);
    await hold.waitFor(1);
    hold.release(404);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect((await h.db.check.findMany({ orderBy: { id: 'asc' } })).map((c) => [c.status, c.statusCode])).toEqual([['UP', 404]]);
    expect(await h.db.stateChange.count()).toBe(0);
    expect(received(receiver, 'ops')).toEqual([]);
  });

  it('keeps the result when only the alert channels changed: the check says the same', async () => {
    const { h, hold, id } = await firstCheckHeld();
    const receiver = await startReceiver();
    await h.createWebhook(receiver, 'ops', [id]);
    await h.tick(h.config.engine.reconcileIntervalMs);
    hold.release(500);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
  });
});

describe('engine: results are ordered by the engine, not by wall time', () => {
  it('a stored lastCheckAt an hour in the future (clock stepped back, database moved) does not drop a failure', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.createWebhook(receiver, 'ops', [id]);
    const future = new Date(T0 + 3_600_000);
    await h.persistState(id, { status: 'UP', statusCode: 200, lastCheckAt: future, lastSuccessAt: future, statusChangedAt: new Date(T0 - 86_400_000) });
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(id)).toMatchObject({ status: 'DOWN', lastCheckAt: new Date(T0) });
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
  });

  it('a last alert stored in the future does not hold back the re-notification until the clock catches up', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 300, renotifyMinutes: 10 });
    await h.createWebhook(receiver, 'ops', [id]);
    const future = new Date(T0 + 3_600_000);
    await h.persistState(id, { status: 'DOWN', failureCount: 1, lastCheckAt: future, statusChangedAt: future, lastAlertAt: future });
    await h.engine.start();
    await h.tick(10 * 60_000);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.timestamp)).toEqual([new Date(T0 + 10 * 60_000).toISOString()]);
  });

  it('a failure from a check that started before a heartbeat landed is dropped', async () => {
    const { h, hold, id } = await firstCheckHeld();
    const token = 'beadbeadbeadbeadbeadbeadbeadbead';
    // Turned into a push monitor mid-check, it gets a beat, and is turned back before the check ends.
    await h.updateSite(id, { type: 'PUSH', pushToken: token, interval: 300 });
    await h.engine.siteChanged(id);
    expect(h.engine.heartbeat(token).ok).toBe(true);
    await h.updateSite(id, { type: 'HTTP', pushToken: null });
    await h.engine.siteChanged(id);
    hold.release(500);
    await hold.waitFor(1);
    expect(h.engine.getState(id)!.status).toBe('PENDING');
    hold.release(200);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect((await h.db.check.findMany({ orderBy: { id: 'asc' } })).map((c) => c.status)).toEqual(['UP', 'UP']);
  });
});
