import net from 'node:net';
import type { Client } from 'graphql-ws';
import { afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import WebSocket from 'ws';
import { WS_MAX_PAYLOAD_BYTES, WS_MAX_SUBSCRIPTIONS } from '../../src/http/ws.ts';
import { handshake, wsClient } from '../helpers/clients.ts';
import { capturingLogger } from '../helpers/log.ts';
import { nestedQuery, startBareServer, type BareServer } from './bare-server.ts';

let server: BareServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The first result of a subscription (or a query) as data, or its errors' messages. */
async function first(c: Client, query: string): Promise<{ data?: unknown; errors?: string[] }> {
  const it = c.iterate({ query });
  try {
    const { value } = await it.next();
    return { data: value?.data };
  } catch (err) {
    return { errors: (err as { message: string }[]).map((e) => e.message) };
  } finally {
    await it.return?.();
  }
}

/** Resolves once the server has a listener on the tick topic, by publishing until one arrives. */
async function nextTick(c: Client, server: BareServer, value: number): Promise<unknown> {
  const it = c.iterate({ query: 'subscription { ticks }' });
  const got = it.next();
  const timer = setInterval(() => server.pubsub.publish('tick', value), 5);
  try {
    return (await got).value?.data;
  } finally {
    clearInterval(timer);
    await it.return?.();
  }
}

/** A raw graphql-transport-ws connection, acknowledged, with the close code promised. */
async function rawConnection(url: string, payload?: Record<string, unknown>): Promise<{ ws: WebSocket; closed: Promise<number>; messages: unknown[] }> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const messages: unknown[] = [];
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string };
      messages.push(message);
      if (message.type === 'connection_ack') resolve();
    });
    ws.on('error', reject);
    void closed.then(() => resolve());
  });
  return { ws, closed, messages };
}

describe('graphql-ws on the HTTP server', () => {
  it('delivers subscription events and runs queries', async () => {
    server = await startBareServer();
    const c = wsClient(server.wsUrl);
    expect(await first(c, '{ hello }')).toEqual({ data: { hello: 'world' } });
    expect(await nextTick(c, server, 7)).toEqual({ ticks: 7 });
  });

  it('answers a too-deep subscription with an error message and keeps the socket open', async () => {
    server = await startBareServer({ UPTOP_MAX_DEPTH: '5' });
    const c = wsClient(server.wsUrl);
    const refused = await first(c, nestedQuery(6, 'subscription'));
    expect(refused.errors?.[0]).toMatch(/depth limit of 5 exceeded/i);
    expect(await nextTick(c, server, 1)).toEqual({ ticks: 1 });
    expect(c.closes).toEqual([]);
  });

  it('answers a syntax error and an over-long document with an error message', async () => {
    server = await startBareServer({ UPTOP_MAX_TOKENS: '20' });
    const c = wsClient(server.wsUrl);
    expect((await first(c, 'subscription { ticks')).errors?.[0]).toMatch(/Syntax Error/);
    expect((await first(c, `{ ${'hello '.repeat(30)}}`)).errors?.[0]).toMatch(/token limit/i);
    expect(await first(c, '{ hello }')).toEqual({ data: { hello: 'world' } });
  });

  it('answers every limit with extensions.code QUERY_TOO_COMPLEX, naming the limit', async () => {
    const cases: { limit: string; env: Record<string, string>; max: number; query: string }[] = [
      { limit: 'depth', env: { UPTOP_MAX_DEPTH: '5' }, max: 5, query: nestedQuery(6, 'subscription') },
      { limit: 'aliases', env: { UPTOP_MAX_ALIASES: '3' }, max: 3, query: '{ a: hello b: hello c: hello d: hello }' },
      { limit: 'tokens', env: { UPTOP_MAX_TOKENS: '40' }, max: 40, query: `{ ${'hello '.repeat(40)}}` },
      { limit: 'cost', env: { UPTOP_MAX_COST: '20' }, max: 20, query: nestedQuery(8, 'subscription') },
    ];
    for (const { limit, env, max, query } of cases) {
      server = await startBareServer(env);
      const { ws, messages } = await rawConnection(server.wsUrl);
      ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      await expect.poll(() => messages.find((m) => (m as { type: string }).type === 'error')).toBeDefined();
      const error = messages.find((m) => (m as { type: string }).type === 'error') as { payload: { message: string; extensions: unknown }[] };
      expect(error.payload[0]!.message, limit).not.toMatch(/Syntax Error/);
      expect(error.payload[0]!.extensions, limit).toEqual({ code: 'QUERY_TOO_COMPLEX', limit, max });
      ws.close();
      await server.close();
      server = undefined;
    }
  });

  it('masks unexpected errors', async () => {
    server = await startBareServer();
    const c = wsClient(server.wsUrl);
    const it = c.iterate({ query: '{ secret }' });
    const { value } = await it.next();
    await it.return?.();
    expect(JSON.stringify(value)).not.toMatch(/SQLITE|\/srv|db\.ts/);
    expect(value?.errors?.[0]?.message).toBe('Unexpected error.');
  });

  it('blocks introspection when it is off, and allows it when on', async () => {
    server = await startBareServer({ UPTOP_INTROSPECTION: 'false' });
    const off = await first(wsClient(server.wsUrl), '{ __schema { queryType { name } } }');
    expect(off.errors?.[0]).toMatch(/introspection/i);
    await server.close();
    server = await startBareServer();
    expect(await first(wsClient(server.wsUrl), '{ __schema { queryType { name } } }')).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('refuses a cross-origin handshake and accepts same-origin and origin-less ones', async () => {
    server = await startBareServer();
    expect(await handshake(server.wsUrl, { origin: 'https://evil.example' })).toBe(403);
    expect(await handshake(server.wsUrl, { origin: 'not a url' })).toBe(403);
    expect(await handshake(server.wsUrl, { origin: `http://127.0.0.1:${server.port}` })).toBe('open');
    expect(await handshake(server.wsUrl, {})).toBe('open');
  });

  it('believes X-Forwarded-Host for the origin check only from a trusted proxy', async () => {
    server = await startBareServer({ UPTOP_TRUSTED_PROXIES: '127.0.0.1' });
    expect(await handshake(server.wsUrl, { origin: 'https://uptop.example', 'x-forwarded-host': 'uptop.example' })).toBe('open');
    await server.close();
    server = await startBareServer();
    expect(await handshake(server.wsUrl, { origin: 'https://uptop.example', 'x-forwarded-host': 'uptop.example' })).toBe(403);
  });

  it('upgrades only the GraphQL path, whatever the request target looks like', async () => {
    server = await startBareServer();
    expect(await handshake(server.wsUrl.replace('/graphql', '/other'), {})).toBe(404);
    for (const target of ['http://localhost:1:2/graphql', '//evil/graphql', '*']) {
      const status = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(server!.port, '127.0.0.1', () =>
          socket.write(
            `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
              'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
          ),
        );
        socket.once('data', (data) => {
          resolve(String(data).split('\r\n')[0]!);
          socket.destroy();
        });
        socket.on('error', reject);
      });
      expect(status).toBe('HTTP/1.1 404 Not Found');
    }
    expect(await handshake(server.wsUrl, {})).toBe('open');
  });

  it('closes the socket of a refused handshake even when the client keeps its end open', async () => {
    server = await startBareServer({ UPTOP_WS_PER_IP: '1' });
    const open = await rawConnection(server.wsUrl);
    const refusals = ['/other', '/graphql'].map(
      (path) =>
        new Promise<string>((resolve, reject) => {
          // Half-open allowed: this client never closes its side by itself.
          const socket = net.connect({ port: server!.port, host: '127.0.0.1', allowHalfOpen: true }, () =>
            socket.write(
              `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
                'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
            ),
          );
          onTestFinished(() => {
            socket.destroy();
          });
          socket.once('data', (data) => resolve(String(data).split('\r\n')[0]!));
          socket.on('error', reject);
        }),
    );
    expect(await Promise.all(refusals)).toEqual(['HTTP/1.1 404 Not Found', 'HTTP/1.1 429 Too Many Requests']);
    const connections = () => new Promise<number>((resolve, reject) => server!.http.getConnections((err, n) => (err ? reject(err) : resolve(n))));
    // Only the WebSocket is left.
    await expect.poll(connections).toBe(1);
    expect(open.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('closes with 4403 for an invalid token, and passes a valid one to the context', async () => {
    server = await startBareServer();
    const refused = await rawConnection(server.wsUrl, { authorization: 'Bearer bad' });
    expect(await refused.closed).toBe(4403);
    const c = wsClient(server.wsUrl, 'good');
    expect(await first(c, '{ viewer }')).toEqual({ data: { viewer: 'good' } });
    expect(await first(wsClient(server.wsUrl), '{ viewer }')).toEqual({ data: { viewer: null } });
  });

  it(`caps a connection at ${WS_MAX_SUBSCRIPTIONS} open operations`, async () => {
    server = await startBareServer();
    const { ws, messages } = await rawConnection(server.wsUrl);
    for (let i = 0; i <= WS_MAX_SUBSCRIPTIONS; i++) {
      ws.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: 'subscription { ticks }' } }));
    }
    await expect
      .poll(() => messages.find((m) => (m as { type: string }).type === 'error'))
      .toMatchObject({
        id: String(WS_MAX_SUBSCRIPTIONS),
        payload: [{ message: expect.stringMatching(/at most 100 operations/) }],
      });
    server.pubsub.publish('tick', 3);
    await expect.poll(() => messages.filter((m) => (m as { type: string }).type === 'next').length).toBe(WS_MAX_SUBSCRIPTIONS);
    ws.close();
  });

  it('closes a connection that sends an oversized message with 1009, logging it through the logger only', async () => {
    const captured = capturingLogger('debug');
    const consoleError = vi.spyOn(console, 'error');
    onTestFinished(() => consoleError.mockRestore());
    server = await startBareServer({}, captured.logger);
    const { ws, closed } = await rawConnection(server.wsUrl);
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ hello } # ${'x'.repeat(WS_MAX_PAYLOAD_BYTES)}` } }));
    expect(await closed).toBe(1009);
    await expect.poll(() => captured.lines().map((l) => l.msg)).toContain('graphql-ws: socket error; connection closed');
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('closes a connection that sends garbage with 4400 and keeps serving the others', async () => {
    server = await startBareServer();
    for (const garbage of ['not json', Buffer.from([0xff, 0x00, 0xfe]), JSON.stringify({ type: 'subscribe', payload: { query: 5 } })]) {
      const { ws, closed } = await rawConnection(server.wsUrl);
      ws.send(garbage);
      expect(await closed).toBe(4400);
    }
    expect(await first(wsClient(server.wsUrl), '{ hello }')).toEqual({ data: { hello: 'world' } });
  });

  it('runs an operation whose variables are nested too deep to serialize, keeping the socket open', async () => {
    server = await startBareServer();
    const { ws, closed, messages } = await rawConnection(server.wsUrl);
    const depth = 10_000;
    const variables = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    ws.send(`{"id":"1","type":"subscribe","payload":{"query":"subscription { ticks }","variables":{"deep":${variables}}}}`);
    await expect
      .poll(() => {
        server!.pubsub.publish('tick', 5);
        return messages.find((m) => (m as { type: string }).type === 'next');
      })
      .toEqual({ id: '1', type: 'next', payload: { data: { ticks: 5 } } });
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
    expect(await closed).toBe(1005);
  });

  it('closes clients with 1001 on dispose and refuses new handshakes', async () => {
    server = await startBareServer();
    const { closed } = await rawConnection(server.wsUrl);
    await server.dispose();
    expect(await closed).toBe(1001);
    expect(await handshake(server.wsUrl, {})).toBe(503);
  });
});
