import { describe, expect, it } from 'vitest';
import { UnknownAlertChannelError } from '../../src/alerts/dispatcher.ts';
import type { Prisma } from '../../src/generated/prisma/client.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import type { HttpTarget } from '../helpers/targets.ts';
import { engineHarness, httpTarget, received, T0, type EngineHarness } from './harness.ts';

interface Setup {
  h: EngineHarness;
  web: HttpTarget;
  receiver: Receiver;
  id: number;
}

/** One HTTP site answering 500 (so its first check is DOWN) with a webhook channel "ops". */
async function downSite(options: { now?: number; site?: Partial<Prisma.SiteUncheckedCreateInput> } = {}): Promise<Setup> {
  const web = await httpTarget();
  web.reply({ status: 500 });
  const receiver = await startReceiver();
  const h = await engineHarness({ start: false, now: options.now });
  const id = await h.createSite({ name: 'web', type: 'HTTP', url: web.url, interval: 60, ...options.site });
  await h.createWebhook(receiver, 'ops', [id]);
  return { h, web, receiver, id };
}

async function addWindow(h: EngineHarness, data: Prisma.MaintenanceWindowUncheckedCreateInput): Promise<void> {
  await h.writer.submit((tx) => tx.maintenanceWindow.create({ data }));
  await h.engine.maintenanceChanged();
}

describe('engine: maintenance', () => {
  it('a global MAINTENANCE window suppresses alerts; transitions are still recorded', async () => {
    const { h, web, receiver, id } = await downSite();
    await h.createSite({ name: 'other', type: 'HTTP', url: web.url, interval: 60 });
    await h.engine.start();
    await addWindow(h, { title: 'upgrade', startsAt: new Date(T0) });
    expect(h.engine.isInMaintenance(id)).toBe(true);
    expect(h.engine.displayStatus(id)).toBe('MAINTENANCE');
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops')).toEqual([]);
    expect(h.engine.logs().map((l) => l.message)).toContain("Monitor 'web' is DOWN (alerts suppressed — maintenance)");
    expect(h.engine.status()).toMatchObject({ maintenance: 2, down: 0 });

    web.reply({ status: 200 });
    await h.tick(60_000);
    web.reply({ status: 500 });
    await h.tick(60_000);
    await h.settle();
    expect(received(receiver, 'ops')).toEqual([]);
    const changes = await h.db.stateChange.findMany({ where: { siteId: id }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => `${c.fromStatus}>${c.toStatus}`)).toEqual(['DOWN>UP', 'UP>DOWN']);
  });

  it('a window on the site itself, or on its group, suppresses; one on another site does not', async () => {
    const { h, web, receiver, id } = await downSite();
    const group = await h.createSite({ name: 'grp', type: 'GROUP', interval: 60 });
    const child = await h.createSite({ name: 'child', type: 'HTTP', url: web.url, interval: 60, parentId: group });
    const bystander = await h.createSite({ name: 'bystander', type: 'HTTP', url: web.url, interval: 60 });
    await h.writer.submit((tx) => tx.siteAlertChannel.createMany({ data: [child, bystander].map((siteId) => ({ siteId, alertChannelId: 1 })) }));
    await h.engine.start();
    await addWindow(h, { title: 'direct', siteId: id, startsAt: new Date(T0) });
    await addWindow(h, { title: 'group', siteId: group, startsAt: new Date(T0) });
    expect([h.engine.isInMaintenance(id), h.engine.isInMaintenance(child), h.engine.isInMaintenance(bystander)]).toEqual([true, true, false]);
    await h.tick(0);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.message)).toEqual(["Monitor 'bystander' is DOWN: HTTP 500 (expected 200-299)"]);
  });

  it('INCIDENT windows are informational: alerts still go out', async () => {
    const { h, receiver, id } = await downSite();
    await h.engine.start();
    await addWindow(h, { title: 'outage upstream', type: 'INCIDENT', siteId: id, startsAt: new Date(T0) });
    expect(h.engine.isInMaintenance(id)).toBe(false);
    expect(h.engine.displayStatus(id)).toBe('PENDING');
    await h.tick(0);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299)"]]);
  });

  it('a window suppresses only between its start and its end', async () => {
    const { h, id } = await downSite();
    await h.engine.start();
    await addWindow(h, { title: 'later', siteId: id, startsAt: new Date(T0 + 3600_000), endsAt: new Date(T0 + 7200_000) });
    expect(h.engine.isInMaintenance(id)).toBe(false);
    await h.tick(3600_000);
    expect(h.engine.isInMaintenance(id)).toBe(true);
    await h.tick(3600_000);
    expect(h.engine.isInMaintenance(id)).toBe(false);
  });

  it('recurring "every Sunday 02:00–04:00 Europe/Berlin" suppresses on both sides of the DST change', async () => {
    // Sunday 22 March 2026, 00:30 UTC = 01:30 CET, before the window. Checks are driven by hand (checkNow).
    const { h, web, receiver, id } = await downSite({ now: Date.parse('2026-03-22T00:30:00Z'), site: { interval: 86_400 } });
    web.reply({ status: 200 });
    await h.engine.start();
    await addWindow(h, {
      title: 'weekly',
      startsAt: new Date('2026-03-01T00:00:00Z'),
      recurrence: '0 2 * * 0',
      durationMinutes: 120,
      timezone: 'Europe/Berlin',
    });
    await h.tick(0);
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(h.engine.isInMaintenance(id)).toBe(false);
    const checkAt = async (iso: string, status: number) => {
      h.clock.set(Date.parse(iso));
      web.reply({ status });
      await h.engine.checkNow(id);
      await h.settle();
      return h.engine.isInMaintenance(id);
    };
    // 01:10 UTC = 02:10 CET: inside; DOWN and the recovery before 03:00 UTC (04:00 CET) are both silent.
    expect(await checkAt('2026-03-22T01:10:00Z', 500)).toBe(true);
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(await checkAt('2026-03-22T02:59:59Z', 200)).toBe(true);
    expect(received(receiver, 'ops')).toEqual([]);
    expect(h.engine.logs().map((l) => l.message)).toContain("Monitor 'web' is DOWN (alerts suppressed — maintenance)");

    // After the change to CEST, 02:00 Berlin is 00:00 UTC: 23:55 UTC is outside, 00:05 inside, 02:00 outside again.
    h.clock.set(Date.parse('2026-04-04T23:55:00Z'));
    expect(h.engine.isInMaintenance(id)).toBe(false);
    expect(await checkAt('2026-04-05T00:05:00Z', 500)).toBe(true);
    expect(await checkAt('2026-04-05T01:59:59Z', 200)).toBe(true);
    expect(received(receiver, 'ops')).toEqual([]);
    expect(await checkAt('2026-04-05T02:00:00Z', 500)).toBe(false);
    expect(received(receiver, 'ops').map((a) => [a.event, a.timestamp])).toEqual([['down', '2026-04-05T02:00:00.000Z']]);
  });

  it('an outage that began in a window and outlasts it is alerted when the window ends, once', async () => {
    const { h, web, receiver, id } = await downSite();
    web.reply({ status: 200 });
    const token = '5678'.repeat(8);
    const job = await h.createSite({ name: 'job', type: 'PUSH', pushToken: token, interval: 10 });
    await h.writer.submit((tx) => tx.siteAlertChannel.create({ data: { siteId: job, alertChannelId: 1 } }));
    await h.engine.start();
    h.engine.heartbeat(token);
    await h.tick(0);
    await addWindow(h, { title: 'upgrade', startsAt: h.clock.now(), endsAt: new Date(T0 + 30 * 60_000) });
    web.reply({ status: 500 });
    // The check at 1 min first, so the clock waits for its answer: DOWN at 1 min, the push monitor at 70 s.
    await h.tick(60_000);
    await h.tick(4 * 60_000);
    await h.settle();
    expect([h.engine.getState(id)!.status, h.engine.getState(job)!.status]).toEqual(['DOWN', 'DOWN']);
    expect(received(receiver, 'ops')).toEqual([]);

    // Still down when the window ends: the alert it held back goes out then, not never. The push monitor, silent only
    // through the window, gets a fresh period: its DOWN is told at its deadline, 10 s + 60 s of grace after the end.
    await h.tick(25 * 60_000 - 1);
    await h.settle();
    expect(received(receiver, 'ops')).toEqual([]);
    await h.tick(1);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message, a.timestamp])).toEqual([
      ['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299) (still down after 29m)", new Date(T0 + 30 * 60_000).toISOString()],
    ]);
    expect(h.engine.getState(id)!.lastAlertAt).toEqual(new Date(T0 + 30 * 60_000));
    await h.tick(70_001);
    await h.settle();
    expect(
      received(receiver, 'ops')
        .map((a) => [a.event, a.message, a.timestamp])
        .slice(1),
    ).toEqual([['down', "Push Monitor 'job' missed heartbeat.", new Date(T0 + 30 * 60_000 + 70_001).toISOString()]]);
    await h.tick(60 * 60_000);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(2);
  });

  it('an outage told before a window that recovers in it gets its recovery when the window ends, once', async () => {
    const { h, web, receiver, id } = await downSite();
    const token = '9abc'.repeat(8);
    const job = await h.createSite({ name: 'job', type: 'PUSH', pushToken: token, interval: 10 });
    await h.writer.submit((tx) => tx.siteAlertChannel.create({ data: { siteId: job, alertChannelId: 1 } }));
    await h.engine.start();
    h.engine.heartbeat(token);
    await h.tick(0);
    await h.tick(4 * 60_000);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down', 'down']);

    const endsAt = new Date(h.clock.nowMs() + 5_000);
    await addWindow(h, { title: 'fix', startsAt: h.clock.now(), endsAt });
    web.reply({ status: 200 });
    await h.engine.checkNow(id);
    h.engine.heartbeat(token);
    await h.settle();
    expect([h.engine.getState(id)!.status, h.engine.getState(job)!.status]).toEqual(['UP', 'UP']);
    expect(received(receiver, 'ops')).toHaveLength(2);

    // The incidents the DOWN alerts opened are closed when nothing silences the sites any more, not left open.
    await h.tick(endsAt.getTime() - h.clock.nowMs());
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([
      ['down', expect.any(String)],
      ['down', expect.any(String)],
      ['up', "Monitor 'web' is UP (it recovered while its alerts were held back)"],
      ['up', "Monitor 'job' is UP (it recovered while its alerts were held back)"],
    ]);
    expect(h.engine.getState(id)!.lastAlertAt).toBeNull();
    await h.restart();
    await h.tick(60_000);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(4);
  });

  it('an outage never told owes no recovery after its window', async () => {
    const { h, web, receiver, id } = await downSite();
    await h.engine.start();
    await addWindow(h, { title: 'upgrade', startsAt: h.clock.now(), endsAt: new Date(T0 + 30 * 60_000) });
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    web.reply({ status: 200 });
    await h.engine.checkNow(id);
    await h.settle();
    await h.tick(60 * 60_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(received(receiver, 'ops')).toEqual([]);
  });

  it('an outage held back by a window that ended while uptop was stopped is alerted at start, not again after', async () => {
    const { h, receiver, id } = await downSite();
    await h.engine.start();
    await addWindow(h, { title: 'upgrade', startsAt: h.clock.now(), endsAt: new Date(T0 + 30 * 60_000) });
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    await h.engine.stop();
    await h.clock.advanceAsync(60 * 60_000);
    await h.restart();
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([
      ['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299) (still down after 1h 0m)"],
    ]);
    await h.restart();
    await h.tick(60_000);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(1);
  });

  it('a DOWN site moved out of a group in maintenance is alerted at once', async () => {
    const { h, web, receiver, id } = await downSite();
    web.reply({ status: 200 });
    const group = await h.createSite({ name: 'grp', type: 'GROUP', interval: 60 });
    const other = await h.createSite({ name: 'other', type: 'GROUP', interval: 60 });
    await h.updateSite(id, { parentId: group });
    await h.engine.start();
    await h.tick(0);
    await addWindow(h, { title: 'grp work', siteId: group, startsAt: h.clock.now() });
    web.reply({ status: 500 });
    await h.tick(60_000);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops')).toEqual([]);

    await h.updateSite(id, { parentId: other });
    await h.engine.siteChanged(id);
    await h.settle();
    expect(h.engine.isInMaintenance(id)).toBe(false);
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
  });

  it('push recoveries respect maintenance too', async () => {
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const token = '1234'.repeat(8);
    const id = await h.createSite({ name: 'job', type: 'PUSH', pushToken: token, interval: 10 });
    await h.createWebhook(receiver, 'ops', [id]);
    await h.engine.start();
    h.engine.heartbeat(token);
    await h.tick(70_001);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('DOWN');
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
    await addWindow(h, { title: 'fix', siteId: id, startsAt: h.clock.now() });
    h.engine.heartbeat(token);
    await h.settle();
    expect(h.engine.getState(id)!.status).toBe('UP');
    expect(received(receiver, 'ops').map((a) => a.event)).toEqual(['down']);
    expect(h.engine.logs().map((l) => l.message)).toContain("Recovery alert for 'job' suppressed (maintenance)");
  });
});

describe('engine: groups', () => {
  it('a group follows its children at once, records its own changes and alerts through its own channels', async () => {
    const web = await httpTarget();
    const flaky = await httpTarget();
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const group = await h.createSite({ name: 'shop', type: 'GROUP', interval: 60 });
    const a = await h.createSite({ name: 'front', type: 'HTTP', url: web.url, interval: 60, parentId: group });
    const b = await h.createSite({ name: 'api', type: 'HTTP', url: flaky.url, interval: 60, parentId: group });
    await h.createWebhook(receiver, 'team', [group]);
    await h.engine.start();
    await h.tick(0);
    await h.engine.checkNow(group);
    expect(h.engine.getState(group)!.status).toBe('UP');

    flaky.reply({ status: 502 });
    await h.engine.checkNow(b);
    await h.settle();
    expect(h.engine.getState(group)).toMatchObject({ status: 'DOWN', lastError: "child 'api' is down" });
    expect(received(receiver, 'team').map((r) => [r.event, r.message])).toEqual([['down', "Monitor 'shop' is DOWN: child 'api' is down"]]);

    flaky.reply({ status: 200 });
    await h.tick(60_000);
    await h.settle();
    expect(h.engine.getState(group)!.status).toBe('UP');
    expect(received(receiver, 'team').map((r) => r.event)).toEqual(['down', 'up']);
    const changes = await h.db.stateChange.findMany({ where: { siteId: group }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => `${c.fromStatus}>${c.toStatus}`)).toEqual(['UP>DOWN', 'DOWN>UP']);
    expect(h.engine.logs().map((l) => l.message)).toEqual(expect.arrayContaining(["Group 'shop' is DOWN", "Group 'shop' recovered"]));
    expect(h.engine.getState(a)!.status).toBe('UP');
  });

  it('a large group going down at once (its window ends) names what fits in one bounded reason, in its alert and history', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const receiver = await startReceiver();
    const h = await engineHarness({ start: false });
    const group = await h.createSite({ name: 'fleet', type: 'GROUP', interval: 86_400 });
    for (let i = 1; i <= 40; i++) {
      await h.createSite({ name: `node-${String(i).padStart(2, '0')}`, type: 'HTTP', url: web.url, interval: 86_400, parentId: group });
    }
    await h.createWebhook(receiver, 'team', [group]);
    await h.writer.submit((tx) =>
      tx.maintenanceWindow.create({ data: { title: 'w', siteId: group, startsAt: new Date(T0), endsAt: new Date(T0 + 3600_000) } }),
    );
    await h.engine.start();
    await h.tick(0);
    await h.tick(3600_000);
    await h.settle();
    const named = Array.from({ length: 20 }, (_, i) => `'node-${String(i + 1).padStart(2, '0')}'`).join(', ');
    const reason = `children ${named} and 20 more are down`;
    expect(received(receiver, 'team').map((r) => [r.event, r.message])).toEqual([['down', `Monitor 'fleet' is DOWN: ${reason}`]]);
    const changes = await h.db.stateChange.findMany({ where: { siteId: group } });
    expect(changes.map((c) => c.reason)).toEqual([reason]);
  });

  it('ignores paused children and children in maintenance, following window boundaries; no children is PENDING', async () => {
    const web = await httpTarget();
    web.reply({ status: 500 });
    const h = await engineHarness({ start: false });
    // Daily intervals: nothing but the maintenance boundary can change the group within the hour below.
    const group = await h.createSite({ name: 'g', type: 'GROUP', interval: 86_400 });
    const empty = await h.createSite({ name: 'empty', type: 'GROUP', interval: 86_400 });
    const paused = await h.createSite({ name: 'p', type: 'HTTP', url: web.url, interval: 86_400, parentId: group, paused: true });
    const inMaint = await h.createSite({ name: 'm', type: 'HTTP', url: web.url, interval: 86_400, parentId: group });
    await h.writer.submit((tx) =>
      tx.maintenanceWindow.create({ data: { title: 'w', siteId: inMaint, startsAt: new Date(T0), endsAt: new Date(T0 + 3600_000) } }),
    );
    await h.engine.start();
    await h.tick(0);
    await h.settle();
    expect(h.engine.getState(inMaint)!.status).toBe('DOWN');
    expect(h.engine.getState(paused)!.status).toBe('PENDING');
    expect(h.engine.getState(group)!.status).toBe('UP');
    expect(h.engine.getState(empty)!.status).toBe('PENDING');
    // The window ends: the DOWN child counts again at that instant.
    await h.tick(3600_000 - 1);
    expect(h.engine.getState(group)!.status).toBe('UP');
    await h.tick(1);
    expect(h.engine.getState(group)!.status).toBe('DOWN');
  });
});

describe('engine: re-notification', () => {
  it('re-sends the DOWN alert every N minutes while still down, and stops on recovery', async () => {
    const { h, web, receiver, id } = await downSite({ site: { renotifyMinutes: 10, interval: 300 } });
    await h.engine.start();
    await h.tick(0);
    await h.tick(10 * 60_000);
    await h.tick(10 * 60_000);
    await h.settle();
    expect(received(receiver, 'ops').map((r) => [r.event, r.message])).toEqual([
      ['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299)"],
      ['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299) (still down after 10m)"],
      ['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299) (still down after 20m)"],
    ]);
    expect(h.engine.getState(id)!.lastAlertAt).toEqual(new Date(T0 + 20 * 60_000));
    expect((await h.db.siteRuntimeState.findUniqueOrThrow({ where: { siteId: id } })).lastAlertAt).toEqual(new Date(T0 + 20 * 60_000));

    // Persisted: after a restart the next reminder keeps the 10-minute rhythm.
    await h.tick(5 * 60_000);
    await h.restart();
    await h.tick(5 * 60_000 - 1);
    expect(received(receiver, 'ops')).toHaveLength(3);
    await h.tick(1);
    await h.settle();
    expect(received(receiver, 'ops')).toHaveLength(4);

    web.reply({ status: 200 });
    await h.engine.checkNow(id);
    await h.tick(60 * 60_000);
    await h.settle();
    expect(received(receiver, 'ops').map((r) => r.event)).toEqual(['down', 'down', 'down', 'down', 'up']);
  });

  it('is off by default', async () => {
    const { h, receiver } = await downSite();
    await h.engine.start();
    for (let i = 0; i < 10; i++) await h.tick(60_000);
    await h.settle();
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299)"]]);
  });
});

describe('engine: alert sends', () => {
  it('testAlert sends the test message, records health and logs it', async () => {
    const receiver = await startReceiver();
    const h = await engineHarness();
    const channel = await h.createWebhook(receiver, 'ops', []);
    expect(await h.engine.testAlert(channel)).toEqual({ ok: true, error: '' });
    expect(received(receiver, 'ops')).toEqual([
      { event: 'test', title: '🧪 Test Alert', message: "Test notification from uptop for channel 'ops'.", site: null, timestamp: new Date(T0).toISOString() },
    ]);
    expect(h.engine.logs()[0]!.message).toBe("Test alert sent to 'ops'");
    receiver.status = 503;
    receiver.body = 'Service Unavailable';
    expect(await h.engine.testAlert(channel)).toEqual({ ok: false, error: 'alert webhook returned HTTP 503: Service Unavailable' });
    await h.settle();
    expect(await h.db.alertHealth.findUniqueOrThrow({ where: { alertChannelId: channel } })).toMatchObject({
      sendCount: 2,
      failCount: 1,
      lastSendOk: false,
      lastError: 'alert webhook returned HTTP 503: Service Unavailable',
    });
    await expect(h.engine.testAlert(4242)).rejects.toBeInstanceOf(UnknownAlertChannelError);
  });

  it('a failing or hanging channel never blocks checks; failures are logged and recorded', async () => {
    const { h, web, receiver, id } = await downSite();
    receiver.delay = 'never';
    await h.engine.start();
    const hung = receiver.nextRequest();
    await h.clock.advanceAsync(0);
    await hung;
    // The DOWN alert is still open, yet a check runs and is applied (and its recovery alert hangs too).
    web.reply({ status: 200 });
    await h.engine.checkNow(id);
    expect(h.engine.getState(id)!.status).toBe('UP');
    // One site's alerts to one channel go in order: the recovery is sent once the DOWN alert's deadline has passed.
    const recovery = receiver.nextRequest();
    await h.clock.advanceAsync(h.config.engine.alertTimeoutMs);
    await recovery;
    await h.clock.advanceAsync(h.config.engine.alertTimeoutMs);
    await h.settle();
    const failures = h.engine.logs().filter((l) => l.message.startsWith('Alert send failed'));
    expect(failures.map((l) => [l.message, l.siteId])).toEqual([
      ['Alert send failed (ops): alert send timed out after 30000 ms', id],
      ['Alert send failed (ops): alert send timed out after 30000 ms', id],
    ]);
    expect(await h.db.alertHealth.findFirstOrThrow()).toMatchObject({ sendCount: 2, failCount: 2, lastSendOk: false });
  });

  it('alerts reach a channel linked after start once the engine is told', async () => {
    const { h, receiver } = await downSite();
    const second = await startReceiver();
    await h.engine.start();
    await h.createWebhook(second, 'late', [1]);
    await h.engine.alertChannelsChanged();
    await h.tick(0);
    await h.settle();
    const down = ['down', "Monitor 'web' is DOWN: HTTP 500 (expected 200-299)"];
    expect(received(receiver, 'ops').map((a) => [a.event, a.message])).toEqual([down]);
    expect(received(second, 'late').map((a) => [a.event, a.message])).toEqual([down]);
  });
});
