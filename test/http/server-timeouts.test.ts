import net from 'node:net';
import { collectSse, collectWs, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { decodeId } from '../../src/graphql/ids.ts';
import { HTTP_TIMEOUTS } from '../../src/http/server.ts';
import { capturingLogger } from '../helpers/log.ts';

/** A raw connection to the app: what it received, whether it is closed, and a promise of that. */
function connect(port: number): { socket: net.Socket; received: () => string; isClosed: () => boolean; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  return { socket, received: () => data, isClosed: () => isClosed, closed };
}

/** The server's end of a client's connection, found among those `track` saw open. */
function serverEnd(track: net.Socket[], client: net.Socket): net.Socket | undefined {
  return track.find((s) => s.remotePort === client.localPort);
}

describe('HTTP server timeouts', () => {
  it('default to uptop-behaviour.md §7: headers 10 s, request 30 s, write 60 s, idle keep-alive 120 s', ({ app: t }) => {
    expect(HTTP_TIMEOUTS).toMatchObject({ headersMs: 10_000, requestMs: 30_000, sendMs: 60_000, keepAliveMs: 120_000 });
    const server = t.app.http.server;
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([10_000, 30_000, 120_000]);
  });

  it('let stop finish while the client of a refused WebSocket handshake keeps its socket open', async ({ app: t }) => {
    // Half-open allowed: this client never closes its side by itself.
    const socket = net.connect({ port: t.port, host: '127.0.0.1', allowHalfOpen: true });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write(
      'GET /elsewhere HTTP/1.1\r\nHost: uptop\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    await expect.poll(() => answer).toMatch(/^HTTP\/1\.1 404/);
    await t.stop();
    socket.destroy();
  });

  describe('shortened', () => {
    const captured = capturingLogger('warn');
    it.override({
      appOptions: { logger: captured.logger, httpTimeouts: { headersMs: 300, requestMs: 2500, sendMs: 1000, keepAliveMs: 1000, checkIntervalMs: 50 } },
    });

    it('cut an SSE stream whose client stopped reading, and free its subscription', async ({ app: t, clock, viewer, site }) => {
      const accepted: net.Socket[] = [];
      t.app.http.server.on('connection', (s: net.Socket) => accepted.push(s));
      const body = JSON.stringify({ query: 'subscription { checkCompleted { check { message } } }' });
      const stalled = connect(t.port);
      stalled.socket.write(
        `POST /graphql HTTP/1.1\r\nHost: uptop\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n` +
          `Authorization: Bearer ${viewer.token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      await expect.poll(() => t.app.http.openSubscriptions, { timeout: 10_000 }).toBe(1);
      await expect.poll(() => stalled.received()).toMatch(/^HTTP\/1\.1 200/);
      stalled.socket.pause();

      // Events until the kernel's buffers are full and the server holds bytes the client has not taken.
      const siteId = decodeId(site.id, 'Site')!;
      const check = { siteId, up: true, status: 'UP' as const, latencyMs: 1, statusCode: null, message: 'x'.repeat(64 * 1024) };
      await expect
        .poll(
          () => {
            for (let i = 0; i < 16; i++) t.app.deps.pubsub.publish('site:checkCompleted', { ...check, checkedAt: new Date() });
            return serverEnd(accepted, stalled.socket)?.writableLength;
          },
          { timeout: 10_000 },
        )
        .toBeGreaterThan(0);

      // The client, not reading, would not see the end either: the server's side tells.
      const end = serverEnd(accepted, stalled.socket)!;
      await expect
        .poll(() => {
          clock.advance(1000);
          return end.destroyed;
        })
        .toBe(true);
      await expect.poll(() => t.app.http.openSubscriptions).toBe(0);
      expect(captured.lines().find((l) => /stopped reading/.test(l.msg))).toMatchObject({ path: '/graphql' });
    });

    it('cut slow headers, slow bodies and idle keep-alive connections, but neither SSE streams nor graphql-ws', async ({ app: t, clock, viewer, site }) => {
      const query = 'subscription($ids: [ID!]) { checkCompleted(siteIds: $ids) { check { status } } }';
      const variables = { ids: [site.id] };
      const ws = collectWs(wsClient(t.wsUrl, viewer.token), query, variables);
      const sse = await collectSse(t.graphqlUrl, query, { token: viewer.token, variables });
      await expect.poll(() => t.app.http.openSubscriptions, { timeout: 10_000 }).toBe(2);

      // Three connections the limits are meant for, opened after the subscriptions; each closing is the clock.
      const slowHeaders = connect(t.port);
      slowHeaders.socket.write('GET /healthz HTTP/1.1\r\nHost: uptop\r\n');
      const slowBody = connect(t.port);
      // Headers in time, then a body that trickles: one byte per 100 ms, never the 1,000 announced.
      slowBody.socket.write('POST /graphql HTTP/1.1\r\nHost: uptop\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const trickle = setInterval(() => slowBody.socket.writable && slowBody.socket.write(' '), 100);
      // A keep-alive connection used every 50 ms: it outlives the keep-alive limit, which counts idle time only.
      const busy = connect(t.port);
      let asked = 0;
      const ask = () => {
        asked++;
        busy.socket.write('GET /healthz HTTP/1.1\r\nHost: uptop\r\n\r\n');
      };
      ask();
      const pacing = setInterval(ask, 50);

      await Promise.all([slowHeaders.closed, slowBody.closed]);
      clearInterval(trickle);
      clearInterval(pacing);
      expect(slowHeaders.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
      expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
      expect(busy.isClosed()).toBe(false);
      // Left idle now, it is closed, every request answered.
      await busy.closed;
      expect(busy.received().match(/^HTTP\/1\.1 200 OK/gm)).toHaveLength(asked);

      // Every limit has passed for the streams too (the write limit thrice: they had nothing waiting), and both still deliver.
      clock.advance(3000);
      const beat = await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${site.pushToken}` } });
      expect(beat.status).toBe(200);
      await expect.poll(() => ws.results.length, { timeout: 10_000 }).toBe(1);
      await expect.poll(() => sse.results.length, { timeout: 10_000 }).toBe(1);
      expect([ws.results[0]?.data, sse.results[0]?.data]).toEqual([
        { checkCompleted: { check: { status: 'UP' } } },
        { checkCompleted: { check: { status: 'UP' } } },
      ]);
      expect(sse.ending).toBeNull();
      expect(ws.errors).toEqual([]);
      expect(t.app.http.openSubscriptions).toBe(2);
    });
  });
});
