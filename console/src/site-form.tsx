import { useMutation, useQuery } from '@urql/preact';
import { useEffect, useState } from 'preact/hooks';
import { Field, FormEnd, issuesByField, TextInput, type TextInputProps } from './fields.tsx';
import { graphql } from './gql/index.ts';
import type { MonitorType } from './gql/graphql.ts';
import { navigate } from './route.ts';

const EditQuery = graphql(`
  query SiteFormSite($id: ID!) { site(id: $id) { id name type url hostname port interval } }
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
      ... on SitePayload { site { id name type url hostname port interval } }
      ... on ValidationError { issues { field message } }
      ... on Error { message }
    }
  }
`);

const TYPES: readonly MonitorType[] = ['HTTP', 'PING', 'PORT', 'DNS', 'PUSH', 'GROUP'];

interface Values {
  name: string;
  type: MonitorType;
  url: string;
  hostname: string;
  port: string;
  interval: string;
}

const EMPTY: Values = { name: '', type: 'HTTP', url: '', hostname: '', port: '', interval: '60' };

/** Which inputs a type has, as the original's form shows them. */
function fieldsOf(type: MonitorType): { url: boolean; hostname: boolean; port: boolean } {
  return { url: type === 'HTTP', hostname: type === 'PING' || type === 'PORT' || type === 'DNS', port: type === 'PORT' };
}

/** The input the API sends: only the fields the type has; numbers as numbers (the API validates them). */
function toInput(v: Values) {
  const f = fieldsOf(v.type);
  return {
    name: v.name,
    type: v.type,
    interval: v.interval === '' ? undefined : Number(v.interval),
    ...(f.url ? { url: v.url } : {}),
    ...(f.hostname ? { hostname: v.hostname } : {}),
    ...(f.port ? { port: v.port === '' ? undefined : Number(v.port) } : {}),
  };
}

/** A new monitor (no id) or an edit of one. The API's validation issues appear next to the field they name. */
export function SiteForm({ id }: { id?: string }) {
  const [values, setValues] = useState<Values>(EMPTY);
  const [issues, setIssues] = useState<Record<string, string>>({});
  const [{ data }] = useQuery({ query: EditQuery, variables: { id: id ?? '' }, pause: id === undefined });
  const [{ fetching: creating }, create] = useMutation(CreateMutation);
  const [{ fetching: updating }, update] = useMutation(UpdateMutation);

  useEffect(() => {
    const s = data?.site;
    if (s) {
      setValues({ name: s.name, type: s.type, url: s.url ?? '', hostname: s.hostname ?? '', port: s.port?.toString() ?? '', interval: String(s.interval) });
    }
  }, [data]);

  const shown = fieldsOf(values.type);
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
    const input = toInput(values);
    const r = id ? await update({ input: { id, ...input } }) : await create({ input });
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
      <Field label="Type" id="site-type" issue={issues.type}>
        <select
          id="site-type"
          name="type"
          aria-invalid={issues.type ? true : undefined}
          value={values.type}
          onChange={(e) => setValues({ ...values, type: e.currentTarget.value as MonitorType })}
        >
          {TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </Field>
      {shown.url ? textField('url', 'URL', { type: 'url', placeholder: 'https://example.com/health' }) : null}
      {shown.hostname ? textField('hostname', 'Hostname') : null}
      {shown.port ? textField('port', 'Port', { numeric: true }) : null}
      {textField('interval', 'Interval', { numeric: true })}
      <FormEnd error={issues['']} busy={creating || updating} />
    </form>
  );
}
