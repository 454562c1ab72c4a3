import fs from 'node:fs';
import { CSRF_HEADER } from '../../src/graphql/security.ts';
import { collectSse, collectWs, handshake, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const INTROSPECTION = '{ __schema { queryType { name } } }';
/** `sites > edges > node` and then `parent` until the selection is `levels` deep. */
const deepSites = (levels: number, root = 'query { sites') =>
  `${root} { edges { node { ${'parent { '.repeat(levels - 4)}name${' }'.repeat(levels - 4)} } } } }`;
const deepSubscription = (levels: number) => `subscription { siteStatusChanged { site { ${'parent { '.repeat(levels - 3)}name${' }'.repeat(levels - 3)} } } }`;

describe('the real server: every limit on every transport', () => {
  describe('with UPTOP_INTROSPECTION=false', () => {
    it.override({ appOptions: { env: { UPTOP_INTROSPECTION: 'false' } } });

    it('turns introspection off on HTTP, graphql-ws and SSE alike', async ({ app: t, admin }) => {
      const token = admin.token;

      const http = await t.request(INTROSPECTION, undefined, token);
      expect(http.errors?.[0]?.message).toMatch(/introspection/i);
      expect(http.data ?? undefined).toBeUndefined();

      const ws = collectWs(wsClient(t.wsUrl, token), INTROSPECTION);
      await ws.done;
      expect(ws.results).toEqual([]);
      expect(ws.errors[0]?.message).toMatch(/introspection/i);

      const sse = await collectSse(t.graphqlUrl, INTROSPECTION, { token });
      await sse.done;
      expect(sse.results[0]?.errors?.[0]?.message).toMatch(/introspection/i);
      expect(sse.results[0]?.data ?? undefined).toBeUndefined();

      expect((await t.request('{ me { username } }', undefined, token)).data).toEqual({ me: { username: 'admin' } });
    });
  });

  it('refuses a query deeper than the limit over HTTP', async ({ app: t, viewer }) => {
    const token = viewer.token;
    const deep = await t.request(deepSites(13), undefined, token);
    expect(deep.errors?.[0]?.message).toMatch(/depth limit of 12 exceeded/i);
    const atLimit = await t.request(deepSites(12), undefined, token);
    expect(atLimit.errors).toBeUndefined();
    expect(atLimit.data).toEqual({ sites: { edges: [] } });
  });

  it('answers a too-deep subscription over graphql-ws with an error and keeps the socket open', async ({ app: t, viewer }) => {
    const client = wsClient(t.wsUrl, viewer.token);
    const refused = collectWs(client, deepSubscription(13));
    await refused.done;
    expect(refused.errors[0]?.message).toMatch(/depth limit of 12 exceeded/i);

    const query = collectWs(client, '{ me { username } }');
    await query.done;
    expect(query.results).toEqual([{ data: { me: { username: 'viewer' } } }]);
    expect(client.closes).toEqual([]);
  });

  it('checks Origin at the WebSocket handshake and the token in connectionParams', async ({ app: t, viewer }) => {
    expect(await handshake(t.wsUrl, { origin: 'https://evil.example' })).toBe(403);
    expect(await handshake(t.wsUrl, { origin: t.url })).toBe('open');
    expect(await handshake(t.wsUrl, {})).toBe('open');

    const forged = wsClient(t.wsUrl, 'uts_not-a-real-session');
    const refused = collectWs(forged, '{ me { username } }');
    await refused.done;
    expect(forged.closes).toContain(4403);
    // The context reads `Authorization` too, so a forged one must not pass as an anonymous connection either.
    const capitalized = wsClient(t.wsUrl, undefined, { Authorization: 'Bearer uts_not-a-real-session' });
    await collectWs(capitalized, '{ me { username } }').done;
    expect(capitalized.closes).toContain(4403);
    const valid = collectWs(wsClient(t.wsUrl, undefined, { Authorization: `Bearer ${viewer.token}` }), '{ me { username } }');
    await valid.done;
    expect(valid.results).toEqual([{ data: { me: { username: 'viewer' } } }]);

    const anonymous = collectWs(wsClient(t.wsUrl), 'subscription { siteStatusChanged { change { to } } }');
    await anonymous.done;
    expect(anonymous.results[0]?.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('requires the CSRF header on GET requests and form content types, not on JSON POSTs', async ({ app: t, viewer }) => {
    const query = encodeURIComponent('{ me { username } }');
    const auth = { authorization: `Bearer ${viewer.token}` };
    expect((await fetch(`${t.graphqlUrl}?query=${query}`, { headers: auth })).status).toBe(403);
    const form = await fetch(t.graphqlUrl, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: `query=${query}`,
    });
    expect(form.status).toBe(403);
    const get = await fetch(`${t.graphqlUrl}?query=${query}`, { headers: { ...auth, [CSRF_HEADER]: '1', accept: 'application/json' } });
    expect(await get.json()).toEqual({ data: { me: { username: 'viewer' } } });
    expect((await viewer.request('{ me { username } }', undefined)).data).toEqual({ me: { username: 'viewer' } });
  });

  it('masks unexpected errors: no stack, no SQL, no paths', async ({ app: t, viewer }) => {
    // Break the readers' connection for real: it must reopen a file whose folder is gone.
    await t.app.deps.db.$disconnect();
    fs.rmSync(t.db.dir, { recursive: true, force: true });
    const res = await viewer.request('{ sites { edges { node { name } } } }', undefined);
    expect(res.errors?.[0]?.message).toBe('Unexpected error.');
    const text = JSON.stringify(res);
    expect(text).not.toMatch(/stack|sqlite|SELECT|prisma|\/tmp|\.ts/i);
  });
});
