import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/engine/checks/index.ts';
import { allowPrivate, blockPrivate, site } from './fixtures.ts';

describe('PING check', () => {
  it('is UP for 127.0.0.1 with the echo round-trip time as latency', async () => {
    const result = await runCheck(site({ type: 'PING', hostname: '127.0.0.1', timeout: 2 }), allowPrivate);
    expect(result).toMatchObject({ status: 'UP', statusCode: null, message: '' });
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('resolves a name first and falls back to the host of the url', async () => {
    expect(await runCheck(site({ type: 'PING', url: 'http://localhost:8080/', timeout: 2 }), allowPrivate)).toMatchObject({ status: 'UP' });
  });

  it('refuses a private target unless allowed', async () => {
    expect(await runCheck(site({ type: 'PING', hostname: '127.0.0.1' }), blockPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'target resolves to private IP',
    });
  });

  it('reports a name that does not resolve, and a site without a host', async () => {
    const result = await runCheck(site({ type: 'PING', hostname: 'no-such-host.invalid' }), allowPrivate);
    expect(result.message).toMatch(/^resolve failed: /);
    expect(await runCheck(site({ type: 'PING' }), allowPrivate)).toMatchObject({ status: 'DOWN', message: 'no hostname to ping' });
  });

  it('is DOWN with "no ICMP response" when no echo reply comes back, the time waited as latency like every check', async () => {
    // Hosts ignore echo requests sent to a multicast group (icmp_echo_ignore_broadcasts).
    const result = await runCheck(site({ type: 'PING', hostname: '224.0.0.1', timeout: 1 }), allowPrivate);
    expect(result).toMatchObject({ status: 'DOWN', message: 'no ICMP response' });
    // ping waits its -W of 1 s for the reply.
    expect(result.latencyMs).toBeGreaterThan(900);
  });

  it('pings an IPv6 address', async () => {
    const result = await runCheck(site({ type: 'PING', hostname: '::1', timeout: 2 }), allowPrivate);
    expect(result).toMatchObject({ status: 'UP', message: '' });
    expect(result.latencyMs).toBeGreaterThan(0);
  });

  it('is DOWN with what ping says when ping itself fails', async () => {
    // iputils refuses the broadcast address without -b and exits 2.
    const result = await runCheck(site({ type: 'PING', hostname: '255.255.255.255', timeout: 1 }), allowPrivate);
    expect(result.status).toBe('DOWN');
    expect(result.message).toMatch(/^ping failed: .*broadcast/);
    expect(result.latencyMs).toBeGreaterThan(0);
  });
});
