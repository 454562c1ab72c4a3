/**
 * Name resolution belongs to the check: it counts against the check's timeout, is abandoned on stop, and a name
 * server that never answers stalls only the checks that need it (not other checks, not password hashing).
 * On the system clock, against real local name servers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/passwords.ts';
import { runCheck } from '../../src/engine/checks/index.ts';
import type { CheckOptions, CheckResult, CheckTarget } from '../../src/engine/checks/types.ts';
import { startDnsTarget, startHttpTarget, startTcpTarget, type DnsTarget, type HttpTarget, type TcpTarget } from '../helpers/targets.ts';
import { allowPrivate, site } from './fixtures.ts';

let silent: DnsTarget;
let dns: DnsTarget;
let http: HttpTarget;
let tcp: TcpTarget;
let hanging: CheckOptions;
let working: CheckOptions;

beforeAll(async () => {
  [silent, dns, http, tcp] = await Promise.all([
    startDnsTarget({ silent: true }),
    startDnsTarget({ records: [{ name: 'up.uptop.test', type: 'A', data: '127.0.0.1' }] }),
    startHttpTarget({ record: false }),
    startTcpTarget(),
  ]);
  hanging = { ...allowPrivate, nameServers: [silent.server] };
  working = { ...allowPrivate, nameServers: [dns.server] };
});
afterAll(() => Promise.all([silent.close(), dns.close(), http.close(), tcp.close()]));

const TYPES = ['HTTP', 'PORT', 'PING', 'DNS'] as const;

/** A site of the type aimed at `host` (for DNS, the name server's host). */
function siteFor(type: (typeof TYPES)[number], host: string, timeout: number): CheckTarget {
  switch (type) {
    case 'HTTP':
      return site({ type, url: `http://${host}:${http.port}/`, timeout });
    case 'PORT':
      return site({ type, hostname: host, port: tcp.port, timeout });
    case 'PING':
      return site({ type, hostname: host, timeout });
    case 'DNS':
      return site({ type, hostname: 'up.uptop.test', dnsServer: `${host}:${dns.port}`, timeout });
  }
}

describe('a lookup that never gets an answer', () => {
  it.each(TYPES)('%s with timeout 1 s ends DOWN with the timeout as the reason', async (type) => {
    const before = silent.queries.length;
    const result = await runCheck(siteFor(type, 'hang.uptop.test', 1), hanging);
    // c-ares on its own would give up later (1.5 s) with ETIMEOUT: this reason is the check's timeout cutting it off.
    expect(result).toMatchObject({ status: 'DOWN', message: 'resolve failed: timeout after 1s' });
    expect(silent.queries.length).toBeGreaterThan(before);
  });

  it.each(TYPES)('%s is abandoned when the engine aborts', async (type) => {
    const controller = new AbortController();
    const before = silent.queries.length;
    // A 600 s timeout is far beyond the test's: only the abort can end the check.
    const pending = runCheck(siteFor(type, 'hang.uptop.test', 600), { ...hanging, signal: controller.signal });
    await silent.received(before + 2); // its A and AAAA queries
    controller.abort();
    expect(await pending).toMatchObject({ status: 'DOWN', message: 'resolve failed: check aborted' });
  });
});

describe('50 checks stuck on a dead name server', () => {
  it('leave 100 other checks and a password hash on time, then each time out within its own budget', async () => {
    const stuckTimeout = 4;
    let stuckSettled = 0;
    const before = silent.queries.length;
    const stuck = Array.from({ length: 50 }, (_, i) =>
      runCheck(siteFor(TYPES[i % 4]!, `hang-${i}.uptop.test`, stuckTimeout), hanging).finally(() => stuckSettled++),
    );
    await silent.received(before + 100); // every stuck check has asked (A and AAAA) and waits

    // Half by name through a working name server, half by literal; HTTP and PORT.
    const others: Array<Promise<CheckResult>> = Array.from({ length: 100 }, (_, i) => {
      const host = i % 2 === 0 ? 'up.uptop.test' : '127.0.0.1';
      const type = i % 4 < 2 ? 'HTTP' : 'PORT';
      return runCheck(siteFor(type, host, 2), working);
    });
    const [results, hash] = await Promise.all([Promise.all(others), hashPassword('correct horse battery staple')]);

    expect(stuckSettled).toBe(0);
    expect(results.filter((r) => r.status === 'UP')).toHaveLength(100);
    expect(hash).toMatch(/^scrypt\$/);

    const stuckResults = await Promise.all(stuck);
    expect(stuckResults.map((r) => `${r.status} ${r.message}`)).toEqual(Array(50).fill(`DOWN resolve failed: timeout after ${stuckTimeout}s`));
  });
});

describe('latency, from a name server that holds each answer 100 ms', () => {
  let slow: DnsTarget;
  let viaSlow: CheckOptions;

  beforeAll(async () => {
    slow = await startDnsTarget({ delayMs: 100, records: [{ name: 'up.uptop.test', type: 'A', data: '127.0.0.1' }] });
    viaSlow = { ...allowPrivate, nameServers: [slow.server] };
  });
  afterAll(() => slow.close());

  /** The longest any answer to the check's lookup was held: the least time the lookup took. */
  async function checkAndHold(type: (typeof TYPES)[number], host: string): Promise<{ result: CheckResult; held: number }> {
    const before = slow.heldMs.length;
    const result = await runCheck(siteFor(type, host, 5), viaSlow);
    return { result, held: Math.max(...slow.heldMs.slice(before)) };
  }

  // Go's HTTP check resolves inside its timed client.Do, and its PORT and DNS checks dial by name inside the timer.
  it.each(['HTTP', 'PORT', 'DNS'] as const)('of an UP %s check counts the name lookup', async (type) => {
    const { result, held } = await checkAndHold(type, 'up.uptop.test');
    expect(result).toMatchObject({ status: 'UP', message: '' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(held);
  });

  it.each(TYPES)('of a %s check whose target does not resolve is the time the lookup took', async (type) => {
    const { result, held } = await checkAndHold(type, 'gone.uptop.test');
    expect(result).toMatchObject({ status: 'DOWN', message: 'resolve failed: lookup gone.uptop.test: no such host' });
    expect(result.latencyMs).toBeGreaterThanOrEqual(held);
  });
});
