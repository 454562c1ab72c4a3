import { describe, expect, it } from 'vitest';
import { SENDS_PER_CHANNEL } from '../../src/alerts/dispatcher.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { engineHarness, httpTarget, received, T0 } from './harness.ts';

/** A promise the test opens: the receiver holds its answers until then. */
function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/**
 * `count` failing sites, all alerting webhook "ops", whose receiver holds its answers until `held` opens: once every
 * site is DOWN, SENDS_PER_CHANNEL sends are in progress and the other DOWNs wait for a slot, in the order of `ids`.
 */
async function queuedOutages(count: number) {
  const web = await httpTarget();
  web.reply({ status: 500 });
  const receiver = await startReceiver();
  const held = gate();
  receiver.delay = held.opened;
  const h = await engineHarness({ start: false });
  for (let i = 0; i < count; i++) await h.createSite({ name: `s${i}`, type: 'HTTP', url: web.url, interval: 60 });
  const linked = (await h.db.site.findMany({ select: { id: true } })).map((s) => s.id);
  await h.createWebhook(receiver, 'ops', linked);
  const checks = h.pubsub.subscribe('site:checkCompleted')[Symbol.asyncIterator]();
  await h.engine.start();
  await h.clock.advanceAsync(0);
  const ids: number[] = [];
  for (const _ of linked) ids.push(((await checks.next()).value as { siteId: number }).siteId);
  await checks.return?.();
  while (receiver.requests.length < SENDS_PER_CHANNEL) await receiver.nextRequest();
  expect(ids.map((id) => h.engine.getState(id)!.status)).toEqual(ids.map(() => 'DOWN'));
  expect(received(receiver, 'ops').map((a) => a.site?.id)).toEqual(ids.slice(0, SENDS_PER_CHANNEL));
  return { h, web, receiver, held, ids };
}

/** The events the receiver got for the site, in order. */
const eventsOf = (receiver: Receiver, siteId: number) =>
  received(receiver, 'ops')
    .filter((a) => a.site?.id === siteId)
    .map((a) => a.event);

describe('engine: alerts across a stop', () => {
  it('alerts a stop left unsent are kept and sent by the next start, before the recoveries found then', async () => {
    // Two rounds of sends and one more: the second round starts within the stop's bound, the last DOWN waits past it.
    const { h, web, receiver, held, ids } = await queuedOutages(2 * SENDS_PER_CHANNEL + 1);
    const [first, cut, waiting] = [ids.slice(0, SENDS_PER_CHANNEL), ids.slice(SENDS_PER_CHANNEL, -1), ids.at(-1)!];
    await h.clock.advanceAsync(1_000);
    const stopping = h.engine.stop();
    // The receiver does not answer: the first round times out 29 s into the stop, and the second is cut at its bound.
    await h.clock.advanceAsync(h.config.engine.alertTimeoutMs);
    await stopping;
    expect(received(receiver, 'ops').map((a) => a.site?.id)).toEqual([...first, ...cut]);
    expect(h.engine.logs().filter((l) => l.message === 'Alert not sent yet (ops): uptop stopped first; it is sent when uptop starts again')).toHaveLength(
      cut.length + 1,
    );

    held.open();
    receiver.delay = 0;
    web.reply({ status: 200 });
    await h.restart();
    await h.tick(0);
    await h.settle();
    expect(eventsOf(receiver, waiting)).toEqual(['down', 'up']);
    // A send the bound cut may have reached the service: it arrives twice rather than never.
    for (const id of cut) expect(eventsOf(receiver, id)).toEqual(['down', 'down', 'up']);
    for (const id of first) expect(eventsOf(receiver, id)).toEqual(['down', 'up']);
    // Every alert has its row, marked done once its send ended: the first round's timed out, the rest went out.
    const rows = await h.db.alertOutbox.findMany({ orderBy: { id: 'asc' } });
    const timedOut = `alert send timed out after ${h.config.engine.alertTimeoutMs} ms`;
    const row = (r: (typeof rows)[number]) => [r.siteId, JSON.parse(r.payload).event, r.attempts, r.lastError];
    expect(rows.slice(0, ids.length).map(row)).toEqual(ids.map((id) => [id, 'down', 1, first.includes(id) ? timedOut : '']));
    expect(rows.slice(ids.length).map(row).sort()).toEqual(ids.map((id) => [id, 'up', 1, '']).sort());
    expect(rows.every((r) => r.sentAt !== null)).toBe(true);
    // The timeouts are the channel's failures; the cut sends are not counted until they were sent.
    expect(await h.db.alertHealth.findFirstOrThrow()).toMatchObject({ sendCount: first.length + (cut.length + 1) + ids.length, failCount: first.length });
    // Once sent, a further restart does not send them again.
    await h.restart();
    await h.settle();
    expect(eventsOf(receiver, waiting)).toEqual(['down', 'up']);
  });

  it('guard: a receiver that answers within the bound gets the waiting alert before the stop completes, and nothing is left unsent', async () => {
    const { h, receiver, held, ids } = await queuedOutages(SENDS_PER_CHANNEL + 1);
    const stopping = h.engine.stop();
    held.open();
    await stopping;
    expect(h.clock.nowMs()).toBe(T0);
    expect(eventsOf(receiver, ids.at(-1)!)).toEqual(['down']);
    await h.writer.flush();
    const rows = await h.db.alertOutbox.findMany({ orderBy: { id: 'asc' } });
    expect(rows.map((r) => [r.siteId, r.attempts, r.lastError])).toEqual(ids.map((id) => [id, 1, '']));
    expect(rows.every((r) => r.sentAt !== null)).toBe(true);
  });
});
