import { useMutation, useQuery } from '@urql/preact';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { failureOf, FormEnd, ItemAction, issuesByField, SelectInput, TextInput, useEditing } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { Role } from './gql/graphql.ts';
import { formatTime } from './status.ts';
import { usePageTitle } from './title.ts';

const UsersQuery = graphql(`
  query ConsoleUsers { users { id username role createdAt } }
`);

const CreateUser = graphql(`
  mutation ConsoleCreateUser($input: CreateUserInput!) {
    createUser(input: $input) {
      __typename
      ... on UserPayload { user { id } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

/** A new role, or an admin's reset of a password. */
const UpdateUser = graphql(`
  mutation ConsoleUpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) {
      __typename
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const DeleteUser = graphql(`
  mutation ConsoleDeleteUser($input: DeleteInput!) {
    deleteUser(input: $input) { __typename ... on Error { message } }
  }
`);

/** The signed-in admin: their own password is changed on the Tokens page, with the current one (the API refuses a reset). */
const MyId = graphql(`
  query ConsoleMyId { me { id } }
`);

const ROLES: readonly Role[] = ['VIEWER', 'EDITOR', 'ADMIN'];

/** The users (ADMIN only: the API refuses the list to anyone else), their roles, a form for a new one, and delete. */
export function Users() {
  usePageTitle('Users');
  const [{ data, error }, refetch] = useQuery({ query: UsersQuery, requestPolicy: 'cache-and-network' });
  const [{ data: mine }] = useQuery({ query: MyId });
  const [, deleteUser] = useMutation(DeleteUser);
  const [, updateRole] = useMutation(UpdateUser);
  const [message, setMessage] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const { editing, open, close } = useEditing();
  const reload = () => refetch({ requestPolicy: 'network-only' });
  return (
    <section class="users">
      <h1>Users</h1>
      {error && !data ? <p class="error">{error.message}</p> : null}
      {message ? (
        <p class="error" role="alert">
          {message}
        </p>
      ) : null}
      {done ? (
        <p class="muted" role="status">
          {done}
        </p>
      ) : null}
      <table class="user-list">
        <tbody>
          {(data?.users ?? []).map((u) => (
            <Fragment key={u.id}>
              <tr data-user={u.username}>
                <td>{u.username}</td>
                <td>
                  <select
                    aria-label={`Role of ${u.username}`}
                    value={u.role}
                    onChange={async (e) => {
                      const r = await updateRole({ input: { id: u.id, role: e.currentTarget.value as Role } });
                      const answer = r.data?.updateUser;
                      // Refused (the last admin cannot be demoted, say): the list read again shows the role kept.
                      const refused =
                        answer?.__typename === 'ValidationError' ? answer.issues[0]?.message : answer && 'message' in answer ? answer.message : undefined;
                      setMessage(refused ?? (answer ? null : (r.error?.message ?? 'The server did not answer')));
                      reload();
                    }}
                  >
                    {ROLES.map((role) => (
                      <option key={role}>{role}</option>
                    ))}
                  </select>
                </td>
                <td class="muted">{formatTime(u.createdAt)}</td>
                <td>
                  {u.id === mine?.me?.id ? null : (
                    <>
                      <button
                        type="button"
                        class="secondary"
                        data-edits={u.id}
                        onClick={() => {
                          setDone(null);
                          open(u.id);
                        }}
                      >
                        <ItemAction action="Reset password" item={u.username} />
                      </button>{' '}
                    </>
                  )}
                  <button
                    type="button"
                    class="danger"
                    onClick={async () => {
                      if (!confirm(`Delete the user ${u.username}?`)) return;
                      const r = await deleteUser({ input: { id: u.id } });
                      const answer = r.data?.deleteUser;
                      setMessage(answer && 'message' in answer ? answer.message : (r.error?.message ?? null));
                      reload();
                    }}
                  >
                    <ItemAction action="Delete" item={u.username} />
                  </button>
                </td>
              </tr>
              {editing === u.id ? (
                <tr>
                  <td colSpan={4}>
                    <PasswordReset
                      user={u}
                      onDone={(said) => {
                        setDone(said);
                        close();
                      }}
                      onCancel={close}
                    />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
      {data ? <UserForm onCreated={reload} /> : null}
    </section>
  );
}

/**
 * An admin's reset of a user's password (as `uptop user passwd`): the API ends that user's sessions (but yours) and
 * revokes their API tokens, as for an account that may be compromised; the form says so before it is sent.
 */
function PasswordReset({ user, onDone, onCancel }: { user: { id: string; username: string }; onDone: (said: string) => void; onCancel: () => void }) {
  const [password, setPassword] = useState('');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [{ fetching }, reset] = useMutation(UpdateUser);

  const submit = async (event: Event) => {
    event.preventDefault();
    const r = await reset({ input: { id: user.id, password } });
    const answer = r.data?.updateUser;
    if (answer?.__typename === 'ValidationError') return setIssues(issuesByField(answer.issues, ['password']));
    const failed = failureOf(answer, r.error);
    if (failed) return setIssues({ '': failed });
    onDone(`The password of ${user.username} was reset: their sessions were signed out and their API tokens revoked.`);
  };

  return (
    <form class="reset-form" data-editing={user.id} onSubmit={submit} noValidate>
      <p class="muted">Resetting signs {user.username} out everywhere (but your own session) and revokes their API tokens.</p>
      <TextInput
        id="reset-password"
        label={`New password for ${user.username}`}
        type="password"
        value={password}
        issue={issues.password}
        onInput={setPassword}
      />
      <FormEnd issues={issues} busy={fetching} label="Reset password" onCancel={onCancel} />
    </form>
  );
}

function UserForm({ onCreated }: { onCreated: () => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('VIEWER');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [{ fetching }, create] = useMutation(CreateUser);

  const submit = async (event: Event) => {
    event.preventDefault();
    const r = await create({ input: { username, password, role } });
    const answer = r.data?.createUser;
    if (answer?.__typename === 'UserPayload') {
      setUsername('');
      setPassword('');
      setIssues({});
      onCreated();
    } else if (answer?.__typename === 'ValidationError') {
      setIssues(issuesByField(answer.issues, ['username', 'password', 'role']));
    } else setIssues({ '': answer && 'message' in answer ? answer.message : (r.error?.message ?? 'Saving failed') });
  };

  return (
    <form class="user-form card" onSubmit={submit} noValidate>
      <h2>New user</h2>
      <TextInput id="user-username" label="Username" value={username} issue={issues.username} onInput={setUsername} />
      <TextInput id="user-password" label="Password" type="password" value={password} issue={issues.password} onInput={setPassword} />
      <SelectInput
        id="user-role"
        label="Role"
        value={role}
        issue={issues.role}
        onChange={(r) => setRole(r as Role)}
        choices={ROLES.map((r) => ({ value: r }))}
      />
      <FormEnd issues={issues} busy={fetching} />
    </form>
  );
}
