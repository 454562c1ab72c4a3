import { useMutation, useQuery } from '@urql/preact';
import { useMemo, useState } from 'preact/hooks';
import { failureOf, FormEnd, instant, issuesByField, SelectInput, TextInput, wholeNumberIssues } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { MaintenanceType } from './gql/graphql.ts';
import { PAGE, useRestOfPages } from './paging.ts';
import { useCanEdit } from './role.ts';
import { formatTime } from './status.ts';

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
  const canEdit = useCanEdit();
  const [{ data, error }, refetch] = useQuery({ query: WindowsQuery, requestPolicy: 'cache-and-network' });
  const [{ data: sites }] = useQuery({ query: SitesQuery, variables: { first: PAGE }, requestPolicy: 'cache-and-network' });
  useRestOfPages(SitesQuery, sites);
  const [, endWindow] = useMutation(EndWindow);
  const [, deleteWindow] = useMutation(DeleteWindow);
  const reload = () => refetch({ requestPolicy: 'network-only' });
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
            {canEdit ? (
              <div class="actions">
                {w.active ? (
                  <button
                    type="button"
                    onClick={async () => {
                      const r = await endWindow({ input: { id: w.id } });
                      settle(failureOf(r.data?.endMaintenanceWindow, r.error));
                    }}
                  >
                    End now
                  </button>
                ) : null}
                <button
                  type="button"
                  class="danger"
                  onClick={async () => {
                    if (!confirm(`Delete the window ${w.title}?`)) return;
                    const r = await deleteWindow({ input: { id: w.id } });
                    settle(failureOf(r.data?.deleteMaintenanceWindow, r.error));
                  }}
                >
                  Delete
                </button>
              </div>
            ) : null}
          </li>
        ))}
      </ul>
      {data && windows.length === 0 ? <p class="muted">No maintenance windows.</p> : null}
      {canEdit && data && sites ? <WindowForm sites={sites.sites.edges.map((e) => e.node)} onCreated={reload} /> : null}
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
 * knows, with the browser's own among them even when it is spelt otherwise there (an alias), so the picker shows
 * the zone that is sent.
 */
function timeZones(own: string): string[] {
  const zones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  if (!zones.includes(own)) zones.splice(1, 0, own);
  return zones;
}

function WindowForm({ sites, onCreated }: { sites: readonly { id: string; name: string }[]; onCreated: () => void }) {
  const [values, setValues] = useState<Values>(EMPTY);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [{ fetching }, create] = useMutation(CreateWindow);
  const zones = useMemo(() => timeZones(EMPTY.timezone), []);
  const set = (key: keyof Values) => (value: string) => setValues({ ...values, [key]: value });
  const recurring = values.recurrence.trim() !== '';

  const submit = async (event: Event) => {
    event.preventDefault();
    const unsendable = wholeNumberIssues(values, recurring ? ['durationMinutes'] : []);
    if (Object.keys(unsendable).length) return setIssues(unsendable);
    const r = await create({
      input: {
        title: values.title,
        description: values.description || undefined,
        type: values.type,
        siteId: values.siteId || undefined,
        startsAt: instant(values.startsAt),
        endsAt: instant(values.endsAt),
        ...(recurring
          ? {
              recurrence: values.recurrence,
              timezone: values.timezone,
              durationMinutes: values.durationMinutes.trim() ? Number(values.durationMinutes) : undefined,
            }
          : {}),
      },
    });
    const answer = r.data?.createMaintenanceWindow;
    if (answer?.__typename === 'MaintenanceWindowPayload') {
      setValues(EMPTY);
      setIssues({});
      onCreated();
    } else if (answer?.__typename === 'ValidationError') {
      setIssues(issuesByField(answer.issues, Object.keys(EMPTY)));
    } else setIssues({ '': failureOf(answer, r.error) ?? 'Saving failed' });
  };

  return (
    <form class="window-form card" onSubmit={submit} noValidate>
      <h2>New window</h2>
      <TextInput id="window-title" label="Title" value={values.title} issue={issues.title} onInput={set('title')} />
      <TextInput id="window-description" label="Description" value={values.description} issue={issues.description} onInput={set('description')} />
      <SelectInput
        id="window-type"
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
        id="window-site"
        label="Monitor"
        value={values.siteId}
        issue={issues.siteId}
        onChange={set('siteId')}
        choices={[{ value: '', label: 'every monitor' }, ...sites.map((site) => ({ value: site.id, label: site.name }))]}
      />
      <TextInput id="window-starts" label="Starts" type="datetime-local" value={values.startsAt} issue={issues.startsAt} onInput={set('startsAt')} />
      <TextInput
        id="window-recurrence"
        label="Repeats (cron, blank for once)"
        placeholder="0 3 * * 0"
        value={values.recurrence}
        issue={issues.recurrence}
        onInput={set('recurrence')}
      />
      {recurring ? (
        <>
          <TextInput
            id="window-duration"
            label="Minutes each time"
            numeric
            value={values.durationMinutes}
            issue={issues.durationMinutes}
            onInput={set('durationMinutes')}
          />
          <SelectInput
            id="window-timezone"
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
        id="window-ends"
        label={recurring ? 'Repeats until (blank: for good)' : 'Ends (blank: until ended)'}
        type="datetime-local"
        value={values.endsAt}
        issue={issues.endsAt}
        onInput={set('endsAt')}
      />
      <FormEnd issues={issues} busy={fetching} />
    </form>
  );
}
