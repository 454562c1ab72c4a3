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

  it.each(['1.1.1.1', '8.8.8.8', '100.63.255.255', '100.128.0.0', '172.15.255.255', '172.32.0.0', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'fec0::1'])(
    'lets %s through',
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
