import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { Field, failureOf, FormEnd, ItemAction, instant, issuesByField, TextInput } from './fields.tsx';
import { graphql } from './gql/index.ts';
import { PasswordForm } from './password.tsx';
import { useCanEdit } from './role.ts';
import { formatTime } from './status.ts';
import { usePageTitle } from './title.ts';

const TokensQuery = graphql(`
  query ConsoleApiTokens { apiTokens { id name readOnly scope createdAt lastUsedAt expiresAt expired } }
`);

const CreateToken = graphql(`
  mutation ConsoleCreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on ApiTokenPayload { token }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const RevokeToken = graphql(`
  mutation ConsoleRevokeApiToken($input: DeleteInput!) {
    revokeApiToken(input: $input) { __typename ... on Error { message } }
  }
`);

/** Your API tokens (any role): the list, revoke, and a new one whose secret is shown this once. */
export function ApiTokens() {
  usePageTitle('API tokens');
  const [{ data, error }, refetch] = useQuery({ query: TokensQuery, requestPolicy: 'cache-and-network' });
  const [, revoke] = useMutation(RevokeToken);
  const [{ fetching }, create] = useMutation(CreateToken);
  const [name, setName] = useState('');
  const [readOnly, setReadOnly] = useState(true);
  const [expiresAt, setExpiresAt] = useState('');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [created, setCreated] = useState<string | null>(null);
  // A VIEWER's token reads and nothing more, whatever it is called: no other kind is offered, nor asked for.
  const canEdit = useCanEdit();
  const [revokeFailure, setRevokeFailure] = useState<string | null>(null);
  const reload = () => refetch({ requestPolicy: 'network-only' });

  const submit = async (event: Event) => {
    event.preventDefault();
    const r = await create({ input: { name, readOnly: readOnly || !canEdit, expiresAt: instant(expiresAt) } });
    const answer = r.data?.createApiToken;
    if (answer?.__typename === 'ApiTokenPayload') {
      setCreated(answer.token);
      setName('');
      setExpiresAt('');
      setIssues({});
      reload();
    } else if (answer?.__typename === 'ValidationError') setIssues(issuesByField(answer.issues, ['name', 'expiresAt']));
    else setIssues({ '': answer && 'message' in answer ? answer.message : (r.error?.message ?? 'Saving failed') });
  };

  return (
    <section class="tokens">
      <h1>API tokens</h1>
      {error && !data ? <p class="error">{error.message}</p> : null}
      <table class="token-list">
        <tbody>
          {(data?.apiTokens ?? []).map((t) => (
            <tr key={t.id} data-token={t.name}>
              <td>{t.name}</td>
              <td>{t.readOnly ? 'read-only' : 'read-write'}</td>
              <td class="muted">created {formatTime(t.createdAt)}</td>
              <td class="muted">{t.lastUsedAt ? `used ${formatTime(t.lastUsedAt)}` : 'never used'}</td>
              <td class={t.expired ? 'error token-expiry' : 'muted token-expiry'}>
                {t.expiresAt ? `${t.expired ? 'expired' : 'expires'} ${formatTime(t.expiresAt)}` : 'never expires'}
              </td>
              <td>
                <button
                  type="button"
                  class="danger"
                  onClick={async () => {
                    if (!confirm(`Revoke the token ${t.name}? Whatever uses it stops working.`)) return;
                    const r = await revoke({ input: { id: t.id } });
                    setRevokeFailure(failureOf(r.data?.revokeApiToken, r.error));
                    reload();
                  }}
                >
                  <ItemAction action="Revoke" item={t.name} />
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {revokeFailure ? (
        <p class="error" role="alert">
          {revokeFailure}
        </p>
      ) : null}
      {created ? (
        <p class="card created-token">
          The new token, shown this once: <code>{created}</code>
        </p>
      ) : null}
      <form class="token-form card" onSubmit={submit} noValidate>
        <h2>New API token</h2>
        <TextInput id="token-name" label="Name" value={name} issue={issues.name} onInput={setName} />
        {canEdit ? (
          <Field label="Access" id="token-access" issue={undefined}>
            <select id="token-access" value={readOnly ? 'read' : 'write'} onChange={(e) => setReadOnly(e.currentTarget.value === 'read')}>
              <option value="read">read-only</option>
              <option value="write">read-write (as your role allows)</option>
            </select>
          </Field>
        ) : null}
        <TextInput id="token-expires" label="Expires (blank: never)" type="datetime-local" value={expiresAt} issue={issues.expiresAt} onInput={setExpiresAt} />
        <FormEnd issues={issues} busy={fetching} />
      </form>
      <PasswordForm />
    </section>
  );
}
