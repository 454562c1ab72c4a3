import { FAILED_PUSH_ATTEMPTS_PER_MINUTE } from '../../src/services/heartbeat.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { parseGlobalId } from '../helpers/ids.ts';
import { createSite } from '../helpers/sites.ts';

async function kumaPush(t: TestApp, token: string, query = '', method = 'GET') {
  const res = await fetch(`${t.url}/api/push/${token}${query}`, { method });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
}

async function pushSite(t: TestApp, maxRetries = 0): Promise<{ id: number; token: string }> {
  const site = await createSite(t, { name: 'nightly job', type: 'PUSH', interval: 300, maxRetries });
  return { id: Number(parseGlobalId(site.id).id), token: site.pushToken! };
}

async function checks(t: TestApp, siteId: number) {
  await t.app.deps.writer.flush();
  return t.app.deps.db.check.findMany({ where: { siteId }, orderBy: { id: 'asc' }, select: { up: true, status: true, latencyMs: true, message: true } });
}

describe("Uptime Kuma's push URL /api/push/<token>", () => {
  it("records an up beat like /api/push, with Kuma's msg as the message and ping as the latency", async ({ app: t }) => {
    const site = await pushSite(t);
    expect(await kumaPush(t, site.token, '?status=up&msg=backup%20done&ping=12.5')).toMatchObject({ status: 200, body: 'OK' });
    expect(await kumaPush(t, site.token, '', 'POST')).toMatchObject({ status: 200, body: 'OK' });
    expect(t.app.deps.engine.getState(site.id)).toMatchObject({ status: 'UP', latencyMs: 0, failureCount: 0 });
    expect(await checks(t, site.id)).toEqual([
      { up: true, status: 'UP', latencyMs: 12.5, message: 'backup done' },
      { up: true, status: 'UP', latencyMs: 0, message: null },
    ]);
  });

  it('counts a down beat like a failed check: retries first, then DOWN with msg as the reason; an up beat recovers', async ({ app: t }) => {
    const site = await pushSite(t, 1);
    const engine = t.app.deps.engine;
    expect((await kumaPush(t, site.token, '?status=up')).status).toBe(200);

    expect(await kumaPush(t, site.token, '?status=down&msg=disk%20full&ping=3')).toMatchObject({ status: 200, body: 'OK' });
    expect(engine.getState(site.id)).toMatchObject({ status: 'UP', failureCount: 1 });

    expect((await kumaPush(t, site.token, '?status=down&msg=disk%20still%20full')).status).toBe(200);
    expect(engine.getState(site.id)).toMatchObject({ status: 'DOWN', failureCount: 2, lastError: 'disk still full' });

    expect((await kumaPush(t, site.token, '?status=up')).status).toBe(200);
    expect(engine.getState(site.id)).toMatchObject({ status: 'UP', failureCount: 0, lastError: '' });

    expect(await checks(t, site.id)).toEqual([
      { up: true, status: 'UP', latencyMs: 0, message: null },
      { up: false, status: 'DOWN', latencyMs: 3, message: 'disk full' },
      { up: false, status: 'DOWN', latencyMs: null, message: 'disk still full' },
      { up: true, status: 'UP', latencyMs: 0, message: null },
    ]);
    const changes = await t.app.deps.db.stateChange.findMany({ where: { siteId: site.id }, orderBy: { id: 'asc' } });
    expect(changes.map((c) => [c.fromStatus, c.toStatus, c.reason])).toEqual([
      ['UP', 'DOWN', 'disk still full'],
      ['DOWN', 'UP', ''],
    ]);
  });

  it('reads any status but up as a failure, as Kuma does, with a reason of its own when msg is absent', async ({ app: t }) => {
    const site = await pushSite(t);
    expect((await kumaPush(t, site.token, '?status=fail')).status).toBe(200);
    expect(t.app.deps.engine.getState(site.id)).toMatchObject({ status: 'DOWN', lastError: 'push reported down' });
  });

  it('reads an empty status as up, as Kuma does: a script whose status variable is unset reports no failure', async ({ app: t }) => {
    const site = await pushSite(t);
    expect((await kumaPush(t, site.token, '?status=&msg=OK&ping=')).status).toBe(200);
    expect(t.app.deps.engine.getState(site.id)).toMatchObject({ status: 'UP', failureCount: 0 });
    expect(await checks(t, site.id)).toEqual([{ up: true, status: 'UP', latencyMs: 0, message: 'OK' }]);
  });

  it('takes a HEAD as a beat, as Kuma and healthchecks do (`wget --spider`), answering without a body', async ({ app: t }) => {
    const site = await pushSite(t);
    const res = await fetch(`${t.url}/api/push/${site.token}?status=down&msg=exit%203`, { method: 'HEAD' });
    expect([res.status, await res.text()]).toEqual([200, '']);
    expect(t.app.deps.engine.getState(site.id)).toMatchObject({ status: 'DOWN', lastError: 'exit 3' });
  });

  it('answers 404 Invalid Token for an unknown token or none, 405 for other methods', async ({ app: t }) => {
    expect(await kumaPush(t, '0123456789abcdef0123456789abcdef', '?status=up')).toMatchObject({ status: 404, body: 'Invalid Token' });
    expect(await kumaPush(t, '')).toMatchObject({ status: 404, body: 'Invalid Token' });
    expect(await kumaPush(t, '%E0%A4%A')).toMatchObject({ status: 404, body: 'Invalid Token' });
    expect((await kumaPush(t, 'abc', '', 'PUT')).status).toBe(405);
  });

  describe('with a push limit of 2 a minute', () => {
    it.override({ appOptions: { env: { UPTOP_PUSH_RATE_LIMIT: '2' } } });

    it('limits beats per token and failed attempts per client IP: 429 with Retry-After', async ({ app: t }) => {
      const site = await pushSite(t);
      expect((await kumaPush(t, site.token, '?status=up')).status).toBe(200);
      expect((await kumaPush(t, site.token, '?status=down')).status).toBe(200);
      // Past the limit, the beat that changes the status still goes through; the same word again does not.
      expect((await kumaPush(t, site.token, '?status=up')).status).toBe(200);
      const limited = await kumaPush(t, site.token, '?status=up');
      expect(limited).toMatchObject({ status: 429, body: 'Too Many Requests' });
      expect(Number(limited.retryAfter)).toBeGreaterThan(0);

      for (let i = 0; i < FAILED_PUSH_ATTEMPTS_PER_MINUTE; i++) expect((await kumaPush(t, `unknown${i}`)).status).toBe(404);
      expect((await kumaPush(t, 'unknown-again')).status).toBe(429);
    });
  });
});
