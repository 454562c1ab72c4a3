import type { CheckResult } from '../../src/engine/checks/types.ts';
import type { TestApp } from '../helpers/app.ts';
import { collectSse, collectWs, dataOf, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';
import { createPushSite, createSite } from '../helpers/sites.ts';
import { probeCall, probeToken } from '../probes/helpers.ts';

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

describe('a user name alone in a site URL', () => {
  // Git hosts and many APIs take a token as the user name, with no password beside it.
  const url = 'https://ghp_T0k3nAsUser@127.0.0.1:9/org/repo.git?pwd=z00m';
  const masked = 'https://***@127.0.0.1:9/org/repo.git?pwd=***';

  it('is masked for whoever may not read secrets, over HTTP and graphql-ws, and shown to EDITOR and ADMIN', async ({ app: t, admin, editor, viewer }) => {
    const { id } = await createSite(t, { name: 'git', type: 'HTTP', url, paused: true });
    const readOnlyAdmin = await apiToken(t, admin.token, true);
    const query = 'query($id: ID!) { site(id: $id) { url } sites(first: 5) { edges { node { url } } } }';

    for (const token of [viewer.token, readOnlyAdmin]) {
      const res = await t.request(query, { id }, token);
      expect(res.ok()).toEqual({ site: { url: masked }, sites: { edges: [{ node: { url: masked } }] } });
    }
    for (const token of [editor.token, admin.token]) expect((await t.request(query, { id }, token)).ok().site).toEqual({ url });

    const ws = wsClient(t.wsUrl, viewer.token);
    const stream = collectWs(ws, 'subscription { siteStatusChanged { site { url } } }');
    await expect
      .poll(() => {
        t.app.deps.pubsub.publish('site:statusChanged', { siteId: 1, from: 'UP', to: 'DOWN', reason: 'r', changedAt: new Date() });
        return stream.results.length;
      })
      .toBeGreaterThan(0);
    expect(dataOf(stream.results[0])).toEqual({ siteStatusChanged: { site: { url: masked } } });
  });
});

describe('credentials in a URL an alert channel shows', () => {
  // A homeserver behind a proxy that asks for Basic auth: the alert sends it (src/alerts/http.ts), so it is a secret.
  const homeserver = 'https://relay:pr0xyPw@127.0.0.1:9';
  const settings = { homeserver, access_token: 'syt_t0k', room_id: '!room:example.org' };
  const CHANNEL = '{ alertChannels { settings revealedSettings } }';

  it('are redacted whole for everyone, even in a setting the provider shows, and a redacted read sent back keeps them', async ({
    app: t,
    admin,
    editor,
    viewer,
  }) => {
    const created = await editor.request(
      'mutation($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { ... on AlertChannelPayload { alertChannel { id } } } }',
      { input: { name: 'matrix', provider: 'MATRIX', settings } },
    );
    const { id } = created.ok().createAlertChannel.alertChannel;
    const readOnlyAdmin = await apiToken(t, admin.token, true);
    const redacted = { homeserver: '***REDACTED***', access_token: '***REDACTED***', room_id: '!room:example.org' };

    for (const token of [viewer.token, readOnlyAdmin]) {
      const res = await t.request(CHANNEL, {}, token);
      expect(res.ok().alertChannels).toEqual([{ settings: redacted, revealedSettings: null }]);
      expect(JSON.stringify(res)).not.toMatch(/pr0xyPw|relay/);
    }
    expect((await editor.request(CHANNEL, {})).ok().alertChannels).toEqual([{ settings: redacted, revealedSettings: settings }]);

    await editor.request('mutation($input: UpdateAlertChannelInput!) { updateAlertChannel(input: $input) { __typename } }', {
      input: { id, settings: redacted },
    });
    expect((await editor.request(CHANNEL, {})).ok().alertChannels[0].revealedSettings).toEqual(settings);
  });
});

describe("a probe's failure reason that quotes the site's URL", () => {
  // The Go original's probes report Go's transport errors as they are: `*url.Error` quotes the URL it asked for,
  // with only a password masked.
  const url = 'https://ghp_T0k3nAsUser@web.example.com/health?page=2&token=q53cr3t';
  const reason = `Get "${url}": dial tcp 203.0.113.7:443: connect: connection refused`;
  const masked = 'Get "https://***@web.example.com/health?page=2&token=***": dial tcp 203.0.113.7:443: connect: connection refused';
  const UP: CheckResult = { status: 'UP', statusCode: 200, latencyMs: 1, hasSsl: false, certExpiresAt: null, message: '' };
  const READ_REASONS = `query($id: ID!) {
    site(id: $id) { lastError probeResults { error } checks(first: 5) { edges { node { message } } } stateChanges(first: 5) { edges { node { reason } } } }
    logs(first: 20) { message }
  }`;
  it.override({ appOptions: { runCheck: async () => UP } });

  it('is kept with the URL masked, so no reader of checks, results, errors or logs sees the credentials', async ({ app: t, viewer, clock }) => {
    const site = await t.app.deps.services.sites.create({ name: 'web', type: 'HTTP', url, interval: 30 });
    const { token } = await probeToken(t);
    await probeCall(t, '/api/probe/register', { token, body: { id: 'fra', name: 'Frankfurt', region: 'eu' } });
    clock.advance(30_000);
    const results = { node_id: 'fra', results: [{ site_id: site.id, latency_ns: 0, is_up: false, error_reason: reason }] };
    expect((await probeCall(t, '/api/probe/results', { token, body: results })).status).toBe(200);
    await t.app.deps.writer.flush();

    const res = await viewer.request(READ_REASONS, { id: globalId('Site', site.id) });
    expect(res.ok().site.probeResults).toEqual([{ error: masked }]);
    expect(JSON.stringify(res)).not.toMatch(/T0k3n|q53cr3t/);
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
