import { useMutation, useQuery } from '@urql/preact';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { failureOf, FormEnd, ItemAction, issuesByField, SecretInput, SelectInput, TextInput, useEditing } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { AlertProvider, AlertProviderInfoFragment, ChannelRowFragment } from './gql/graphql.ts';
import { useCanEdit } from './role.ts';
import { formatTime } from './status.ts';
import { usePageTitle } from './title.ts';

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

export const AlertProviderInfoDoc = graphql(`
  fragment AlertProviderInfo on AlertProviderInfo { provider settings { key secret required } }
`);

/** Each provider's settings keys, from the schemas the API validates them with: a key added there is offered here. */
const ProvidersQuery = graphql(`
  query ConsoleAlertProviders { alertProviders { ...AlertProviderInfo } }
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

const UpdateChannel = graphql(`
  mutation ConsoleUpdateChannel($input: UpdateAlertChannelInput!) {
    updateAlertChannel(input: $input) {
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

/**
 * What the API reads out in place of a secret (and of a URL with a credential in it). Sent back for the same key of
 * the same provider it keeps what is stored; anywhere else the API refuses it rather than store it as the secret.
 */
const MASK = '***REDACTED***';

/** The alert channels with their health, a test send each, and (EDITOR, ADMIN) a form for a new one. */
export function AlertChannels() {
  usePageTitle('Alert channels');
  const canEdit = useCanEdit();
  // Health is written in the background after each send: every visit reads it afresh.
  const [{ data, error }, refetch] = useQuery({ query: ChannelsQuery, requestPolicy: 'cache-and-network' });
  const [{ data: catalogue }] = useQuery({ query: ProvidersQuery });
  const providers = catalogue?.alertProviders;
  const [, testChannel] = useMutation(TestChannel);
  const [, deleteChannel] = useMutation(DeleteChannel);
  const [results, setResults] = useState<Record<string, string>>({});
  const { editing, open, close } = useEditing();
  const reload = () => refetch({ requestPolicy: 'network-only' });

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
            {canEdit && providers && editing === c.id ? (
              <ChannelForm
                providers={providers}
                channel={c}
                onSaved={() => {
                  close();
                  reload();
                }}
                onCancel={close}
              />
            ) : null}
            {canEdit && editing !== c.id ? (
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
                  <ItemAction action="Send test" item={c.name} />
                </button>
                <button type="button" data-edits={c.id} onClick={() => open(c.id)}>
                  <ItemAction action="Edit" item={c.name} />
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={async () => {
                    if (!confirm(`Delete the alert channel ${c.name}?`)) return;
                    const r = await deleteChannel({ input: { id: c.id } });
                    setFailure(failureOf(r.data?.deleteAlertChannel, r.error));
                    reload();
                  }}
                >
                  <ItemAction action="Delete" item={c.name} />
                </button>
                {results[c.id] ? <output>{results[c.id]}</output> : null}
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {data && data.alertChannels.length === 0 ? <p class="muted">No alert channels yet.</p> : null}
      {canEdit && providers ? <ChannelForm providers={providers} onSaved={reload} /> : null}
    </section>
  );
}

/** The settings a channel reads out: the values shown, and the keys whose stored value is masked. */
function shownSettings(channel: ChannelRowFragment | undefined): { values: Record<string, string>; masked: ReadonlySet<string> } {
  const entries = Object.entries((channel?.settings ?? {}) as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string');
  return {
    values: Object.fromEntries(entries.filter(([, v]) => v !== MASK)),
    masked: new Set(entries.filter(([, v]) => v === MASK).map(([k]) => k)),
  };
}

/**
 * A new channel, or an edit of `channel`. A stored secret is not shown (the API reads out only its mask): its field
 * starts blank, and left blank it keeps what is stored; typed in, it replaces it; an optional one can be removed. The
 * settings are sent whole, as the API replaces them whole: a key left out is removed.
 */
function ChannelForm({
  providers,
  channel,
  onSaved,
  onCancel,
}: {
  providers: readonly AlertProviderInfoFragment[];
  channel?: ChannelRowFragment;
  onSaved: () => void;
  onCancel?: () => void;
}) {
  const prefix = channel ? 'channel-edit' : 'channel';
  const [stored] = useState(() => shownSettings(channel));
  const [name, setName] = useState(channel?.name ?? '');
  const [provider, setProvider] = useState<AlertProvider>(channel?.provider ?? 'WEBHOOK');
  const [settings, setSettings] = useState<Record<string, string>>(stored.values);
  const [removed, setRemoved] = useState<ReadonlySet<string>>(new Set());
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [{ fetching: creating }, create] = useMutation(CreateChannel);
  const [{ fetching: updating }, update] = useMutation(UpdateChannel);
  // Only the same provider's stored secret can be kept: another provider's key of the same name is another secret.
  const isStored = (key: string) => provider === channel?.provider && stored.masked.has(key);
  const keeps = (key: string) => isStored(key) && !removed.has(key);
  const removing = (key: string) => isStored(key) && removed.has(key);
  const specs = providers.find((p) => p.provider === provider)?.settings ?? [];
  const setRemoval = (key: string, remove: boolean) => {
    const next = new Set(removed);
    if (remove) next.add(key);
    else next.delete(key);
    setRemoved(next);
    setSettings({ ...settings, [key]: '' });
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const sent = Object.fromEntries(specs.flatMap(({ key: k }) => (settings[k] ? [[k, settings[k]]] : keeps(k) ? [[k, MASK]] : [])));
    const r = channel
      ? await update({ input: { id: channel.id, name, provider, settings: sent } })
      : await create({ input: { name, provider, settings: sent } });
    const answer = r.data ? ('updateAlertChannel' in r.data ? r.data.updateAlertChannel : r.data.createAlertChannel) : undefined;
    if (answer?.__typename === 'AlertChannelPayload') {
      setName('');
      setSettings({});
      setRemoved(new Set());
      setIssues({});
      onSaved();
    } else if (answer?.__typename === 'ValidationError') {
      setIssues(issuesByField(answer.issues, ['name', 'provider', ...specs.map(({ key }) => `settings.${key}`)]));
    } else setIssues({ '': failureOf(answer, r.error) ?? 'Saving failed' });
  };

  return (
    <form class="channel-form card" data-editing={channel?.id} onSubmit={submit} noValidate>
      <h2>{channel ? `Edit ${channel.name}` : 'New alert channel'}</h2>
      <TextInput id={`${prefix}-name`} label="Name" value={name} issue={issues.name} onInput={setName} />
      <SelectInput
        id={`${prefix}-provider`}
        label="Provider"
        value={provider}
        issue={issues.provider}
        onChange={(p) => setProvider(p as AlertProvider)}
        choices={providers.map((p) => ({ value: p.provider }))}
      />
      {specs.map(({ key, secret, required }) => {
        const input = {
          id: `${prefix}-${key}`,
          label: key,
          placeholder: keeps(key) ? 'stored: blank keeps it' : removing(key) ? 'removed when saved' : undefined,
          // A stored secret left blank is kept: nothing needs typing in.
          required: required && !keeps(key),
          disabled: removing(key),
          value: settings[key] ?? '',
          issue: issues[`settings.${key}`],
          onInput: (v: string) => setSettings({ ...settings, [key]: v }),
        };
        return (
          <Fragment key={`${provider}-${key}`}>
            {secret ? <SecretInput {...input} /> : <TextInput {...input} />}
            {!required && isStored(key) ? (
              <label class="remove-secret">
                <input type="checkbox" checked={removing(key)} onChange={(e) => setRemoval(key, e.currentTarget.checked)} />
                Remove the stored {key}
              </label>
            ) : null}
          </Fragment>
        );
      })}
      <FormEnd issues={issues} busy={creating || updating} onCancel={onCancel} />
    </form>
  );
}
