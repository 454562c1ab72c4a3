import { useMutation, useQuery } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import { FormEnd, issuesByField, SelectInput, TextInput, type TextInputProps, wholeNumberIssues } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { MonitorType } from './gql/graphql.ts';
import { PAGE, useRestOfPages } from './paging.ts';
import { navigate } from './route.ts';
import { usePageTitle } from './title.ts';

const EditQuery = graphql(`
  query SiteFormSite($id: ID!) {
    site(id: $id) { id name type url hostname port interval timeout maxRetries method acceptedCodes maxRedirects keyword dnsResolveType dnsServer parent { id } }
  }
`);

/** The groups a monitor can be put in: every page, as a fleet may hold more than one. */
const GroupsQuery = graphql(`
  query SiteFormGroups($first: Int!, $after: String) {
    sites(first: $first, after: $after, type: [GROUP]) { pageInfo { hasNextPage endCursor } edges { node { id name } } }
  }
`);

const CreateMutation = graphql(`
  mutation ConsoleCreateSite($input: CreateSiteInput!) {
    createSite(input: $input) {
      __typename
      ... on SitePayload { site { id } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const UpdateMutation = graphql(`
  mutation ConsoleUpdateSite($input: UpdateSiteInput!) {
    updateSite(input: $input) {
      __typename
      ... on SitePayload { site { id name type url hostname port interval timeout maxRetries method acceptedCodes maxRedirects keyword dnsResolveType dnsServer } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const TYPES: readonly MonitorType[] = ['HTTP', 'PING', 'PORT', 'DNS', 'PUSH', 'GROUP'];

/** The text inputs after Name and Type, each shown for the types that have it (as the original's form). */
const INPUTS = [
  { key: 'url', label: 'URL', types: ['HTTP'], type: 'url', placeholder: 'https://example.com/health' },
  { key: 'hostname', label: 'Hostname', types: ['PING', 'PORT', 'DNS'] },
  { key: 'port', label: 'Port', types: ['PORT'], numeric: true },
  { key: 'dnsResolveType', label: 'Record type', types: ['DNS'], placeholder: 'A' },
  { key: 'dnsServer', label: 'DNS server', types: ['DNS'], placeholder: '1.1.1.1' },
  { key: 'method', label: 'Method', types: ['HTTP'], placeholder: 'GET' },
  { key: 'acceptedCodes', label: 'Accepted codes', types: ['HTTP'], placeholder: '200-299' },
  { key: 'maxRedirects', label: 'Max redirects', types: ['HTTP'], numeric: true, placeholder: '10' },
  { key: 'keyword', label: 'Keyword', types: ['HTTP'] },
  { key: 'interval', label: 'Interval', types: TYPES, numeric: true },
  { key: 'timeout', label: 'Timeout', types: ['HTTP', 'PING', 'PORT', 'DNS'], numeric: true, placeholder: '5' },
  { key: 'maxRetries', label: 'Retries', types: ['HTTP', 'PING', 'PORT', 'DNS', 'PUSH'], numeric: true, placeholder: '0' },
] as const satisfies readonly (Partial<TextInputProps> & { key: string; types: readonly MonitorType[] })[];

type InputKey = (typeof INPUTS)[number]['key'];
/** `parentId` is the group's id, or '' for none. */
type Values = { name: string; type: MonitorType; parentId: string } & Record<InputKey, string>;

const EMPTY = {
  name: '',
  type: 'HTTP',
  parentId: '',
  interval: '60',
  ...Object.fromEntries(INPUTS.filter((f) => f.key !== 'interval').map((f) => [f.key, ''])),
} as Values;

const shownFor = (type: MonitorType) => INPUTS.filter((f) => (f.types as readonly MonitorType[]).includes(type));

/**
 * What a field cleared in an edit is sent as: the API's default for the fields that cannot be empty (as their
 * placeholders say); every other one is sent as null, which clears it.
 */
const CLEARED: Partial<Record<InputKey, string | number>> = {
  method: 'GET',
  acceptedCodes: '200-299',
  maxRedirects: 10,
  interval: 60,
  timeout: 5,
  maxRetries: 0,
};

/**
 * The input the API gets: the fields the type shows. A blank one is left out (the API's default, or unchanged),
 * except in an edit where it had a value (`saved`, as the form loaded it): that one is cleared. An edit sends only
 * the fields the user changed: one sent as loaded would put back what another tab or user changed since.
 */
function toInput(v: Values, saved?: Values) {
  const input: Record<string, string | number | null> = {};
  if (v.name !== saved?.name) input.name = v.name;
  if (v.type !== saved?.type) input.type = v.type;
  // Groups do not nest: a GROUP has no group of its own to choose. Null moves the monitor to the top level.
  if (v.type !== 'GROUP' && v.parentId !== (saved?.parentId ?? '')) input.parentId = v.parentId || null;
  for (const f of shownFor(v.type)) {
    const value = v[f.key].trim();
    if (saved && saved.type === v.type && value === saved[f.key].trim()) continue;
    if (value !== '') input[f.key] = 'numeric' in f ? Number(value) : value;
    else if (saved && saved[f.key].trim() !== '') input[f.key] = CLEARED[f.key] ?? null;
  }
  return input;
}

/** A new monitor (no id) or an edit of one. The API's validation issues appear next to the field they name. */
export function SiteForm({ id }: { id?: string }) {
  const [values, setValues] = useState<Values>(EMPTY);
  // The monitor as the edit loaded it, to tell a field the user cleared from one that was blank.
  const [saved, setSaved] = useState<Values | undefined>(undefined);
  usePageTitle(id ? (saved ? `Edit ${saved.name}` : null) : 'New monitor');
  const [issues, setIssues] = useState<Record<string, string>>({});
  // From the server, not the cache: the form shows what the monitor is now, whatever changed since it was last read.
  const [{ data }] = useQuery({ query: EditQuery, variables: { id: id ?? '' }, pause: id === undefined, requestPolicy: 'network-only' });
  const [{ data: groups }] = useQuery({ query: GroupsQuery, variables: { first: PAGE }, requestPolicy: 'cache-and-network' });
  useRestOfPages(GroupsQuery, groups);
  const [{ fetching: creating }, create] = useMutation(CreateMutation);
  const [{ fetching: updating }, update] = useMutation(UpdateMutation);

  useEffect(() => {
    const s = data?.site;
    if (s) {
      const text = (value: string | number | null | undefined) => (value === null || value === undefined ? '' : String(value));
      const loaded: Values = {
        ...EMPTY,
        ...Object.fromEntries(INPUTS.map((f) => [f.key, text(s[f.key])])),
        name: s.name,
        type: s.type,
        parentId: s.parent?.id ?? '',
      };
      setValues(loaded);
      setSaved(loaded);
    }
  }, [data]);

  const textField = (key: Exclude<keyof Values, 'type'>, label: string, extra: Partial<TextInputProps> = {}) => (
    <TextInput
      {...extra}
      id={`site-${key}`}
      label={label}
      value={values[key]}
      issue={issues[key]}
      onInput={(value) => setValues({ ...values, [key]: value })}
    />
  );

  const submit = async (event: Event) => {
    event.preventDefault();
    const numeric = shownFor(values.type).flatMap((f) => ('numeric' in f ? [f.key] : []));
    const unsendable = wholeNumberIssues(values, numeric);
    if (Object.keys(unsendable).length) return setIssues(unsendable);
    const r = id
      ? await update({ input: { id, ...toInput(values, saved) } })
      : await create({ input: { name: values.name, type: values.type, ...toInput(values) } });
    const answer = r.data ? ('updateSite' in r.data ? r.data.updateSite : r.data.createSite) : undefined;
    if (!answer) return setIssues({ '': r.error?.message ?? 'Saving failed' });
    if (answer.__typename === 'SitePayload') return navigate(id ? `#/site/${encodeURIComponent(id)}` : '#/');
    if (answer.__typename === 'ValidationError') {
      return setIssues(issuesByField(answer.issues, Object.keys(EMPTY)));
    }
    setIssues({ '': answer.message });
  };

  return (
    <form class="site-form card" onSubmit={submit} noValidate>
      <h1>{id ? 'Edit monitor' : 'New monitor'}</h1>
      {textField('name', 'Name')}
      <SelectInput
        id="site-type"
        label="Type"
        value={values.type}
        issue={issues.type}
        onChange={(type) => setValues({ ...values, type: type as MonitorType })}
        choices={TYPES.map((t) => ({ value: t }))}
      />
      {values.type === 'GROUP' ? null : (
        <SelectInput
          id="site-parentId"
          label="Group"
          value={values.parentId}
          issue={issues.parentId}
          onChange={(parentId) => setValues({ ...values, parentId })}
          choices={[
            { value: '', label: 'none' },
            ...(groups?.sites.edges ?? []).filter(({ node }) => node.id !== id).map(({ node }) => ({ value: node.id, label: node.name })),
          ]}
        />
      )}
      {shownFor(values.type).map(({ key, label, types: _types, ...extra }) => textField(key, label, extra))}
      <FormEnd issues={issues} busy={creating || updating} />
    </form>
  );
}
