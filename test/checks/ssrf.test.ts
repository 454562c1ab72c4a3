import { describe, expect, it } from 'vitest';
import { isPrivateAddress, resolveGuarded } from '../../src/engine/checks/ssrf.ts';

describe('isPrivateAddress', () => {
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '127.0.0.1',
    '127.255.255.254',
    '10.0.0.1',
    '100.64.0.1',
    '100.127.255.255',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '224.0.0.1',
    '239.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'febf::1',
    'fc00::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:10.1.2.3',
    '::ffff:a9fe:a9fe',
  ])('blocks %s', (ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    'fec0::1',
  ])('lets %s through', (ip) => {
    expect(isPrivateAddress(ip)).toBe(false);
  });

  it.each([
    ['NAT64 well-known prefix', '64:ff9b::7f00:1'],
    ['NAT64 well-known prefix, dotted', '64:ff9b::10.0.0.1'],
    ['NAT64 well-known prefix', '64:ff9b::a9fe:a9fe'],
    ['6to4', '2002:7f00:1::'],
    ['6to4', '2002:c0a8:101::1'],
    ['6to4', '2002:6440:1::1'],
    ['IPv4-compatible', '::127.0.0.1'],
    ['IPv4-compatible', '::a00:1'],
    ['IPv4-compatible', '::0.0.0.2'],
    ['IPv4-translated (SIIT)', '::ffff:0:127.0.0.1'],
    ['Teredo, loopback client (stored inverted)', '2001:0:4136:e378:8000:63bf:80ff:fffe'],
    ['Teredo, private server', '2001:0:a00:1:8000:63bf:3fff:fdd2'],
  ])('blocks the %s form %s of a blocked IPv4 range', (_form, ip) => {
    expect(isPrivateAddress(ip)).toBe(true);
  });

  // Where a local-use prefix carries the IPv4 address depends on the prefix length its operator chose (RFC 6052 §2.2).
  it.each(['64:ff9b:1::7f00:1', '64:ff9b:1:7f00:0:100::', '64:ff9b:1::808:808', '64:ff9b:1:ffff:ffff:ffff:ffff:ffff'])(
    'blocks %s: the whole local-use NAT64 prefix 64:ff9b:1::/48 is internal, like ULA',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(true);
    },
  );

  it.each(['64:ff9b::808:808', '64:ff9b::1.1.1.1', '2002:808:808::1', '::8.8.8.8', '::ffff:0:8.8.8.8', '2001:0:4136:e378:8000:63bf:3fff:fdd2'])(
    'lets %s through: the IPv4 it carries is public',
    (ip) => {
      expect(isPrivateAddress(ip)).toBe(false);
    },
  );

  it('is false for what is not an IP address', () => {
    expect(isPrivateAddress('localhost')).toBe(false);
  });
});

describe('resolveGuarded', () => {
  it('refuses a name that resolves to a private address, naming it', async () => {
    const resolution = await resolveGuarded('localhost', false);
    expect(resolution).toMatchObject({ ok: false, reason: 'private' });
    expect(['127.0.0.1', '::1']).toContain(resolution.ok === false && resolution.reason === 'private' && resolution.address);
  });

  it('returns every address of an allowed name, for the caller to pin', async () => {
    const resolution = await resolveGuarded('localhost', true);
    expect(resolution.ok && resolution.addresses.map((a) => a.address)).toContain('127.0.0.1');
  });

  it('refuses a private literal without a lookup and passes it when private targets are allowed', async () => {
    expect(await resolveGuarded('10.1.2.3', false)).toEqual({ ok: false, reason: 'private', address: '10.1.2.3' });
    expect(await resolveGuarded('10.1.2.3', true)).toEqual({ ok: true, addresses: [{ address: '10.1.2.3', family: 4 }] });
    expect(await resolveGuarded('::1', true)).toEqual({ ok: true, addresses: [{ address: '::1', family: 6 }] });
  });

  it('refuses IPv6 literals that carry a private IPv4 address, without a lookup', async () => {
    for (const ip of ['64:ff9b::7f00:1', '2002:7f00:1::', '::127.0.0.1']) {
      expect(await resolveGuarded(ip, false)).toEqual({ ok: false, reason: 'private', address: ip });
    }
    expect(await resolveGuarded('64:ff9b::808:808', false)).toEqual({ ok: true, addresses: [{ address: '64:ff9b::808:808', family: 6 }] });
  });

  it('passes a public literal', async () => {
    expect(await resolveGuarded('1.1.1.1', false)).toEqual({ ok: true, addresses: [{ address: '1.1.1.1', family: 4 }] });
  });

  it('reports a name that does not resolve', async () => {
    const resolution = await resolveGuarded('no-such-host.invalid', true);
    expect(resolution.ok).toBe(false);
    expect(resolution.ok === false && resolution.reason).toBe('resolve-failed');
    expect(resolution.ok === false && resolution.reason === 'resolve-failed' && resolution.message).toMatch(/^resolve failed: .*no-such-host\.invalid/);
  });
});
