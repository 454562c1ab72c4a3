import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHost } from '../../src/engine/checks/resolver.ts';
import { resolveGuarded } from '../../src/engine/checks/ssrf.ts';
import { candidateNames, parseHosts, parseResolvConf } from '../../src/engine/checks/system-resolver-files.ts';
import { startDnsTarget, type DnsTarget } from '../helpers/targets.ts';

let dns: DnsTarget;
let silent: DnsTarget;

beforeAll(async () => {
  [dns, silent] = await Promise.all([
    startDnsTarget({
      records: [
        { name: 'dual.uptop.test', type: 'A', data: '192.0.2.7' },
        { name: 'dual.uptop.test', type: 'AAAA', data: '2001:db8::7' },
        { name: 'v6only.uptop.test', type: 'AAAA', data: '2001:db8::6' },
        { name: 'inside.uptop.test', type: 'A', data: '10.0.0.8' },
      ],
      rcodes: { 'broken.uptop.test': 'SERVFAIL' },
    }),
    startDnsTarget({ silent: true }),
  ]);
});
afterAll(() => Promise.all([dns.close(), silent.close()]));

describe('parseHosts', () => {
  it('maps each name to its addresses, IPv4 first, ignoring comments and junk', () => {
    const table = parseHosts(
      ['# comment', '127.0.0.1 localhost', '::1 localhost ip6-localhost # trailing', '10.0.0.5\tDB.Internal. db', 'not-an-ip foo', '', '10.0.0.5 db'].join(
        '\n',
      ),
    );
    expect(table.get('localhost')).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(table.get('db.internal')).toEqual([{ address: '10.0.0.5', family: 4 }]);
    expect(table.get('db')).toEqual([{ address: '10.0.0.5', family: 4 }]);
    expect(table.has('foo')).toBe(false);
  });
});

describe('search domains', () => {
  it('reads search/domain (the last one wins) and ndots', () => {
    expect(parseResolvConf('nameserver 10.0.0.1\ndomain a.example\nsearch b.example c.example. ; comment\noptions rotate ndots:5')).toEqual({
      search: ['b.example', 'c.example'],
      ndots: 5,
    });
    expect(parseResolvConf('')).toEqual({ search: [], ndots: 1 });
  });

  it('tries a short name after the search domains, a long one first, and a rooted one only as it is', () => {
    const config = { search: ['ns.svc.cluster.local', 'cluster.local'], ndots: 2 };
    expect(candidateNames('api', config)).toEqual(['api.ns.svc.cluster.local', 'api.cluster.local', 'api']);
    expect(candidateNames('api.example.com', config)).toEqual(['api.example.com', 'api.example.com.ns.svc.cluster.local', 'api.example.com.cluster.local']);
    expect(candidateNames('API.example.com.', config)).toEqual(['api.example.com']);
  });
});

describe('resolveHost', () => {
  it('returns an IP literal as it is', async () => {
    expect(await resolveHost('192.0.2.1', { nameServers: [silent.server] })).toEqual([{ address: '192.0.2.1', family: 4 }]);
    expect(await resolveHost('2001:db8::1', { nameServers: [silent.server] })).toEqual([{ address: '2001:db8::1', family: 6 }]);
  });

  it('answers localhost from /etc/hosts and .invalid as RFC 6761 says, without asking a name server', async () => {
    const before = silent.queries.length;
    expect((await resolveHost('localhost', { nameServers: [silent.server] })).map((a) => a.address)).toContain('127.0.0.1');
    expect((await resolveHost('LOCALHOST.', { nameServers: [silent.server] })).map((a) => a.address)).toContain('127.0.0.1');
    expect(await resolveHost('app.localhost', { nameServers: [silent.server] })).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    await expect(resolveHost('no-such-host.invalid', { nameServers: [silent.server] })).rejects.toThrow('lookup no-such-host.invalid: no such host');
    expect(silent.queries.length).toBe(before);
  });

  it('asks the name server for A and AAAA and returns both, IPv4 first', async () => {
    expect(await resolveHost('dual.uptop.test', { nameServers: [dns.server] })).toEqual([
      { address: '192.0.2.7', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    expect(await resolveHost('v6only.uptop.test', { nameServers: [dns.server] })).toEqual([{ address: '2001:db8::6', family: 6 }]);
  });

  it('applies the search domains', async () => {
    const search = { search: ['nowhere.test', 'uptop.test'], ndots: 1 };
    expect(await resolveHost('dual', { nameServers: [dns.server], search })).toEqual([
      { address: '192.0.2.7', family: 4 },
      { address: '2001:db8::7', family: 6 },
    ]);
    expect(dns.queries.slice(-4).map((q) => q.name)).toEqual(['dual.nowhere.test', 'dual.nowhere.test', 'dual.uptop.test', 'dual.uptop.test']);
  });

  it('says what went wrong: no such host, or the server failing', async () => {
    await expect(resolveHost('nothing.uptop.test', { nameServers: [dns.server] })).rejects.toThrow('lookup nothing.uptop.test: no such host');
    await expect(resolveHost('broken.uptop.test', { nameServers: [dns.server] })).rejects.toThrow(/^lookup broken\.uptop\.test: .*ESERVFAIL/);
    await expect(resolveHost('x.uptop.test', { nameServers: ['not an address'] })).rejects.toThrow(/^invalid name server: /);
  });

  it('gives up after timeoutMs when the name server never answers, with its own reason', async () => {
    const before = silent.queries.length;
    await expect(resolveHost('hang.uptop.test', { nameServers: [silent.server], timeoutMs: 300 })).rejects.toThrow('timeout after 0.3s');
    expect(silent.queries.length).toBeGreaterThan(before);
  });

  it('is abandoned when its signal fires, with the reason the signal gives', async () => {
    const controller = new AbortController();
    const before = silent.queries.length;
    // Far longer than the test may run: only the abort can end this lookup.
    const pending = resolveHost('hang.uptop.test', { nameServers: [silent.server], timeoutMs: 600_000, signal: controller.signal });
    await silent.received(before + 2);
    controller.abort(new Error('check aborted'));
    await expect(pending).rejects.toThrow('check aborted');
    await expect(resolveHost('hang.uptop.test', { nameServers: [silent.server], signal: AbortSignal.abort(new Error('stopped')) })).rejects.toThrow('stopped');
  });

  it('asks for no further search candidate once abandoned', async () => {
    const controller = new AbortController();
    const search = { search: ['first.uptop.test', 'second.uptop.test'], ndots: 1 };
    const before = silent.queries.length;
    const pending = resolveHost('svc', { nameServers: [silent.server], search, timeoutMs: 600_000, signal: controller.signal });
    await silent.received(before + 2);
    controller.abort(new Error('check aborted'));
    await expect(pending).rejects.toThrow('check aborted');
    // A lookup asked after the abort marks the point by which an abandoned one would have asked its next name.
    const marker = resolveHost('marker.uptop.test', { nameServers: [silent.server], timeoutMs: 100 });
    await expect(marker).rejects.toThrow('timeout after 0.1s');
    const asked = silent.queries.slice(before).map((q) => q.name);
    expect(asked).toContain('marker.uptop.test');
    expect(asked.filter((name) => name.startsWith('svc'))).toEqual(['svc.first.uptop.test', 'svc.first.uptop.test']);
  });
});

describe('resolveGuarded with lookup options', () => {
  it('refuses a name whose DNS answer is private, and passes a public one', async () => {
    expect(await resolveGuarded('inside.uptop.test', false, { nameServers: [dns.server] })).toEqual({ ok: false, reason: 'private', address: '10.0.0.8' });
    expect(await resolveGuarded('dual.uptop.test', false, { nameServers: [dns.server] })).toMatchObject({ ok: true });
  });

  it('reports a lookup that timed out or was abandoned as resolve-failed', async () => {
    expect(await resolveGuarded('hang.uptop.test', true, { nameServers: [silent.server], timeoutMs: 200 })).toEqual({
      ok: false,
      reason: 'resolve-failed',
      message: 'resolve failed: timeout after 0.2s',
    });
    const controller = new AbortController();
    const pending = resolveGuarded('hang.uptop.test', true, { nameServers: [silent.server], timeoutMs: 600_000, signal: controller.signal });
    controller.abort(new Error('engine stopped'));
    expect(await pending).toEqual({ ok: false, reason: 'resolve-failed', message: 'resolve failed: engine stopped' });
  });
});
