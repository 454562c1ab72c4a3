import { useMutation } from '@urql/preact';
import { useState } from 'preact/hooks';
import { FormEnd, issuesByField, TextInput } from './fields.tsx';
import { graphql } from './gql/index.ts';

const ChangePassword = graphql(`
  mutation ConsoleChangePassword($input: ChangePasswordInput!) {
    changePassword(input: $input) {
      __typename
      ... on ChangePasswordPayload { sessionsEnded apiTokensKept }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

/**
 * The signed-in user's own password: the admin made from UPTOP_ADMIN_PASSWORD, or a user an admin made, changes it
 * here. The API signs the user's other sessions out and keeps their API tokens, which the answer says.
 */
export function PasswordForm() {
  const [{ fetching }, change] = useMutation(ChangePassword);
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setDone(null);
    const r = await change({ input: { currentPassword, newPassword } });
    const answer = r.data?.changePassword;
    if (!answer) return setIssues({ '': r.error?.message ?? 'Saving failed' });
    if (answer.__typename === 'ValidationError') return setIssues(issuesByField(answer.issues, ['currentPassword', 'newPassword']));
    if (answer.__typename !== 'ChangePasswordPayload') return setIssues({ '': answer.message });
    setIssues({});
    setCurrent('');
    setNew('');
    const others = answer.sessionsEnded === 1 ? '1 other session was' : `${answer.sessionsEnded} other sessions were`;
    const tokens = answer.apiTokensKept === 1 ? 'your 1 API token keeps' : `your ${answer.apiTokensKept} API tokens keep`;
    setDone(`Password changed: ${others} signed out, and ${tokens} working (revoke any you suspect above).`);
  };

  return (
    <form class="password-form card" onSubmit={submit} noValidate>
      <h2>Your password</h2>
      {done ? (
        <p class="muted" role="status">
          {done}
        </p>
      ) : null}
      <TextInput id="password-current" label="Current password" type="password" value={currentPassword} issue={issues.currentPassword} onInput={setCurrent} />
      <TextInput id="password-new" label="New password" type="password" value={newPassword} issue={issues.newPassword} onInput={setNew} />
      <FormEnd issues={issues} busy={fetching} label="Change password" />
    </form>
  );
}
