import { useMutation } from '@urql/preact';
import { useState } from 'preact/hooks';
import { graphql } from './gql/index.ts';
import { usePageTitle } from './title.ts';

const LoginMutation = graphql(`
  mutation ConsoleLogin($input: LoginInput!) {
    login(input: $input) {
      __typename
      ... on LoginPayload { token }
      ... on Error { message }
    }
  }
`);

export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  usePageTitle('Sign in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [{ fetching }, login] = useMutation(LoginMutation);

  const submit = async (event: Event) => {
    event.preventDefault();
    const result = await login({ input: { username, password } });
    const answer = result.data?.login;
    if (answer?.__typename === 'LoginPayload') onSignedIn(answer.token);
    else setMessage(answer && 'message' in answer ? answer.message : (result.error?.message ?? 'Sign-in failed'));
  };

  return (
    <form class="sign-in card" onSubmit={submit}>
      <h1>uptop</h1>
      <label>
        Username
        <input name="username" autocomplete="username" required value={username} onInput={(e) => setUsername(e.currentTarget.value)} />
      </label>
      <label>
        Password
        <input name="password" type="password" autocomplete="current-password" required value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
      </label>
      {message ? (
        <p class="error" role="alert">
          {message}
        </p>
      ) : null}
      <button type="submit" disabled={fetching}>
        Sign in
      </button>
    </form>
  );
}
