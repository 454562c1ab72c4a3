import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { collectSse, collectWs, live, wsClient } from '../helpers/clients.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { startInstances, subscribed } from './instances.ts';

const LOGS = 'subscription { logAdded { message } }';
const ENGINE = 'subscription { engineStatus { down } }';
const LOST_REASON = 'Events were lost while the connection between instances (Redis) was down; subscribe again';

let redis: TestRedis;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(() => redis?.stop());

/** Redis goes away and comes back; resolves once A has subscribed again (its own revocation resync ran too). */
async function outage(): Promise<void> {
  await redis.down();
  await redis.up();
}

/** A graphql-ws client that retries at once, as a browser's would after its wait, and records each close with its reason. */
function retryingWsClient(wsUrl: string, token: string) {
  const closes: { code: number; reason: string }[] = [];
  const connected = { count: 0 };
  const client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 3,
    retryWait: async () => undefined,
    onNonLazyError: () => undefined,
    connectionParams: { authorization: `Bearer ${token}` },
    on: {
      closed: (event) => void closes.push({ code: (event as CloseEvent).code, reason: (event as CloseEvent).reason }),
      connected: () => void connected.count++,
    },
  });
  onTestFinished(() => client.dispose());
  return Object.assign(client, { closes, connected });
}

describe('events lost while Redis was away', () => {
  it('closes a graphql-ws connection that carries shared events with 1012 naming the loss; the client reconnects and receives again', async () => {
    const { a, b } = await startInstances(redis);
    const client = retryingWsClient(a.wsUrl, a.users.viewer.token);
    const logs = collectWs(client, LOGS);
    await subscribed(a, 1);
    await live(b, logs);

    await outage();
    await expect.poll(() => client.closes, { timeout: 10_000, interval: 20 }).toEqual([{ code: 1012, reason: LOST_REASON }]);
    // graphql-ws retries 1012 and subscribes again on its own: the same subscription receives what B does next.
    await expect.poll(() => client.connected.count, { timeout: 5000, interval: 20 }).toBe(2);
    await subscribed(a, 1);
    await live(b, logs);
    expect(logs.errors).toEqual([]);
  });

  it('leaves alone a graphql-ws connection whose subscriptions carry only this instance’s events', async () => {
    const { a, b } = await startInstances(redis);
    const engineOnly = wsClient(a.wsUrl, a.users.viewer.token);
    const engine = collectWs(engineOnly, ENGINE);
    const shared = retryingWsClient(a.wsUrl, a.users.viewer.token);
    const logs = collectWs(shared, LOGS);
    await subscribed(a, 2);
    await live(b, logs);

    await outage();
    await expect.poll(() => shared.closes.map((c) => c.code), { timeout: 10_000, interval: 20 }).toEqual([1012]);
    expect(engineOnly.closes).toEqual([]);
    expect(engine.errors).toEqual([]);
    await subscribed(a, 2);
  });

  it('ends an SSE stream of shared events with an error naming the loss, then `complete`; a new stream receives again', async () => {
    const { a, b } = await startInstances(redis);
    const sse = await collectSse(a.graphqlUrl, LOGS, { token: a.users.viewer.token });
    await subscribed(a, 1);
    await live(b, sse);

    await outage();
    await expect.poll(() => sse.ending, { timeout: 10_000, interval: 20 }).toBe('complete');
    expect(sse.results.at(-1)).toEqual({ errors: [expect.objectContaining({ message: LOST_REASON, extensions: { code: 'EVENTS_LOST' } })] });
    await subscribed(a, 0);
    const again = await collectSse(a.graphqlUrl, LOGS, { token: a.users.viewer.token });
    await subscribed(a, 1);
    await live(b, again);
  });
});
