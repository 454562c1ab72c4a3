import { ConfigError, loadConfig } from '../../src/config.ts';
import type { TestApp } from '../helpers/app.ts';
import { handshake } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const LISTED = 'https://app.example';
const QUERY = JSON.stringify({ query: '{ me { username } }' });

function post(t: TestApp, headers: Record<string, string>) {
  return fetch(t.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.users.viewer.token}`, ...headers },
    body: QUERY,
  });
}

function preflight(t: TestApp, origin: string) {
  return fetch(t.graphqlUrl, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });
}

describe('cross-origin requests', () => {
  describe('with two origins listed, an origin not listed', () => {
    it.override({ appOptions: { env: { UPTOP_CORS_ORIGIN: `${LISTED}, http://localhost:3000` } } });

    it('refuses an origin that is not listed, on requests and preflights, and echoes nothing back', async ({ app: t }) => {
      for (const origin of ['https://evil.example', 'null', 'https://app.example.evil.example']) {
        const res = await post(t, { origin });
        expect(res.status, origin).toBe(403);
        expect(res.headers.get('access-control-allow-origin'), origin).toBeNull();
        expect(res.headers.get('access-control-allow-credentials'), origin).toBeNull();
        expect((await res.json()).errors[0].extensions.code).toBe('FORBIDDEN_ORIGIN');
        const pre = await preflight(t, origin);
        expect(pre.status, origin).toBe(403);
        expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
      }
    });
  });

  describe('with two origins listed, a listed origin', () => {
    it.override({ appOptions: { env: { UPTOP_CORS_ORIGIN: `${LISTED}, http://localhost:3000` } } });

    it('answers a listed origin with its own CORS headers, without credentials, and preflights it', async ({ app: t }) => {
      const res = await post(t, { origin: LISTED });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(LISTED);
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(await res.json()).toEqual({ data: { me: { username: 'viewer' } } });

      const pre = await preflight(t, 'http://localhost:3000');
      expect(pre.status).toBeLessThan(300);
      expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    });
  });

  it('serves same-origin and origin-less requests without CORS headers', async ({ app: t }) => {
    for (const headers of [{ origin: t.url }, {}] as Record<string, string>[]) {
      const res = await post(t, headers);
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  describe('with one origin listed', () => {
    it.override({ appOptions: { env: { UPTOP_CORS_ORIGIN: LISTED } } });

    it('applies the same list to the WebSocket handshake', async ({ app: t }) => {
      expect(await handshake(t.wsUrl, { origin: LISTED })).toBe('open');
      expect(await handshake(t.wsUrl, { origin: 'https://evil.example' })).toBe(403);
      expect(await handshake(t.wsUrl, { origin: t.url })).toBe('open');
    });
  });

  it('refuses a setting that is not a list of origins', () => {
    for (const bad of ['*', 'https://app.example/', 'app.example', 'https://app.example/path']) {
      expect(() => loadConfig({ UPTOP_CORS_ORIGIN: bad }), bad).toThrow(ConfigError);
    }
    expect(loadConfig({ UPTOP_CORS_ORIGIN: 'https://App.example, http://localhost:3000' }).http.corsOrigins).toEqual([
      'https://app.example',
      'http://localhost:3000',
    ]);
  });
});
