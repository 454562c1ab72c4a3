import { hashPassword, verifyAgainstDummy, verifyPassword } from '../../src/auth/passwords.ts';
import { bearerToken, hashToken, newToken, tokenKind } from '../../src/auth/tokens.ts';
import { graphql } from '../gql/index.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const Login = graphql(`
  mutation AuthLogin($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on LoginPayload { token expiresAt user { id username role } }
      ... on RateLimitedError { retryAfterSeconds }
      ... on ValidationError { field }
      ... on Error { message }
    }
  }
`);

const Me = graphql(`
  query AuthMe { me { id username role createdAt } }
`);

const Logout = graphql(`
  mutation AuthLogout { logout }
`);

const ProtectedSites = graphql(`
  query AuthSites { sites(first: 5) { totalCount } }
`);

const CreateToken = graphql(`
  mutation AuthCreateToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on ApiTokenPayload { token apiToken { id name readOnly createdAt lastUsedAt } }
      ... on Error { message }
    }
  }
`);

const ListTokens = graphql(`
  query AuthTokens { apiTokens { id name readOnly lastUsedAt } }
`);

const RevokeToken = graphql(`
  mutation AuthRevokeToken($input: DeleteInput!) {
    revokeApiToken(input: $input) {
      __typename
      ... on DeletePayload { deletedId }
      ... on Error { message }
    }
  }
`);

const CreatePushSite = graphql(`
  mutation AuthCreateSite($input: CreateSiteInput!) {
    createSite(input: $input) { __typename ... on SitePayload { site { id } } }
  }
`);

const ChangePassword = graphql(`
  mutation AuthChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      __typename
      ... on ChangePasswordPayload { user { username } sessionsEnded apiTokensKept }
      ... on ValidationError { field message }
    }
  }
`);

describe('passwords and tokens', () => {
  it('hashes with scrypt and a salt, verifies in constant time, and never matches a malformed hash', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horsE', a)).toBe(false);
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$0$8$1$AAAA$AAAA')).toBe(false);
    expect(await verifyAgainstDummy('anything')).toBe(false);
  });

  it('makes 32-byte random bearer tokens and stores only their SHA-256', () => {
    const session = newToken('session');
    const api = newToken('api');
    expect(tokenKind(session.token)).toBe('session');
    expect(tokenKind(api.token)).toBe('api');
    expect(Buffer.from(session.token.slice(4), 'base64url')).toHaveLength(32);
    expect(session.hash).toBe(hashToken(session.token));
    expect(session.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(bearerToken(`Bearer ${api.token}`)).toBe(api.token);
    expect(bearerToken(`Basic ${api.token}`)).toBeNull();
    expect(bearerToken(null)).toBeNull();
  });
});

describe('login and sessions', () => {
  it('signs in, answers `me`, and stores the session token only as a hash', async ({ app: t, editor }) => {
    const res = await t.request(Login, { input: { username: 'editor', password: 'editor-password' } });
    expect(res.ok().login).toMatchObject({ __typename: 'LoginPayload', user: { username: 'editor', role: 'EDITOR' } });
    const { token } = res.payload('login', 'LoginPayload');
    const me = await t.request(Me, {}, token);
    expect(me.ok().me).toMatchObject({ username: 'editor', role: 'EDITOR', id: editor.id });
    const stored = await t.app.deps.db.session.findMany();
    expect(stored.some((s) => s.tokenHash === hashToken(token))).toBe(true);
    expect(JSON.stringify(stored)).not.toContain(token);
  });

  it('answers `me` with null without a valid token, and refuses protected fields as UNAUTHENTICATED', async ({ app: t }) => {
    expect((await t.request(Me, {})).ok().me).toBeNull();
    expect((await t.request(Me, {}, 'uts_not-a-real-token')).ok().me).toBeNull();
    const anonymous = await t.request(ProtectedSites, {});
    expect(anonymous.data).toBeNull();
    expect(anonymous.code).toBe('UNAUTHENTICATED');
  });

  it('answers an unknown user and a wrong password identically', async ({ app: t }) => {
    const unknown = await t.request(Login, { input: { username: 'nobody', password: 'whatever-pass' } });
    const wrong = await t.request(Login, { input: { username: 'admin', password: 'whatever-pass' } });
    expect(unknown.status).toBe(wrong.status);
    expect(unknown.data).toEqual(wrong.data);
    expect(unknown.ok().login).toEqual({ __typename: 'InvalidCredentialsError', message: 'invalid username or password' });
  });

  it('refuses an empty username as a ValidationError', async ({ app: t }) => {
    const empty = await t.request(Login, { input: { username: '', password: 'x' } });
    expect(empty.ok().login).toMatchObject({ __typename: 'ValidationError', field: 'username' });
  });

  describe('with UPTOP_LOGIN_RATE_LIMIT=3', () => {
    it.override({ appOptions: { env: { UPTOP_LOGIN_RATE_LIMIT: '3' } } });

    it('rate-limits login attempts per client IP on the injected clock', async ({ app: t, clock }) => {
      // The seeded sign-ins spent this IP's tokens; a minute refills the bucket.
      clock.advance(60_000);
      const attempt = () => t.request(Login, { input: { username: 'admin', password: 'wrong-password' } });
      for (let i = 0; i < 3; i++) expect((await attempt()).ok().login.__typename).toBe('InvalidCredentialsError');
      const limited = await attempt();
      expect(limited.ok().login).toMatchObject({ __typename: 'RateLimitedError' });
      expect(limited.payload('login', 'RateLimitedError').retryAfterSeconds).toBeGreaterThan(0);
      // Even the right password waits: the limit is on attempts, not failures.
      const right = await t.request(Login, { input: { username: 'admin', password: 'admin-password' } });
      expect(right.ok().login.__typename).toBe('RateLimitedError');
      clock.advance(20_000);
      expect((await t.request(Login, { input: { username: 'admin', password: 'admin-password' } })).ok().login.__typename).toBe('LoginPayload');
    });
  });

  it('logout ends the session; an API token cannot log out', async ({ app: t, viewer }) => {
    const token = await viewer.login();
    expect((await t.request(Logout, {}, token)).data).toEqual({ logout: true });
    expect((await t.request(Me, {}, token)).ok().me).toBeNull();
    expect((await t.request(ProtectedSites, {}, token)).code).toBe('UNAUTHENTICATED');
    expect((await viewer.request(Me, {})).ok().me).toMatchObject({ username: 'viewer' });
    expect((await t.request(Logout, {})).code).toBe('UNAUTHENTICATED');

    const created = await viewer.request(CreateToken, { input: { name: 'ci' } });
    const apiToken = created.payload('createApiToken', 'ApiTokenPayload').token;
    expect((await t.request(Logout, {}, apiToken)).data).toEqual({ logout: false });
    expect((await t.request(Me, {}, apiToken)).ok().me).toMatchObject({ username: 'viewer' });
  });

  describe('with UPTOP_SESSION_TTL=1h', () => {
    it.override({ appOptions: { env: { UPTOP_SESSION_TTL: '1h' } } });

    it('expires sessions after UPTOP_SESSION_TTL', async ({ app: t, clock, viewer }) => {
      const login = await t.request(Login, { input: { username: 'viewer', password: 'viewer-password' } });
      expect(new Date(login.payload('login', 'LoginPayload').expiresAt).getTime()).toBe(clock.nowMs() + 3600_000);
      clock.advance(3600_000 - 1);
      expect((await viewer.request(Me, {})).ok().me).not.toBeNull();
      clock.advance(1);
      expect((await viewer.request(Me, {})).ok().me).toBeNull();
    });
  });

  it('changePassword checks the current one and ends the other sessions', async ({ app: t, editor }) => {
    const other = await editor.login();
    const wrong = await editor.request(ChangePassword, { input: { currentPassword: 'nope', newPassword: 'new-password-1' } });
    expect(wrong.ok().changePassword).toMatchObject({ __typename: 'ValidationError', field: 'currentPassword' });
    const short = await editor.request(ChangePassword, { input: { currentPassword: 'editor-password', newPassword: 'short' } });
    expect(short.ok().changePassword).toMatchObject({ __typename: 'ValidationError', field: 'newPassword' });
    const ok = await editor.request(ChangePassword, { input: { currentPassword: 'editor-password', newPassword: 'new-password-1' } });
    expect(ok.ok().changePassword).toEqual({ __typename: 'ChangePasswordPayload', user: { username: 'editor' }, sessionsEnded: 1, apiTokensKept: 0 });
    expect((await t.request(Me, {}, other)).ok().me).toBeNull();
    expect((await editor.request(Me, {})).ok().me).toMatchObject({ username: 'editor' });
    expect(await t.login('editor', 'new-password-1')).toMatch(/^uts_/);
  });
});

describe('API tokens', () => {
  it('shows a new token once, lists and revokes own tokens, and a read-only token only reads', async ({ app: t, clock, editor, viewer }) => {
    const ro = await editor.request(CreateToken, { input: { name: 'grafana' } });
    expect(ro.ok().createApiToken).toMatchObject({ __typename: 'ApiTokenPayload', apiToken: { name: 'grafana', readOnly: true, lastUsedAt: null } });
    const { token: roToken, apiToken } = ro.payload('createApiToken', 'ApiTokenPayload');
    expect(roToken).toMatch(/^uta_/);
    const rw = await editor.request(CreateToken, { input: { name: 'deploy', readOnly: false } });
    const rwToken = rw.payload('createApiToken', 'ApiTokenPayload').token;

    expect((await t.request(ProtectedSites, {}, roToken)).ok().sites.totalCount).toBe(0);
    const denied = await t.request(CreatePushSite, { input: { name: 'x', type: 'PUSH' } }, roToken);
    expect(denied.data).toBeNull();
    expect(denied.code).toBe('FORBIDDEN');
    expect(await t.app.deps.db.site.count()).toBe(0);
    const allowed = await t.request(CreatePushSite, { input: { name: 'x', type: 'PUSH' } }, rwToken);
    expect(allowed.ok().createSite.__typename).toBe('SitePayload');

    await t.app.deps.writer.flush();
    const listed = await editor.request(ListTokens, {});
    expect(listed.ok().apiTokens.map((x) => [x.name, x.readOnly])).toEqual([
      ['grafana', true],
      ['deploy', false],
    ]);
    expect(listed.ok().apiTokens[0]!.lastUsedAt).toBe(new Date(clock.nowMs()).toISOString());
    expect(JSON.stringify(await t.app.deps.db.apiToken.findMany())).not.toContain(roToken);
    expect((await viewer.request(ListTokens, {})).ok().apiTokens).toEqual([]);

    const notMine = await viewer.request(RevokeToken, { input: { id: apiToken.id } });
    expect(notMine.ok().revokeApiToken.__typename).toBe('NotFoundError');
    const revoked = await editor.request(RevokeToken, { input: { id: apiToken.id } });
    expect(revoked.ok().revokeApiToken).toEqual({ __typename: 'DeletePayload', deletedId: apiToken.id });
    expect((await t.request(ProtectedSites, {}, roToken)).code).toBe('UNAUTHENTICATED');

    const minted = await t.request(CreateToken, { input: { name: 'nested' } }, rwToken);
    expect(minted.ok().createApiToken).toMatchObject({ __typename: 'ForbiddenError', message: expect.stringMatching(/session/) });
  });
});
