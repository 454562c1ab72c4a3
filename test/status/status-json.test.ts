import type { Db } from '../../src/db/client.ts';
import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { addSite, addWindow, checkByUrl, STATUS_ENV } from './support.ts';

const TOKEN_A = 'a1'.repeat(16);
const TOKEN_B = 'b2'.repeat(16);

async function getJson(t: TestApp, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/status/json`, { headers });
  const text = await res.text();
  return { res, text, body: res.ok ? (JSON.parse(text) as Record<string, Record<string, unknown>>) : null };
}

async function hammer(t: TestApp, n: number, headers: Record<string, string> = {}): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push((await fetch(`${t.url}/status/json`, { headers })).status);
  return statuses;
}

describe('/status/json', () => {
  describe('enabled', () => {
    it.override({ appOptions: { env: STATUS_ENV, runCheck: checkByUrl } });

    it("writes the Go original's shape: every status string, latency in ns, RFC 3339 times, zero time when never checked", async ({ app: t, clock }) => {
      const api = await addSite(t, { name: 'api', type: 'HTTP', url: 'https://api.example/health' });
      const down = await addSite(t, { name: 'db', type: 'HTTP', url: 'https://db.example/?test=down' });
      const cert = await addSite(t, { name: 'shop', type: 'HTTP', url: 'https://shop.example/?test=expired' });
      const paused = await addSite(t, { name: 'pinger', type: 'PING', hostname: 'ping.example', paused: true });
      const stale = await addSite(t, { name: 'job-a', type: 'PUSH', pushToken: TOKEN_A, interval: 300 });
      const late = await addSite(t, { name: 'job-b', type: 'PUSH', pushToken: TOKEN_B, interval: 300 });
      const { engine } = t.app.deps;
      const checkedAt = clock.now();
      engine.heartbeat(TOKEN_A);
      await clock.advanceAsync(79_000);
      engine.heartbeat(TOKEN_B);
      // A's beat is now 380 s old (past 375 s: STALE), B's 301 s (past 300 s: LATE).
      await clock.advanceAsync(301_000);
      await engine.whenIdle();

      const { res, text, body } = await getJson(t);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json');
      expect(text.endsWith('}\n')).toBe(true);
      expect(Object.keys(body!).sort()).toEqual([api, down, cert, paused, stale, late].map(String).sort());
      for (const entry of Object.values(body!)) expect(Object.keys(entry)).toEqual(['Name', 'Type', 'URL', 'Status', 'Paused', 'LastCheck', 'Latency']);

      const apiCheck = engine.getState(api)!.lastCheckAt!;
      expect(body![api]).toEqual({
        Name: 'api',
        Type: 'http',
        URL: 'https://api.example/health',
        Status: 'UP',
        Paused: false,
        LastCheck: apiCheck.toISOString().replace(/\.?0+Z$/, 'Z'),
        Latency: 12_500_000,
      });
      expect(body![down]).toMatchObject({ Name: 'db', Type: 'http', Status: 'DOWN', Paused: false, Latency: 12_500_000 });
      expect(body![cert]).toMatchObject({ Type: 'http', Status: 'SSL EXP' });
      expect(body![paused]).toEqual({
        Name: 'pinger',
        Type: 'ping',
        URL: '',
        Status: 'PENDING',
        Paused: true,
        LastCheck: '0001-01-01T00:00:00Z',
        Latency: 0,
      });
      expect(body![stale]).toMatchObject({ Type: 'push', URL: '', Status: 'STALE', Latency: 0 });
      expect(body![late]).toMatchObject({ Type: 'push', Status: 'LATE' });
      // A push monitor's LastCheck is its last beat (or deadline evaluated), in Go's RFC 3339 form.
      expect(Date.parse(body![stale]!.LastCheck as string)).toBeGreaterThanOrEqual(checkedAt.getTime());
      expect(body![stale]!.LastCheck).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/);
    });

    it('shows MAINT for a global window, a window on the site, and a window on its group; an incident does not', async ({ app: t }) => {
      const group = await addSite(t, { name: 'platform', type: 'GROUP' });
      await addSite(t, { name: 'child', type: 'HTTP', url: 'https://c.example/', parentId: group });
      const direct = await addSite(t, { name: 'direct', type: 'HTTP', url: 'https://d.example/' });
      const incident = await addSite(t, { name: 'incident', type: 'HTTP', url: 'https://i.example/' });
      await addSite(t, { name: 'bystander', type: 'HTTP', url: 'https://b.example/' });

      await addWindow(t, { title: 'group work', siteId: group });
      await addWindow(t, { title: 'direct work', siteId: direct });
      await addWindow(t, { title: 'it broke', siteId: incident, type: 'INCIDENT' });
      const statuses = async () => {
        const { body } = await getJson(t);
        return Object.fromEntries(Object.values(body!).map((e) => [e.Name, e.Status]));
      };
      expect(await statuses()).toEqual({ platform: 'MAINT', child: 'MAINT', direct: 'MAINT', incident: 'UP', bystander: 'UP' });

      await addWindow(t, { title: 'everything', siteId: null });
      expect(await statuses()).toEqual({ platform: 'MAINT', child: 'MAINT', direct: 'MAINT', incident: 'MAINT', bystander: 'MAINT' });
    });

    it('leaks nothing private: tokens, errors, hosts, ports, DNS servers, userinfo and query strings stay out', async ({ app: t }) => {
      await addSite(t, {
        name: 'down-leaky',
        type: 'HTTP',
        url: 'https://u:p@host.example/x?key=secret&test=down#frag',
        acceptedCodes: '200-204',
        interval: 4242,
      });
      await addSite(t, { name: 'beat', type: 'PUSH', pushToken: TOKEN_A, interval: 300 });
      await addSite(t, { name: 'port', type: 'PORT', hostname: 'db-internal.corp', port: 6543 });
      await addSite(t, { name: 'dns', type: 'DNS', hostname: 'resolver-target.corp', dnsServer: '10.9.8.7', dnsResolveType: 'MX' });
      t.app.deps.engine.heartbeat(TOKEN_A);

      const { text, body } = await getJson(t);
      const entries = Object.values(body!);
      expect(entries.map((e) => e.URL).sort()).toEqual(['', '', '', 'https://host.example/x']);
      for (const secret of [
        TOKEN_A,
        'reason-that-must-stay-private',
        'u:p',
        'secret',
        'key=',
        'frag',
        'db-internal',
        '6543',
        'resolver-target',
        '10.9.8.7',
        'MX',
        '200-204',
        '4242',
        'Token',
        'Hostname',
        'Interval',
      ]) {
        expect(text).not.toContain(secret);
      }
    });

    it('leaves out a site that is not public', async ({ app: t }) => {
      await addSite(t, { name: 'hidden', type: 'HTTP', url: 'https://hidden.example/', public: false });
      const shown = await addSite(t, { name: 'shown', type: 'HTTP', url: 'https://shown.example/' });
      const { body, text } = await getJson(t);
      expect(Object.keys(body!)).toEqual([String(shown)]);
      expect(text).not.toContain('hidden');
    });

    it('escapes <, > and & as Go does, so the JSON is safe to embed', async ({ app: t }) => {
      await addSite(t, { name: '<b>a & b</b>', type: 'PUSH', pushToken: TOKEN_B, interval: 60 });
      const { text, body } = await getJson(t);
      expect(text).toContain('\\u003cb\\u003ea \\u0026 b\\u003c/b\\u003e');
      expect(Object.values(body!)[0]!.Name).toBe('<b>a & b</b>');
    });

    it('answers 429 with Retry-After after 120 requests a minute from one IP', async ({ app: t, clock }) => {
      expect((await hammer(t, 120)).every((s) => s === 200)).toBe(true);
      const refused = await fetch(`${t.url}/status/json`);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // X-Forwarded-For from an untrusted peer is ignored: it cannot buy a fresh bucket.
      expect((await fetch(`${t.url}/status/json`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(429);
      // The page shares the limit.
      expect((await fetch(`${t.url}/status`)).status).toBe(429);
      await clock.advanceAsync(1000);
      expect((await fetch(`${t.url}/status/json`)).status).toBe(200);
    });
  });

  describe('behind a trusted proxy', () => {
    it.override({ appOptions: { env: { ...STATUS_ENV, UPTOP_TRUSTED_PROXIES: '127.0.0.1' } } });

    it('limits each forwarded client on its own', async ({ app: t }) => {
      const alice = { 'x-forwarded-for': '203.0.113.1' };
      expect((await hammer(t, 120, alice)).every((s) => s === 200)).toBe(true);
      expect((await fetch(`${t.url}/status/json`, { headers: alice })).status).toBe(429);
      expect((await fetch(`${t.url}/status/json`, { headers: { 'x-forwarded-for': '203.0.113.2' } })).status).toBe(200);
    });
  });

  describe('with UPTOP_CORS_ORIGIN', () => {
    it.override({ appOptions: { env: { ...STATUS_ENV, UPTOP_CORS_ORIGIN: 'https://wall.example, https://ops.example' } } });

    it('echoes a listed Origin with Vary: Origin, and no other', async ({ app: t }) => {
      const listed = await getJson(t, { origin: 'https://ops.example' });
      expect(listed.res.headers.get('access-control-allow-origin')).toBe('https://ops.example');
      expect(listed.res.headers.get('vary')).toMatch(/Origin/);
      const other = await getJson(t, { origin: 'https://evil.example' });
      expect(other.res.status).toBe(200);
      expect(other.res.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.res.headers.get('vary')).toMatch(/Origin/);
      expect((await getJson(t)).res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('without UPTOP_CORS_ORIGIN', () => {
    it.override({ appOptions: { env: STATUS_ENV } });

    it('sends no Access-Control-Allow-Origin', async ({ app: t }) => {
      expect((await getJson(t, { origin: 'https://ops.example' })).res.headers.get('access-control-allow-origin')).toBeNull();
    });
  });

  describe('with the reading connection counted', () => {
    const reads: string[] = [];
    const wrapReadDb = (db: Db) =>
      db.$extends({
        query: {
          async $allOperations({ model, operation, args, query }) {
            reads.push(model ?? operation);
            return query(args);
          },
        },
      }) as unknown as Db;
    it.override({ appOptions: { env: STATUS_ENV, runCheck: checkByUrl, wrapReadDb } });

    it('reads the site list and notices at most every 5 s and uptime every minute, however often it is polled', async ({ app: t, clock }) => {
      await addSite(t, { name: 'api', type: 'HTTP', url: 'https://api.example/' });
      const { engine } = t.app.deps;
      const readsOf = async (paths: string[]) => {
        await engine.whenIdle();
        reads.length = 0;
        for (const path of paths) expect((await fetch(`${t.url}${path}`)).status).toBe(200);
        return [...reads];
      };
      const first = await readsOf(['/status']);
      expect(first).toContain('Site');
      expect(first).toContain('MaintenanceWindow');
      // Uptime reads the state changes with raw statements (services/uptime.ts loadChangeHistories).
      expect(first).toContain('$queryRawUnsafe');
      // A wall screen polling the live part and a script polling the JSON, within the same 5 s: no query at all.
      expect(await readsOf(['/status/live', '/status/json', '/status/live', '/status'])).toEqual([]);

      await clock.advanceAsync(5_000);
      const later = await readsOf(['/status/live', '/status/json']);
      expect(later.filter((r) => r === 'Site')).toHaveLength(1);
      expect(later).not.toContain('$queryRawUnsafe');

      await clock.advanceAsync(60_000);
      expect(await readsOf(['/status/live'])).toContain('$queryRawUnsafe');
    });
  });

  it('is 404, with the page and its assets, unless UPTOP_STATUS_ENABLED=true', async ({ app: t }) => {
    for (const path of ['/status/json', '/status', '/status/live', '/status/assets/status.css']) {
      expect((await fetch(`${t.url}${path}`)).status, path).toBe(404);
    }
  });
});
