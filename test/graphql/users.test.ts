import { describe, expect, it } from 'vitest';
import { graphql } from '../gql/index.ts';
import { startTestApp } from '../helpers/app.ts';

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
  it('creates users (VIEWER by default), lists them, and refuses taken names and weak passwords', async () => {
    const t = await startTestApp();
    const created = await t.request(CreateUser, { input: { username: 'carol', password: 'carol-password' } }, t.users.admin.token);
    expect(created.data!.createUser).toMatchObject({ __typename: 'UserPayload', user: { username: 'carol', role: 'VIEWER' } });
    expect(await t.login('carol', 'carol-password')).toMatch(/^uts_/);
    const stored = await t.app.deps.db.user.findUniqueOrThrow({ where: { username: 'carol' } });
    expect(stored.passwordHash).toMatch(/^scrypt\$/);
    expect(stored.passwordHash).not.toContain('carol-password');

    const taken = await t.request(CreateUser, { input: { username: 'carol', password: 'another-password', role: 'ADMIN' } }, t.users.admin.token);
    expect(taken.data!.createUser).toMatchObject({ __typename: 'ConflictError' });
    const weak = await t.request(CreateUser, { input: { username: 'dave', password: 'short' } }, t.users.admin.token);
    expect(weak.data!.createUser).toMatchObject({ __typename: 'ValidationError', field: 'password' });
    const badName = await t.request(CreateUser, { input: { username: 'has space', password: 'long-enough' } }, t.users.admin.token);
    expect(badName.data!.createUser).toMatchObject({ __typename: 'ValidationError', field: 'username' });

    const list = await t.request(Users, {}, t.users.admin.token);
    expect(list.data!.users.map((u) => [u.username, u.role])).toEqual([
      ['admin', 'ADMIN'],
      ['editor', 'EDITOR'],
      ['viewer', 'VIEWER'],
      ['carol', 'VIEWER'],
    ]);
  });

  it('changes roles at once, and a new password ends the user\'s sessions', async () => {
    const t = await startTestApp();
    const promoted = await t.request(UpdateUser, { input: { id: t.users.viewer.id, role: 'EDITOR', username: 'vic' } }, t.users.admin.token);
    expect(promoted.data!.updateUser).toEqual({ __typename: 'UserPayload', user: { id: t.users.viewer.id, username: 'vic', role: 'EDITOR' } });
    expect((await t.request(WhoAmI, {}, t.users.viewer.token)).data!.me).toEqual({ username: 'vic', role: 'EDITOR' });

    const clash = await t.request(UpdateUser, { input: { id: t.users.viewer.id, username: 'editor' } }, t.users.admin.token);
    expect(clash.data!.updateUser.__typename).toBe('ConflictError');

    const reset = await t.request(UpdateUser, { input: { id: t.users.viewer.id, password: 'fresh-password' } }, t.users.admin.token);
    expect(reset.data!.updateUser.__typename).toBe('UserPayload');
    expect((await t.request(WhoAmI, {}, t.users.viewer.token)).data!.me).toBeNull();
    expect(await t.login('vic', 'fresh-password')).toMatch(/^uts_/);

    const missing = await t.request(UpdateUser, { input: { id: Buffer.from('User:99').toString('base64'), role: 'ADMIN' } }, t.users.admin.token);
    expect(missing.data!.updateUser.__typename).toBe('NotFoundError');
  });

  it('keeps at least one admin and refuses to delete yourself; deleting a user revokes their tokens', async () => {
    const t = await startTestApp();
    const demote = await t.request(UpdateUser, { input: { id: t.users.admin.id, role: 'EDITOR' } }, t.users.admin.token);
    expect(demote.data!.updateUser).toMatchObject({ __typename: 'ConflictError', message: 'cannot demote the last admin' });
    const self = await t.request(DeleteUser, { input: { id: t.users.admin.id } }, t.users.admin.token);
    expect(self.data!.deleteUser).toMatchObject({ __typename: 'ConflictError' });

    const second = await t.request(CreateUser, { input: { username: 'root2', password: 'root2-password', role: 'ADMIN' } }, t.users.admin.token);
    const secondId = (second.data!.createUser as { user: { id: string } }).user.id;
    const root2 = await t.login('root2', 'root2-password');
    expect((await t.request(UpdateUser, { input: { id: t.users.admin.id, role: 'EDITOR' } }, root2)).data!.updateUser.__typename).toBe('UserPayload');
    const lastAdmin = await t.request(DeleteUser, { input: { id: secondId } }, t.users.editor.token);
    expect(lastAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const removed = await t.request(DeleteUser, { input: { id: t.users.viewer.id } }, root2);
    expect(removed.data!.deleteUser).toEqual({ __typename: 'DeletePayload', deletedId: t.users.viewer.id });
    expect((await t.request(WhoAmI, {}, t.users.viewer.token)).data!.me).toBeNull();
    expect(await t.app.deps.db.session.count({ where: { user: { username: 'viewer' } } })).toBe(0);
    expect((await t.request(DeleteUser, { input: { id: t.users.viewer.id } }, root2)).data!.deleteUser.__typename).toBe('NotFoundError');
  });
});
