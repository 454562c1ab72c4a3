import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveClientIp, resolveClientKey } from '../../src/http/client-ip.ts';

/** A real server that answers each request with what resolveClientIp made of it. */
async function startEcho(host: string, trustedProxies: string[]): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => res.end(resolveClientIp(req, trustedProxies)));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A request as a proxy at `peer` would hand it on; only the fields resolveClientIp reads. */
function fromPeer(peer: string | undefined, xff?: string | string[]): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } } as unknown as IncomingMessage;
}

describe('resolveClientIp over real sockets', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('uses the peer and ignores X-Forwarded-For when no proxy is trusted', async () => {
    const echo = await startEcho('127.0.0.1', []);
    close = echo.close;
    const res = await fetch(echo.url, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(await res.text()).toBe('127.0.0.1');
  });

  it('reports an IPv4 peer on a dual-stack socket as plain IPv4', async () => {
    const echo = await startEcho('::', []);
    close = echo.close;
    expect(await (await fetch(echo.url)).text()).toBe('127.0.0.1');
  });

  it('trusts X-Forwarded-For from a trusted peer, also when the socket reports it IPv4-mapped', async () => {
    const echo = await startEcho('::', ['127.0.0.0/8']);
    close = echo.close;
    const res = await fetch(echo.url, { headers: { 'x-forwarded-for': '198.51.100.4, 203.0.113.9' } });
    expect(await res.text()).toBe('203.0.113.9');
  });

  it('ignores a spoofed X-Forwarded-For when the peer is not a trusted proxy', async () => {
    const echo = await startEcho('127.0.0.1', ['10.0.0.0/8']);
    close = echo.close;
    const res = await fetch(echo.url, { headers: { 'x-forwarded-for': '10.0.0.7' } });
    expect(await res.text()).toBe('127.0.0.1');
  });
});

describe('resolveClientIp rules', () => {
  const trusted = ['10.0.0.0/8', '192.168.1.1', 'fd00::/8'];

  it('takes the right-most address that is not a trusted proxy', () => {
    expect(resolveClientIp(fromPeer('10.0.0.1', '1.1.1.1, 203.0.113.5, 192.168.1.1, 10.2.3.4'), trusted)).toBe('203.0.113.5');
  });

  it('cannot be steered by a client that prepends addresses', () => {
    // The client sent "X-Forwarded-For: 9.9.9.9"; the trusted proxy appended the real peer.
    expect(resolveClientIp(fromPeer('10.0.0.1', '9.9.9.9, 203.0.113.5'), trusted)).toBe('203.0.113.5');
  });

  it('joins repeated X-Forwarded-For headers', () => {
    expect(resolveClientIp(fromPeer('10.0.0.1', ['203.0.113.5', '10.9.9.9']), trusted)).toBe('203.0.113.5');
  });

  it('matches IPv6 CIDRs and IPv4-mapped peers', () => {
    expect(resolveClientIp(fromPeer('fd12::1', '2001:db8::7'), trusted)).toBe('2001:db8::7');
    expect(resolveClientIp(fromPeer('::ffff:10.1.1.1', '::ffff:203.0.113.5'), trusted)).toBe('203.0.113.5');
    expect(resolveClientIp(fromPeer('::ffff:192.168.1.1', '203.0.113.5'), trusted)).toBe('203.0.113.5');
    expect(resolveClientIp(fromPeer('::ffff:192.168.1.2', '203.0.113.5'), trusted)).toBe('192.168.1.2');
  });

  it('accepts bracketed and ported forms', () => {
    expect(resolveClientIp(fromPeer('10.0.0.1', '[2001:db8::1]:4711'), trusted)).toBe('2001:db8::1');
    expect(resolveClientIp(fromPeer('10.0.0.1', '203.0.113.5:4711'), trusted)).toBe('203.0.113.5');
  });

  it('stops at the last trusted hop when an element is not an address', () => {
    expect(resolveClientIp(fromPeer('10.0.0.1', 'garbage, 10.5.5.5'), trusted)).toBe('10.5.5.5');
    expect(resolveClientIp(fromPeer('10.0.0.1', 'garbage'), trusted)).toBe('10.0.0.1');
  });

  it('falls back to the left-most hop when every hop is trusted, and to the peer without a header', () => {
    expect(resolveClientIp(fromPeer('10.0.0.1', '10.0.0.3, 10.0.0.2'), trusted)).toBe('10.0.0.3');
    expect(resolveClientIp(fromPeer('10.0.0.1'), trusted)).toBe('10.0.0.1');
  });

  it('names a socket without an address', () => {
    expect(resolveClientIp(fromPeer(undefined, '203.0.113.5'), trusted)).toBe('unknown');
  });
});

describe('resolveClientKey', () => {
  const key = (peer: string) => resolveClientKey(fromPeer(peer), []);

  it('is the address of an IPv4 client', () => {
    expect(key('203.0.113.5')).toBe('203.0.113.5');
    expect(key('::ffff:203.0.113.5')).toBe('203.0.113.5');
  });

  it('is the /64 of an IPv6 client, however the address is written', () => {
    expect(key('2001:db8:1:2::7')).toBe('2001:db8:1:2::/64');
    expect(key('2001:0db8:0001:0002:ffff:1:2:3')).toBe('2001:db8:1:2::/64');
    expect(key('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(key('::1')).toBe('0:0:0:0::/64');
    expect(key('64:ff9b::198.51.100.1')).toBe('64:ff9b:0:0::/64');
    expect(key('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(key('2001:db8:1:3::7')).not.toBe(key('2001:db8:1:2::7'));
  });
});
