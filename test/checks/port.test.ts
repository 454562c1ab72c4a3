import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/engine/checks/index.ts';
import { closedPort, startDnsTarget, startTcpTarget, type TcpTarget } from '../helpers/targets.ts';
import { allowPrivate, blockPrivate, site } from './fixtures.ts';

let listener: TcpTarget;

beforeAll(async () => {
  listener = await startTcpTarget();
});
afterAll(() => listener.close());

describe('PORT check', () => {
  it('is UP when the port accepts a connection, with the connect time as latency', async () => {
    const before = listener.connections;
    const result = await runCheck(site({ type: 'PORT', hostname: '127.0.0.1', port: listener.port }), allowPrivate);
    expect(result).toMatchObject({ status: 'UP', statusCode: null, message: '' });
    expect(result.latencyMs).toBeGreaterThan(0);
    // To the microsecond: no digits past it.
    expect(Math.round(result.latencyMs! * 1000) / 1000).toBe(result.latencyMs);
    expect(listener.connections).toBe(before + 1);
  });

  it('falls back to the host of the url', async () => {
    expect(await runCheck(site({ type: 'PORT', url: 'tcp://localhost:1', port: listener.port }), allowPrivate)).toMatchObject({ status: 'UP' });
  });

  it('tries every address of a name: one that refuses does not hide one that answers', async () => {
    // 127.0.0.2 is loopback too, but nothing listens on it: its connect is refused.
    const dns = await startDnsTarget({
      records: [
        { name: 'two.test', type: 'A', ttl: 60, data: '127.0.0.2' },
        { name: 'two.test', type: 'A', ttl: 60, data: '127.0.0.1' },
      ],
    });
    try {
      const before = listener.connections;
      const result = await runCheck(site({ type: 'PORT', hostname: 'two.test', port: listener.port }), { ...allowPrivate, nameServers: [dns.server] });
      expect(result).toMatchObject({ status: 'UP', message: '' });
      expect(listener.connections).toBe(before + 1);
    } finally {
      await dns.close();
    }
  });

  it('names the connect error of each address when every address of a name fails', async () => {
    // Both are loopback addresses nothing listens on: each connect is refused.
    const dns = await startDnsTarget({
      records: [
        { name: 'two.test', type: 'A', ttl: 60, data: '127.0.0.2' },
        { name: 'two.test', type: 'A', ttl: 60, data: '127.0.0.3' },
      ],
    });
    try {
      const port = await closedPort();
      const result = await runCheck(site({ type: 'PORT', hostname: 'two.test', port }), { ...allowPrivate, nameServers: [dns.server] });
      expect(result).toMatchObject({ status: 'DOWN', message: `connect ECONNREFUSED 127.0.0.2:${port}; connect ECONNREFUSED 127.0.0.3:${port}` });
    } finally {
      await dns.close();
    }
  });

  it('is DOWN with the connect error when the port is closed', async () => {
    const port = await closedPort();
    const result = await runCheck(site({ type: 'PORT', hostname: '127.0.0.1', port }), allowPrivate);
    expect(result.status).toBe('DOWN');
    expect(result.message).toContain('ECONNREFUSED');
  });

  it('refuses a private target unless allowed, without connecting', async () => {
    const before = listener.connections;
    for (const hostname of ['127.0.0.1', 'localhost']) {
      expect(await runCheck(site({ type: 'PORT', hostname, port: listener.port }), blockPrivate)).toMatchObject({
        status: 'DOWN',
        message: 'target resolves to private IP',
      });
    }
    expect(listener.connections).toBe(before);
  });

  it('reports a name that does not resolve and an invalid port', async () => {
    const unresolved = await runCheck(site({ type: 'PORT', hostname: 'no-such-host.invalid', port: 80 }), blockPrivate);
    expect(unresolved.message).toMatch(/^resolve failed: /);
    expect(await runCheck(site({ type: 'PORT', hostname: '127.0.0.1', port: null }), allowPrivate)).toMatchObject({
      status: 'DOWN',
      message: 'invalid port: (none)',
    });
    expect(await runCheck(site({ type: 'PORT', hostname: '127.0.0.1', port: 70000 }), allowPrivate)).toMatchObject({ message: 'invalid port: 70000' });
    expect(await runCheck(site({ type: 'PORT', port: 80 }), allowPrivate)).toMatchObject({ message: 'no hostname to connect to' });
  });
});
