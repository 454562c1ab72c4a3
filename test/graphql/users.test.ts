import { graphql } from '../gql/index.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';

const CreateUser = graphql(`
  mutation UserCreate($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on UserPayload { user { id username role createdAt } }
      ... on ValidationError { field message }
      ... on Error { message }
    }
  }
`);

const UpdateUser = graphql(`
  mutation UserUpdate($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on UserPayload { user { id username role } }
      ... on ValidationError { field message }
      ... on Error { message }
    }
  }
`);

const DeleteUser = graphql(`
  mutation UserDelete($input: DeleteInput!) {
    deleteUser(input: $input) {
      __typename
      ... on DeletePayload { deletedId }
      ... on Error { message }
    }
  }
`);

const Users = graphql(`
  query UserList { users { id username role } }
`);

const WhoAmI = graphql(`
  query UserMe { me { username role } }
`);

describe('users', () => {
  it('creates users (VIEWER by default), lists them, and refuses taken names and weak passwords', async ({ app: t, admin }) => {
    const created = await admin.request(CreateUser, { input: { username: 'carol', password: 'carol-password' } });
    expect(created.ok().createUser).toMatchObject({ __typename: 'UserPayload', user: { username: 'carol', role: 'VIEWER' } });
    expect(await t.login('carol', 'carol-password')).toMatch(/^uts_/);
    const stored = await t.app.deps.db.user.findUniqueOrThrow({ where: { username: 'carol' } });
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    expect(stored.passwordHash).not.toContain('carol-password');

    const taken = await admin.request(CreateUser, { input: { username: 'carol', password: 'another-password', role: 'ADMIN' } });
    expect(taken.ok().createUser).toMatchObject({ __typename: 'ConflictError' });
    const weak = await admin.request(CreateUser, { input: { username: 'dave', password: 'short' } });
    expect(weak.ok().createUser).toMatchObject({ __typename: 'ValidationError', field: 'password' });
    const badName = await admin.request(CreateUser, { input: { username: 'has space', password: 'long-enough' } });
    expect(badName.ok().createUser).toMatchObject({ __typename: 'ValidationError', field: 'username' });

    const list = await admin.request(Users, {});
    expect(list.ok().users.map((u) => [u.username, u.role])).toEqual([
      ['admin', 'ADMIN'],
      ['editor', 'EDITOR'],
      ['viewer', 'VIEWER'],
      ['carol', 'VIEWER'],
    ]);
  });

  it("changes roles at once, and a new password ends the user's sessions", async ({ app: t, admin, viewer }) => {
    const promoted = await admin.request(UpdateUser, { input: { id: viewer.id, role: 'EDITOR', username: 'vic' } });
    expect(promoted.ok().updateUser).toEqual({ __typename: 'UserPayload', user: { id: viewer.id, username: 'vic', role: 'EDITOR' } });
    expect((await viewer.request(WhoAmI, {})).ok().me).toEqual({ username: 'vic', role: 'EDITOR' });

    const clash = await admin.request(UpdateUser, { input: { id: viewer.id, username: 'editor' } });
    expect(clash.ok().updateUser.__typename).toBe('ConflictError');

    const reset = await admin.request(UpdateUser, { input: { id: viewer.id, password: 'fresh-password' } });
    expect(reset.ok().updateUser.__typename).toBe('UserPayload');
    expect((await viewer.request(WhoAmI, {})).ok().me).toBeNull();
    expect(await t.login('vic', 'fresh-password')).toMatch(/^uts_/);

    const missing = await admin.request(UpdateUser, { input: { id: globalId('User', 99), role: 'ADMIN' } });
    expect(missing.ok().updateUser.__typename).toBe('NotFoundError');
  });

  it("refuses an admin's own password through updateUser, from a session or an API token: changePassword asks for the current one", async ({
    app: t,
    admin,
  }) => {
    const created = await admin.request('mutation { createApiToken(input: { name: "rw", readOnly: false }) { ... on ApiTokenPayload { token } } }', {});
    const apiToken = (created.ok().createApiToken as { token: string }).token;
    const before = await t.app.deps.db.user.findUniqueOrThrow({ where: { username: 'admin' } });

    for (const token of [apiToken, admin.token]) {
      const res = await t.request(UpdateUser, { input: { id: admin.id, password: 'taken-over-password' } }, token);
      expect(res.ok().updateUser).toEqual({
        __typename: 'ForbiddenError',
        message: 'set your own password with changePassword, which asks for the current one',
      });
    }
    expect(await t.app.deps.db.user.findUniqueOrThrow({ where: { username: 'admin' } })).toEqual(before);
    expect((await admin.request(WhoAmI, {})).ok().me).toEqual({ username: 'admin', role: 'ADMIN' });
    expect(await t.login('admin', admin.password)).toMatch(/^uts_/);

    const renamed = await admin.request(UpdateUser, { input: { id: admin.id, username: 'root' } });
    expect(renamed.ok().updateUser).toEqual({ __typename: 'UserPayload', user: { id: admin.id, username: 'root', role: 'ADMIN' } });
  });

  it('keeps at least one admin and refuses to delete yourself; deleting a user revokes their tokens', async ({ app: t, admin, editor, viewer }) => {
    const demote = await admin.request(UpdateUser, { input: { id: admin.id, role: 'EDITOR' } });
    expect(demote.ok().updateUser).toMatchObject({ __typename: 'ConflictError', message: 'cannot demote the last admin' });
    const self = await admin.request(DeleteUser, { input: { id: admin.id } });
    expect(self.ok().deleteUser).toMatchObject({ __typename: 'ConflictError' });

    const second = await admin.request(CreateUser, { input: { username: 'root2', password: 'root2-password', role: 'ADMIN' } });
    const secondId = second.payload('createUser', 'UserPayload').user.id;
    const root2 = await t.login('root2', 'root2-password');
    expect((await t.request(UpdateUser, { input: { id: admin.id, role: 'EDITOR' } }, root2)).ok().updateUser.__typename).toBe('UserPayload');
    const lastAdmin = await editor.request(DeleteUser, { input: { id: secondId } });
    expect(lastAdmin.code).toBe('FORBIDDEN');

    const removed = await t.request(DeleteUser, { input: { id: viewer.id } }, root2);
    expect(removed.ok().deleteUser).toEqual({ __typename: 'DeletePayload', deletedId: viewer.id });
    expect((await viewer.request(WhoAmI, {})).ok().me).toBeNull();
    expect(await t.app.deps.db.session.count({ where: { user: { username: 'viewer' } } })).toBe(0);
    expect((await t.request(DeleteUser, { input: { id: viewer.id } }, root2)).ok().deleteUser.__typename).toBe('NotFoundError');
  });
});
