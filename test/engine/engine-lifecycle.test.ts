import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.ts';
import { createCertificate } from '../helpers/targets.ts';
import { engineHarness, firstCheckHeld, httpTarget, received, T0 } from './harness.ts';

const TOKEN = 'aaaabbbbccccddddeeeeffff00001111';

describe('engine: restart', () => {
  it('restores a DOWN site without alerting again, and its recovery reports the whole outage', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(1);

    await h.tick(30_000);
    const engine = await h.restart();
    expect(engine.getState(id)).toMatchObject({ status: 'DOWN', failureCount: 1, statusChangedAt: new Date(T0), lastAlertAt: new Date(T0) });
    await h.tick(0);
    await h.tick(60_000);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(1);

    web.reply({ status: 200 });
    await h.tick(60_000);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.message)).toEqual([
      "Monitor 'web' is DOWN: HTTP 500 (expected 200-299)",
      "Monitor 'web' is UP (was down 2m)",
    ]);
  });

  it('does not repeat an SSL warning after a restart', async () => {
    const soon = await httpTarget(await createCertificate(3));
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false, now: Date.now() });
    const id = await h.createSite({ name: 'tls', type: 'HTTP', url: soon.url, interval: 60, checkSsl: true, ignoreTls: true });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['ssl_expiring']);
    await h.restart();
    await h.tick(0);
    await h.tick(60_000);
    await h.settle();
    expect(h.engine.getState(id)!.sentSslWarning).toBe(true);
    expect(received(receiver, 'ops')).toHaveLength(1);
  });

  it('restores the newest 100 log lines, newest first', async () => {
    const h = await engineHarness();
    for (let i = 0; i < 120; i++) {
      h.engine.addLog(`line ${i}`);
      await h.clock.advanceAsync(1000);
    }
    const engine = await h.restart();
    const logs = engine.logs();
    expect(logs).toHaveLength(100);
    expect(logs[0]!.message).toBe('line 119');
    expect(logs[99]!.message).toBe('line 20');
    expect(engine.logs(2).map((l) => l.message)).toEqual(['line 119', 'line 118']);
  });
});

describe('engine: active, passive, stop', () => {
  it('an inactive engine checks nothing and ignores a result that was in flight', async () => {
    const { h, web, hold, id } = await firstCheckHeld();
    h.engine.setActive(false);
    hold.release(500);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('PENDING');
    await h.tick(600_000);
    expect(web.requests).toHaveLength(1);
    expect(h.engine.logs()[0]!.message).toBe('Engine PAUSED (Passive)');

    web.reply({ status: 200 });
    h.engine.setActive(true);
    expect(h.engine.logs()[0]!.message).toBe('Engine RESUMED (Active)');
    await h.tick(0);
    expect(web.requests).toHaveLength(2);
    expect(h.engine.getState(id)!.status).toBe('UP');
  });

  it('stop() is idempotent, ends every timer and waits for alert sends in flight up to their deadline', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    receiver.delay = 'never';
    const h = await engineHarness({ start: false });
    const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    const alert = receiver.nextRequest();
    await h.clock.advanceAsync(0);
    await alert;

    let stopped = false;
    const first = h.engine.stop();
    expect(h.engine.stop()).toBe(first);
    void first.then(() => (stopped = true));
    await h.clock.advanceAsync(h.config.engine.alertTimeoutMs - 1);
    expect(stopped).toBe(false);
    await h.clock.advanceAsync(1);
    await first;
    expect(h.engine.running).toBe(false);
    // main stops the writer right after the engine: the send's health and its failure log are already queued.
    await h.writer.stop();
    expect(h.writer.stats.droppedTotal).toBe(0);
    expect(await h.db.log.count({ where: { message: 'Alert send failed (ops): alert send timed out after 30000 ms' } })).toBe(1);
    expect(await h.db.alertHealth.findFirstOrThrow()).toMatchObject({ lastSendOk: false, failCount: 1, lastError: 'alert send timed out after 30000 ms' });
    await h.tick(3_600_000);
    expect(web.requests).toHaveLength(1);
    expect(h.engine.heartbeat(TOKEN)).toEqual({ ok: false, reason: 'inactive' });
    expect(h.writer.stats.droppedTotal).toBe(0);
  });
});

describe('engine: published events', () => {
  it('publishes engine status on change, at most once a second, with writer figures and a real checks-per-minute', async () => {
    const web = await httpTarget();
    const h = await engineHarness({ start: false });
    for (let i = 0; i < 3; i++) await h.createSite({ name: `s${i}`, type: 'HTTP', url: web.url, interval: 10 });
    await h.createSite({ name: 'off', type: 'HTTP', url: web.url, interval: 10, paused: true });
    await h.engine.start();
    await h.flushEvents();
    expect(h.events['engine:status'].at(-1)).toMatchObject({ running: true, sites: 4, pending: 3, paused: 1, up: 0 });
    const before = h.events['engine:status'].length;
    const publishedAt: number[] = [];
    const iterator = h.pubsub.subscribe('engine:status');
    void (async () => {
      for await (const _ of iterator) publishedAt.push(h.clock.nowMs());
    })();
    await h.tick(0);
    for (let i = 0; i < 6; i++) await h.tick(10_000);
    // The newest change is published within a second.
    await h.tick(1000);
    await h.flushEvents();
    await iterator.return?.();
    const statuses = h.events['engine:status'].slice(before);
    const gaps = publishedAt.slice(1).map((t, i) => t - publishedAt[i]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000);
    // At 61 s the last minute holds the rounds at 10 s … 60 s: 6 × 3 checks (the round at 0 s has left it).
    expect(h.engine.status()).toMatchObject({ running: true, sites: 4, up: 3, paused: 1, checksPerMinute: 18, droppedWrites: 0 });
    expect(statuses.at(-1)).toEqual(h.engine.status());
    await h.engine.stop();
    await h.flushEvents();
    expect(h.events['engine:status'].at(-1)).toMatchObject({ running: false });
  });

  it('publishes every log line', async () => {
    const h = await engineHarness();
    h.engine.addLog('hello\nworld');
    await h.settle();
    expect(h.events['log:added'].map((l) => l.message)).toContain('hello\\nworld');
    expect(await h.db.log.findMany({ select: { message: true, siteId: true, createdAt: true } })).toEqual([
      { message: 'hello\\nworld', siteId: null, createdAt: new Date(T0) },
    ]);
  });
});
