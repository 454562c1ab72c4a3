import type { TestApp } from '../helpers/app.ts';
import { collectSse } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';
import { createPushSite, createSite } from '../helpers/sites.ts';

const CREATE_TOKEN = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { ... on ApiTokenPayload { token } } }';

async function apiToken(t: TestApp, session: string, readOnly: boolean): Promise<string> {
  const res = await t.request<{ createApiToken: { token: string } }>(CREATE_TOKEN, { input: { name: `t${Math.random()}`, readOnly } }, session);
  return res.ok().createApiToken.token;
}

describe('credentials in site URLs', () => {
  const url = 'http://bob:hunter2@127.0.0.1:9/status?apikey=k3y&page=2&Access_Token=t0k';
  const masked = 'http://bob:***@127.0.0.1:9/status?apikey=***&page=2&Access_Token=***';
  const fields = 'url authUsername hasAuthSecret';

  it('are masked for whoever may not read secrets, over HTTP and SSE, and shown to EDITOR and ADMIN', async ({ app: t, admin, editor, viewer }) => {
    const { id } = await createSite(t, { name: 'basic', type: 'HTTP', url, paused: true, authType: 'BASIC', authUsername: 'bob', authSecret: 'pw' });
    const readOnlyAdmin = await apiToken(t, admin.token, true);
    const query = `query($id: ID!) { site(id: $id) { ${fields} } sites(first: 1, search: "basic") { edges { node { url } } } }`;

    for (const token of [viewer.token, readOnlyAdmin]) {
      const res = await t.request(query, { id }, token);
      expect(res.errors).toBeUndefined();
      expect(res.ok().site).toEqual({ url: masked, authUsername: null, hasAuthSecret: true });
      expect(res.ok().sites.edges[0].node.url).toBe(masked);
      expect(JSON.stringify(res)).not.toMatch(/hunter2|k3y|t0k/);
    }
    for (const token of [editor.token, admin.token]) {
      const res = await t.request(query, { id }, token);
      expect(res.ok().site).toEqual({ url, authUsername: 'bob', hasAuthSecret: true });
    }

    // Searching the URL cannot probe the masked parts a letter at a time.
    const probe = `{ a: sites(search: "apikey=k") { totalCount } b: sites(search: "bob:h") { totalCount } }`;
    expect((await viewer.request(probe, {})).data).toEqual({ a: { totalCount: 0 }, b: { totalCount: 0 } });
    expect((await editor.request(probe, {})).data).toEqual({ a: { totalCount: 1 }, b: { totalCount: 1 } });
    const plain = await createSite(t, { name: 'plain', type: 'HTTP', url: 'http://127.0.0.1:9/health', paused: true });
    const byUrl = await viewer.request('{ sites(search: "127.0.0.1") { edges { node { id } } } }', {});
    expect(byUrl.ok().sites.edges).toEqual([{ node: { id: plain.id } }]);

    const stream = await collectSse(t.graphqlUrl, `subscription { siteStatusChanged { site { ${fields} } } }`, { token: viewer.token });
    await expect
      .poll(() => {
        t.app.deps.pubsub.publish('site:statusChanged', { siteId: 1, from: 'UP', to: 'DOWN', reason: 'r', changedAt: new Date() });
        return stream.results.length;
      })
      .toBeGreaterThan(0);
    expect(stream.results[0]).toEqual({ data: { siteStatusChanged: { site: { url: masked, authUsername: null, hasAuthSecret: true } } } });
  });
});

describe('node(id) for users and API tokens', () => {
  it("answers another user's User or ApiToken exactly like a missing one, and shows them to an admin", async ({ app: t, admin, editor }) => {
    await apiToken(t, admin.token, true);
    const [adminToken] = await t.app.deps.db.apiToken.findMany();
    const node = (nodeId: string, token: string) => t.request(`{ node(id: "${nodeId}") { id __typename } }`, {}, token);

    for (const [existing, missing] of [
      [admin.id, globalId('User', 999)],
      [globalId('ApiToken', adminToken!.id), globalId('ApiToken', 999)],
    ] as const) {
      const other = await node(existing, editor.token);
      expect(other).toEqual({ status: 200, data: { node: null } });
      expect(other).toEqual(await node(missing, editor.token));
      expect((await node(existing, admin.token)).ok().node).toEqual({ id: existing, __typename: expect.any(String) });
    }
  });
});

describe('rotatePushToken', () => {
  const ROTATE = `mutation($input: IdInput!) {
    rotatePushToken(input: $input) { __typename ... on SitePayload { site { id pushToken } } ... on ValidationError { field } ... on Error { message } }
  }`;
  const push = async (t: TestApp, token: string) => (await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${token}` } })).status;

  it("replaces a push monitor's token for EDITOR and ADMIN, and the old one is refused at once", async ({ app: t, editor, viewer }) => {
    const site = await createPushSite(t);
    expect(await push(t, site.token)).toBe(200);

    const refused = await viewer.request(ROTATE, { input: { id: site.id } });
    expect(refused.code).toBe('FORBIDDEN');
    expect(await push(t, site.token)).toBe(200);

    const rotated = await editor.request(ROTATE, { input: { id: site.id } });
    const fresh = rotated.ok().rotatePushToken.site.pushToken as string;
    expect(rotated.ok().rotatePushToken).toEqual({ __typename: 'SitePayload', site: { id: site.id, pushToken: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(fresh).not.toBe(site.token);
    expect(await push(t, site.token)).toBe(404);
    expect(await push(t, fresh)).toBe(200);
  });

  it('answers a site that is not a push monitor with a ValidationError and a missing one with NotFoundError, changing nothing', async ({ app: t, admin }) => {
    const http = await createSite(t, { name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/', paused: true });
    const before = await t.app.deps.db.site.findMany();
    expect((await admin.request(ROTATE, { input: { id: http.id } })).ok().rotatePushToken).toEqual({
      __typename: 'ValidationError',
      field: 'id',
      message: expect.stringMatching(/PUSH/),
    });
    const missing = globalId('Site', 999);
    expect((await admin.request(ROTATE, { input: { id: missing } })).ok().rotatePushToken.__typename).toBe('NotFoundError');
    expect(await t.app.deps.db.site.findMany()).toEqual(before);
  });
});
