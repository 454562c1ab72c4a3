import { buildSchema } from '../../src/graphql/schema.ts';
import { graphql } from '../gql/index.ts';
import type { TestApp } from '../helpers/app.ts';
import { collectSse, collectWs, dataOf, wsClient } from '../helpers/clients.ts';
import { describe, expect, it } from '../helpers/fixtures.ts';
import { globalId } from '../helpers/ids.ts';

type Caller = 'anonymous' | 'viewer' | 'editor' | 'admin' | 'readOnlyAdmin' | 'adminApiToken';
/** `ForbiddenError`: refused with that typed error in the mutation's result, not a GraphQL error. */
type Outcome = 'allowed' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'ForbiddenError';
type Policy = 'edit' | 'admin' | 'ownAccount' | 'session' | 'read' | 'readUsers';

const CALLERS: Caller[] = ['anonymous', 'viewer', 'editor', 'admin', 'readOnlyAdmin', 'adminApiToken'];

/** DESIGN decision 6, as a table: what each caller may do under each policy. */
const EXPECTED: Record<Policy, Record<Caller, Outcome>> = {
  edit: { anonymous: 'UNAUTHENTICATED', viewer: 'FORBIDDEN', editor: 'allowed', admin: 'allowed', readOnlyAdmin: 'FORBIDDEN', adminApiToken: 'allowed' },
  admin: { anonymous: 'UNAUTHENTICATED', viewer: 'FORBIDDEN', editor: 'FORBIDDEN', admin: 'allowed', readOnlyAdmin: 'FORBIDDEN', adminApiToken: 'allowed' },
  ownAccount: { anonymous: 'UNAUTHENTICATED', viewer: 'allowed', editor: 'allowed', admin: 'allowed', readOnlyAdmin: 'FORBIDDEN', adminApiToken: 'allowed' },
  // The viewer's own account, and only from a session: a leaked API token cannot mint tokens or change the password.
  session: {
    anonymous: 'UNAUTHENTICATED',
    viewer: 'allowed',
    editor: 'allowed',
    admin: 'allowed',
    readOnlyAdmin: 'FORBIDDEN',
    adminApiToken: 'ForbiddenError',
  },
  read: { anonymous: 'UNAUTHENTICATED', viewer: 'allowed', editor: 'allowed', admin: 'allowed', readOnlyAdmin: 'allowed', adminApiToken: 'allowed' },
  readUsers: { anonymous: 'UNAUTHENTICATED', viewer: 'FORBIDDEN', editor: 'FORBIDDEN', admin: 'allowed', readOnlyAdmin: 'FORBIDDEN', adminApiToken: 'allowed' },
};

const Fixture = graphql(`
  mutation RolesFixture($site: CreateSiteInput!, $channel: CreateAlertChannelInput!, $token: CreateApiTokenInput!) {
    createSite(input: $site) { ... on SitePayload { site { id } } }
    createAlertChannel(input: $channel) { ... on AlertChannelPayload { alertChannel { id } } }
    createApiToken(input: $token) { ... on ApiTokenPayload { token } }
  }
`);

const Secrets = graphql(`
  query RolesSecrets {
    sites(first: 5) { edges { node { pushToken httpHeaders httpBody } } }
    alertChannels { settings revealedSettings }
  }
`);

const missing = (type: string) => globalId(type, 9999);

interface Ids {
  site: string;
  channel: string;
  viewerUser: string;
}

/** The mutations that need no role: signing in and out, and heartbeats, whose push token is the credential. */
const WITHOUT_ROLE = ['login', 'logout', 'heartbeat'];

/** Every mutation but WITHOUT_ROLE, with input that is valid for an allowed caller (`inputType` null: no input). */
function mutations(ids: Ids, n: number): { name: string; policy: Policy; query: string; variables: Record<string, unknown> }[] {
  const m = (name: string, policy: Policy, inputType: string | null, input?: unknown) => ({
    name,
    policy,
    query: inputType ? `mutation M($input: ${inputType}!) { ${name}(input: $input) { __typename } }` : `mutation M { ${name} { __typename } }`,
    variables: inputType ? { input } : {},
  });
  return [
    m('createSite', 'edit', 'CreateSiteInput', { name: `s${n}`, type: 'PUSH' }),
    m('updateSite', 'edit', 'UpdateSiteInput', { id: ids.site, description: `d${n}` }),
    m('deleteSite', 'edit', 'DeleteInput', { id: missing('Site') }),
    m('setSitePaused', 'edit', 'SetSitePausedInput', { id: ids.site, paused: false }),
    m('checkSiteNow', 'edit', 'IdInput', { id: ids.site }),
    m('rotatePushToken', 'edit', 'IdInput', { id: ids.site }),
    m('createAlertChannel', 'edit', 'CreateAlertChannelInput', { name: `c${n}`, provider: 'SLACK', settings: { url: 'https://hooks.example.com/s' } }),
    m('updateAlertChannel', 'edit', 'UpdateAlertChannelInput', { id: ids.channel, name: `c${n}` }),
    m('deleteAlertChannel', 'edit', 'DeleteInput', { id: missing('AlertChannel') }),
    m('testAlertChannel', 'edit', 'IdInput', { id: missing('AlertChannel') }),
    m('createMaintenanceWindow', 'edit', 'CreateMaintenanceWindowInput', { title: `w${n}`, startsAt: '2030-01-01T00:00:00Z' }),
    m('updateMaintenanceWindow', 'edit', 'UpdateMaintenanceWindowInput', { id: missing('MaintenanceWindow'), title: `w${n}` }),
    m('endMaintenanceWindow', 'edit', 'IdInput', { id: missing('MaintenanceWindow') }),
    m('deleteMaintenanceWindow', 'edit', 'DeleteInput', { id: missing('MaintenanceWindow') }),
    m('createUser', 'admin', 'CreateUserInput', { username: `user${n}`, password: 'long-enough-pw' }),
    m('updateUser', 'admin', 'UpdateUserInput', { id: ids.viewerUser, role: 'VIEWER' }),
    m('deleteUser', 'admin', 'DeleteInput', { id: missing('User') }),
    m('createApiToken', 'session', 'CreateApiTokenInput', { name: `t${n}` }),
    m('revokeApiToken', 'ownAccount', 'DeleteInput', { id: missing('ApiToken') }),
    m('changePassword', 'session', 'ChangePasswordInput', { currentPassword: 'not-it', newPassword: 'long-enough-pw' }),
    m('createStreamTicket', 'read', null),
    m('applyConfig', 'admin', 'ApplyConfigInput', { yaml: '', dryRun: true }),
    m('createProbeToken', 'admin', 'CreateProbeTokenInput', { name: `p${n}` }),
    m('deleteProbeNode', 'admin', 'DeleteProbeNodeInput', { nodeId: 'no-such-node' }),
  ];
}

const QUERIES: { name: string; policy: Policy; query: string }[] = [
  { name: 'sites', policy: 'read', query: '{ sites(first: 1) { totalCount } }' },
  { name: 'site', policy: 'read', query: `{ site(id: "${missing('Site')}") { id } }` },
  { name: 'node', policy: 'read', query: `{ node(id: "${missing('Site')}") { id } }` },
  { name: 'alertChannels', policy: 'read', query: '{ alertChannels { id } }' },
  { name: 'maintenanceWindows', policy: 'read', query: '{ maintenanceWindows { totalCount } }' },
  { name: 'engineStatus', policy: 'read', query: '{ engineStatus { running } }' },
  { name: 'logs', policy: 'read', query: '{ logs(first: 1) { message } }' },
  { name: 'apiTokens', policy: 'read', query: '{ apiTokens { id } }' },
  { name: 'users', policy: 'readUsers', query: '{ users { username } }' },
  { name: 'exportConfig', policy: 'admin', query: '{ exportConfig }' },
  { name: 'probeNodes', policy: 'read', query: '{ probeNodes { nodeId } }' },
];

async function tokensFor(t: TestApp): Promise<Record<Caller, string | null>> {
  const fixture = await t.request(
    Fixture,
    {
      site: { name: 'fixture', type: 'PUSH', httpHeaders: { 'x-key': 'k' }, httpBody: 'token=b0dy' },
      channel: { name: 'fixture', provider: 'WEBHOOK', settings: { url: 'https://hooks.example.com/w', secret: 's3cret' } },
      token: { name: 'ro' },
    },
    t.users.admin.token,
  );
  const readOnly = (fixture.ok().createApiToken as { token: string }).token;
  const readWrite = await t.request<{ createApiToken: { token: string } }>(
    'mutation { createApiToken(input: { name: "rw", readOnly: false }) { ... on ApiTokenPayload { token } } }',
    {},
    t.users.admin.token,
  );
  return {
    anonymous: null,
    viewer: t.users.viewer.token,
    editor: t.users.editor.token,
    admin: t.users.admin.token,
    readOnlyAdmin: readOnly,
    adminApiToken: readWrite.ok().createApiToken.token,
  };
}

async function counts(t: TestApp) {
  const db = t.app.deps.db;
  return Promise.all([db.site.count(), db.alertChannel.count(), db.maintenanceWindow.count(), db.user.count(), db.apiToken.count(), db.site.findMany()]);
}

function outcomeOf(res: { data?: unknown; errors?: { extensions?: { code?: string } }[] }): Outcome | string {
  const code = res.errors?.[0]?.extensions?.code;
  if (!res.errors) return 'allowed';
  return code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? code : `unexpected error ${JSON.stringify(res.errors)}`;
}

describe('role matrix', () => {
  it('has a rule for every mutation of the schema, so a new mutation without one fails here', () => {
    const ids: Ids = { site: '', channel: '', viewerUser: '' };
    const inMatrix = [...mutations(ids, 0).map((m) => m.name), ...WITHOUT_ROLE].sort();
    expect(Object.keys(buildSchema().getMutationType()!.getFields()).sort()).toEqual(inMatrix);
  });

  it('every mutation answers each role as DESIGN says, and a refused one writes nothing', async ({ app: t, viewer }) => {
    const tokens = await tokensFor(t);
    const ids: Ids = { site: globalId('Site', 1), channel: globalId('AlertChannel', 1), viewerUser: viewer.id };

    const before = await counts(t);
    let n = 0;
    const allowed: [Caller, ReturnType<typeof mutations>[number]][] = [];
    for (const caller of CALLERS) {
      for (const mutation of mutations(ids, n++)) {
        const expected = EXPECTED[mutation.policy][caller];
        if (expected === 'allowed') {
          allowed.push([caller, mutation]);
          continue;
        }
        const res = await t.request(mutation.query, mutation.variables, tokens[caller]);
        if (expected === 'ForbiddenError') {
          expect(res.errors, `${caller} ${mutation.name}`).toBeUndefined();
          expect((res.data as Record<string, { __typename: string }>)[mutation.name]!.__typename, `${caller} ${mutation.name}`).toBe('ForbiddenError');
          continue;
        }
        expect(outcomeOf(res), `${caller} ${mutation.name}`).toBe(expected);
        expect(res.data, `${caller} ${mutation.name}`).toBeNull();
      }
    }
    expect(await counts(t)).toEqual(before);

    for (const [caller, mutation] of allowed) {
      const res = await t.request(mutation.query, mutation.variables, tokens[caller]);
      expect(outcomeOf(res), `${caller} ${mutation.name}`).toBe('allowed');
      expect((res.data as Record<string, { __typename: string }>)[mutation.name]!.__typename, `${caller} ${mutation.name}`).toMatch(/Payload$|Error$/);
    }
    expect(allowed.length).toBe(CALLERS.flatMap((c) => mutations(ids, 0).filter((m) => EXPECTED[m.policy][c] === 'allowed')).length);
  });

  it('every query answers each role as DESIGN says; `me` is null when signed out', async ({ app: t }) => {
    const tokens = await tokensFor(t);
    for (const caller of CALLERS) {
      for (const q of QUERIES) {
        const res = await t.request(q.query, {}, tokens[caller]);
        expect(outcomeOf(res), `${caller} ${q.name}`).toBe(EXPECTED[q.policy][caller]);
      }
      const me = await t.request('{ me { username } }', {}, tokens[caller]);
      expect(me.errors).toBeUndefined();
      expect(me.ok().me === null).toBe(caller === 'anonymous');
    }
  });

  it('hides push tokens, HTTP headers and bodies, and alert secrets from VIEWER and from every read-only token', async ({ app: t, admin, editor, viewer }) => {
    const { readOnlyAdmin } = await tokensFor(t);
    const created = await editor.request('mutation { createApiToken(input: { name: "ro" }) { ... on ApiTokenPayload { token } } }', {});
    const editorReadOnly = (created.ok().createApiToken as { token: string }).token;

    for (const token of [viewer.token, editorReadOnly, readOnlyAdmin!]) {
      const asViewer = await t.request(Secrets, {}, token);
      expect(asViewer.errors).toBeUndefined();
      expect(asViewer.ok().sites.edges[0]!.node).toEqual({ pushToken: null, httpHeaders: null, httpBody: null });
      expect(asViewer.ok().alertChannels[0]).toEqual({ settings: { url: '***REDACTED***', secret: '***REDACTED***' }, revealedSettings: null });
      expect(JSON.stringify(asViewer)).not.toContain('s3cret');
    }

    for (const token of [editor.token, admin.token]) {
      const res = await t.request(Secrets, {}, token);
      expect(res.ok().sites.edges[0]!.node.pushToken).toMatch(/^[0-9a-f]{32}$/);
      expect(res.ok().sites.edges[0]!.node.httpHeaders).toEqual({ 'x-key': 'k' });
      expect(res.ok().sites.edges[0]!.node.httpBody).toBe('token=b0dy');
      expect(res.ok().alertChannels[0]).toEqual({
        settings: { url: '***REDACTED***', secret: '***REDACTED***' },
        revealedSettings: { url: 'https://hooks.example.com/w', secret: 's3cret' },
      });
    }
  });

  it('shows a VIEWER no push token, HTTP header or body, or alert secret on any path, over HTTP, graphql-ws and SSE', async ({
    app: t,
    admin,
    editor,
    viewer,
  }) => {
    await tokensFor(t);
    const site = globalId('Site', 1);
    const pushToken = (await t.app.deps.db.site.findUniqueOrThrow({ where: { id: 1 } })).pushToken!;
    await admin.request(
      'mutation($site: ID!, $channel: ID!) { updateSite(input: { id: $site, alertChannelIds: [$channel] }) { __typename } createMaintenanceWindow(input: { title: "w", siteId: $site }) { __typename } }',
      { site, channel: globalId('AlertChannel', 1) },
    );
    const secrets = [pushToken, '"x-key"', 'b0dy', 's3cret'];
    const siteFields = 'pushToken httpHeaders httpBody alertChannels { revealedSettings }';

    const paths = await viewer.request(
      `query($id: ID!) {
        node(id: $id) { ... on Site { ${siteFields} } }
        site(id: $id) { ${siteFields} }
        sites(first: 5) { edges { node { ${siteFields} } } }
        alertChannels { revealedSettings sites { ${siteFields} } }
        maintenanceWindows { edges { node { site { ${siteFields} } } } }
      }`,
      { id: site },
    );
    expect(paths.errors).toBeUndefined();
    expect(paths.ok().site).toEqual({ pushToken: null, httpHeaders: null, httpBody: null, alertChannels: [{ revealedSettings: null }] });
    for (const secret of secrets) expect(JSON.stringify(paths)).not.toContain(secret);

    const subscription = `subscription { siteStatusChanged { site { ${siteFields} } } }`;
    const viewerWs = collectWs(wsClient(t.wsUrl, viewer.token), subscription);
    const editorWs = collectWs(wsClient(t.wsUrl, editor.token), subscription);
    const viewerSse = await collectSse(t.graphqlUrl, subscription, { token: viewer.token });
    await expect
      .poll(() => {
        t.app.deps.pubsub.publish('site:statusChanged', { siteId: 1, from: 'UP', to: 'DOWN', reason: 'r', changedAt: new Date() });
        return [viewerWs, editorWs, viewerSse].every((c) => c.results.length > 0);
      })
      .toBe(true);
    for (const viewer of [viewerWs, viewerSse]) {
      expect(viewer.results[0]).toEqual({
        data: { siteStatusChanged: { site: { pushToken: null, httpHeaders: null, httpBody: null, alertChannels: [{ revealedSettings: null }] } } },
      });
    }
    expect(dataOf(editorWs.results[0]).siteStatusChanged.site).toMatchObject({ pushToken, httpHeaders: { 'x-key': 'k' }, httpBody: 'token=b0dy' });

    const mutation = collectWs(wsClient(t.wsUrl, viewer.token), 'mutation { createSite(input: { name: "x", type: PUSH }) { __typename } }');
    await mutation.done;
    expect(mutation.results[0]?.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it("lets a user see only their own user record, except for admins; another's answers like a missing one", async ({ admin, viewer }) => {
    const self = await viewer.request(`{ node(id: "${viewer.id}") { id ... on User { username } } }`, {});
    expect(self.ok().node).toEqual({ id: viewer.id, username: 'viewer' });
    const other = await viewer.request(`{ node(id: "${admin.id}") { id ... on User { username } } }`, {});
    const absent = await viewer.request(`{ node(id: "${missing('User')}") { id ... on User { username } } }`, {});
    expect(other).toEqual({ status: 200, data: { node: null } });
    expect(other).toEqual(absent);
    const asAdmin = await admin.request(`{ node(id: "${viewer.id}") { ... on User { username role } } }`, {});
    expect(asAdmin.ok().node).toEqual({ username: 'viewer', role: 'VIEWER' });
  });
});
