import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/clock.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

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
  const payload = res.data!.createApiToken;
  return { token: payload.token, id: payload.apiToken.id };
}

describe('API tokens and who may manage them', () => {
  it('lets an ADMIN list and revoke any user\'s tokens, and no one else', async () => {
    const t = await startTestApp();
    const ci = await mint(t, t.users.editor.token, 'ci');
    const adminOwn = await mint(t, t.users.admin.token, 'admin-own');

    const listed = await t.request(LIST, { userId: t.users.editor.id }, t.users.admin.token);
    expect(listed.data!.apiTokens).toEqual([{ id: ci.id, name: 'ci', user: { username: 'editor' } }]);
    expect((await t.request(LIST, {}, t.users.admin.token)).data!.apiTokens.map((x: { name: string }) => x.name)).toEqual(['admin-own']);
    expect((await t.request(LIST, { userId: t.users.editor.id }, t.users.editor.token)).data!.apiTokens).toHaveLength(1);

    const snooping = await t.request(LIST, { userId: t.users.admin.id }, t.users.editor.token);
    expect(snooping.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const readOnlyAdmin = await mint(t, t.users.admin.token, 'ro', true);
    expect((await t.request(LIST, { userId: t.users.editor.id }, readOnlyAdmin.token)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const notTheirs = await t.request(REVOKE, { input: { id: adminOwn.id } }, t.users.editor.token);
    expect(notTheirs.data!.revokeApiToken.__typename).toBe('NotFoundError');
    expect((await t.request(ME, {}, adminOwn.token)).data!.me).toEqual({ username: 'admin' });

    expect((await t.request(ME, {}, ci.token)).data!.me).toEqual({ username: 'editor' });
    const revoked = await t.request(REVOKE, { input: { id: ci.id } }, t.users.admin.token);
    expect(revoked.data!.revokeApiToken).toEqual({ __typename: 'DeletePayload', deletedId: ci.id });
    expect((await t.request(ME, {}, ci.token)).data!.me).toBeNull();
  });

  it('needs a session, not an API token, to change the password or mint tokens', async () => {
    const t = await startTestApp();
    const deploy = await mint(t, t.users.editor.token, 'deploy');
    const tokensBefore = await t.app.deps.db.apiToken.count();

    const change = await t.request(CHANGE_PASSWORD, { input: { currentPassword: 'editor-password', newPassword: 'taken-over-1' } }, deploy.token);
    expect(change.data!.changePassword).toEqual({ __typename: 'ForbiddenError', message: expect.stringMatching(/session/) });
    const more = await t.request(CREATE_TOKEN, { input: { name: 'more', readOnly: false } }, deploy.token);
    expect(more.data!.createApiToken).toEqual({ __typename: 'ForbiddenError', message: expect.stringMatching(/session/) });

    expect(await t.app.deps.db.apiToken.count()).toBe(tokensBefore);
    expect(await t.login('editor', 'editor-password')).toMatch(/^uts_/);
    expect((await t.request(ME, {}, t.users.editor.token)).data!.me).toEqual({ username: 'editor' });
  });

  it('keeps a user\'s API tokens on their own password change and says so; an admin reset revokes them', async () => {
    const t = await startTestApp();
    const grafana = await mint(t, t.users.viewer.token, 'grafana', true);
    const other = await t.login('viewer', 'viewer-password');

    const changed = await t.request(CHANGE_PASSWORD, { input: { currentPassword: 'viewer-password', newPassword: 'new-password-1' } }, t.users.viewer.token);
    expect(changed.data!.changePassword).toEqual({ __typename: 'ChangePasswordPayload', user: { username: 'viewer' }, sessionsEnded: 1, apiTokensKept: 1 });
    expect((await t.request(ME, {}, other)).data!.me).toBeNull();
    expect((await t.request(ME, {}, grafana.token)).data!.me).toEqual({ username: 'viewer' });

    const reset = await t.request(RESET, { input: { id: t.users.viewer.id, password: 'reset-password-1' } }, t.users.admin.token);
    expect(reset.data!.updateUser.__typename).toBe('UserPayload');
    expect((await t.request(ME, {}, grafana.token)).data!.me).toBeNull();
    expect((await t.request(ME, {}, t.users.viewer.token)).data!.me).toBeNull();
    expect(await t.app.deps.db.apiToken.count({ where: { user: { username: 'viewer' } } })).toBe(0);
    expect((await t.request(ME, {}, t.users.admin.token)).data!.me).toEqual({ username: 'admin' });
  });

  it('records lastUsedAt through the writer at most once a minute per token', async () => {
    const clock = new FakeClock(Date.now());
    const t = await startTestApp({ clock });
    const ci = await mint(t, t.users.editor.token, 'ci');
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
