import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { WS_MAX_BUFFERED_BYTES } from '../../src/http/ws-writes.ts';
import { startBareServer, type BareServer } from './bare-server.ts';
import { capturingLogger } from '../helpers/log.ts';

let server: BareServer | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await server?.close();
  server = undefined;
});

interface Subscriber {
  ws: WebSocket;
  /** `next` payloads' data, in arrival order. */
  data: unknown[];
  errors: unknown[];
  closed: Promise<number>;
}

/** A raw graphql-transport-ws client with one subscription, resolved once it is acknowledged and subscribed. */
async function subscribe(url: string, query: string, token?: string): Promise<Subscriber> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  sockets.push(ws);
  const sub: Subscriber = {
    ws,
    data: [],
    errors: [],
    closed: new Promise((resolve) => ws.on('close', (code) => resolve(code))),
  };
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: token } : {} })));
    ws.on('message', (raw) => {
      const message = JSON.parse(String(raw)) as { type: string; payload?: { data?: unknown } };
      if (message.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query } }));
        resolve();
      } else if (message.type === 'next') sub.data.push(message.payload?.data);
      else if (message.type === 'error') sub.errors.push(message.payload);
    });
  });
  return sub;
}

/** Tick 0 is the sync marker: published until every subscriber has one (subscriptions are not acknowledged). */
async function sync(subs: Subscriber[]): Promise<void> {
  await expect
    .poll(() => {
      server!.pubsub.publish('tick', 0);
      return subs.every((s) => s.data.length > 0 || s.errors.length > 0);
    })
    .toBe(true);
}

/** What a subscriber received after the sync markers. */
const delivered = (s: Subscriber) => s.data.filter((d) => !Object.values(d as object).some((v) => v === 0 || v === ''));

describe('shared subscription execution over graphql-ws', () => {
  it('executes once per event for subscribers with the same operation and viewer, separately per viewer', async () => {
    server = await startBareServer();
    const same = await Promise.all([1, 2, 3].map(() => subscribe(server!.wsUrl, 'subscription { counted }', 'Bearer good')));
    await sync(same);
    for (let n = 1; n <= 5; n++) server.pubsub.publish('tick', n);
    await expect.poll(() => same.map(delivered)).toEqual(same.map(() => [1, 2, 3, 4, 5].map((counted) => ({ counted }))));
    expect(server.executed.filter((n) => n > 0)).toEqual([1, 2, 3, 4, 5]);

    const other = await subscribe(server.wsUrl, 'subscription { counted }', 'Bearer other');
    const anonymous = await subscribe(server.wsUrl, 'subscription { counted }');
    await sync([other, anonymous]);
    server.pubsub.publish('tick', 6);
    const all = [...same, other, anonymous];
    await expect.poll(() => all.map((s) => delivered(s).at(-1))).toEqual(all.map(() => ({ counted: 6 })));
    expect(server.executed.filter((n) => n === 6)).toEqual([6, 6, 6]);
  });

  it('keeps operations with other arguments apart', async () => {
    server = await startBareServer();
    const one = await subscribe(server.wsUrl, 'subscription { big(size: 1) }', 'Bearer good');
    const two = await subscribe(server.wsUrl, 'subscription { big(size: 2) }', 'Bearer good');
    await sync([one, two]);
    expect(one.data[0]).toEqual({ big: 'x' });
    expect(two.data[0]).toEqual({ big: 'xx' });
  });

  it('lets one subscriber leave without ending the others, and stops executing when the last one leaves', async () => {
    server = await startBareServer();
    const [a, b] = await Promise.all([1, 2].map(() => subscribe(server!.wsUrl, 'subscription { counted }', 'Bearer good')));
    await sync([a!, b!]);
    a!.ws.close();
    await a!.closed;
    server.pubsub.publish('tick', 7);
    await expect.poll(() => delivered(b!)).toEqual([{ counted: 7 }]);
    b!.ws.close();
    await b!.closed;
    // A subscriber on another operation shows when ticks have gone through while `counted` no longer runs.
    const witness = await subscribe(server.wsUrl, 'subscription { ticks }', 'Bearer good');
    await sync([witness]);
    server.pubsub.publish('tick', 8);
    await expect.poll(() => delivered(witness)).toEqual([{ ticks: 8 }]);
    expect(server.executed.filter((n) => n > 0)).toEqual([7]);
    expect(delivered(b!)).toEqual([{ counted: 7 }]);
  });

  it('passes a failing source on to every subscriber as an error', async () => {
    server = await startBareServer();
    const subs = await Promise.all([1, 2].map(() => subscribe(server!.wsUrl, 'subscription { failing }', 'Bearer good')));
    await expect
      .poll(() => {
        server!.pubsub.publish('tick', 1);
        return subs.every((s) => s.errors.length === 1);
      })
      .toBe(true);
    for (const s of subs) {
      expect(s.data).toEqual([{ failing: 1 }]);
      // One error for all, and masked like any unexpected error.
      expect(s.errors).toMatchObject([[{ message: 'Unexpected error.' }]]);
      expect(JSON.stringify(s.errors)).not.toContain('broke');
    }
  });

  it('cuts off a client that stops reading, while the others get every event', async () => {
    const captured = capturingLogger('warn');
    server = await startBareServer({}, captured.logger);
    const size = 256 * 1024;
    const query = `subscription { big(size: ${size}) }`;
    const slow = await subscribe(server.wsUrl, query, 'Bearer good');
    const fast = await subscribe(server.wsUrl, query, 'Bearer good');
    await sync([slow, fast]);
    const synced = fast.data.length;
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();

    let published = 0;
    await expect
      .poll(
        () => {
          server!.pubsub.publish('tick', ++published);
          return captured.lines().some((l) => /not reading/.test(l.msg));
        },
        { timeout: 15_000 },
      )
      .toBe(true);
    expect(published * size).toBeGreaterThan(WS_MAX_BUFFERED_BYTES);
    await expect.poll(() => fast.data.length - synced).toBe(published);
    (slow.ws as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await slow.closed).toBe(1006);
    expect(slow.data.length).toBeLessThan(published);
  });
});
