import net from 'node:net';
import { collectSse, collectWs, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { HTTP_TIMEOUTS } from '../../src/http/server.ts';

/** A raw connection to the app: what it received, and a promise of the server closing it. */
function connect(port: number): { socket: net.Socket; received: () => string; closed: Promise<void> } {
  const socket = net.connect(port, '127.0.0.1');
  let data = '';
  socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, received: () => data, closed };
}

/** Resolves once `count` whole answers (chunked, as node sends the plain routes' bodies) have arrived on the connection. */
async function answers(conn: ReturnType<typeof connect>, count: number): Promise<void> {
  await expect.poll(() => conn.received().split('\r\n0\r\n\r\n').length - 1).toBe(count);
}

describe('HTTP server timeouts', () => {
  it('default to uptop-behaviour.md §7: headers 10 s, request 30 s, idle keep-alive 120 s', ({ app: t }) => {
    expect(HTTP_TIMEOUTS).toMatchObject({ headersMs: 10_000, requestMs: 30_000, keepAliveMs: 120_000 });
    const server = t.app.http.server;
    expect([server.headersTimeout, server.requestTimeout, server.keepAliveTimeout]).toEqual([10_000, 30_000, 120_000]);
  });

  describe('shortened', () => {
    it.override({ appOptions: { httpTimeouts: { headersMs: 300, requestMs: 600, keepAliveMs: 300, checkIntervalMs: 50 } } });

    it('cut slow headers, slow bodies and idle keep-alive connections, but neither SSE streams nor graphql-ws', async ({ app: t, viewer, site }) => {
      const query = 'subscription($ids: [ID!]) { checkCompleted(siteIds: $ids) { check { status } } }';
      const variables = { ids: [site.id] };
      const ws = collectWs(wsClient(t.wsUrl, viewer.token), query, variables);
      const sse = await collectSse(t.graphqlUrl, query, { token: viewer.token, variables });
      await expect.poll(() => t.app.http.openSubscriptions).toBe(2);

      // Three connections the limits are meant for, opened after the subscriptions; each closing is the clock.
      const slowHeaders = connect(t.port);
      slowHeaders.socket.write('GET /healthz HTTP/1.1\r\nHost: uptop\r\n');
      const slowBody = connect(t.port);
      // Headers in time, then a body that trickles: one byte per 100 ms, never the 1,000 announced.
      slowBody.socket.write('POST /graphql HTTP/1.1\r\nHost: uptop\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const trickle = setInterval(() => slowBody.socket.writable && slowBody.socket.write(' '), 100);
      const idle = connect(t.port);
      idle.socket.write('GET /healthz HTTP/1.1\r\nHost: uptop\r\n\r\n');
      await answers(idle, 1);
      // Still open right after an answer: the keep-alive limit counts idle time, not the connection's age.
      idle.socket.write('GET /healthz HTTP/1.1\r\nHost: uptop\r\n\r\n');
      await answers(idle, 2);
      expect(idle.received().match(/^HTTP\/1\.1 200 OK/gm)).toHaveLength(2);

      await Promise.all([slowHeaders.closed, slowBody.closed, idle.closed]);
      clearInterval(trickle);
      expect(slowHeaders.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
      expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408 Request Timeout/);

      // Every limit has passed for the streams too, and both still deliver.
      const beat = await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${site.pushToken}` } });
      expect(beat.status).toBe(200);
      await expect.poll(() => ws.results.length).toBe(1);
      await expect.poll(() => sse.results.length).toBe(1);
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
