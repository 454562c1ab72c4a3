import type http from 'node:http';
import net from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { runCheck } from '../../src/engine/checks/index.ts';
import { closedPort, createCertificate, startDnsTarget, startHttpsTarget, startHttpTarget, type HttpTarget, type TestCertificate } from '../helpers/targets.ts';
import type { CheckTarget } from '../../src/engine/checks/types.ts';
import { allowPrivate, blockPrivate, site } from './fixtures.ts';

let target: HttpTarget;

beforeAll(async () => {
  target = await startHttpTarget();
});
afterEach(() => {
  target.requests.length = 0;
  target.reply({ status: 200, body: 'ok' });
});
afterAll(() => target.close());

/** Answers `/hop/<n>` with `status` and Location `/hop/<n+1>` until `hops` redirects were given, then 200 "done". */
function redirectChain(hops: number, status = 302): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  return (req, res) => {
    const n = Number(/\/hop\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    if (n < hops) {
      res.writeHead(status, { location: `/hop/${n + 1}` });
      res.end();
    } else {
      res.writeHead(200);
      res.end('done');
    }
  };
}

describe('HTTP status judgement', () => {
  it('is UP with the status code and a latency for a 2xx', async () => {
    const result = await runCheck(site({ url: target.url }), allowPrivate);
    expect(result).toMatchObject({ status: 'UP', statusCode: 200, message: '', hasSsl: false, certExpiresAt: null });
    expect(result.latencyMs).toBeGreaterThan(0);
    // To the microsecond: no digits past it.
    expect(Math.round(result.latencyMs! * 1000) / 1000).toBe(result.latencyMs);
    expect(target.requests).toHaveLength(1);
    expect(target.requests[0]).toMatchObject({ method: 'GET', path: '/' });
  });

  it('is DOWN naming the code and the expected codes otherwise', async () => {
    target.reply({ status: 500 });
    expect(await runCheck(site({ url: target.url }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 500,
      message: 'HTTP 500 (expected 200-299)',
    });
  });

  it('honours custom accepted codes and quotes them when the code is not among them', async () => {
    target.reply({ status: 302 });
    expect(await runCheck(site({ url: target.url, acceptedCodes: '200-399' }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 302 });
    target.reply({ status: 404 });
    expect(await runCheck(site({ url: target.url, acceptedCodes: '200-299,301' }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'HTTP 404 (expected 200-299,301)',
    });
  });

  it("judges any three-digit status a server sends, above 599 too, as Go's client reads them", async () => {
    target.reply({ status: 999 });
    expect(await runCheck(site({ url: target.url, acceptedCodes: '200-299,999' }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 999 });
    target.reply({ status: 650 });
    expect(await runCheck(site({ url: target.url, acceptedCodes: '600-699' }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 650 });
    expect(await runCheck(site({ url: target.url }), allowPrivate)).toMatchObject({ status: 'DOWN', statusCode: 650, message: 'HTTP 650 (expected 200-299)' });
  });

  it('truncates a long reason to 256 chars ending in "..."', async () => {
    target.reply({ status: 404 });
    const acceptedCodes = Array.from({ length: 80 }, (_, i) => String(200 + i)).join(',');
    const result = await runCheck(site({ url: target.url, acceptedCodes }), allowPrivate);
    expect(result.message).toHaveLength(256);
    expect(result.message).toMatch(/^HTTP 404 \(expected 200,201,.*\.\.\.$/);
  });

  it('takes latency when the headers arrive: a body cut off by the timeout does not change the verdict', async () => {
    target.handle((_req, res) => {
      res.writeHead(200);
      res.flushHeaders(); // the body never ends
    });
    const result = await runCheck(site({ url: target.url, timeout: 1 }), allowPrivate);
    expect(result).toMatchObject({ status: 'UP', statusCode: 200 });
    expect(result.latencyMs).toBeLessThan(1000);
  });
});

describe('HTTP request', () => {
  it("reads response headers past Node's 16 KiB default, as Go's client does", async () => {
    target.handle((_req, res) => {
      res.setHeader(
        'set-cookie',
        Array.from({ length: 10 }, (_, i) => `c${i}=${'v'.repeat(1800)}`),
      );
      res.setHeader('content-security-policy', `default-src 'self' ${'https://cdn.example '.repeat(1000)}`);
      res.end('ok');
    });
    expect(await runCheck(site({ url: target.url }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 200 });
  });

  it('uses the configured method', async () => {
    await runCheck(site({ url: target.url, method: 'HEAD' }), allowPrivate);
    await runCheck(site({ url: target.url, method: 'delete' }), allowPrivate);
    expect(target.requests.map((r) => r.method)).toEqual(['HEAD', 'DELETE']);
  });

  it('sends the configured headers and body, with a JSON content type for a JSON body', async () => {
    await runCheck(
      site({ url: `${target.url}api?x=1`, method: 'POST', httpHeaders: '{"X-Token": "abc", "X-Num": 7}', httpBody: '{"ping":true}' }),
      allowPrivate,
    );
    const [request] = target.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/api?x=1', body: '{"ping":true}' });
    expect(request!.headers).toMatchObject({ 'x-token': 'abc', 'x-num': '7', 'content-type': 'application/json', 'content-length': '13' });
  });

  it('lets a configured content type win and sends plain text as text', async () => {
    await runCheck(
      site({ url: target.url, method: 'PUT', httpBody: 'a=1', httpHeaders: '{"Content-Type": "application/x-www-form-urlencoded"}' }),
      allowPrivate,
    );
    await runCheck(site({ url: target.url, method: 'PUT', httpBody: 'hello' }), allowPrivate);
    expect(target.requests.map((r) => r.headers['content-type'])).toEqual(['application/x-www-form-urlencoded', 'text/plain; charset=utf-8']);
  });

  it('is DOWN without sending anything when httpHeaders is unusable', async () => {
    const notJson = await runCheck(site({ url: target.url, httpHeaders: '{nope' }), allowPrivate);
    expect(notJson).toMatchObject({ status: 'DOWN' });
    expect(notJson.message).toMatch(/^httpHeaders is not valid JSON: /);
    expect(await runCheck(site({ url: target.url, httpHeaders: '["X-A"]' }), allowPrivate)).toMatchObject({
      message: 'httpHeaders must be a JSON object such as {"X-Token": "abc"}',
    });
    expect(await runCheck(site({ url: target.url, httpHeaders: '{"Bad Name": "x"}' }), allowPrivate)).toMatchObject({
      message: 'httpHeaders: "Bad Name" is not a valid header name or has an invalid value',
    });
    expect(target.requests).toHaveLength(0);
  });

  it('sends basic auth from authUsername and authSecret', async () => {
    await runCheck(site({ url: target.url, authType: 'BASIC', authUsername: 'alice', authSecret: 's3cret' }), allowPrivate);
    expect(target.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
  });

  it('sends a bearer token from authSecret', async () => {
    await runCheck(site({ url: target.url, authType: 'BEARER', authSecret: 'tok-123' }), allowPrivate);
    expect(target.requests[0]!.headers.authorization).toBe('Bearer tok-123');
  });

  it('opens a connection of its own for every check and closes it when done', async () => {
    const before = { connections: target.connections, requests: target.requestCount };
    for (let i = 0; i < 3; i++) {
      expect((await runCheck(site({ url: target.url }), allowPrivate)).status).toBe('UP');
      await target.idle(); // the server keeps idle connections for a minute: only the check can have closed it
    }
    expect(target.connections - before.connections).toBe(3);
    expect(target.requestCount - before.requests).toBe(3);
  });

  it('reads at most 1 MiB of a body it does not search, then lets the connection go: a download is not downloaded', async () => {
    let served = false;
    target.handle((_req, res) => {
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let left = 256 * 1024 * 1024;
      res.writeHead(200, { 'content-length': String(left) });
      const pump = (): void => {
        while (left > 0 && !res.destroyed) {
          left -= chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (left === 0) res.end(() => (served = true));
      };
      pump();
    });
    expect(await runCheck(site({ url: target.url, timeout: 60 }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 200 });
    await target.idle();
    expect(served).toBe(false);
  });

  it('closes its connection when it stops reading early (keyword found, body still coming)', async () => {
    target.handle((_req, res) => {
      res.writeHead(200);
      res.write(`needle${'x'.repeat(2 * 1024 * 1024)}`); // more than the keyword search reads, and never ended
    });
    expect(await runCheck(site({ url: target.url, keyword: 'needle' }), allowPrivate)).toMatchObject({ status: 'UP' });
    await target.idle();
  });

  it('is DOWN with the transport error when nothing listens', async () => {
    const port = await closedPort();
    const result = await runCheck(site({ url: `http://127.0.0.1:${port}/` }), allowPrivate);
    expect(result).toMatchObject({ status: 'DOWN', statusCode: null });
    expect(result.message).toContain('ECONNREFUSED');
  });

  it('names the connect error of each address when every address of the host fails', async () => {
    const dns = await startDnsTarget({
      records: [
        { name: 'two.test', type: 'A', ttl: 60, data: '127.0.0.2' },
        { name: 'two.test', type: 'A', ttl: 60, data: '127.0.0.3' },
      ],
    });
    try {
      const port = await closedPort();
      const result = await runCheck(site({ url: `http://two.test:${port}/` }), { ...allowPrivate, nameServers: [dns.server] });
      expect(result).toMatchObject({ status: 'DOWN', message: `connect ECONNREFUSED 127.0.0.2:${port}; connect ECONNREFUSED 127.0.0.3:${port}` });
    } finally {
      await dns.close();
    }
  });

  it('is DOWN for an invalid URL or an unsupported scheme', async () => {
    expect(await runCheck(site({ url: 'not a url' }), allowPrivate)).toMatchObject({ status: 'DOWN', message: 'invalid URL: not a url' });
    expect(await runCheck(site({ url: null }), allowPrivate)).toMatchObject({ status: 'DOWN', message: 'invalid URL: (none)' });
    expect(await runCheck(site({ url: 'ftp://127.0.0.1/' }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'unsupported protocol scheme "ftp"',
    });
  });
});

describe('HTTP keyword', () => {
  it('is UP when the keyword appears and DOWN when it does not', async () => {
    target.reply({ body: 'status: all systems operational' });
    expect(await runCheck(site({ url: target.url, keyword: 'operational' }), allowPrivate)).toMatchObject({ status: 'UP', message: '' });
    expect(await runCheck(site({ url: target.url, keyword: 'degraded' }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 200,
      message: 'keyword "degraded" not found',
    });
  });

  it('inverted: DOWN when the keyword appears, UP when it does not', async () => {
    target.reply({ body: 'error: database unreachable' });
    expect(await runCheck(site({ url: target.url, keyword: 'error', keywordInvert: true }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'keyword "error" found',
    });
    expect(await runCheck(site({ url: target.url, keyword: 'panic', keywordInvert: true }), allowPrivate)).toMatchObject({ status: 'UP' });
  });

  it('reads at most 1 MiB of the body', async () => {
    target.reply({ body: `${'a'.repeat(1024 * 1024)}needle` });
    expect(await runCheck(site({ url: target.url, keyword: 'needle' }), allowPrivate)).toMatchObject({ message: 'keyword "needle" not found' });
    target.reply({ body: `${'a'.repeat(1024 * 1024 - 6)}needle${'b'.repeat(1024 * 1024)}` });
    expect(await runCheck(site({ url: target.url, keyword: 'needle' }), allowPrivate)).toMatchObject({ status: 'UP' });
  });

  it('finds a keyword split between two chunks, and one of several bytes per character', async () => {
    target.handle((_req, res) => {
      res.writeHead(200);
      res.write('all systems oper');
      setTimeout(() => res.end('ational, café ☕ open'), 20);
    });
    expect(await runCheck(site({ url: target.url, keyword: 'operational' }), allowPrivate)).toMatchObject({ status: 'UP' });
    expect(await runCheck(site({ url: target.url, keyword: 'café ☕' }), allowPrivate)).toMatchObject({ status: 'UP' });
    expect(await runCheck(site({ url: target.url, keyword: 'systems operational', keywordInvert: true }), allowPrivate)).toMatchObject({
      message: 'keyword "systems operational" found',
    });
  });

  it('is UP as soon as the keyword arrives, though the body never ends', async () => {
    target.handle((_req, res) => {
      res.writeHead(200);
      res.write('hello OKAY');
      const trickle = setInterval(() => res.write('.'), 50);
      res.on('close', () => clearInterval(trickle));
    });
    expect(await runCheck(site({ url: target.url, keyword: 'OKAY', timeout: 30 }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 200 });
    await target.idle();
  });

  it("searches a compressed body as the text it encodes (gzip, deflate, br), as browsers and Go's client do", async () => {
    const page = 'status: all systems operational';
    for (const [encoding, body] of [
      ['gzip', gzipSync(page)],
      ['deflate', deflateSync(page)],
      ['br', brotliCompressSync(page)],
    ] as const) {
      target.reply({ body, headers: { 'content-encoding': encoding } });
      expect(await runCheck(site({ url: target.url, keyword: 'operational' }), allowPrivate), encoding).toMatchObject({ status: 'UP' });
      // Inverted, a keyword hidden by the compression was an outage never seen.
      expect(await runCheck(site({ url: target.url, keyword: 'operational', keywordInvert: true }), allowPrivate), encoding).toMatchObject({
        status: 'DOWN',
        message: 'keyword "operational" found',
      });
    }
  });

  it('is DOWN naming the coding when a compressed body does not decompress', async () => {
    target.reply({ body: 'plain text', headers: { 'content-encoding': 'gzip' } });
    expect(await runCheck(site({ url: target.url, keyword: 'plain' }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 200,
      message: 'cannot decode the gzip body: incorrect header check',
    });
  });

  it('reads the body in the charset its Content-Type names (ISO-8859-1)', async () => {
    target.reply({ body: Buffer.from('Café ouvert', 'latin1'), headers: { 'content-type': 'text/html; charset=ISO-8859-1' } });
    expect(await runCheck(site({ url: target.url, keyword: 'Café ouvert' }), allowPrivate)).toMatchObject({ status: 'UP' });
    expect(await runCheck(site({ url: target.url, keyword: 'Café', keywordInvert: true }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'keyword "Café" found',
    });
  });

  it('refuses a keyword on HEAD, whose answer has no body: inverted, it could never see the outage', async () => {
    target.reply({ body: 'error: database unreachable' });
    for (const keywordInvert of [false, true]) {
      expect(await runCheck(site({ url: target.url, method: 'HEAD', keyword: 'error', keywordInvert }), allowPrivate)).toMatchObject({
        status: 'DOWN',
        message: 'a keyword needs a response body, which HEAD never has: use GET',
      });
    }
    expect(target.requests).toHaveLength(0);
  });

  it('is DOWN keeping the status code when the body breaks off before the keyword, and says so', async () => {
    target.handle((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('status: all systems ', () => res.destroy());
    });
    expect(await runCheck(site({ url: target.url, keyword: 'operational' }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 200,
      message: 'response body cut off: the connection closed before its end',
    });
  });

  it('names what broke a body that cannot be parsed (a bad chunk)', async () => {
    const raw = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n'));
    });
    const port = await new Promise<number>((resolve) => raw.listen(0, '127.0.0.1', () => resolve((raw.address() as net.AddressInfo).port)));
    try {
      expect(await runCheck(site({ url: `http://127.0.0.1:${port}/`, keyword: 'operational' }), allowPrivate)).toMatchObject({
        status: 'DOWN',
        statusCode: 200,
        message: 'response body cut off: Parse Error: Invalid character in chunk size',
      });
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it('judges the status code of a page whose body is still arriving at the timeout, and keeps it', async () => {
    target.handle((_req, res) => {
      res.writeHead(503);
      res.flushHeaders(); // the body never ends
    });
    expect(await runCheck(site({ url: target.url, keyword: 'operational', timeout: 1 }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 503,
      message: 'HTTP 503 (expected 200-299)',
    });
    target.handle((_req, res) => {
      res.writeHead(200);
      res.flushHeaders();
    });
    expect(await runCheck(site({ url: target.url, keyword: 'operational', timeout: 1 }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 200,
      message: 'timeout after 1s',
    });
  });

  it('judges the status code before the keyword', async () => {
    target.reply({ status: 503, body: 'operational' });
    expect(await runCheck(site({ url: target.url, keyword: 'operational' }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'HTTP 503 (expected 200-299)',
    });
  });
});

describe('HTTP redirects', () => {
  it('follows redirects and judges the final response', async () => {
    target.handle(redirectChain(3));
    expect(await runCheck(site({ url: `${target.url}hop/0`, keyword: 'done' }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 200 });
    expect(target.requests.map((r) => r.path)).toEqual(['/hop/0', '/hop/1', '/hop/2', '/hop/3']);
  });

  it('follows up to 10 redirects and fails on the 11th', async () => {
    target.handle(redirectChain(10));
    expect(await runCheck(site({ url: `${target.url}hop/0` }), allowPrivate)).toMatchObject({ status: 'UP' });
    expect(target.requests).toHaveLength(11);
    target.requests.length = 0;
    target.handle(redirectChain(11));
    expect(await runCheck(site({ url: `${target.url}hop/0` }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'stopped after 10 redirects',
    });
    expect(target.requests).toHaveLength(11);
  });

  it('with maxRedirects 0 judges the redirect itself, so a 301 in the accepted codes checks that it is in place', async () => {
    target.handle(redirectChain(1, 301));
    const url = `${target.url}hop/0`;
    expect(await runCheck(site({ url, maxRedirects: 0, acceptedCodes: '301' }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 301 });
    expect(await runCheck(site({ url, maxRedirects: 0 }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 301,
      message: 'HTTP 301 (expected 200-299)',
    });
    expect(target.requests.map((r) => r.path)).toEqual(['/hop/0', '/hop/0']);
  });

  it('follows no more redirects than the site allows', async () => {
    target.handle(redirectChain(3));
    const url = `${target.url}hop/0`;
    expect(await runCheck(site({ url, maxRedirects: 3 }), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 200 });
    target.requests.length = 0;
    expect(await runCheck(site({ url, maxRedirects: 2 }), allowPrivate)).toMatchObject({ status: 'DOWN', message: 'stopped after 2 redirects' });
    expect(target.requests.map((r) => r.path)).toEqual(['/hop/0', '/hop/1', '/hop/2']);
  });

  it('judges a redirect to a failing page by that page', async () => {
    target.handle((req, res) => {
      res.writeHead(req.url === '/' ? 301 : 500, req.url === '/' ? { location: '/broken' } : {});
      res.end();
    });
    expect(await runCheck(site({ url: target.url }), allowPrivate)).toMatchObject({ status: 'DOWN', statusCode: 500 });
  });

  it.each([
    [301, 'GET', ''],
    [302, 'GET', ''],
    [303, 'GET', ''],
    [307, 'POST', 'payload'],
    [308, 'POST', 'payload'],
  ])('a POST answered with %i is repeated as %s', async (status, method, body) => {
    target.handle(redirectChain(1, status));
    await runCheck(site({ url: `${target.url}hop/0`, method: 'POST', httpBody: 'payload' }), allowPrivate);
    expect(target.requests[1]).toMatchObject({ method, body });
    expect(target.requests[1]!.headers['content-type']).toBe(body ? 'text/plain; charset=utf-8' : undefined);
  });

  it('keeps HEAD on 303', async () => {
    target.handle(redirectChain(1, 303));
    await runCheck(site({ url: `${target.url}hop/0`, method: 'HEAD' }), allowPrivate);
    expect(target.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD']);
  });

  it('does not send credentials on to another host', async () => {
    const other = await startHttpTarget();
    try {
      // localhost is another host name than 127.0.0.1, though the same machine answers.
      target.reply({ status: 302, headers: { location: `http://localhost:${other.port}/landing` } });
      const result = await runCheck(
        site({
          url: target.url,
          authType: 'BEARER',
          authSecret: 'tok',
          httpHeaders: '{"Cookie": "a=b", "X-Trace": "1", "X-Api-Key": "k", "X-Auth-Token": "t"}',
        }),
        allowPrivate,
      );
      expect(result).toMatchObject({ status: 'UP' });
      expect(target.requests[0]!.headers).toMatchObject({ authorization: 'Bearer tok', cookie: 'a=b' });
      expect(other.requests[0]!.path).toBe('/landing');
      expect(other.requests[0]!.headers.authorization).toBeUndefined();
      expect(other.requests[0]!.headers.cookie).toBeUndefined();
      expect(other.requests[0]!.headers['x-trace']).toBe('1');
      // A header whose name says it is a credential stays behind too.
      expect(target.requests[0]!.headers).toMatchObject({ 'x-api-key': 'k', 'x-auth-token': 't' });
      expect(other.requests[0]!.headers['x-api-key']).toBeUndefined();
      expect(other.requests[0]!.headers['x-auth-token']).toBeUndefined();
    } finally {
      await other.close();
    }
  });
  describe("credentials on a redirect to the same host (Go's client compares host names, not origins)", () => {
    const CREDENTIALS = { authorization: 'Bearer tok', cookie: 'a=b', 'x-api-key': 'k' };
    const withCredentials = (url: string, fields: Partial<CheckTarget> = {}) =>
      site({ url, authType: 'BEARER', authSecret: 'tok', httpHeaders: '{"Cookie": "a=b", "X-Api-Key": "k"}', ignoreTls: true, ...fields });
    let certificate: TestCertificate;
    let secure: HttpTarget;

    beforeAll(async () => {
      certificate = await createCertificate(30);
      secure = await startHttpsTarget(certificate);
    });
    afterAll(() => secure.close());
    afterEach(() => {
      secure.requests.length = 0;
      secure.reply({ status: 200, body: 'ok' });
    });

    it('go on from http to https: the upgrade keeps them off the wire', async () => {
      target.reply({ status: 301, headers: { location: `https://127.0.0.1:${secure.port}/secure` } });
      expect(await runCheck(withCredentials(target.url), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 200 });
      expect(secure.requests.map((r) => r.path)).toEqual(['/secure']);
      expect(secure.requests[0]!.headers).toMatchObject(CREDENTIALS);
    });

    it('go on to another port of the same host', async () => {
      const other = await startHttpTarget();
      try {
        target.reply({ status: 302, headers: { location: `${other.url}landing` } });
        expect(await runCheck(withCredentials(target.url), allowPrivate)).toMatchObject({ status: 'UP' });
        expect(other.requests[0]!.headers).toMatchObject(CREDENTIALS);
      } finally {
        await other.close();
      }
    });

    it('go on from a configured Authorization header and from basic auth alike', async () => {
      target.reply({ status: 301, headers: { location: `https://127.0.0.1:${secure.port}/` } });
      await runCheck(site({ url: target.url, httpHeaders: '{"Authorization": "Token abc"}', ignoreTls: true }), allowPrivate);
      await runCheck(site({ url: target.url, authType: 'BASIC', authUsername: 'u', authSecret: 'p', ignoreTls: true }), allowPrivate);
      expect(secure.requests.map((r) => r.headers.authorization)).toEqual(['Token abc', `Basic ${Buffer.from('u:p').toString('base64')}`]);
    });

    it('stay behind from https to http, where they would cross the network in clear text (Go would send them)', async () => {
      secure.reply({ status: 301, headers: { location: `${target.url}plain` } });
      expect(await runCheck(withCredentials(secure.url), allowPrivate)).toMatchObject({ status: 'UP' });
      expect(secure.requests[0]!.headers).toMatchObject(CREDENTIALS);
      expect(target.requests.map((r) => r.path)).toEqual(['/plain']);
      expect(target.requests[0]!.headers).not.toHaveProperty('authorization');
      expect(target.requests[0]!.headers).not.toHaveProperty('cookie');
      expect(target.requests[0]!.headers).not.toHaveProperty('x-api-key');
    });

    it('go on to a subdomain, not to the parent domain or a sibling; once left behind they stay behind', async () => {
      const dns = await startDnsTarget({
        records: ['site.test', 'api.site.test', 'www.site.test'].map((name) => ({ name, type: 'A' as const, data: '127.0.0.1' })),
      });
      try {
        const options = { ...allowPrivate, nameServers: [dns.server] };
        const at = (host: string, path: string) => `http://${host}:${target.port}${path}`;
        const hops: Record<string, string> = {
          '/': at('api.site.test', '/sub'),
          '/sub': at('site.test', '/parent'),
          '/parent': at('site.test', '/end'),
          '/sibling': at('www.site.test', '/end'),
        };
        target.handle((req, res) => {
          const location = hops[req.url ?? ''];
          res.writeHead(location ? 302 : 200, location ? { location } : {});
          res.end();
        });
        expect(await runCheck(withCredentials(at('site.test', '/')), options)).toMatchObject({ status: 'UP' });
        expect(await runCheck(withCredentials(at('api.site.test', '/sibling')), options)).toMatchObject({ status: 'UP' });
        const sent = target.requests.map((r) => [r.headers.host, r.path, r.headers.authorization ?? null]);
        expect(sent).toEqual([
          [`site.test:${target.port}`, '/', 'Bearer tok'],
          [`api.site.test:${target.port}`, '/sub', 'Bearer tok'],
          [`site.test:${target.port}`, '/parent', null],
          [`site.test:${target.port}`, '/end', null],
          [`api.site.test:${target.port}`, '/sibling', 'Bearer tok'],
          [`www.site.test:${target.port}`, '/end', null],
        ]);
      } finally {
        await dns.close();
      }
    });
  });

  it('sends a configured Host header only to the origin it was written for', async () => {
    const other = await startHttpTarget();
    try {
      target.handle((req, res) => {
        res.writeHead(302, { location: req.url === '/' ? '/same-origin' : `${other.url}landing` });
        res.end();
      });
      expect(await runCheck(site({ url: target.url, httpHeaders: '{"Host": "vhost.test"}' }), allowPrivate)).toMatchObject({ status: 'UP' });
      expect(target.requests.map((r) => r.headers.host)).toEqual(['vhost.test', 'vhost.test']);
      expect(other.requests.map((r) => r.headers.host)).toEqual([`127.0.0.1:${other.port}`]);
    } finally {
      await other.close();
    }
  });
});

describe('HTTP timeout and abort', () => {
  it('is DOWN after the site timeout when no answer comes', async () => {
    target.handle(() => undefined);
    const result = await runCheck(site({ url: target.url, timeout: 1 }), allowPrivate);
    expect(result).toMatchObject({ status: 'DOWN', statusCode: null, message: 'timeout after 1s' });
  });

  it('bounds the whole redirect chain by the timeout, not each hop', async () => {
    const chain = redirectChain(5);
    target.handle((req, res) => setTimeout(() => chain(req, res), 400));
    const result = await runCheck(site({ url: `${target.url}hop/0`, timeout: 1 }), allowPrivate);
    expect(result).toMatchObject({ status: 'DOWN', message: 'timeout after 1s' });
    expect(target.requests.length).toBeLessThan(6);
  });

  it('stops when the engine aborts', async () => {
    const arrived = new Promise<void>((resolve) => target.handle(() => resolve()));
    const controller = new AbortController();
    const pending = runCheck(site({ url: target.url, timeout: 30 }), { ...allowPrivate, signal: controller.signal });
    await arrived;
    controller.abort();
    expect(await pending).toMatchObject({ status: 'DOWN', message: 'check aborted' });
  });

  it('does not start when the engine has already aborted', async () => {
    const before = target.connections;
    const result = await runCheck(site({ url: target.url }), { ...allowPrivate, signal: AbortSignal.abort() });
    expect(result).toMatchObject({ status: 'DOWN', message: 'check aborted' });
    expect(target.connections).toBe(before);
  });
});

describe('HTTP SSRF guard', () => {
  it('refuses a private IP literal before connecting', async () => {
    const before = target.connections;
    expect(await runCheck(site({ url: target.url }), blockPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'blocked: 127.0.0.1 resolves to private address 127.0.0.1',
    });
    expect(target.connections).toBe(before);
    expect(target.requests).toHaveLength(0);
  });

  it('refuses a name resolving to a private address right after an allowed check of it', async () => {
    const url = `http://localhost:${target.port}/`;
    expect((await runCheck(site({ url }), allowPrivate)).status).toBe('UP');
    const before = target.connections;
    const result = await runCheck(site({ url }), blockPrivate);
    expect(result.status).toBe('DOWN');
    expect(result.message).toMatch(/^blocked: localhost resolves to private address (127\.0\.0\.1|::1)$/);
    expect(target.connections).toBe(before);
    expect(target.requests).toHaveLength(1);
  });

  it('refuses IPv6 loopback and IPv4-mapped literals', async () => {
    expect(await runCheck(site({ url: `http://[::1]:${target.port}/` }), blockPrivate)).toMatchObject({
      message: 'blocked: ::1 resolves to private address ::1',
    });
    expect(await runCheck(site({ url: `http://[::ffff:127.0.0.1]:${target.port}/` }), blockPrivate)).toMatchObject({
      message: 'blocked: ::ffff:7f00:1 resolves to private address ::ffff:7f00:1',
    });
  });

  it('resolves every redirect hop through the guard', async () => {
    target.reply({ status: 302, headers: { location: 'http://no-such-host.invalid/next' } });
    const result = await runCheck(site({ url: target.url }), allowPrivate);
    expect(result.status).toBe('DOWN');
    expect(result.message).toMatch(/^resolve failed: .*no-such-host\.invalid/);
  });

  it('reports a name that does not resolve', async () => {
    const result = await runCheck(site({ url: 'http://no-such-host.invalid/' }), blockPrivate);
    expect(result.status).toBe('DOWN');
    expect(result.message).toMatch(/^resolve failed: /);
  });
});

describe('HTTPS', () => {
  let longLived: TestCertificate;
  let expiringSoon: TestCertificate;
  let expired: TestCertificate;
  let secure: HttpTarget;
  let soon: HttpTarget;
  let stale: HttpTarget;

  beforeAll(async () => {
    [longLived, expiringSoon, expired] = await Promise.all([createCertificate(3650), createCertificate(3), createCertificate(-2)]);
    [secure, soon, stale] = await Promise.all([startHttpsTarget(longLived), startHttpsTarget(expiringSoon), startHttpsTarget(expired)]);
  });
  afterAll(() => Promise.all([secure.close(), soon.close(), stale.close()]));

  it('reports the leaf certificate expiry when checkSsl is on', async () => {
    const result = await runCheck(site({ url: secure.url, checkSsl: true, ignoreTls: true }), allowPrivate);
    expect(result).toMatchObject({ status: 'UP', statusCode: 200, hasSsl: true, certExpiresAt: longLived.notAfter });
    expect(await runCheck(site({ url: soon.url, checkSsl: true, ignoreTls: true }), allowPrivate)).toMatchObject({
      status: 'UP',
      hasSsl: true,
      certExpiresAt: expiringSoon.notAfter,
    });
  });

  it('reads the certificate on every new connection (no TLS session resumption)', async () => {
    secure.reply({ status: 200, body: 'ok', headers: { connection: 'close' } });
    try {
      const before = secure.connections;
      for (let i = 0; i < 3; i++) {
        expect(await runCheck(site({ url: secure.url, checkSsl: true, ignoreTls: true }), allowPrivate)).toMatchObject({
          hasSsl: true,
          certExpiresAt: longLived.notAfter,
        });
      }
      expect(secure.connections - before).toBe(3);
    } finally {
      secure.reply({ status: 200, body: 'ok' });
    }
  });

  it('sees a certificate rotated between two checks: each check makes its own TCP connection and TLS handshake', async () => {
    const rotating = await startHttpsTarget(longLived);
    try {
      const first = await runCheck(site({ url: rotating.url, checkSsl: true, ignoreTls: true }), allowPrivate);
      expect(first).toMatchObject({ status: 'UP', certExpiresAt: longLived.notAfter });
      rotating.rotateCertificate(expiringSoon);
      const second = await runCheck(site({ url: rotating.url, checkSsl: true, ignoreTls: true }), allowPrivate);
      expect(second).toMatchObject({ status: 'UP', certExpiresAt: expiringSoon.notAfter });
      expect(rotating.connections).toBe(2);
      await rotating.idle();
    } finally {
      await rotating.close();
    }
  });

  it('leaves the SSL fields empty when checkSsl is off', async () => {
    expect(await runCheck(site({ url: secure.url, ignoreTls: true }), allowPrivate)).toMatchObject({
      status: 'UP',
      hasSsl: false,
      certExpiresAt: null,
    });
  });

  it('is SSL_EXPIRED for an expired certificate', async () => {
    expect(await runCheck(site({ url: stale.url, checkSsl: true, ignoreTls: true }), allowPrivate)).toMatchObject({
      status: 'SSL_EXPIRED',
      statusCode: 200,
      hasSsl: true,
      certExpiresAt: expired.notAfter,
      message: 'SSL certificate expired',
    });
  });

  it('judges expiry by the injected clock', async () => {
    const clock = new FakeClock(longLived.notAfter.getTime() + 1000);
    expect(await runCheck(site({ url: secure.url, checkSsl: true, ignoreTls: true }), { ...allowPrivate, clock })).toMatchObject({
      status: 'SSL_EXPIRED',
    });
  });

  it('holds a certificate valid through its notAfter instant, as RFC 5280 and Go (now.After(notAfter)) do', async () => {
    const check = (atMs: number) => runCheck(site({ url: secure.url, checkSsl: true, ignoreTls: true }), { ...allowPrivate, clock: new FakeClock(atMs) });
    expect(await check(longLived.notAfter.getTime())).toMatchObject({ status: 'UP', message: '' });
    expect(await check(longLived.notAfter.getTime() + 1)).toMatchObject({ status: 'SSL_EXPIRED', message: 'SSL certificate expired' });
  });

  it('verifies the certificate unless ignoreTls or insecureSkipVerify', async () => {
    const before = secure.requests.length;
    const verified = await runCheck(site({ url: secure.url, checkSsl: true }), allowPrivate);
    expect(verified).toMatchObject({ status: 'DOWN', statusCode: null, hasSsl: false });
    expect(verified.message).toBe('TLS error: self-signed certificate');
    expect(secure.requests).toHaveLength(before);
    expect(await runCheck(site({ url: secure.url }), { ...allowPrivate, insecureSkipVerify: true })).toMatchObject({ status: 'UP' });
    expect(secure.requests).toHaveLength(before + 1);
  });

  it('is DOWN with the TLS error for an expired certificate when verifying', async () => {
    const result = await runCheck(site({ url: stale.url, checkSsl: true }), allowPrivate);
    expect(result.status).toBe('DOWN');
    expect(result.message).toMatch(/^TLS error: /);
  });
});
