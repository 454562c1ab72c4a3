import WebSocket from 'ws';
import { globalId } from '../../src/graphql/ids.ts';
import { WS_CLOSE_TOO_MANY } from '../../src/http/ws.ts';
import type { TestApp } from '../helpers/app.ts';
import { collectSse, collectWs, handshake, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const CREATE_CHANNEL =
  'mutation($input: CreateAlertChannelInput!) { createAlertChannel(input: $input) { __typename ... on ValidationError { field message } } }';
const CHANGE_PASSWORD = 'mutation($input: ChangePasswordInput!) { changePassword(input: $input) { __typename ... on Error { message } } }';
const LOGIN = 'mutation($input: LoginInput!) { login(input: $input) { __typename ... on LoginPayload { token } } }';

/** A graphql-ws connection, acknowledged or closed: resolves with the close code, or 'open'. */
function connect(t: TestApp, token?: string): Promise<{ result: number | 'open'; ws: WebSocket }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} })));
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { type: string }).type === 'connection_ack') resolve({ result: 'open', ws });
    });
    ws.on('close', (code) => resolve({ result: code, ws }));
    ws.on('error', reject);
  });
}

describe('limits on every input', () => {
  it('refuses an alert setting value over UPTOP_MAX_SETTING_BYTES (default 4 KiB) on create and update', async ({ app: t, editor }) => {
    const input = (secret: string) => ({ name: 'w', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/w', secret } });
    const tooBig = await editor.request(CREATE_CHANNEL, { input: input('é'.repeat(2049)) });
    expect(tooBig.ok().createAlertChannel).toEqual({ __typename: 'ValidationError', field: 'settings.secret', message: 'must be at most 4096 bytes' });
    const atLimit = await editor.request(CREATE_CHANNEL, { input: input('x'.repeat(4096)) });
    expect(atLimit.ok().createAlertChannel.__typename).toBe('AlertChannelPayload');
    const update = await editor.request(
      'mutation($input: UpdateAlertChannelInput!) { updateAlertChannel(input: $input) { __typename ... on ValidationError { field } } }',
      { input: { id: globalId('AlertChannel', 1), settings: { url: `https://hooks.example.com/${'p'.repeat(5000)}` } } },
    );
    expect(update.ok().updateAlertChannel).toEqual({ __typename: 'ValidationError', field: 'settings.url' });
    expect(await t.app.deps.db.alertChannel.count()).toBe(1);
  });

  describe('result size', () => {
    /** Sites, their channels, those channels' sites, and so on: each list multiplies the one around it. */
    const cycle = (turns: number) => {
      let inner = 'id';
      for (let i = 0; i < turns; i++) inner = `alertChannels { sites { ${inner} } }`;
      return inner;
    };
    const sizeError = (errors: readonly { extensions?: Record<string, unknown> }[] | undefined) => errors?.[0]?.extensions;
    const refused = { code: 'QUERY_TOO_COMPLEX', limit: 'size', max: 10_000_000 };

    it('refuses a query of lists within lists that could return millions of objects, before it runs', async ({ viewer }) => {
      const res = await viewer.request(`{ sites(first: 100) { edges { node { ${cycle(2)} } } } }`);
      expect(res.data).toBeUndefined();
      expect(sizeError(res.errors)).toEqual(refused);
    });

    it('counts a page size passed as a variable', async ({ viewer }) => {
      const query = `query($n: Int) { sites(first: $n) { edges { node { alertChannels { sites { alertChannels { id } } } } } } }`;
      expect((await viewer.request(query, { n: 1 })).ok().sites.edges).toEqual([]);
      expect(sizeError((await viewer.request(query, { n: 100 })).errors)).toEqual(refused);
    });

    it('refuses such a subscription over graphql-ws and SSE', async ({ app: t, viewer }) => {
      const query = `subscription { siteStatusChanged { site { ${cycle(2)} } } }`;
      const ws = collectWs(wsClient(t.wsUrl, viewer.token), query);
      await ws.done;
      expect(sizeError(ws.results[0]?.errors ?? (ws.errors as never))).toEqual(refused);
      const sse = await collectSse(t.graphqlUrl, query, { token: viewer.token });
      await sse.done;
      expect(sizeError(sse.results[0]?.errors)).toEqual(refused);
    });
  });

  describe('with UPTOP_MAX_SUBSCRIPTION_SITES=3', () => {
    it.override({ appOptions: { env: { UPTOP_MAX_SUBSCRIPTION_SITES: '3' } } });
    const ids = (n: number) => Array.from({ length: n }, (_, i) => globalId('Site', i + 1));
    const query = 'subscription($ids: [ID!]) { checkCompleted(siteIds: $ids) { check { up } } }';

    it('refuses more siteIds over graphql-ws', async ({ app: t, viewer }) => {
      const ws = collectWs(wsClient(t.wsUrl, viewer.token), query, { ids: ids(4) });
      await ws.done;
      expect(ws.results[0]?.errors?.[0]?.extensions?.code ?? (ws.errors[0] as { extensions?: { code?: string } })?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('refuses more siteIds over SSE', async ({ app: t, viewer }) => {
      const sse = await collectSse(t.graphqlUrl, query, { token: viewer.token, variables: { ids: ids(4) } });
      await sse.done;
      expect(sse.results[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });

    it('accepts as many siteIds as the limit', async ({ app: t, viewer }) => {
      const allowed = collectWs(wsClient(t.wsUrl, viewer.token), query, { ids: ids(3) });
      await expect
        .poll(() => {
          t.app.deps.pubsub.publish('site:checkCompleted', {
            siteId: 3,
            checkedAt: new Date(),
            up: true,
            status: 'UP',
            latencyMs: 1,
            statusCode: 200,
            message: null,
          });
          return allowed.results.length;
        })
        .toBeGreaterThan(0);
      expect(allowed.results[0]).toEqual({ data: { checkCompleted: { check: { up: true } } } });
    });
  });

  describe('with UPTOP_LOGIN_USER_RATE_LIMIT=2', () => {
    it.override({ appOptions: { env: { UPTOP_LOGIN_USER_RATE_LIMIT: '2' } } });

    it("caps changePassword's current password", async ({ viewer }) => {
      const long = await viewer.request(CHANGE_PASSWORD, { input: { currentPassword: 'x'.repeat(1025), newPassword: 'long-enough-pw' } });
      expect(long.ok().changePassword).toEqual({ __typename: 'ValidationError', message: 'must be at most 1024 characters' });
    });

    it("limits changePassword's tries like login, per username", async ({ app: t, viewer }) => {
      for (let i = 0; i < 2; i++) {
        const wrong = await viewer.request(CHANGE_PASSWORD, { input: { currentPassword: 'not-it', newPassword: 'long-enough-pw' } });
        expect(wrong.ok().changePassword.__typename).toBe('ValidationError');
      }
      const limited = await viewer.request(CHANGE_PASSWORD, { input: { currentPassword: 'viewer-password', newPassword: 'long-enough-pw' } });
      expect(limited.ok().changePassword.__typename).toBe('RateLimitedError');
      // The username's failures count for login too; another user is not affected.
      expect((await t.request(LOGIN, { input: { username: 'viewer', password: 'viewer-password' } })).ok().login.__typename).toBe('RateLimitedError');
      expect((await t.request(LOGIN, { input: { username: 'editor', password: 'editor-password' } })).ok().login.__typename).toBe('LoginPayload');
    });
  });

  describe('with UPTOP_LOGIN_RATE_LIMIT=4', () => {
    it.override({ appOptions: { env: { UPTOP_LOGIN_RATE_LIMIT: '4' } } });

    it("limits changePassword's tries like login, per client IP", async ({ admin }) => {
      // Three of the four were spent signing the seeded users in.
      const first = await admin.request(CHANGE_PASSWORD, { input: { currentPassword: 'not-it', newPassword: 'long-enough-pw' } });
      expect(first.ok().changePassword.__typename).toBe('ValidationError');
      const second = await admin.request(CHANGE_PASSWORD, { input: { currentPassword: 'admin-password', newPassword: 'long-enough-pw' } });
      expect(second.ok().changePassword.__typename).toBe('RateLimitedError');
    });
  });

  describe('with UPTOP_LOGIN_RATE_LIMIT=3 behind a trusted proxy', () => {
    // The proxy's own three were spent signing the seeded users in.
    it.override({ appOptions: { env: { UPTOP_LOGIN_RATE_LIMIT: '3', UPTOP_TRUSTED_PROXIES: '127.0.0.1' } } });

    it('counts the logins of an IPv6 client per /64, so it cannot step to the next address for more', async ({ app: t }) => {
      const login = async (username: string, from: string) => {
        const res = await fetch(t.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
          body: JSON.stringify({ query: LOGIN, variables: { input: { username, password: 'guess' } } }),
        });
        return ((await res.json()) as { data: { login: { __typename: string } } }).data.login.__typename;
      };
      expect(await login('alice', '2001:db8:1:2::1')).toBe('InvalidCredentialsError');
      expect(await login('bob', '2001:db8:1:2::2')).toBe('InvalidCredentialsError');
      expect(await login('carol', '2001:db8:1:2:ffff::3')).toBe('InvalidCredentialsError');
      expect(await login('erin', '2001:db8:1:2::4')).toBe('RateLimitedError');
      expect(await login('dave', '2001:db8:1:3::1')).toBe('InvalidCredentialsError');
    });
  });

  describe('with UPTOP_LOGIN_USER_RATE_LIMIT=3', () => {
    it.override({ appOptions: { env: { UPTOP_LOGIN_USER_RATE_LIMIT: '3' } } });

    it('limits failed logins per username as well as per client IP', async ({ app: t }) => {
      const login = async (username: string, password: string) => (await t.request(LOGIN, { input: { username, password } })).ok().login.__typename;
      for (let i = 0; i < 3; i++) expect(await login('Viewer', `guess ${i}`)).toBe('InvalidCredentialsError');
      expect(await login('viewer', 'viewer-password')).toBe('RateLimitedError');
      expect(await login('admin', 'admin-password')).toBe('LoginPayload');
      // Successful logins do not count against the username.
      for (let i = 0; i < 5; i++) expect(await login('editor', 'editor-password')).toBe('LoginPayload');
    });
  });

  describe('with UPTOP_LOGIN_USER_RATE_LIMIT=3 behind a trusted proxy', () => {
    it.override({ appOptions: { env: { UPTOP_LOGIN_USER_RATE_LIMIT: '3', UPTOP_TRUSTED_PROXIES: '127.0.0.1' } } });

    it('lets a client that signed in to the account before in while a guesser has filled its limit', async ({ app: t }) => {
      const login = async (password: string, from?: string) => {
        const res = await fetch(t.graphqlUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
          body: JSON.stringify({ query: LOGIN, variables: { input: { username: 'admin', password } } }),
        });
        return ((await res.json()) as { data: { login: { __typename: string } } }).data.login.__typename;
      };
      for (let i = 0; i < 3; i++) expect(await login(`guess ${i}`, '203.0.113.9')).toBe('InvalidCredentialsError');
      expect(await login('admin-password', '203.0.113.9')).toBe('RateLimitedError');
      expect(await login('admin-password', '198.51.100.7')).toBe('RateLimitedError');
      // The proxy's own address, where the seeded admin signed in.
      expect(await login('admin-password')).toBe('LoginPayload');
    });
  });

  describe('with UPTOP_WS_PER_IP=2', () => {
    it.override({ appOptions: { env: { UPTOP_WS_PER_IP: '2' } } });

    it('limits open WebSockets per client IP (HTTP 429 at the handshake)', async ({ app: perIp, viewer }) => {
      const held = [await connect(perIp), await connect(perIp, viewer.token)];
      expect(held.map((c) => c.result)).toEqual(['open', 'open']);
      expect(await handshake(perIp.wsUrl, {})).toBe(429);
      held[0]!.ws.close();
      await expect.poll(() => handshake(perIp.wsUrl, {})).toBe('open');
      held[1]!.ws.close();
    });
  });

  describe('with UPTOP_WS_PER_USER=2', () => {
    it.override({ appOptions: { env: { UPTOP_WS_PER_USER: '2' } } });

    it('limits open WebSockets per user (close 4429)', async ({ app: perUser, viewer, editor }) => {
      const mine = [await connect(perUser, viewer.token), await connect(perUser, viewer.token)];
      expect(mine.map((c) => c.result)).toEqual(['open', 'open']);
      expect((await connect(perUser, viewer.token)).result).toBe(WS_CLOSE_TOO_MANY);
      const other = await connect(perUser, editor.token);
      expect(other.result).toBe('open');
      mine[0]!.ws.close();
      await expect
        .poll(async () => {
          const again = await connect(perUser, viewer.token);
          again.ws.close();
          return again.result;
        })
        .toBe('open');
      for (const c of [mine[1]!, other]) c.ws.close();
    });
  });

  describe('with UPTOP_SSE_PER_USER=2', () => {
    it.override({ appOptions: { env: { UPTOP_SSE_PER_USER: '2' } } });

    it('limits open SSE streams per user, and a closed stream frees its place', async ({ app: t, viewer, editor }) => {
      const query = 'subscription { logAdded { message } }';
      const open = [await collectSse(t.graphqlUrl, query, { token: viewer.token }), await collectSse(t.graphqlUrl, query, { token: viewer.token })];
      const refused = await collectSse(t.graphqlUrl, query, { token: viewer.token });
      await refused.done;
      expect(refused.results[0]?.errors?.[0]?.extensions?.code).toBe('TOO_MANY_STREAMS');
      const other = await collectSse(t.graphqlUrl, query, { token: editor.token });
      await expect
        .poll(() => {
          t.app.deps.pubsub.publish('log:added', { message: 'm', createdAt: new Date(), siteId: null });
          return [...open, other].every((s) => s.results.length > 0);
        })
        .toBe(true);
      open[0]!.stop();
      // The server sees the stream close a moment later; until then a new one may still be refused.
      let outcome = 'refused';
      for (let attempt = 0; attempt < 50 && outcome === 'refused'; attempt++) {
        const again = await collectSse(t.graphqlUrl, query, { token: viewer.token });
        await expect
          .poll(() => {
            t.app.deps.pubsub.publish('log:added', { message: 'm', createdAt: new Date(), siteId: null });
            return again.results.length;
          })
          .toBeGreaterThan(0);
        outcome = again.results[0]?.errors ? 'refused' : 'open';
        again.stop();
      }
      expect(outcome).toBe('open');
    });
  });

  describe('with UPTOP_SESSIONS_PER_USER=2 and UPTOP_API_TOKENS_PER_USER=2', () => {
    it.override({ appOptions: { env: { UPTOP_SESSIONS_PER_USER: '2', UPTOP_API_TOKENS_PER_USER: '2' } } });

    it('ends the least recently used session past UPTOP_SESSIONS_PER_USER', async ({ app: t, viewer }) => {
      const oldest = viewer.token;
      const second = await viewer.login();
      const me = async (token: string) => (await t.request('{ me { username } }', {}, token)).ok().me;
      expect(await me(oldest)).toEqual({ username: 'viewer' });
      const third = await viewer.login();
      expect(await me(oldest)).toBeNull();
      expect(await me(second)).toEqual({ username: 'viewer' });
      expect(await me(third)).toEqual({ username: 'viewer' });
      expect(await t.app.deps.db.session.count({ where: { user: { username: 'viewer' } } })).toBe(2);
    });

    it('refuses API tokens past UPTOP_API_TOKENS_PER_USER', async ({ app: t, viewer }) => {
      const create = (name: string) =>
        viewer.request('mutation($name: String!) { createApiToken(input: { name: $name }) { __typename ... on Error { message } } }', { name });
      expect((await create('a')).ok().createApiToken.__typename).toBe('ApiTokenPayload');
      expect((await create('b')).ok().createApiToken.__typename).toBe('ApiTokenPayload');
      expect((await create('c')).ok().createApiToken).toEqual({ __typename: 'ConflictError', message: expect.stringMatching(/revoke one/) });
      expect(await t.app.deps.db.apiToken.count()).toBe(2);
    });
  });
});
