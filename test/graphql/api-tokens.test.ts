import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) {
    __typename
    ... on ApiTokenPayload { token apiToken { id expiresAt expired } }
    ... on ValidationError { issues { field message } }
    ... on Error { message }
  }
}`;
const LIST_EXPIRY = '{ apiTokens { name expiresAt expired } }';
const LIST = 'query($userId: ID) { apiTokens(userId: $userId) { id name user { username } } }';
const REVOKE = 'mutation($input: DeleteInput!) { revokeApiToken(input: $input) { __typename ... on DeletePayload { deletedId } } }';
const CHANGE_PASSWORD = `mutation($input: ChangePasswordInput!) {
  changePassword(input: $input) {
    __typename
    ... on ChangePasswordPayload { user { username } sessionsEnded apiTokensKept }
    ... on Error { message }
  }
}`;
const RESET = 'mutation($input: UpdateUserInput!) { updateUser(input: $input) { __typename } }';
const ME = '{ me { username } }';

async function mint(t: TestApp, session: string, name: string, readOnly = false, expiresAt?: Date): Promise<{ token: string; id: string }> {
  const res = await t.request(CREATE_TOKEN, { input: { name, readOnly, expiresAt } }, session);
  const payload = res.ok().createApiToken;
  return { token: payload.token, id: payload.apiToken.id };
}

describe('API tokens and who may manage them', () => {
  it("lets an ADMIN list and revoke any user's tokens, and no one else", async ({ app: t, admin, editor }) => {
    const ci = await mint(t, editor.token, 'ci');
    const adminOwn = await mint(t, admin.token, 'admin-own');

    const listed = await admin.request(LIST, { userId: editor.id });
    expect(listed.ok().apiTokens).toEqual([{ id: ci.id, name: 'ci', user: { username: 'editor' } }]);
    expect((await admin.request(LIST, {})).ok().apiTokens.map((x: { name: string }) => x.name)).toEqual(['admin-own']);
    expect((await editor.request(LIST, { userId: editor.id })).ok().apiTokens).toHaveLength(1);

    const snooping = await editor.request(LIST, { userId: admin.id });
    expect(snooping.code).toBe('FORBIDDEN');
    const readOnlyAdmin = await mint(t, admin.token, 'ro', true);
    expect((await t.request(LIST, { userId: editor.id }, readOnlyAdmin.token)).code).toBe('FORBIDDEN');
    const notTheirs = await editor.request(REVOKE, { input: { id: adminOwn.id } });
    expect(notTheirs.ok().revokeApiToken.__typename).toBe('NotFoundError');
    expect((await t.request(ME, {}, adminOwn.token)).ok().me).toEqual({ username: 'admin' });

    expect((await t.request(ME, {}, ci.token)).ok().me).toEqual({ username: 'editor' });
    const revoked = await admin.request(REVOKE, { input: { id: ci.id } });
    expect(revoked.ok().revokeApiToken).toEqual({ __typename: 'DeletePayload', deletedId: ci.id });
    expect((await t.request(ME, {}, ci.token)).ok().me).toBeNull();
  });

  it('needs a session, not an API token, to change the password or mint tokens', async ({ app: t, editor }) => {
    const deploy = await mint(t, editor.token, 'deploy');
    const tokensBefore = await t.app.deps.db.apiToken.count();

    const change = await t.request(CHANGE_PASSWORD, { input: { currentPassword: 'editor-password', newPassword: 'taken-over-1' } }, deploy.token);
    expect(change.ok().changePassword).toEqual({ __typename: 'ForbiddenError', message: expect.stringMatching(/session/) });
    const more = await t.request(CREATE_TOKEN, { input: { name: 'more', readOnly: false } }, deploy.token);
    expect(more.ok().createApiToken).toEqual({ __typename: 'ForbiddenError', message: expect.stringMatching(/session/) });

    expect(await t.app.deps.db.apiToken.count()).toBe(tokensBefore);
    expect(await editor.login()).toMatch(/^uts_/);
    expect((await editor.request(ME, {})).ok().me).toEqual({ username: 'editor' });
  });

  it("keeps a user's API tokens on their own password change and says so; an admin reset revokes them", async ({ app: t, admin, viewer }) => {
    const grafana = await mint(t, viewer.token, 'grafana', true);
    const other = await viewer.login();

    const changed = await viewer.request(CHANGE_PASSWORD, { input: { currentPassword: 'viewer-password', newPassword: 'new-password-1' } });
    expect(changed.ok().changePassword).toEqual({ __typename: 'ChangePasswordPayload', user: { username: 'viewer' }, sessionsEnded: 1, apiTokensKept: 1 });
    expect((await t.request(ME, {}, other)).ok().me).toBeNull();
    expect((await t.request(ME, {}, grafana.token)).ok().me).toEqual({ username: 'viewer' });

    const reset = await admin.request(RESET, { input: { id: viewer.id, password: 'reset-password-1' } });
    expect(reset.ok().updateUser.__typename).toBe('UserPayload');
    expect((await t.request(ME, {}, grafana.token)).ok().me).toBeNull();
    expect((await viewer.request(ME, {})).ok().me).toBeNull();
    expect(await t.app.deps.db.apiToken.count({ where: { user: { username: 'viewer' } } })).toBe(0);
    expect((await admin.request(ME, {})).ok().me).toEqual({ username: 'admin' });
  });

  it('records lastUsedAt through the writer at most once a minute per token', async ({ app: t, clock, editor }) => {
    const ci = await mint(t, editor.token, 'ci');
    const lastUsed = async () => {
      await t.app.deps.writer.flush();
      return (await t.app.deps.db.apiToken.findFirstOrThrow({ where: { name: 'ci' } })).lastUsedAt?.getTime() ?? null;
    };
    expect(await lastUsed()).toBeNull();
    const first = clock.nowMs();
    await t.request(ME, {}, ci.token);
    expect(await lastUsed()).toBe(first);
    clock.advance(59_000);
    await t.request(ME, {}, ci.token);
    expect(await lastUsed()).toBe(first);
    clock.advance(1_000);
    await t.request(ME, {}, ci.token);
    expect(await lastUsed()).toBe(first + 60_000);
  });
});

const DAY_MS = 24 * 3600_000;

describe('API tokens that expire', () => {
  it('work over HTTP until their expiry, then open nothing and are listed as expired', async ({ app: t, clock, editor }) => {
    const expiresAt = new Date(clock.nowMs() + 7 * DAY_MS);
    const week = await mint(t, editor.token, 'week', false, expiresAt);
    const forever = await mint(t, editor.token, 'forever');
    expect((await t.request(ME, {}, week.token)).ok().me).toEqual({ username: 'editor' });
    expect((await editor.request(LIST_EXPIRY, {})).ok().apiTokens).toEqual([
      { name: 'week', expiresAt: expiresAt.toISOString(), expired: false },
      { name: 'forever', expiresAt: null, expired: false },
    ]);

    // Steps of the wall clock, which requests are judged by: advancing a week would fire every timer of the app (on
    // PostgreSQL, a cluster round every 2 s) on the way.
    clock.set(expiresAt.getTime() - 1);
    expect((await t.request(ME, {}, week.token)).ok().me).toEqual({ username: 'editor' });
    clock.set(expiresAt);
    // Resolved a millisecond ago, so from the viewer cache: the cache must know the expiry too.
    expect((await t.request(ME, {}, week.token)).ok().me).toBeNull();
    expect((await t.request('{ sites(first: 1) { totalCount } }', {}, week.token)).code).toBe('UNAUTHENTICATED');
    expect((await t.request(ME, {}, forever.token)).ok().me).toEqual({ username: 'editor' });
    expect((await editor.request(LIST_EXPIRY, {})).ok().apiTokens.map((x: { expired: boolean }) => x.expired)).toEqual([true, false]);
  });

  it('refuse an expiry that is not in the future, creating nothing', async ({ app: t, clock, editor }) => {
    const before = await t.app.deps.db.apiToken.count();
    for (const expiresAt of [clock.now(), new Date(clock.nowMs() - 1)]) {
      const res = await editor.request(CREATE_TOKEN, { input: { name: 'late', expiresAt } });
      expect(res.ok().createApiToken).toMatchObject({ __typename: 'ValidationError', issues: [{ field: 'expiresAt', message: 'must be in the future' }] });
    }
    expect((await editor.request(CREATE_TOKEN, { input: { name: 'bad', expiresAt: 'next week' } })).errors?.[0]?.message).toMatch(/DateTime/);
    expect(await t.app.deps.db.apiToken.count()).toBe(before);
  });

  describe('with UPTOP_API_TOKENS_PER_USER=1', () => {
    it.override({ appOptions: { env: { UPTOP_API_TOKENS_PER_USER: '1' } } });

    it('leave room for a new one once expired', async ({ app: t, clock, editor }) => {
      await mint(t, editor.token, 'hour', false, new Date(clock.nowMs() + 3600_000));
      expect((await editor.request(CREATE_TOKEN, { input: { name: 'second' } })).ok().createApiToken.__typename).toBe('ConflictError');
      clock.advance(3600_000);
      expect((await editor.request(CREATE_TOKEN, { input: { name: 'second' } })).ok().createApiToken.__typename).toBe('ApiTokenPayload');
    });
  });

  describe('with UPTOP_MAINT_PRUNE_INTERVAL=1m', () => {
    it.override({ appOptions: { env: { UPTOP_MAINT_PRUNE_INTERVAL: '1m', UPTOP_SESSION_TTL: '100d' } } });

    it("are deleted by the writer's retention pass 30 days after they expired, and no sooner", async ({ app: t, clock, editor }) => {
      const expiresAt = clock.nowMs() + 3600_000;
      await mint(t, editor.token, 'hour', false, new Date(expiresAt));
      await mint(t, editor.token, 'forever');
      const names = async () => (await t.app.deps.db.apiToken.findMany({ orderBy: { id: 'asc' } })).map((x) => x.name);
      // The wall clock steps close to the cutoff, rather than the app's every timer firing for a month.
      clock.set(expiresAt + 30 * DAY_MS - 120_000);
      await clock.advanceAsync(60_000);
      await t.app.deps.writer.flush();
      expect(await names()).toEqual(['hour', 'forever']);
      clock.set(expiresAt + 30 * DAY_MS);
      await clock.advanceAsync(60_000);
      await expect.poll(names).toEqual(['forever']);
    });
  });
});
