import { useMutation, useQuery } from '@urql/preact';
import { useState } from 'preact/hooks';
import { failureOf, FormEnd, issuesByField, SelectInput, TextInput } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { AlertProvider } from './gql/graphql.ts';
import { useCanEdit } from './role.ts';
import { formatTime } from './status.ts';

export const ChannelRowDoc = graphql(`
  fragment ChannelRow on AlertChannel {
    id
    name
    provider
    settings
    health { lastSendAt lastSendOk lastError sendCount failCount }
  }
`);

const ChannelsQuery = graphql(`
  query ConsoleChannels { alertChannels { ...ChannelRow } }
`);

const CreateChannel = graphql(`
  mutation ConsoleCreateChannel($input: CreateAlertChannelInput!) {
    createAlertChannel(input: $input) {
      __typename
      ... on AlertChannelPayload { alertChannel { ...ChannelRow } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const TestChannel = graphql(`
  mutation ConsoleTestChannel($input: IdInput!) {
    testAlertChannel(input: $input) {
      __typename
      ... on AlertChannelPayload { test { ok error } alertChannel { ...ChannelRow } }
      ... on Error { message }
    }
  }
`);

const DeleteChannel = graphql(`
  mutation ConsoleDeleteChannel($input: DeleteInput!) {
    deleteAlertChannel(input: $input) {
      __typename
      ... on DeletePayload { deletedId }
      ... on Error { message }
    }
  }
`);

/** Each provider's settings as the server validates them (src/alerts/providers/); required ones first. */
const SETTINGS: Record<AlertProvider, readonly string[]> = {
  WEBHOOK: ['url', 'secret'],
  DISCORD: ['url'],
  SLACK: ['url'],
  TEAMS: ['url'],
  EMAIL: ['host', 'port', 'user', 'pass', 'from', 'to', 'tls_insecure'],
  NTFY: ['url', 'topic', 'priority', 'down_priority', 'username', 'password'],
  TELEGRAM: ['token', 'chat_id'],
  PAGERDUTY: ['routing_key', 'severity'],
  PUSHOVER: ['token', 'user', 'priority', 'retry', 'expire'],
  GOTIFY: ['url', 'token', 'priority'],
  OPSGENIE: ['api_key', 'priority', 'eu'],
  MATRIX: ['homeserver', 'access_token', 'room_id'],
};

const SECRET = /secret|pass|token|key/;

/** The alert channels with their health, a test send each, and (EDITOR, ADMIN) a form for a new one. */
export function AlertChannels() {
  const canEdit = useCanEdit();
  // Health is written in the background after each send: every visit reads it afresh.
  const [{ data, error }, refetch] = useQuery({ query: ChannelsQuery, requestPolicy: 'cache-and-network' });
  const [, testChannel] = useMutation(TestChannel);
  const [, deleteChannel] = useMutation(DeleteChannel);
  const [results, setResults] = useState<Record<string, string>>({});

  const say = (id: string, text: string) => setResults((r) => ({ ...r, [id]: text }));
  // Shown above the list: the channel a delete failed on may no longer be in it (deleted elsewhere).
  const [failure, setFailure] = useState<string | null>(null);
  return (
    <section class="alerts">
      <h1>Alert channels</h1>
      {error && !data ? <p class="error">{error.message}</p> : null}
      {failure ? (
        <p class="error" role="alert">
          {failure}
        </p>
      ) : null}
      <ul class="channels">
        {(data?.alertChannels ?? []).map((c) => (
          <li key={c.id} class="channel card" data-channel={c.name}>
            <b>{c.name}</b> <span class="muted">{c.provider}</span>
            <p class="health">
              {c.health.sendCount} sent, {c.health.failCount} failed
              {c.health.lastSendAt ? ` · last ${formatTime(c.health.lastSendAt)} ${c.health.lastSendOk ? 'ok' : 'failed'}` : ' · never sent'}
              {c.health.lastError ? <span class="error"> · {c.health.lastError}</span> : null}
            </p>
            {canEdit ? (
              <div class="actions">
                <button
                  type="button"
                  onClick={async () => {
                    // The answer's channel, health included, counts this send: the cache updates the row from it.
                    const r = await testChannel({ input: { id: c.id } });
                    const answer = r.data?.testAlertChannel;
                    if (answer?.__typename === 'AlertChannelPayload') say(c.id, answer.test?.ok ? 'Test sent' : `Test failed: ${answer.test?.error ?? ''}`);
                    else say(c.id, answer && 'message' in answer ? answer.message : (r.error?.message ?? 'Test failed'));
                  }}
                >
                  Send test
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={async () => {
                    if (!confirm(`Delete the alert channel ${c.name}?`)) return;
                    const r = await deleteChannel({ input: { id: c.id } });
                    setFailure(failureOf(r.data?.deleteAlertChannel, r.error));
                    refetch({ requestPolicy: 'network-only' });
                  }}
                >
                  Delete
                </button>
                {results[c.id] ? <output>{results[c.id]}</output> : null}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {data && data.alertChannels.length === 0 ? <p class="muted">No alert channels yet.</p> : null}
      {canEdit ? <ChannelForm onCreated={() => refetch({ requestPolicy: 'network-only' })} /> : null}
    </section>
  );
}

function ChannelForm({ onCreated }: { onCreated: () => void }) {
  const [name, setName] = useState('');
  const [provider, setProvider] = useState<AlertProvider>('WEBHOOK');
  const [settings, setSettings] = useState<Record<string, string>>({});
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [{ fetching }, create] = useMutation(CreateChannel);

  const submit = async (event: Event) => {
    event.preventDefault();
    const kept = Object.fromEntries(SETTINGS[provider].filter((k) => settings[k]).map((k) => [k, settings[k]]));
    const r = await create({ input: { name, provider, settings: kept } });
    const answer = r.data?.createAlertChannel;
    if (answer?.__typename === 'AlertChannelPayload') {
      setName('');
      setSettings({});
      setIssues({});
      onCreated();
    } else if (answer?.__typename === 'ValidationError') {
      setIssues(issuesByField(answer.issues, ['name', 'provider', ...SETTINGS[provider].map((key) => `settings.${key}`)]));
    } else setIssues({ '': r.error?.message ?? 'Saving failed' });
  };

  return (
    <form class="channel-form card" onSubmit={submit} noValidate>
      <h2>New alert channel</h2>
      <TextInput id="channel-name" label="Name" value={name} issue={issues.name} onInput={setName} />
      <SelectInput
        id="channel-provider"
        label="Provider"
        value={provider}
        issue={issues.provider}
        onChange={(p) => setProvider(p as AlertProvider)}
        choices={Object.keys(SETTINGS).map((p) => ({ value: p }))}
      />
      {SETTINGS[provider].map((key) => (
        <TextInput
          key={`${provider}-${key}`}
          id={`channel-${key}`}
          label={key}
          type={SECRET.test(key) ? 'password' : 'text'}
          value={settings[key] ?? ''}
          issue={issues[`settings.${key}`]}
          onInput={(v) => setSettings({ ...settings, [key]: v })}
        />
      ))}
      <FormEnd issues={issues} busy={fetching} />
    </form>
  );
}
