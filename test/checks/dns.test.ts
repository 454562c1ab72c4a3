import dgram from 'node:dgram';
import dnsPacket, { type Packet } from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseServer } from '../../src/engine/checks/dns.ts';
import { runCheck } from '../../src/engine/checks/index.ts';
import { startDnsTarget, type DnsTarget } from '../helpers/targets.ts';
import { allowPrivate, blockPrivate, site } from './fixtures.ts';

const ZONE = 'example.test';

let server: DnsTarget;

beforeAll(async () => {
  server = await startDnsTarget({
    records: [
      { name: ZONE, type: 'A', data: '192.0.2.10' },
      { name: `xn--bcher-kva.${ZONE}`, type: 'A', data: '192.0.2.11' },
      { name: ZONE, type: 'AAAA', data: '2001:db8::10' },
      { name: ZONE, type: 'MX', data: { preference: 10, exchange: `mail.${ZONE}` } },
      { name: ZONE, type: 'TXT', data: 'v=spf1 -all' },
      { name: ZONE, type: 'NS', data: `ns1.${ZONE}` },
      {
        name: ZONE,
        type: 'SOA',
        data: { mname: `ns1.${ZONE}`, rname: `admin.${ZONE}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: 60 },
      },
      { name: `www.${ZONE}`, type: 'CNAME', data: ZONE },
      { name: `_sip._tcp.${ZONE}`, type: 'SRV', data: { priority: 10, weight: 5, port: 5060, target: `sip.${ZONE}` } },
      { name: `10.2.0.192.in-addr.arpa`, type: 'PTR', data: ZONE },
      { name: `0.1.${'0.'.repeat(22)}8.b.d.0.1.0.0.2.ip6.arpa`, type: 'PTR', data: ZONE },
      { name: ZONE, type: 'CAA', data: { flags: 0, tag: 'issue', value: 'letsencrypt.org' } },
    ],
    rcodes: { [`broken.${ZONE}`]: 'SERVFAIL', [`refused.${ZONE}`]: 'REFUSED' },
  });
});
afterAll(() => server.close());

function dnsSite(hostname: string, dnsResolveType: string | null, fields = {}) {
  return site({ type: 'DNS', hostname, dnsResolveType, dnsServer: server.server, timeout: 2, ...fields });
}

describe('DNS check', () => {
  it.each([
    [ZONE, 'A'],
    [ZONE, 'AAAA'],
    [ZONE, 'MX'],
    [ZONE, 'TXT'],
    [ZONE, 'NS'],
    [ZONE, 'SOA'],
    [`www.${ZONE}`, 'CNAME'],
    [`_sip._tcp.${ZONE}`, 'SRV'],
    ['10.2.0.192.in-addr.arpa', 'PTR'],
    [ZONE, 'CAA'],
  ])('queries %s %s and is UP on NOERROR', async (name, type) => {
    const before = server.queries.length;
    const result = await runCheck(dnsSite(name, type), allowPrivate);
    expect(result).toMatchObject({ status: 'UP', statusCode: 0, message: '' });
    expect(result.latencyMs).toBeGreaterThan(0);
    // To the microsecond: no digits past it.
    expect(Math.round(result.latencyMs! * 1000) / 1000).toBe(result.latencyMs);
    expect(server.queries.slice(before)).toEqual([{ name, type, transport: 'udp' }]);
  });

  it('asks for A by default, takes the type case-insensitively and strips a trailing dot', async () => {
    const before = server.queries.length;
    await runCheck(dnsSite(`${ZONE}.`, null), allowPrivate);
    await runCheck(dnsSite(ZONE, 'mx'), allowPrivate);
    expect(server.queries.slice(before).map((q) => `${q.name} ${q.type}`)).toEqual([`${ZONE} A`, `${ZONE} MX`]);
  });

  it('asks for an internationalised name in its ASCII form, as the lookups of the other checks do', async () => {
    const before = server.queries.length;
    expect(await runCheck(dnsSite(`Bücher.${ZONE}`, 'A'), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 0 });
    expect(await runCheck(dnsSite(`a%ü.${ZONE}`, 'A'), allowPrivate)).toMatchObject({ status: 'DOWN', message: `invalid host name: a%ü.${ZONE}` });
    expect(server.queries.slice(before)).toEqual([{ name: `xn--bcher-kva.${ZONE}`, type: 'A', transport: 'udp' }]);
  });

  it('falls back to the host of the url', async () => {
    const before = server.queries.length;
    await runCheck(site({ type: 'DNS', url: `https://${ZONE}/`, dnsServer: server.server }), allowPrivate);
    expect(server.queries[before]).toMatchObject({ name: ZONE, type: 'A' });
  });

  it('asks PTR for an IP address by its reverse name, as Uptime Kuma monitors (imported) give the address', async () => {
    const before = server.queries.length;
    expect(await runCheck(dnsSite('192.0.2.10', 'PTR'), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 0 });
    expect(await runCheck(dnsSite('2001:db8::10', 'PTR'), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 0 });
    expect(await runCheck(dnsSite('[2001:DB8::10]', 'PTR'), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 0 });
    // Another type asks for the address as written, as the Go original does.
    await runCheck(dnsSite('192.0.2.10', 'A'), allowPrivate);
    expect(server.queries.slice(before).map((q) => `${q.name} ${q.type}`)).toEqual([
      '10.2.0.192.in-addr.arpa PTR',
      `0.1.${'0.'.repeat(22)}8.b.d.0.1.0.0.2.ip6.arpa PTR`,
      `0.1.${'0.'.repeat(22)}8.b.d.0.1.0.0.2.ip6.arpa PTR`,
      '192.0.2.10 A',
    ]);
  });

  it('counts an empty NOERROR answer as UP', async () => {
    expect(await runCheck(dnsSite(`www.${ZONE}`, 'A'), allowPrivate)).toMatchObject({ status: 'UP', statusCode: 0 });
  });

  it('is DOWN with the RCODE name and number otherwise', async () => {
    expect(await runCheck(dnsSite(`missing.${ZONE}`, 'A'), allowPrivate)).toMatchObject({
      status: 'DOWN',
      statusCode: 3,
      message: 'DNS RCODE: NXDOMAIN',
    });
    expect(await runCheck(dnsSite(`broken.${ZONE}`, 'A'), allowPrivate)).toMatchObject({ statusCode: 2, message: 'DNS RCODE: SERVFAIL' });
    expect(await runCheck(dnsSite(`refused.${ZONE}`, 'A'), allowPrivate)).toMatchObject({ statusCode: 5, message: 'DNS RCODE: REFUSED' });
  });

  it('asks again over TCP when the UDP answer is truncated', async () => {
    const truncating = await startDnsTarget({ records: [{ name: ZONE, type: 'TXT', data: 'x'.repeat(200) }], truncateUdp: true });
    try {
      const result = await runCheck(site({ type: 'DNS', hostname: ZONE, dnsResolveType: 'TXT', dnsServer: truncating.server }), allowPrivate);
      expect(result).toMatchObject({ status: 'UP', statusCode: 0 });
      expect(truncating.queries.map((q) => q.transport)).toEqual(['udp', 'tcp']);
    } finally {
      await truncating.close();
    }
  });

  it('is DOWN with "DNS query failed" after the timeout when the server stays silent', async () => {
    server.silent = true;
    try {
      expect(await runCheck(dnsSite(ZONE, 'A', { timeout: 1 }), allowPrivate)).toMatchObject({
        status: 'DOWN',
        statusCode: null,
        message: 'DNS query failed: timeout after 1s',
      });
    } finally {
      server.silent = false;
    }
  });

  it('takes the answer of an IPv6 server written in any of its spellings (zeros written out)', async () => {
    // A one-socket name server on ::1 answering every query with an empty NOERROR.
    const v6 = dgram.createSocket('udp6');
    v6.on('message', (msg, rinfo) => {
      const query = dnsPacket.decode(msg);
      const reply: Packet = { type: 'response', id: query.id, flags: query.flags, questions: query.questions, answers: [] };
      v6.send(dnsPacket.encode(reply), rinfo.port, rinfo.address);
    });
    const port = await new Promise<number>((resolve) => v6.bind(0, '::1', () => resolve(v6.address().port)));
    try {
      for (const written of ['::1', '0:0:0:0:0:0:0:1', '0000::0001']) {
        expect(await runCheck(dnsSite(ZONE, 'A', { dnsServer: `[${written}]:${port}`, timeout: 1 }), allowPrivate), written).toMatchObject({
          status: 'UP',
          statusCode: 0,
        });
      }
    } finally {
      await new Promise<void>((resolve) => v6.close(() => resolve()));
    }
  });

  it('rejects an unknown record type and a missing name', async () => {
    expect(await runCheck(dnsSite(ZONE, 'HINFO'), allowPrivate)).toMatchObject({ status: 'DOWN', message: 'unsupported DNS record type: HINFO' });
    expect(await runCheck(site({ type: 'DNS', dnsServer: server.server }), allowPrivate)).toMatchObject({ message: 'no hostname to query' });
  });

  it('without private targets: the server port must be 53 and the server must not be private', async () => {
    const before = server.queries.length;
    expect(await runCheck(dnsSite(ZONE, 'A'), blockPrivate)).toMatchObject({ status: 'DOWN', message: 'DNS server port must be 53' });
    expect(await runCheck(dnsSite(ZONE, 'A', { dnsServer: '127.0.0.1' }), blockPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'DNS server resolves to private address',
    });
    expect(await runCheck(dnsSite(ZONE, 'A', { dnsServer: 'localhost:53' }), blockPrivate)).toMatchObject({
      message: 'DNS server resolves to private address',
    });
    expect(server.queries.length).toBe(before);
  });
});

describe('parseServer', () => {
  it('reads host, host:port and IPv6 forms, defaulting to 1.1.1.1:53', () => {
    expect(parseServer(null)).toEqual({ host: '1.1.1.1', port: 53 });
    expect(parseServer('9.9.9.9')).toEqual({ host: '9.9.9.9', port: 53 });
    expect(parseServer('dns.example:5353')).toEqual({ host: 'dns.example', port: 5353 });
    expect(parseServer('2606:4700:4700::1111')).toEqual({ host: '2606:4700:4700::1111', port: 53 });
    expect(parseServer('[2606:4700:4700::1111]:853')).toEqual({ host: '2606:4700:4700::1111', port: 853 });
    expect(parseServer('host:99999')).toBeNull();
    expect(parseServer('a:b:c')).toBeNull();
  });

  it('refuses a host a hostname could not be: spaces, slashes, brackets around anything but IPv6', () => {
    for (const text of ['not a server!!', 'dns.example/x', 'dns example:53', '[dns.example]:53', '[]:53', 'a[b]']) {
      expect(parseServer(text), text).toBeNull();
    }
  });
});
