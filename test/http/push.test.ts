import net from 'node:net';
import { FAILED_PUSH_ATTEMPTS_PER_MINUTE } from '../../src/services/heartbeat.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { capturingLogger } from '../helpers/log.ts';
import { parseGlobalId } from '../helpers/ids.ts';
import { createPushSite, createSite } from '../helpers/sites.ts';

async function push(t: TestApp, init: { token?: string; query?: string; method?: string; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${t.url}/api/push${init.query ?? ''}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.token ? { authorization: `Bearer ${init.token}` } : {}), ...init.headers },
  });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
}

const SITE_STATE = /* GraphQL */ `
  query SiteState($id: ID!) { site(id: $id) { status checks(first: 10) { edges { node { up status } } } } }
`;

describe('/api/push', () => {
  it('records a heartbeat from a bearer token: 200 OK, each beat is an UP check', async ({ app: t, viewer, site }) => {
    expect(await push(t, { token: site.pushToken })).toMatchObject({ status: 200, body: 'OK' });
    expect(await push(t, { token: site.pushToken, method: 'POST' })).toMatchObject({ status: 200, body: 'OK' });
    await t.app.deps.writer.flush();
    await expect
      .poll(async () => (await viewer.request(SITE_STATE, { id: site.id })).data?.site)
      .toEqual({ status: 'UP', checks: { edges: [{ node: { up: true, status: 'UP' } }, { node: { up: true, status: 'UP' } }] } });
  });

  it("keeps the latency of Uptime Kuma's ping to the microsecond", async ({ app: t, site }) => {
    const res = await fetch(`${t.url}/api/push/${site.pushToken}?status=up&ping=12.3456789`);
    expect(await res.text()).toBe('OK');
    await t.app.deps.writer.flush();
    const checks = await t.app.deps.db.check.findMany({ where: { siteId: Number(parseGlobalId(site.id).id) }, select: { latencyMs: true } });
    expect(checks).toEqual([{ latencyMs: 12.346 }]);
  });

  it('counts a beat whose ping is no latency (too large, negative, not a number) and leaves the latency out', async ({ app: t, viewer, site }) => {
    const siteId = Number(parseGlobalId(site.id).id);
    for (const ping of ['1e308', '1e11', '-1', 'abc', '9007199254']) {
      const res = await fetch(`${t.url}/api/push/${site.pushToken}?status=up&ping=${ping}`);
      expect([ping, res.status, await res.text()]).toEqual([ping, 200, 'OK']);
    }
    await t.app.deps.writer.flush();
    const checks = await t.app.deps.db.check.findMany({ where: { siteId }, orderBy: { id: 'asc' }, select: { latencyMs: true } });
    expect(checks.map((c) => c.latencyMs)).toEqual([0, 0, 0, 0, 9_007_199_254]);
    const read = await viewer.request('query($id: ID!) { site(id: $id) { status latencyMs } }', { id: site.id });
    expect(read.data).toEqual({ site: { status: 'UP', latencyMs: 9_007_199_254 } });
  });

  describe('with the warnings captured', () => {
    const captured = capturingLogger('warn');
    it.override({ appOptions: { logger: captured.logger } });

    it('accepts ?token= and warns once that it is deprecated', async ({ app: t, site }) => {
      for (let i = 0; i < 3; i++) expect(await push(t, { query: `?token=${site.pushToken}` })).toMatchObject({ status: 200, body: 'OK' });
      const warnings = captured.lines().filter((l) => /deprecated/.test(l.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]!.msg).toMatch(/Authorization: Bearer/);
      expect(
        captured
          .lines()
          .map((l) => l.msg)
          .join('\n'),
      ).not.toContain(site.pushToken);
    });
  });

  it("reads Kuma's status, msg and ping beside a bearer or ?token= token: a job's reported failure is never taken as a success", async ({ app: t, site }) => {
    const siteId = Number(parseGlobalId(site.id).id);
    expect(await push(t, { token: site.pushToken, query: '?status=down&msg=exit%203&ping=4' })).toMatchObject({ status: 200, body: 'OK' });
    expect(t.app.deps.engine.getState(siteId)).toMatchObject({ status: 'DOWN', lastError: 'exit 3' });
    expect(await push(t, { query: `?token=${site.pushToken}&status=up&msg=retried`, method: 'POST' })).toMatchObject({ status: 200, body: 'OK' });
    expect(t.app.deps.engine.getState(siteId)).toMatchObject({ status: 'UP', lastError: '' });
    await t.app.deps.writer.flush();
    const checks = await t.app.deps.db.check.findMany({ where: { siteId }, orderBy: { id: 'asc' }, select: { up: true, latencyMs: true, message: true } });
    expect(checks).toEqual([
      { up: false, latencyMs: 4, message: 'exit 3' },
      { up: true, latencyMs: 0, message: 'retried' },
    ]);
  });

  it("takes healthchecks' /fail and /<exit status> after the token, and refuses any other suffix without recording it", async ({ app: t, site }) => {
    const siteId = Number(parseGlobalId(site.id).id);
    const get = async (suffix: string) => {
      const res = await fetch(`${t.url}/api/push/${site.pushToken}/${suffix}`);
      return { status: res.status, body: await res.text() };
    };
    expect(await get('3?msg=disk%20full&ping=7')).toEqual({ status: 200, body: 'OK' });
    expect(t.app.deps.engine.getState(siteId)).toMatchObject({ status: 'DOWN', lastError: 'exit status 3: disk full' });
    expect(await get('0')).toEqual({ status: 200, body: 'OK' });
    expect(t.app.deps.engine.getState(siteId)).toMatchObject({ status: 'UP', lastError: '' });
    expect(await get('fail')).toEqual({ status: 200, body: 'OK' });
    expect(t.app.deps.engine.getState(siteId)).toMatchObject({ status: 'DOWN', lastError: 'push reported down' });
    expect(await get('255?status=up')).toEqual({ status: 200, body: 'OK' });
    for (const suffix of ['256', '-1', '01', 'start', '3/4', '']) {
      expect(await get(suffix)).toEqual({ status: 404, body: 'Unknown push suffix: after the token, use /fail or the exit status /0 to /255' });
    }
    expect((await fetch(`${t.url}/api/push/not-a-token/fail`)).status).toBe(404);
    await t.app.deps.writer.flush();
    const checks = await t.app.deps.db.check.findMany({ where: { siteId }, orderBy: { id: 'asc' }, select: { up: true, latencyMs: true, message: true } });
    expect(checks).toEqual([
      { up: false, latencyMs: 7, message: 'exit status 3: disk full' },
      { up: true, latencyMs: 0, message: null },
      { up: false, latencyMs: null, message: 'push reported down' },
      { up: false, latencyMs: null, message: 'exit status 255' },
    ]);
  });

  it('takes a HEAD as a beat (`wget --spider`), answering without a body', async ({ app: t, site }) => {
    const res = await fetch(`${t.url}/api/push`, { method: 'HEAD', headers: { authorization: `Bearer ${site.pushToken}` } });
    expect([res.status, await res.text()]).toEqual([200, '']);
    expect(t.app.deps.engine.getState(Number(parseGlobalId(site.id).id))!.status).toBe('UP');
  });

  it('answers 400 without a token', async ({ app: t }) => {
    expect(await push(t)).toMatchObject({ status: 400, body: 'Missing token' });
    expect(await push(t, { headers: { authorization: 'Basic Zm9vOmJhcg==' } })).toMatchObject({ status: 400, body: 'Missing token' });
  });

  it('answers 404 for an unknown token', async ({ app: t }) => {
    expect(await push(t, { token: '0123456789abcdef0123456789abcdef' })).toMatchObject({ status: 404, body: 'Invalid Token' });
  });

  it('answers 405 for other methods', async ({ app: t }) => {
    const put = await fetch(`${t.url}/api/push`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, HEAD, POST');
  });

  it('matches the path as sent, query string aside', async ({ app: t, site }) => {
    expect(await push(t, { query: `?token=${site.pushToken}&extra=1` })).toMatchObject({ status: 200, body: 'OK' });
    expect((await fetch(`${t.url}/api/push/?token=${site.pushToken}`)).status).toBe(404);
    const absolute = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(t.port, '127.0.0.1', () =>
        socket.write(`GET http://localhost:1:2/api/push HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${site.pushToken}\r\nConnection: close\r\n\r\n`),
      );
      let text = '';
      socket.on('data', (d) => (text += String(d)));
      socket.on('end', () => resolve(text.split('\r\n')[0]!));
      socket.on('error', reject);
    });
    expect(absolute).toMatch(/^HTTP\/1.1 \d{3}/);
    expect(await push(t, { token: site.pushToken })).toMatchObject({ status: 200, body: 'OK' });
  });

  it('answers 404 while the engine is stopped', async ({ app: t, site }) => {
    await t.app.deps.engine.stop();
    expect(await push(t, { token: site.pushToken })).toMatchObject({ status: 404, body: 'Invalid Token' });
  });

  describe('with UPTOP_PUSH_RATE_LIMIT=3', () => {
    it.override({ appOptions: { env: { UPTOP_PUSH_RATE_LIMIT: '3' } } });

    it('limits accepted beats per token to UPTOP_PUSH_RATE_LIMIT a minute, refilling over time', async ({ app: t, clock }) => {
      const [a, b] = [await createPushSite(t, 'a'), await createPushSite(t, 'b')];
      for (let i = 0; i < 3; i++) expect((await push(t, { token: a.token })).status).toBe(200);
      expect(await push(t, { token: a.token })).toMatchObject({ status: 429, body: 'Too Many Requests', retryAfter: '20' });
      expect((await push(t, { token: b.token })).status).toBe(200);
      clock.advance(20_000);
      expect((await push(t, { token: a.token })).status).toBe(200);
      expect((await push(t, { token: a.token })).status).toBe(429);
    });

    it('never drops the beat that changes the status, and holds a flood of changes to twice the limit', async ({ app: t, channel }) => {
      const { id, pushToken } = await createSite(t, { name: 'backup', type: 'PUSH', interval: 300, alertChannelIds: [channel.id] });
      const state = () => t.app.deps.engine.getState(Number(parseGlobalId(id).id))!;
      const beat = async (suffix: string) => {
        const res = await fetch(`${t.url}/api/push/${pushToken}/${suffix}`);
        return [suffix, res.status, res.headers.get('retry-after')];
      };
      const alerts: unknown[] = [];
      const nextAlert = async () => {
        const { json } = await channel.receiver.nextRequest();
        const { event, message } = json() as { event: string; message: string };
        alerts.push([event, message]);
      };
      // A burst of successes spends the token's budget; one more success says nothing new and is refused.
      for (let i = 0; i < 3; i++) expect(await beat('0')).toEqual(['0', 200, null]);
      expect(await beat('0')).toEqual(['0', 429, '20']);
      // The job's failure report is not: it goes past, and pages.
      let alerted = nextAlert();
      expect(await beat('3?msg=disk%20full')).toEqual(['3?msg=disk%20full', 200, null]);
      await alerted;
      expect(state()).toMatchObject({ status: 'DOWN', lastError: 'exit status 3: disk full' });
      expect(await beat('fail')).toEqual(['fail', 429, '20']);
      // Its first success after DOWN goes past too, and tells the recovery.
      alerted = nextAlert();
      expect(await beat('0')).toEqual(['0', 200, null]);
      await alerted;
      expect(state().status).toBe('UP');
      // A flood flipping the status meets the second budget: three changes a minute beside the three beats.
      alerted = nextAlert();
      expect(await beat('1')).toEqual(['1', 200, null]);
      await alerted;
      expect(await beat('0')).toEqual(['0', 429, '20']);
      expect(state().status).toBe('DOWN');
      expect(alerts).toEqual([
        ['down', "Push Monitor 'backup' reported DOWN: exit status 3: disk full"],
        ['up', "Push Monitor 'backup' is receiving heartbeats. (was down 0s)"],
        ['down', "Push Monitor 'backup' reported DOWN: exit status 1"],
      ]);
    });
  });

  describe('with UPTOP_PUSH_RATE_LIMIT=0', () => {
    it.override({ appOptions: { env: { UPTOP_PUSH_RATE_LIMIT: '0' } } });

    it('does not limit beats', async ({ app: t, site }) => {
      const statuses = new Set<number>();
      for (let i = 0; i < 150; i++) statuses.add((await push(t, { token: site.pushToken })).status);
      expect([...statuses]).toEqual([200]);
    });
  });

  it('limits failed attempts per client IP, without refusing valid tokens from that IP', async ({ app: t, clock, site: { pushToken } }) => {
    for (let i = 0; i < FAILED_PUSH_ATTEMPTS_PER_MINUTE; i++) {
      expect((await push(t, i % 2 ? {} : { token: `guess-${i}` })).status).toBeOneOf([400, 404]);
    }
    expect(await push(t, { token: 'guess-again' })).toMatchObject({ status: 429, retryAfter: '1' });
    expect((await push(t)).status).toBe(429);
    expect((await push(t, { token: pushToken })).status).toBe(200);
    clock.advance(1_000);
    expect((await push(t, { token: 'guess-after-refill' })).status).toBe(404);
  });

  it('ignores a spoofed X-Forwarded-For from a peer that is not a trusted proxy', async ({ app: t }) => {
    for (let i = 0; i < FAILED_PUSH_ATTEMPTS_PER_MINUTE; i++) {
      expect((await push(t, { token: 'nope', headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status).toBe(404);
    }
    expect((await push(t, { token: 'nope', headers: { 'x-forwarded-for': '203.0.113.200' } })).status).toBe(429);
  });

  describe('behind a trusted proxy', () => {
    it.override({ appOptions: { env: { UPTOP_TRUSTED_PROXIES: '127.0.0.0/8' } } });

    it('keys failed attempts on X-Forwarded-For', async ({ app: t }) => {
      const behindProxy = (client: string) => ({ token: 'nope', headers: { 'x-forwarded-for': `203.0.113.250, ${client}` } });
      for (let i = 0; i < FAILED_PUSH_ATTEMPTS_PER_MINUTE; i++) expect((await push(t, behindProxy('198.51.100.1'))).status).toBe(404);
      expect((await push(t, behindProxy('198.51.100.1'))).status).toBe(429);
      // Another client behind the same proxy has its own budget; the spoofable left part changes nothing.
      expect((await push(t, behindProxy('198.51.100.2'))).status).toBe(404);
    });
  });
});
