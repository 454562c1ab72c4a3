import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { AlertDispatcher, KEEP_SENT_MS, RETIRED_CHANNEL_KEEP_MS, SENDS_PER_CHANNEL } from '../../src/alerts/dispatcher.ts';
import { getProvider } from '../../src/alerts/providers/index.ts';
import type { AlertMessage } from '../../src/alerts/types.ts';
import { FakeClock, systemClock, type Clock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { AlertProvider } from '../../src/generated/prisma/client.ts';
import { BatchWriter } from '../../src/writer/writer.ts';
import { freshDbFile } from '../helpers/db.ts';
import { FIRST_RETRY_MS } from '../../src/writer/outage.ts';
import { holdWriteLock } from '../db/hold-write-lock.ts';
import { startOpsgenie } from '../helpers/opsgenie.ts';
import { startReceiver, type ReceivedRequest, type Receiver } from '../helpers/receiver.ts';
import { parseMail, startSilentServer, startSmtpServer } from '../helpers/smtp.ts';

const INSTALLATION = 'c0ffee0123456789';

/** A dispatcher on a real database (its URL's query: `query`) and writer, its PagerDuty and Opsgenie endpoints at the receiver. */
async function dispatcherFor(receiver: Pick<Receiver, 'url'>, clock: Clock, query = '') {
  const t = freshDbFile(query);
  const [writeDb, db] = await Promise.all([t.open(), t.open()]);
  const config = loadConfig({
    UPTOP_ALLOW_PRIVATE_TARGETS: 'true',
    UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue`,
    UPTOP_OPSGENIE_URL: `${receiver.url}/v2/alerts`,
  });
  const writer = new BatchWriter({ db: writeDb, clock, logger: pino({ level: 'silent' }), config: config.writer });
  writer.start();
  onTestFinished(() => writer.stop());
  const logs: string[] = [];
  const deps = { db, writer, clock, config, installation: INSTALLATION, getProvider, log: (message: string) => logs.push(message) };
  const dispatcher = new AlertDispatcher(deps);
  /** The dispatcher of the next start on the same database, with the channels as they are now and what the stop kept. */
  const restarted = async () => {
    await writer.flush();
    const next = new AlertDispatcher(deps);
    await next.reload();
    await next.resumeKept();
    return next;
  };
  const addChannel = async (name: string, provider: AlertProvider, settings: Record<string, string>) => {
    const channel = await writer.submit((tx) => tx.alertChannel.create({ data: { name, provider, settings: JSON.stringify(settings) } }));
    return channel.id;
  };
  const health = async (alertChannelId: number) => {
    await writer.flush();
    return db.alertHealth.findUnique({ where: { alertChannelId } });
  };
  return { dispatcher, config, logs, addChannel, health, writer, db, restarted, file: t.target.file };
}

const alert = (siteId: number, event: 'down' | 'up'): AlertMessage => ({
  event,
  title: event === 'down' ? '🚨 ALERT' : '✅ RECOVERY',
  message: `site ${siteId} is ${event}`,
  site: { id: siteId, name: `site ${siteId}`, status: event === 'down' ? 'DOWN' : 'UP' },
  timestamp: new Date(),
  incidentKey: `uptop-${INSTALLATION}-site-${siteId}`,
});

/** `trigger 7`, `resolve 7`, or the webhook's `down 7`. */
function label(req: ReceivedRequest): string {
  const body = req.json() as { event_action?: string; dedup_key?: string; event?: string; site?: { id: number } };
  return body.event_action ? `${body.event_action} ${body.dedup_key!.replace(`uptop-${INSTALLATION}-site-`, '')}` : `${body.event} ${body.site!.id}`;
}

describe('alert order', () => {
  it('delivers a resolve sent 1 ms after its trigger after it, while other sites and channels go ahead (system clock)', async () => {
    const receiver = await startReceiver();
    const { dispatcher, addChannel, health } = await dispatcherFor(receiver, systemClock);
    const pagerduty = await addChannel('pd', 'PAGERDUTY', { routing_key: 'rk' });
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();

    // PagerDuty is slow with site 7's trigger; it answers once the alerts that must not wait behind it have arrived.
    let releaseTrigger!: () => void;
    const triggerHeld = new Promise<void>((resolve) => (releaseTrigger = resolve));
    const mustNotWait = new Set(['trigger 8', 'down 7']);
    receiver.delay = (req) => {
      const name = label(req);
      if (name === 'trigger 7') return triggerHeld;
      mustNotWait.delete(name);
      if (mustNotWait.size === 0) releaseTrigger();
      return 0;
    };

    dispatcher.dispatch([pagerduty, hook], alert(7, 'down'));
    await sleep(1);
    dispatcher.dispatch([pagerduty], alert(7, 'up'));
    dispatcher.dispatch([pagerduty], alert(8, 'down'));
    expect(dispatcher.pending).toBe(4);
    await dispatcher.idle();

    const answered = receiver.answered.map(label);
    expect(answered.slice(0, 2).sort()).toEqual(['down 7', 'trigger 8']);
    expect(answered.slice(2)).toEqual(['trigger 7', 'resolve 7']);
    expect(dispatcher.pending).toBe(0);
    expect(await health(pagerduty)).toMatchObject({ sendCount: 3, failCount: 0, lastSendOk: true });
  });

  it('does not let a send that never ends hold the queue: the next one goes once its deadline passed', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, config, logs, addChannel, health } = await dispatcherFor(receiver, clock);
    const pagerduty = await addChannel('pd', 'PAGERDUTY', { routing_key: 'rk' });
    await dispatcher.reload();
    receiver.delay = (req) => (label(req) === 'trigger 7' ? 'never' : 0);

    const triggerArrived = receiver.nextRequest();
    dispatcher.dispatch([pagerduty], alert(7, 'down'));
    dispatcher.dispatch([pagerduty], alert(7, 'up'));
    await triggerArrived;
    expect(dispatcher.pending).toBe(2);
    await clock.advanceAsync(config.engine.alertTimeoutMs);
    await dispatcher.idle();

    expect(receiver.requests.map(label)).toEqual(['trigger 7', 'resolve 7']);
    expect(logs).toEqual([`Alert send failed (pd): alert send timed out after ${config.engine.alertTimeoutMs} ms`]);
    expect(await health(pagerduty)).toMatchObject({ sendCount: 2, failCount: 1, lastSendOk: true, lastError: '' });
  });
});

describe('a stop', () => {
  it('keeps a send still waiting its turn past the drain, which the next start sends; the one started runs to its end', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, config, logs, addChannel, restarted } = await dispatcherFor(receiver, clock);
    const pagerduty = await addChannel('pd', 'PAGERDUTY', { routing_key: 'rk' });
    await dispatcher.reload();
    receiver.delay = (req) => (label(req) === 'trigger 7' ? 'never' : 0);

    const triggerArrived = receiver.nextRequest();
    dispatcher.dispatch([pagerduty], alert(7, 'down'));
    dispatcher.dispatch([pagerduty], alert(7, 'up'));
    await triggerArrived;
    dispatcher.drainUntil(clock.nowMs() + config.engine.alertTimeoutMs);
    await clock.advanceAsync(config.engine.alertTimeoutMs);
    await dispatcher.stop();

    expect(receiver.requests.map(label)).toEqual(['trigger 7']);
    expect(logs).toEqual([
      `Alert send failed (pd): alert send timed out after ${config.engine.alertTimeoutMs} ms`,
      'Alert not sent yet (pd): uptop stopped first; it is sent when uptop starts again',
    ]);
    const next = await restarted();
    await next.idle();
    expect(receiver.requests.map(label)).toEqual(['trigger 7', 'resolve 7']);
  });

  it('a close kept at stop goes, at the next start, where its incident was opened, though the channel was deleted meanwhile', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, addChannel, writer, db, restarted } = await dispatcherFor(receiver, clock);
    const pagerduty = await addChannel('pd', 'PAGERDUTY', { routing_key: 'rk-old' });
    await dispatcher.reload();
    const opened = dispatcher.incidentKeeper(pagerduty)!;
    // The stop comes before the close's turn.
    dispatcher.drainUntil(clock.nowMs());
    expect(dispatcher.closeAt([opened], alert(7, 'up'))).toBe(1);
    await dispatcher.stop();
    expect(receiver.requests).toEqual([]);
    await writer.submit((tx) => tx.alertChannel.delete({ where: { id: pagerduty } }));

    const next = await restarted();
    await next.idle();
    expect(receiver.requests.map((r) => r.json())).toMatchObject([
      { routing_key: 'rk-old', event_action: 'resolve', dedup_key: `uptop-${INSTALLATION}-site-7` },
    ]);
    await writer.flush();
    expect(await db.alertOutbox.findMany()).toMatchObject([{ siteId: 7, alertChannelId: pagerduty, attempts: 1, lastError: '' }]);
  });
  it("cuts an e-mail send it started at the drain's end, hanging up, and the next start mails it to the channel as it is then", async () => {
    const silent = await startSilentServer();
    const smtp = await startSmtpServer({ starttls: false });
    const clock = new FakeClock();
    const { dispatcher, addChannel, writer, db, logs, restarted } = await dispatcherFor({ url: 'http://127.0.0.1:9' }, clock);
    const mail = { host: '127.0.0.1', from: 'uptop@example.com', to: 'ops@example.com' };
    const email = await addChannel('mail', 'EMAIL', { ...mail, port: String(silent.port) });
    await dispatcher.reload();
    dispatcher.drainUntil(clock.nowMs() + 1_000);
    const connected = silent.nextConnection();
    dispatcher.dispatch([email], alert(7, 'down'));
    const { closed } = await connected;
    await clock.advanceAsync(1_000);
    await closed;
    await dispatcher.stop();
    expect(logs).toEqual(['Alert not sent yet (mail): uptop stopped first; it is sent when uptop starts again']);

    await writer.submit((tx) => tx.alertChannel.update({ where: { id: email }, data: { settings: JSON.stringify({ ...mail, port: String(smtp.port) }) } }));
    const next = await restarted();
    await next.idle();
    expect(smtp.mails.map((m) => [m.rcptTo, parseMail(m.raw).body.trim()])).toEqual([[['ops@example.com'], 'site 7 is down']]);
    await writer.flush();
    expect(await db.alertHealth.findUniqueOrThrow({ where: { alertChannelId: email } })).toMatchObject({ sendCount: 1, failCount: 0 });
  });

  it('ends a test alert started during the drain at its end, and answers why; nothing is kept of it', async () => {
    const receiver = await startReceiver();
    receiver.delay = 'never';
    const clock = new FakeClock();
    const { dispatcher, addChannel, writer, db, health } = await dispatcherFor(receiver, clock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    dispatcher.drainUntil(clock.nowMs() + 1_000);
    const arrived = receiver.nextRequest();
    const outcome = dispatcher.testAlert(hook);
    await arrived;
    await clock.advanceAsync(1_000);
    expect(await outcome).toEqual({ ok: false, error: 'uptop stopped before the alert was sent', stopped: true });
    await dispatcher.stop();
    await writer.flush();
    expect(await db.alertOutbox.count()).toBe(0);
    expect(await health(hook)).toBeNull();
  });

  it('a kept alert whose channel was deleted while uptop was stopped is marked done and named in the log', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, addChannel, writer, db, logs, restarted } = await dispatcherFor(receiver, clock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    dispatcher.drainUntil(clock.nowMs());
    dispatcher.dispatch([hook], alert(7, 'down'));
    await dispatcher.stop();
    await writer.submit((tx) => tx.alertChannel.delete({ where: { id: hook } }));

    const next = await restarted();
    await next.idle();
    expect(receiver.requests).toEqual([]);
    expect(logs.at(-1)).toBe('Alert left unsent by the last run not sent: its channel was deleted meanwhile');
    await writer.flush();
    expect(await db.alertOutbox.findMany()).toMatchObject([{ siteId: 7, attempts: 0, lastError: 'the alert channel no longer exists' }]);
    expect((await db.alertOutbox.findFirstOrThrow()).sentAt).not.toBeNull();
  });

  it(`a single instance's start sweeps the kept alerts sent more than ${KEEP_SENT_MS / 86_400_000} days ago, as a cluster's sender does`, async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, addChannel, writer, db, restarted } = await dispatcherFor(receiver, clock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    dispatcher.drainUntil(clock.nowMs());
    dispatcher.dispatch([hook], alert(7, 'down'));
    await dispatcher.stop();
    await (await restarted()).idle();
    await writer.flush();
    expect(await db.alertOutbox.count()).toBe(1);

    await clock.advanceAsync(KEEP_SENT_MS - 1);
    await restarted();
    await writer.flush();
    expect(await db.alertOutbox.count()).toBe(1);
    await clock.advanceAsync(2);
    await restarted();
    await writer.flush();
    expect(await db.alertOutbox.count()).toBe(0);
    expect(receiver.requests.map(label)).toEqual(['down 7']);
  });
});

describe('the outbox of a single instance', () => {
  it('holds each alert, sent at once, in a row marked done when its send ends, ok or failed; a test alert has none', async () => {
    const receiver = await startReceiver();
    receiver.delay = 'never';
    const clock = new FakeClock();
    const { dispatcher, config, addChannel, writer, db } = await dispatcherFor(receiver, clock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    await dispatcher.resumeKept();

    const arrived = receiver.nextRequest();
    expect(dispatcher.dispatch([hook], alert(7, 'down'))).toBe(1);
    await arrived;
    // Written with the state change's batch while the send is still waiting for its answer.
    await writer.flush();
    expect(await db.alertOutbox.findMany()).toMatchObject([{ siteId: 7, alertChannelId: hook, attempts: 0, sentAt: null }]);
    await clock.advanceAsync(config.engine.alertTimeoutMs);
    await dispatcher.idle();
    receiver.delay = 0;
    dispatcher.dispatch([hook], alert(7, 'up'));
    // The up waits for its writes, which a test alert, caused by nothing stored, does not.
    await dispatcher.idle();
    expect((await dispatcher.testAlert(hook)).ok).toBe(true);
    await dispatcher.idle();
    await writer.flush();

    expect(receiver.requests.map((r) => (r.json() as { event: string }).event)).toEqual(['down', 'up', 'test']);
    const rows = await db.alertOutbox.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [JSON.parse(r.payload).event, r.attempts, r.lastError, r.sentAt])).toEqual([
      ['down', 1, `alert send timed out after ${config.engine.alertTimeoutMs} ms`, clock.now()],
      ['up', 1, '', clock.now()],
    ]);
    await dispatcher.stop();
  });

  it('sends an alert once the writes queued before it are written: a crash between never leaves an outage told that the database does not know', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, config, addChannel, writer, db } = await dispatcherFor(receiver, clock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    let unwrittenAtReceipt: number | null = null;
    receiver.delay = () => {
      unwrittenAtReceipt = writer.stats.queueDepth;
      return 0;
    };
    // A backlog the writer takes in two batches, yielding to the event loop between them, ahead of the state change.
    const backlog = 2 * config.writer.batchSize;
    for (let i = 0; i < backlog; i++) writer.enqueue({ kind: 'log', message: `line ${i} ${'x'.repeat(2_000)}`, siteId: null, createdAt: clock.now() });
    writer.enqueue({ kind: 'stateChange', siteId: 7, fromStatus: 'UP', toStatus: 'DOWN', reason: 'HTTP 500', changedAt: clock.now() });
    dispatcher.dispatch([hook], alert(7, 'down'));
    await dispatcher.idle();

    expect(receiver.requests.map(label)).toEqual(['down 7']);
    expect(unwrittenAtReceipt).toBe(0);
    await writer.flush();
    expect(await db.log.count()).toBe(backlog);
  });

  it('sends at once while the database refuses writes; the row and its mark, held meanwhile, are written once it answers', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    // A lock held is a refused write at once, as a database that went away.
    const { dispatcher, addChannel, writer, db, file, restarted } = await dispatcherFor(receiver, clock, '?busy_timeout=0');
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    const holder = await holdWriteLock(file, 'until released');

    dispatcher.dispatch([hook], alert(7, 'down'));
    await dispatcher.idle();
    await writer.flush();
    expect(receiver.requests.map(label)).toEqual(['down 7']);
    expect(writer.stats.failing).not.toBeNull();
    expect(await db.alertOutbox.count()).toBe(0);

    const sentAt = clock.now();
    expect(await holder.release()).toBe(0);
    await clock.advanceAsync(FIRST_RETRY_MS);
    await writer.flush();
    expect(writer.stats).toMatchObject({ failing: null, failedWrites: 0 });
    expect(await db.alertOutbox.findMany()).toMatchObject([{ siteId: 7, attempts: 1, lastError: '', sentAt }]);
    await (await restarted()).idle();
    expect(receiver.requests.map(label)).toEqual(['down 7']);
  });
});

describe('sends to one channel', () => {
  it(`are at most ${SENDS_PER_CHANNEL} at once, the rest waiting their turn: a burst of 40 outages all arrives`, async () => {
    const receiver = await startReceiver();
    const { dispatcher, addChannel, health } = await dispatcherFor(receiver, systemClock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let open = 0;
    let most = 0;
    receiver.delay = () => {
      most = Math.max(most, ++open);
      return held.then(() => void open--);
    };
    for (let site = 1; site <= 40; site++) dispatcher.dispatch([hook], alert(site, 'down'));
    await expect.poll(() => receiver.requests.length).toBe(SENDS_PER_CHANNEL);
    // A burst at once: none beyond the slots reached the receiver while those were held.
    await sleep(50);
    expect(receiver.requests).toHaveLength(SENDS_PER_CHANNEL);
    release();
    await dispatcher.idle();
    expect(most).toBe(SENDS_PER_CHANNEL);
    expect(receiver.answered.map(label).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `down ${i + 1}`).sort());
    expect(await health(hook)).toMatchObject({ sendCount: 40, failCount: 0 });
  });

  it('waiting their turn, go where the channel points when it comes: an edit redirects them, a delete drops them', async () => {
    const receiver = await startReceiver();
    const { dispatcher, addChannel, logs, writer } = await dispatcherFor(receiver, systemClock);
    const edited = await addChannel('edited', 'WEBHOOK', { url: `${receiver.url}/old` });
    const deleted = await addChannel('deleted', 'WEBHOOK', { url: `${receiver.url}/gone` });
    await dispatcher.reload();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    receiver.delay = () => held;
    dispatcher.dispatch([edited, deleted], alert(7, 'down'));
    dispatcher.dispatch([edited, deleted], alert(7, 'up'));
    await expect.poll(() => receiver.requests.length).toBe(2);

    await writer.submit((tx) => tx.alertChannel.update({ where: { id: edited }, data: { settings: JSON.stringify({ url: `${receiver.url}/new` }) } }));
    await writer.submit((tx) => tx.alertChannel.delete({ where: { id: deleted } }));
    await dispatcher.reload();
    release();
    await dispatcher.idle();
    expect(receiver.answered.map((r) => `${r.path} ${label(r)}`).sort()).toEqual(['/gone down 7', '/new up 7', '/old down 7']);
    expect(logs).toContain('Alert not sent (deleted): the channel was deleted before its turn');
  });
});

describe('a service that rate-limits the channel (HTTP 429)', () => {
  /** The receiver refuses the requests `refuse` picks with a 429 and the given Retry-After, and takes the rest. */
  function refuseWith(receiver: Receiver, retryAfter: string, refuse: (n: number) => boolean) {
    receiver.delay = () => {
      const refused = refuse(receiver.requests.length);
      receiver.status = refused ? 429 : 200;
      receiver.headers = refused ? { 'Retry-After': retryAfter } : {};
      return 0;
    };
  }

  it('is waited out as its Retry-After asks, by every send to that channel, and each alert then arrives once', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, addChannel, health, logs } = await dispatcherFor(receiver, clock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    refuseWith(receiver, '2', (n) => n === 1);
    const writerTimers = clock.pendingTimers;

    dispatcher.dispatch([hook], alert(1, 'down'));
    // The refused send's deadline and its wait; then the second send's.
    await expect.poll(() => clock.pendingTimers).toBe(writerTimers + 2);
    dispatcher.dispatch([hook], alert(2, 'down'));
    await expect.poll(() => clock.pendingTimers).toBe(writerTimers + 4);
    await clock.advanceAsync(1_999);
    expect(receiver.requests).toHaveLength(1);
    await clock.advanceAsync(1);
    await dispatcher.idle();

    expect(receiver.answered.map(label)).toEqual(['down 1', expect.any(String), expect.any(String)]);
    expect(receiver.answered.slice(1).map(label).sort()).toEqual(['down 1', 'down 2']);
    expect(logs).toEqual([]);
    expect(await health(hook)).toMatchObject({ sendCount: 2, failCount: 0, lastSendOk: true });
  });

  // Found by the crash soak: after a restart, resumed alerts and new ones crowd a rate-limiting channel, and a send
  // knocked back many times left one abort listener per try on its signal (Node warned of a leak past 10).
  it('leaves no abort listener behind per try of a send the service refuses many times', async () => {
    const receiver = await startReceiver();
    const { dispatcher, addChannel, health } = await dispatcherFor(receiver, new FakeClock());
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    const refusals = 12;
    refuseWith(receiver, '0', (n) => n <= refusals);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    onTestFinished(() => void process.off('warning', onWarning));

    dispatcher.dispatch([hook], alert(1, 'down'));
    await dispatcher.idle();
    // Node emits its warnings on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    expect(receiver.answered.map(label)).toEqual(Array(refusals + 1).fill('down 1'));
    expect(await health(hook)).toMatchObject({ sendCount: 1, failCount: 0 });
    expect(warnings).toEqual([]);
  });

  it('waits out a short Retry-After on the system clock', async () => {
    const receiver = await startReceiver();
    const { dispatcher, addChannel, health } = await dispatcherFor(receiver, systemClock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    refuseWith(receiver, '0.05', (n) => n === 1);
    dispatcher.dispatch([hook], alert(1, 'down'));
    await dispatcher.idle();
    expect(receiver.answered.map(label)).toEqual(['down 1', 'down 1']);
    expect(await health(hook)).toMatchObject({ sendCount: 1, failCount: 0 });
  });

  it('fails at once, naming the wait, when the service asks for longer than the deadline; other failures are not retried', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock();
    const { dispatcher, addChannel, health, logs } = await dispatcherFor(receiver, clock);
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    refuseWith(receiver, 'Thu, 01 Jan 2026 00:02:00 GMT', (n) => n === 1);

    dispatcher.dispatch([hook], alert(1, 'down'));
    await dispatcher.idle();
    // Sent within the limit's two minutes, the next alert does not knock again.
    await clock.advanceAsync(60_000);
    dispatcher.dispatch([hook], alert(2, 'down'));
    await dispatcher.idle();
    expect(logs).toEqual([
      `Alert send failed (hook): alert webhook returned HTTP 429: {"ok":true}; it asks to wait 120 s, past the alert's deadline`,
      "Alert send failed (hook): the service rate-limited this channel; it asks to wait 60 s, past the alert's deadline",
    ]);
    await clock.advanceAsync(60_000);
    receiver.delay = 0;
    receiver.status = 503;
    receiver.headers = { 'Retry-After': '1' };
    dispatcher.dispatch([hook], alert(3, 'down'));
    await dispatcher.idle();

    expect(receiver.requests.map(label)).toEqual(['down 1', 'down 3']);
    expect(logs[2]).toBe('Alert send failed (hook): alert webhook returned HTTP 503: {"ok":true}');
    expect(await health(hook)).toMatchObject({ sendCount: 3, failCount: 3 });
  });
});

describe('a certificate renewal', () => {
  it('closes the SSL warning on the channels that keep incidents open, and says nothing to the others', async () => {
    const receiver = await startReceiver();
    const { dispatcher, addChannel, health } = await dispatcherFor(receiver, systemClock);
    const pagerduty = await addChannel('pd', 'PAGERDUTY', { routing_key: 'rk' });
    const hook = await addChannel('hook', 'WEBHOOK', { url: `${receiver.url}/hook` });
    await dispatcher.reload();
    dispatcher.dispatch([pagerduty, hook], {
      event: 'ssl_renewed',
      title: 'SSL RENEWED',
      message: "SSL for 'site 7' renewed, expires in 89 days",
      site: { id: 7, name: 'site 7', status: 'UP' },
      timestamp: new Date(),
      incidentKey: `uptop-${INSTALLATION}-site-7-ssl`,
    });
    await dispatcher.idle();
    expect(receiver.requests.map((r) => `${r.path} ${label(r)}`)).toEqual(['/v2/enqueue resolve 7-ssl']);
    expect(await health(hook)).toBeNull();
  });
});

describe('a deleted channel that keeps incidents', () => {
  it('gets the closes of its incidents for a day after its deletion, then is forgotten: months of churn hold one day of them', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock(Date.UTC(2026, 0, 1));
    const { dispatcher, addChannel, writer } = await dispatcherFor(receiver, clock);
    const deleted: number[] = [];
    // Thirty days of a PagerDuty service replaced every six hours, each deletion seen by a reload as the engine's is.
    const every = RETIRED_CHANNEL_KEEP_MS / 4;
    for (let i = 0; i < 120; i++) {
      const id = await addChannel(`pd ${i}`, 'PAGERDUTY', { routing_key: `rk${i}` });
      await dispatcher.reload();
      await writer.submit((tx) => tx.alertChannel.delete({ where: { id } }));
      await dispatcher.reload();
      deleted.push(id);
      clock.advance(every);
    }
    await dispatcher.reload();

    expect(dispatcher.dispatch(deleted, alert(7, 'down'))).toBe(0);
    // Deleted 6, 12 and 18 hours ago; the one deleted exactly a day ago is forgotten with every older one.
    expect(dispatcher.dispatch(deleted, alert(7, 'up'))).toBe(3);
    await dispatcher.idle();
    const sent = receiver.answered.map((r) => r.json() as { routing_key: string; event_action: string; dedup_key: string });
    expect(sent.map((body) => `${body.routing_key} ${body.event_action} ${body.dedup_key}`).sort()).toEqual([
      `rk117 resolve uptop-${INSTALLATION}-site-7`,
      `rk118 resolve uptop-${INSTALLATION}-site-7`,
      `rk119 resolve uptop-${INSTALLATION}-site-7`,
    ]);
  });
});

describe('a test alert', () => {
  it('to a channel that keeps incidents opens one and closes it under its own key, so no page is left open', async () => {
    const receiver = await startReceiver();
    const clock = new FakeClock(Date.UTC(2026, 0, 2, 3, 4, 5));
    const { dispatcher, addChannel, health } = await dispatcherFor(receiver, clock);
    const pager = await addChannel('pd', 'PAGERDUTY', { routing_key: 'rk' });
    const genie = await addChannel('genie', 'OPSGENIE', { api_key: 'gk' });
    const key = `uptop-${INSTALLATION}-test-${clock.nowMs()}`;

    expect(await dispatcher.testAlert(pager)).toEqual({ ok: true, error: '' });
    expect(await dispatcher.testAlert(genie)).toEqual({ ok: true, error: '' });
    expect(receiver.requests.map((r) => [r.path, r.query, r.json()])).toEqual([
      [
        '/v2/enqueue',
        {},
        {
          routing_key: 'rk',
          event_action: 'trigger',
          dedup_key: key,
          payload: { summary: "🧪 Test Alert: Test notification from uptop for channel 'pd'.", source: 'uptop', severity: 'critical' },
        },
      ],
      ['/v2/enqueue', {}, { routing_key: 'rk', event_action: 'resolve', dedup_key: key }],
      [
        '/v2/alerts',
        {},
        { message: '🧪 Test Alert', alias: key, description: "Test notification from uptop for channel 'genie'.", source: 'uptop', priority: 'P3' },
      ],
      [`/v2/alerts/${key}/close`, { identifierType: 'alias' }, { source: 'uptop', note: "The test of channel 'genie' is over: nothing to do." }],
    ]);
    expect(await health(pager)).toMatchObject({ sendCount: 2, failCount: 0 });
  });

  it('closes nothing it did not open, and says so when the close of what it opened fails', async () => {
    const receiver = await startReceiver();
    const { dispatcher, addChannel, health } = await dispatcherFor(receiver, new FakeClock(Date.UTC(2026, 0, 2)));
    const pager = await addChannel('pd', 'PAGERDUTY', { routing_key: 'rk' });
    const actions = () => receiver.requests.map((r) => (r.json() as { event_action: string }).event_action);
    receiver.status = 400;
    receiver.body = '{"status":"invalid event","message":"Event object is invalid"}';
    expect(await dispatcher.testAlert(pager)).toEqual({
      ok: false,
      error: 'PagerDuty returned HTTP 400: {"status":"invalid event","message":"Event object is invalid"}',
    });
    expect(actions()).toEqual(['trigger']);

    receiver.requests.length = 0;
    receiver.body = '';
    // PagerDuty takes the trigger and refuses the resolve.
    receiver.delay = (req) => {
      receiver.status = (req.json() as { event_action: string }).event_action === 'resolve' ? 503 : 202;
      return 0;
    };
    expect(await dispatcher.testAlert(pager)).toEqual({
      ok: false,
      error: 'the test incident was opened but could not be closed: PagerDuty returned HTTP 503',
    });
    expect(actions()).toEqual(['trigger', 'resolve']);
    expect(await health(pager)).toMatchObject({ sendCount: 3, failCount: 2, lastSendOk: false });
  });

  it('to Opsgenie closes its alert only once Opsgenie has created it, though Opsgenie processes a close sent at once first', async () => {
    const opsgenie = await startOpsgenie();
    const { dispatcher, addChannel } = await dispatcherFor(opsgenie, new FakeClock(Date.UTC(2026, 0, 2)));
    const genie = await addChannel('genie', 'OPSGENIE', { api_key: 'gk' });
    expect(await dispatcher.testAlert(genie)).toEqual({ ok: true, error: '' });
    opsgenie.release();
    expect(opsgenie.processed.map((r) => `${r.action}: ${r.status}`)).toEqual(['Create: Created alert', 'Close: Closed alert']);
    expect(opsgenie.open).toEqual([]);
  });

  it('to Opsgenie fails, closing nothing, when Opsgenie does not create its alert', async () => {
    const opsgenie = await startOpsgenie();
    const { dispatcher, addChannel } = await dispatcherFor(opsgenie, new FakeClock(Date.UTC(2026, 0, 2)));
    const genie = await addChannel('genie', 'OPSGENIE', { api_key: 'gk' });
    opsgenie.refusal = 'Integration is disabled';
    expect(await dispatcher.testAlert(genie)).toEqual({ ok: false, error: 'Opsgenie did not process the alert request: Integration is disabled' });
    expect(opsgenie.requests.filter((r) => r.includes('/close'))).toEqual([]);
  });
});
