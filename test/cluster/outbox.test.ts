import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { AlertDispatcher, SENDS_PER_CHANNEL, type SendOutcome } from '../../src/alerts/dispatcher.ts';
import { getProvider } from '../../src/alerts/providers/index.ts';
import type { AlertMessage, AlertProviderImpl } from '../../src/alerts/types.ts';
import { fencedWriter } from '../../src/cluster/fenced-writer.ts';
import { OutboxSender } from '../../src/cluster/outbox.ts';
import { SLOT_COUNT, slotOf } from '../../src/cluster/slots.ts';
import { loadConfig } from '../../src/config.ts';
import { interceptEnqueue } from '../../src/writer/intercept.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { PROVIDERS, useStores } from '../helpers/stores.ts';
import { createSites, T0, writerHarnessOn } from '../writer/harness.ts';

const stores = useStores();
const silent = pino({ level: 'silent' });
const config = loadConfig({});
const INSTALLATION = 'c0ffee0123456789';

function alert(siteId: number, event: AlertMessage['event'], atMs: number): AlertMessage {
  return {
    event,
    title: event,
    message: `site ${siteId} is ${event}`,
    site: { id: siteId, name: `site ${siteId}`, status: event === 'down' ? 'DOWN' : 'UP' },
    timestamp: new Date(atMs),
    incidentKey: `uptop-${INSTALLATION}-site-${siteId}`,
  };
}

describe.each(PROVIDERS)('alert outbox on %s', (provider) => {
  const harness = writerHarnessOn(stores, provider);

  /**
   * A site and a channel on a fresh database, the engine's dispatcher in outbox mode writing through a fenced writer
   * (instance "a" holds every slot under fence 1), and senders whose deliveries a test scripts.
   */
  async function outbox() {
    const h = await harness({ retention: false, fencing: { owner: 'a', slots: SLOT_COUNT, slotOf } });
    h.writer.start();
    const [siteId] = (await createSites(h.db, 1)) as [number];
    await h.writeDb.slotLease.createMany({
      data: Array.from({ length: SLOT_COUNT }, (_, slot) => ({ slot, owner: 'a', fence: 1, expiresAt: new Date(T0 + 3_600_000) })),
    });
    const channel = await h.writeDb.alertChannel.create({
      data: { name: 'hook', provider: 'WEBHOOK', settings: JSON.stringify({ url: 'http://127.0.0.1:9/' }) },
    });
    const provider: AlertProviderImpl = { send: async () => {} } as unknown as AlertProviderImpl;
    const dispatcher = new AlertDispatcher({
      db: h.db,
      writer: fencedWriter(h.writer, { fenceOf: () => 1 }),
      clock: h.clock,
      config,
      installation: INSTALLATION,
      getProvider: () => provider,
      log: () => {},
      viaOutbox: true,
    });
    await dispatcher.reload();
    const delivered: { instance: string; channelId: number; alert: AlertMessage }[] = [];
    const sender = (instance: string, deliver: (alert: AlertMessage, channelId: number) => Promise<SendOutcome & { gone: boolean }>, owns = () => true) =>
      new OutboxSender({
        instanceId: instance,
        writer: h.writer,
        clock: h.clock,
        logger: silent,
        owns,
        log: () => {},
        deliver: async (channelId, a) => {
          const outcome = await deliver(a, channelId);
          if (outcome.ok) delivered.push({ instance, channelId, alert: a });
          return outcome;
        },
      });
    const ok = async () => ({ ok: true, error: '', gone: false });
    const rows = () => h.db.alertOutbox.findMany({ orderBy: { id: 'asc' } });
    return { h, siteId, channelId: channel.id, dispatcher, delivered, sender, ok, rows };
  }

  it('stores each alert once with its batch and sends it once', async () => {
    const { h, siteId, channelId, dispatcher, delivered, sender, ok, rows } = await outbox();
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    // The same intent again (a batch retried kind by kind) is not stored twice.
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    await h.writer.flush();
    expect(await rows()).toHaveLength(1);
    const a = sender('a', ok);
    await a.round();
    await a.round();
    expect(delivered.map((d) => [d.instance, d.alert.event, d.alert.timestamp.getTime()])).toEqual([['a', 'down', T0]]);
    const [row] = await rows();
    expect(row).toMatchObject({ attempts: 0, claimedBy: '', claimedUntil: null, lastError: '' });
    expect(row!.sentAt).not.toBeNull();
  });

  it('retries a failed send with backoff, and a recovery waits for its outage', async () => {
    const { h, siteId, channelId, dispatcher, delivered, sender, rows } = await outbox();
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    dispatcher.dispatch([channelId], alert(siteId, 'up', T0 + 1000));
    await h.writer.flush();
    let failing = true;
    const a = sender('a', async () => (failing ? { ok: false, error: 'HTTP 502', gone: false } : { ok: true, error: '', gone: false }));
    await a.round();
    expect(delivered).toEqual([]);
    const [down, up] = await rows();
    expect(down).toMatchObject({ attempts: 1, lastError: 'HTTP 502', sentAt: null });
    expect(down!.nextAttemptAt.getTime()).toBe(h.clock.nowMs() + 5_000);
    // The recovery was never tried: it waits behind its outage.
    expect(up).toMatchObject({ attempts: 0, sentAt: null });
    failing = false;
    await a.round();
    expect(delivered).toEqual([]);
    await h.clock.advance(5_000);
    await a.round();
    await a.round();
    expect(delivered.map((d) => d.alert.event)).toEqual(['down', 'up']);
  });

  it('waits at least as long as a service that rate-limited the channel asked, past the backoff', async () => {
    const { h, siteId, channelId, dispatcher, delivered, sender, rows } = await outbox();
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    await h.writer.flush();
    let limited = true;
    const a = sender('a', async () =>
      limited ? { ok: false, error: 'rate limited', retryAfterMs: 90_000, gone: false } : { ok: true, error: '', gone: false },
    );
    await a.round();
    const [down] = await rows();
    expect(down!.nextAttemptAt.getTime()).toBe(h.clock.nowMs() + 90_000);
    limited = false;
    await h.clock.advance(89_999);
    await a.round();
    expect(delivered).toEqual([]);
    await h.clock.advance(1);
    await a.round();
    expect(delivered.map((d) => d.alert.event)).toEqual(['down']);
  });

  it('does not send an alert twice when the owner changes mid-send; after a crash the claim runs out and another sends it', async () => {
    const { h, siteId, channelId, dispatcher, delivered, sender, ok, rows } = await outbox();
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    await h.writer.flush();
    let release!: () => void;
    const a = sender('a', () => new Promise((resolve) => (release = () => resolve({ ok: true, error: '', gone: false }))));
    const sending = a.round();
    await expect.poll(() => release !== undefined).toBe(true);
    // b owns the site now, and looks while a is still sending.
    const b = sender('b', ok);
    await b.round();
    expect(delivered).toEqual([]);
    release();
    await sending;
    await b.round();
    expect(delivered.map((d) => d.instance)).toEqual(['a']);

    // c claims the next alert and dies before sending it: d sends it once the claim has run out.
    dispatcher.dispatch([channelId], alert(siteId, 'up', T0 + 1000));
    await h.writer.flush();
    const c = sender('c', () => new Promise(() => {}));
    void c.round();
    await expect.poll(async () => (await rows())[1]?.claimedBy).toBe('c');
    const d = sender('d', ok);
    await d.round();
    expect(delivered.map((x) => x.instance)).toEqual(['a']);
    await h.clock.advance(60_000);
    await d.round();
    expect(delivered.map((x) => [x.instance, x.alert.event])).toEqual([
      ['a', 'down'],
      ['d', 'up'],
    ]);
  });

  it('does not send an alert again when the database went away between its send and its record', async () => {
    const { h, siteId, channelId, dispatcher, delivered, rows } = await outbox();
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    await h.writer.flush();
    // The database refuses every transaction from the moment the receiver has the alert until it is back.
    let refusing = false;
    const writer = interceptEnqueue(h.writer, (write, next) => next(write));
    writer.submit = (command) => (refusing ? Promise.reject(new Error('Connection terminated unexpectedly')) : h.writer.submit(command));
    const a = new OutboxSender({
      instanceId: 'a',
      writer,
      clock: h.clock,
      logger: silent,
      owns: () => true,
      log: () => {},
      deliver: async (_channelId, sent) => {
        delivered.push({ instance: 'a', channelId, alert: sent });
        refusing = true;
        return { ok: true, error: '', gone: false };
      },
    });
    await a.round();
    await a.round();
    refusing = false;
    await a.round();
    await a.round();
    expect(delivered).toHaveLength(1);
    const [row] = await rows();
    expect(row).toMatchObject({ claimedBy: '', claimedUntil: null });
    expect(row!.sentAt).not.toBeNull();
  });

  it("sends other channels' alerts, and later ones, while one channel's receiver hangs", async () => {
    const { h, siteId, channelId: hung, dispatcher, delivered, sender, ok } = await outbox();
    const other = (await h.writeDb.alertChannel.create({ data: { name: 'other', provider: 'WEBHOOK', settings: '{"url":"http://127.0.0.1:9/"}' } })).id;
    await dispatcher.reload();
    dispatcher.dispatch([hung, other], alert(siteId, 'down', T0));
    await h.writer.flush();
    let release!: () => void;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    const a = sender('a', async (_alert, channelId) => {
      if (channelId === hung) await hanging;
      return ok();
    });
    const first = a.round();
    await expect.poll(() => delivered.length).toBe(1);
    // The site recovers while the hung channel still holds its outage: the other channel gets the recovery now.
    dispatcher.dispatch([hung, other], alert(siteId, 'up', T0 + 1000));
    await h.writer.flush();
    void a.round();
    await expect.poll(() => delivered.map((d) => d.alert.event)).toEqual(['down', 'up']);
    expect(delivered.every((d) => d.channelId === other)).toBe(true);
    release();
    await first;
    await a.round();
    expect(delivered.filter((d) => d.channelId === hung).map((d) => d.alert.event)).toEqual(['down', 'up']);
  });

  it(`has at most ${SENDS_PER_CHANNEL} sends to one channel in flight, as the dispatcher does`, async () => {
    const { h, siteId, channelId, dispatcher, delivered, sender, ok } = await outbox();
    const siteIds = [siteId, ...(await createSites(h.db, SENDS_PER_CHANNEL + 2))];
    for (const id of siteIds) dispatcher.dispatch([channelId], alert(id, 'down', T0));
    await h.writer.flush();
    const gates: (() => void)[] = [];
    const a = sender('a', () => new Promise((resolve) => gates.push(() => resolve({ ok: true, error: '', gone: false }))));
    const first = a.round();
    await expect.poll(() => gates.length).toBe(SENDS_PER_CHANNEL);
    await a.round();
    expect(gates.length).toBe(SENDS_PER_CHANNEL);
    for (const open of gates.splice(0)) open();
    await first;
    const second = a.round();
    await expect.poll(() => gates.length).toBe(siteIds.length - SENDS_PER_CHANNEL);
    for (const open of gates.splice(0)) open();
    await second;
    expect(delivered).toHaveLength(siteIds.length);
    await sender('b', ok).round();
    expect(delivered).toHaveLength(siteIds.length);
  });

  it('sends only the alerts of the sites its instance checks', async () => {
    const { h, siteId, channelId, dispatcher, delivered, sender, ok } = await outbox();
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    await h.writer.flush();
    await sender('a', ok, () => false).round();
    expect(delivered).toEqual([]);
    await sender('b', ok, () => true).round();
    expect(delivered.map((d) => d.instance)).toEqual(['b']);
  });

  /** A PagerDuty channel at a receiver, and the engine's dispatcher in outbox mode with a sender that delivers for real. */
  async function pagerOutbox() {
    const h = await harness({ retention: false, fencing: { owner: 'a', slots: SLOT_COUNT, slotOf } });
    h.writer.start();
    const [siteId] = (await createSites(h.db, 1)) as [number];
    await h.writeDb.slotLease.createMany({
      data: Array.from({ length: SLOT_COUNT }, (_, slot) => ({ slot, owner: 'a', fence: 1, expiresAt: new Date(T0 + 3_600_000) })),
    });
    const pager = await h.writeDb.alertChannel.create({
      data: { name: 'pager', provider: 'PAGERDUTY', settings: JSON.stringify({ routing_key: 'R0UT1NGKEY' }) },
    });
    const receiver = await startReceiver();
    /** A dispatcher as an engine (re)started now builds it, and the sender that delivers through it. */
    const instance = async () => {
      const dispatcher = new AlertDispatcher({
        db: h.db,
        writer: fencedWriter(h.writer, { fenceOf: () => 1 }),
        clock: h.clock,
        config: loadConfig({ UPTOP_PAGERDUTY_URL: `${receiver.url}/v2/enqueue` }),
        installation: INSTALLATION,
        getProvider,
        log: () => {},
        viaOutbox: true,
      });
      await dispatcher.reload();
      const sender = new OutboxSender({
        instanceId: 'a',
        writer: h.writer,
        clock: h.clock,
        logger: silent,
        owns: () => true,
        log: () => {},
        deliver: (channelId, a, via) => dispatcher.deliver(channelId, a, via),
      });
      return { dispatcher, sender };
    };
    return { h, siteId, pager: pager.id, receiver, instance };
  }

  it('delivers the close of an incident after its site and its PagerDuty channel were deleted', async () => {
    const { h, siteId, pager, receiver, instance } = await pagerOutbox();
    const { dispatcher, sender } = await instance();
    dispatcher.dispatch([pager], alert(siteId, 'down', T0));
    await h.writer.flush();
    await sender.round();
    await h.writeDb.site.delete({ where: { id: siteId } });
    await h.writeDb.alertChannel.delete({ where: { id: pager } });
    await dispatcher.reload();
    expect(dispatcher.closeAt([dispatcher.incidentKeeper(pager)!], alert(siteId, 'up', T0 + 1000))).toBe(1);
    await h.writer.flush();
    await sender.round();
    expect(receiver.requests.map((r) => r.json())).toEqual([
      expect.objectContaining({ event_action: 'trigger', dedup_key: `uptop-${INSTALLATION}-site-${siteId}` }),
      { routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: `uptop-${INSTALLATION}-site-${siteId}` },
    ]);
  });

  it('delivers the close an uptop that knew no installation id queued under the key of then, which its incident has', async () => {
    const { h, siteId, pager, receiver, instance } = await pagerOutbox();
    const { sender } = await instance();
    const { incidentKey: _, ...before } = alert(siteId, 'up', T0);
    const payload = JSON.stringify(before);
    fencedWriter(h.writer, { fenceOf: () => 1 }).enqueue({ kind: 'alertIntent', siteId, alertChannelId: pager, key: 'old', payload, createdAt: new Date(T0) });
    await h.writer.flush();
    await sender.round();
    expect(receiver.requests.map((r) => r.json())).toEqual([{ routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: `uptop-site-${siteId}` }]);
  });

  it('delivers a close at the routing key it was queued for, after the channel was edited and the instance restarted', async () => {
    const { h, siteId, pager, receiver, instance } = await pagerOutbox();
    const before = await instance();
    before.dispatcher.dispatch([pager], alert(siteId, 'down', T0));
    await h.writer.flush();
    await before.sender.round();
    await h.writeDb.alertChannel.update({ where: { id: pager }, data: { settings: JSON.stringify({ routing_key: 'N3WR0UT1NG' }) } });
    const [moved] = await before.dispatcher.reload();
    expect(moved).toMatchObject({ id: pager, keepsIncidents: true });
    expect(before.dispatcher.closeAt([moved!.before], alert(siteId, 'up', T0 + 1000))).toBe(1);
    before.dispatcher.dispatch([pager], alert(siteId, 'down', T0 + 1000));
    await h.writer.flush();

    const after = await instance();
    await after.sender.round();
    await after.sender.round();
    expect(receiver.requests.map((r) => r.json())).toEqual([
      expect.objectContaining({ routing_key: 'R0UT1NGKEY', event_action: 'trigger', dedup_key: `uptop-${INSTALLATION}-site-${siteId}` }),
      { routing_key: 'R0UT1NGKEY', event_action: 'resolve', dedup_key: `uptop-${INSTALLATION}-site-${siteId}` },
      expect.objectContaining({ routing_key: 'N3WR0UT1NG', event_action: 'trigger', dedup_key: `uptop-${INSTALLATION}-site-${siteId}` }),
    ]);
  });

  it("refuses a stale owner's intents with its other rows", async () => {
    const { h, siteId, channelId, dispatcher, rows } = await outbox();
    await h.writeDb.slotLease.update({ where: { slot: slotOf(siteId) }, data: { owner: 'b', fence: 2 } });
    dispatcher.dispatch([channelId], alert(siteId, 'down', T0));
    await h.writer.flush();
    expect(await rows()).toEqual([]);
  });
});
