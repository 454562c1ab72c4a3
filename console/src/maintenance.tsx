import { useMutation, useQuery } from '@urql/preact';
import { useMemo, useState } from 'preact/hooks';
import { failureOf, FormEnd, ItemAction, instant, issuesByField, localInput, SelectInput, TextInput, useEditing, wholeNumberIssues } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { ConsoleWindowFragment, MaintenanceType } from './gql/graphql.ts';
import { PAGE, useRestOfPages } from './paging.ts';
import { useCanEdit } from './role.ts';
import { formatTime } from './status.ts';
import { usePageTitle } from './title.ts';

graphql(`
  fragment ConsoleWindow on MaintenanceWindow {
    id title description type active startsAt endsAt recurrence durationMinutes timezone site { id name }
  }
`);

/**
 * The windows in force, then the newest: a recurring window made long ago is still one to see and end, however many
 * newer ones (ended one-offs are kept for a while) would push it off a single page of the newest. 50 of each keeps the
 * query within the API's cost limit.
 */
const WindowsQuery = graphql(`
  query ConsoleMaintenance {
    inForce: maintenanceWindows(active: true, first: 50) { edges { node { ...ConsoleWindow } } }
    newest: maintenanceWindows(first: 50) { edges { node { ...ConsoleWindow } } }
  }
`);

/** The monitors a window can be for: every page, as a fleet may hold more than one. */
const SitesQuery = graphql(`
  query ConsoleMaintenanceSites($first: Int!, $after: String) {
    sites(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id name } } }
  }
`);

const CreateWindow = graphql(`
  mutation ConsoleCreateWindow($input: CreateMaintenanceWindowInput!) {
    createMaintenanceWindow(input: $input) {
      __typename
      ... on MaintenanceWindowPayload { maintenanceWindow { id } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const UpdateWindow = graphql(`
  mutation ConsoleUpdateWindow($input: UpdateMaintenanceWindowInput!) {
    updateMaintenanceWindow(input: $input) {
      __typename
      ... on MaintenanceWindowPayload { maintenanceWindow { ...ConsoleWindow } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const EndWindow = graphql(`
  mutation ConsoleEndWindow($input: IdInput!) {
    endMaintenanceWindow(input: $input) { __typename ... on Error { message } }
  }
`);

const DeleteWindow = graphql(`
  mutation ConsoleDeleteWindow($input: DeleteInput!) {
    deleteMaintenanceWindow(input: $input) { __typename ... on Error { message } }
  }
`);

/** Maintenance windows and incidents, those in force first, and (EDITOR, ADMIN) a form for one-off or recurring ones. */
export function Maintenance() {
  usePageTitle('Maintenance');
  const canEdit = useCanEdit();
  const [{ data, error }, refetch] = useQuery({ query: WindowsQuery, requestPolicy: 'cache-and-network' });
  const [{ data: sites }] = useQuery({ query: SitesQuery, variables: { first: PAGE }, requestPolicy: 'cache-and-network' });
  useRestOfPages(SitesQuery, sites);
  const [, endWindow] = useMutation(EndWindow);
  const [, deleteWindow] = useMutation(DeleteWindow);
  const { editing, open, close } = useEditing();
  const reload = () => refetch({ requestPolicy: 'network-only' });
  const siteChoices = sites?.sites.edges.map((e) => e.node);
  const windows = useMemo(() => {
    if (!data) return [];
    const inForce = data.inForce.edges.map((e) => e.node);
    const shown = new Set(inForce.map((w) => w.id));
    return [...inForce, ...data.newest.edges.map((e) => e.node).filter((w) => !shown.has(w.id))];
  }, [data]);
  // Shown above the list: the window an action failed on may no longer be in it (deleted elsewhere).
  const [failure, setFailure] = useState<string | null>(null);
  const settle = (failed: string | null) => {
    setFailure(failed);
    reload();
  };
  return (
    <section class="maintenance">
      <h1>Maintenance</h1>
      {error && !data ? <p class="error">{error.message}</p> : null}
      {failure ? (
        <p class="error" role="alert">
          {failure}
        </p>
      ) : null}
      <ul class="windows">
        {windows.map((w) => (
          <li key={w.id} class="window card" data-window={w.title}>
            <b>{w.title}</b> <span class="muted">{w.type}</span> {w.active ? <span class="badge bg-warn">ACTIVE</span> : null}
            <p class="muted">
              {w.site ? w.site.name : 'every monitor'} ·{' '}
              {w.recurrence
                ? `${w.recurrence} (${w.timezone ?? 'UTC'}) for ${w.durationMinutes} min${w.endsAt ? `, until ${formatTime(w.endsAt)}` : ''}`
                : `${formatTime(w.startsAt)} – ${w.endsAt ? formatTime(w.endsAt) : 'until ended'}`}
            </p>
            {w.description ? <p>{w.description}</p> : null}
            {canEdit && siteChoices && editing === w.id ? (
              <WindowForm
                window={w}
                sites={siteChoices}
                onSaved={() => {
                  close();
                  reload();
                }}
                onCancel={close}
              />
            ) : null}
            {canEdit && editing !== w.id ? (
              <div class="actions">
                {w.active ? (
                  <button
                    type="button"
                    onClick={async () => {
                      const r = await endWindow({ input: { id: w.id } });
                      settle(failureOf(r.data?.endMaintenanceWindow, r.error));
                    }}
                  >
                    <ItemAction action="End now" item={w.title} />
                  </button>
                ) : null}
                <button type="button" data-edits={w.id} disabled={!siteChoices} onClick={() => open(w.id)}>
                  <ItemAction action="Edit" item={w.title} />
                </button>
                <button
                  type="button"
                  class="danger"
                  onClick={async () => {
                    if (!confirm(`Delete the window ${w.title}?`)) return;
                    const r = await deleteWindow({ input: { id: w.id } });
                    settle(failureOf(r.data?.deleteMaintenanceWindow, r.error));
                  }}
                >
                  <ItemAction action="Delete" item={w.title} />
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {data && windows.length === 0 ? <p class="muted">No maintenance windows.</p> : null}
      {canEdit && data && siteChoices ? <WindowForm sites={siteChoices} onSaved={reload} /> : null}
    </section>
  );
}

interface Values {
  title: string;
  description: string;
  type: MaintenanceType;
  siteId: string;
  startsAt: string;
  endsAt: string;
  recurrence: string;
  durationMinutes: string;
  timezone: string;
}

const EMPTY: Values = {
  title: '',
  description: '',
  type: 'MAINTENANCE',
  siteId: '',
  startsAt: '',
  endsAt: '',
  recurrence: '',
  durationMinutes: '',
  timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
};

/**
 * The zones the picker offers: UTC first (Chromium's `supportedValuesOf` leaves it out), then every zone the browser
 * knows, with `own` (the browser's, or the window's being edited) among them even when it is spelt otherwise there
 * (an alias), so the picker shows the zone that is sent.
 */
function timeZones(own: string): string[] {
  const zones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  if (!zones.includes(own)) zones.splice(1, 0, own);
  return zones;
}

/** A stored window as the form shows it. */
function valuesOf(w: ConsoleWindowFragment): Values {
  return {
    title: w.title,
    description: w.description,
    type: w.type,
    siteId: w.site?.id ?? '',
    startsAt: localInput(w.startsAt),
    endsAt: localInput(w.endsAt),
    recurrence: w.recurrence ?? '',
    durationMinutes: w.durationMinutes === null || w.durationMinutes === undefined ? '' : String(w.durationMinutes),
    timezone: w.timezone ?? EMPTY.timezone,
  };
}

/** The API's fields for the form's values; null where a field is blank or does not apply (a one-off's cron fields). */
function toInput(v: Values) {
  const recurring = v.recurrence.trim() !== '';
  return {
    title: v.title,
    description: v.description,
    type: v.type,
    siteId: v.siteId || null,
    startsAt: instant(v.startsAt) ?? null,
    endsAt: instant(v.endsAt) ?? null,
    recurrence: recurring ? v.recurrence : null,
    durationMinutes: recurring && v.durationMinutes.trim() ? Number(v.durationMinutes) : null,
    timezone: recurring ? v.timezone : null,
  };
}

type WindowInput = ReturnType<typeof toInput>;

/**
 * A new window gets the fields given (an absent one takes the API's default). An edit sends only the fields the user
 * changed, null clearing one: a field sent as loaded would put back what another tab or user changed since.
 */
function changedFields(input: WindowInput, loaded: WindowInput | undefined): Partial<WindowInput> {
  const entries = Object.entries(input) as [keyof WindowInput, unknown][];
  return Object.fromEntries(entries.filter(([key, value]) => (loaded ? value !== loaded[key] : value !== null)));
}

function WindowForm({
  window,
  sites,
  onSaved,
  onCancel,
}: {
  window?: ConsoleWindowFragment;
  sites: readonly { id: string; name: string }[];
  onSaved: () => void;
  onCancel?: () => void;
}) {
  const prefix = window ? 'window-edit' : 'window';
  const [loaded] = useState(() => (window ? valuesOf(window) : undefined));
  const [values, setValues] = useState<Values>(loaded ?? EMPTY);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [{ fetching: creating }, create] = useMutation(CreateWindow);
  const [{ fetching: updating }, update] = useMutation(UpdateWindow);
  // A window's own zone is offered even when the browser spells it otherwise.
  const zones = useMemo(() => timeZones((loaded ?? EMPTY).timezone), []);
  const set = (key: keyof Values) => (value: string) => setValues({ ...values, [key]: value });
  const recurring = values.recurrence.trim() !== '';
  const id = (key: string) => `${prefix}-${key}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const unsendable = wholeNumberIssues(values, recurring ? ['durationMinutes'] : []);
    if (Object.keys(unsendable).length) return setIssues(unsendable);
    const input = changedFields(toInput(values), loaded && toInput(loaded));
    const r = window ? await update({ input: { id: window.id, ...input } }) : await create({ input: { ...input, title: values.title } });
    const answer = r.data ? ('updateMaintenanceWindow' in r.data ? r.data.updateMaintenanceWindow : r.data.createMaintenanceWindow) : undefined;
    if (answer?.__typename === 'MaintenanceWindowPayload') {
      setValues(EMPTY);
      setIssues({});
      onSaved();
    } else if (answer?.__typename === 'ValidationError') {
      setIssues(issuesByField(answer.issues, Object.keys(EMPTY)));
    } else setIssues({ '': failureOf(answer, r.error) ?? 'Saving failed' });
  };

  return (
    <form class="window-form card" data-editing={window?.id} onSubmit={submit} noValidate>
      <h2>{window ? `Edit ${window.title}` : 'New window'}</h2>
      <TextInput id={id('title')} label="Title" value={values.title} issue={issues.title} onInput={set('title')} />
      <TextInput id={id('description')} label="Description" value={values.description} issue={issues.description} onInput={set('description')} />
      <SelectInput
        id={id('type')}
        label="Kind"
        value={values.type}
        issue={issues.type}
        onChange={set('type')}
        choices={[
          { value: 'MAINTENANCE', label: 'MAINTENANCE (alerts held)' },
          { value: 'INCIDENT', label: 'INCIDENT (information)' },
        ]}
      />
      <SelectInput
        id={id('site')}
        label="Monitor"
        value={values.siteId}
        issue={issues.siteId}
        onChange={set('siteId')}
        choices={[{ value: '', label: 'every monitor' }, ...sites.map((site) => ({ value: site.id, label: site.name }))]}
      />
      <TextInput id={id('starts')} label="Starts" type="datetime-local" value={values.startsAt} issue={issues.startsAt} onInput={set('startsAt')} />
      <TextInput
        id={id('recurrence')}
        label="Repeats (cron, blank for once)"
        placeholder="0 3 * * 0"
        value={values.recurrence}
        issue={issues.recurrence}
        onInput={set('recurrence')}
      />
      {recurring ? (
        <>
          <TextInput
            id={id('duration')}
            label="Minutes each time"
            numeric
            value={values.durationMinutes}
            issue={issues.durationMinutes}
            onInput={set('durationMinutes')}
          />
          <SelectInput
            id={id('timezone')}
            label="Time zone"
            value={values.timezone}
            issue={issues.timezone}
            onChange={set('timezone')}
            choices={zones.map((z) => ({ value: z }))}
          />
        </>
      ) : null}
      {/* A recurring window repeats until then: a season of weekly patching, say. */}
      <TextInput
        id={id('ends')}
        label={recurring ? 'Repeats until (blank: for good)' : 'Ends (blank: until ended)'}
        type="datetime-local"
        value={values.endsAt}
        issue={issues.endsAt}
        onInput={set('endsAt')}
      />
      <FormEnd issues={issues} busy={creating || updating} onCancel={onCancel} />
    </form>
  );
}
