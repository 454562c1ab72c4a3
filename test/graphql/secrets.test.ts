import { describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { collectSse } from '../helpers/clients.ts';
import { createPushSite, createSite } from '../helpers/sites.ts';

const CREATE_TOKEN = 'mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) { ... on ApiTokenPayload { token } } }';

async function apiToken(t: TestApp, session: string, readOnly: boolean): Promise<string> {
  const res = await t.request<{ createApiToken: { token: string } }>(CREATE_TOKEN, { input: { name: `t${Math.random()}`, readOnly } }, session);
  return res.data!.createApiToken.token;
}

describe('credentials in site URLs', () => {
  const url = 'http://bob:hunter2@127.0.0.1:9/status?apikey=k3y&page=2&Access_Token=t0k';
  const masked = 'http://bob:***@127.0.0.1:9/status?apikey=***&page=2&Access_Token=***';
  const fields = 'url authUsername hasAuthSecret';

  it('are masked for whoever may not read secrets, over HTTP and SSE, and shown to EDITOR and ADMIN', async () => {
    const t = await startTestApp();
    const { id } = await createSite(t, { name: 'basic', type: 'HTTP', url, paused: true, authType: 'BASIC', authUsername: 'bob', authSecret: 'pw' });
    const readOnlyAdmin = await apiToken(t, t.users.admin.token, true);
    const query = `query($id: ID!) { site(id: $id) { ${fields} } sites(first: 1, search: "basic") { edges { node { url } } } }`;

    for (const token of [t.users.viewer.token, readOnlyAdmin]) {
      const res = await t.request(query, { id }, token);
      expect(res.errors).toBeUndefined();
      expect(res.data!.site).toEqual({ url: masked, authUsername: null, hasAuthSecret: true });
      expect(res.data!.sites.edges[0].node.url).toBe(masked);
      expect(JSON.stringify(res)).not.toMatch(/hunter2|k3y|t0k/);
    }
    for (const token of [t.users.editor.token, t.users.admin.token]) {
      const res = await t.request(query, { id }, token);
      expect(res.data!.site).toEqual({ url, authUsername: 'bob', hasAuthSecret: true });
    }

    // Searching the URL cannot probe the masked parts a letter at a time.
    const probe = `{ a: sites(search: "apikey=k") { totalCount } b: sites(search: "bob:h") { totalCount } }`;
    expect((await t.request(probe, {}, t.users.viewer.token)).data).toEqual({ a: { totalCount: 0 }, b: { totalCount: 0 } });
    expect((await t.request(probe, {}, t.users.editor.token)).data).toEqual({ a: { totalCount: 1 }, b: { totalCount: 1 } });
    const plain = await createSite(t, { name: 'plain', type: 'HTTP', url: 'http://127.0.0.1:9/health', paused: true });
    const byUrl = await t.request('{ sites(search: "127.0.0.1") { edges { node { id } } } }', {}, t.users.viewer.token);
    expect(byUrl.data!.sites.edges).toEqual([{ node: { id: plain.id } }]);

    const stream = await collectSse(t.graphqlUrl, `subscription { siteStatusChanged { site { ${fields} } } }`, { token: t.users.viewer.token });
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
  it('answers another user\'s User or ApiToken exactly like a missing one, and shows them to an admin', async () => {
    const t = await startTestApp();
    await apiToken(t, t.users.admin.token, true);
    const [adminToken] = await t.app.deps.db.apiToken.findMany();
    const id = (type: string, n: number) => Buffer.from(`${type}:${n}`).toString('base64');
    const node = (nodeId: string, token: string) => t.request(`{ node(id: "${nodeId}") { id __typename } }`, {}, token);

    for (const [existing, missing] of [[t.users.admin.id, id('User', 999)], [id('ApiToken', adminToken!.id), id('ApiToken', 999)]] as const) {
      const other = await node(existing, t.users.editor.token);
      expect(other).toEqual({ status: 200, data: { node: null } });
      expect(other).toEqual(await node(missing, t.users.editor.token));
      expect((await node(existing, t.users.admin.token)).data!.node).toEqual({ id: existing, __typename: expect.any(String) });
    }
  });
});

describe('rotatePushToken', () => {
  const ROTATE = `mutation($input: IdInput!) {
    rotatePushToken(input: $input) { __typename ... on SitePayload { site { id pushToken } } ... on ValidationError { field } ... on Error { message } }
  }`;
  const push = async (t: TestApp, token: string) => (await fetch(`${t.url}/api/push`, { headers: { authorization: `Bearer ${token}` } })).status;

  it('replaces a push monitor\'s token for EDITOR and ADMIN, and the old one is refused at once', async () => {
    const t = await startTestApp();
    const site = await createPushSite(t);
    expect(await push(t, site.token)).toBe(200);

    const refused = await t.request(ROTATE, { input: { id: site.id } }, t.users.viewer.token);
    expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await push(t, site.token)).toBe(200);

    const rotated = await t.request(ROTATE, { input: { id: site.id } }, t.users.editor.token);
    const fresh = rotated.data!.rotatePushToken.site.pushToken as string;
    expect(rotated.data!.rotatePushToken).toEqual({ __typename: 'SitePayload', site: { id: site.id, pushToken: expect.stringMatching(/^[0-9a-f]{32}$/) } });
    expect(fresh).not.toBe(site.token);
    expect(await push(t, site.token)).toBe(404);
    expect(await push(t, fresh)).toBe(200);
  });

  it('answers a site that is not a push monitor with a ValidationError and a missing one with NotFoundError, changing nothing', async () => {
    const t = await startTestApp();
    const http = await createSite(t, { name: 'web', type: 'HTTP', url: 'http://127.0.0.1:9/', paused: true });
    const before = await t.app.deps.db.site.findMany();
    expect((await t.request(ROTATE, { input: { id: http.id } }, t.users.admin.token)).data!.rotatePushToken).toEqual({
      __typename: 'ValidationError',
      field: 'id',
      message: expect.stringMatching(/PUSH/),
    });
    const missing = Buffer.from('Site:999').toString('base64');
    expect((await t.request(ROTATE, { input: { id: missing } }, t.users.admin.token)).data!.rotatePushToken.__typename).toBe('NotFoundError');
    expect(await t.app.deps.db.site.findMany()).toEqual(before);
  });
});
