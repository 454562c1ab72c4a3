import type { TestApp } from '../helpers/app.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';

const CREATE_TOKEN = `mutation($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { __typename ... on ApiTokenPayload { token apiToken { id } } ... on Error { message } }
}`;
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

async function mint(t: TestApp, session: string, name: string, readOnly = false): Promise<{ token: string; id: string }> {
  const res = await t.request(CREATE_TOKEN, { input: { name, readOnly } }, session);
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
