import { describe, expect, it } from 'vitest';
import { startTestApp } from '../helpers/app.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('probe', () => {
  it('probes', async () => {
    const t = await startTestApp({ logger: (await import('pino')).default({ level: 'error' }) });
    const tok = t.users.admin.token;
    const out: Record<string, unknown> = {};
    const q = async (name: string, query: string, variables?: Record<string, unknown>, token: string | null = tok) => {
      const r = await t.request(query, variables, token);
      out[name] = { status: r.status, data: r.data, errors: r.errors?.map((e) => [e.message, e.extensions?.code]) };
    };
    await q('createSite', 'mutation { createSite(input: { name: "p", type: PUSH }) { __typename ... on SitePayload { site { id } } } }');
    for (const id of ['', 'garbage', b64('Site:'), b64('Site:1:2'), b64('Site:01'), b64('Site:-1'), b64('Site:99999999999999999999'), 'x'.repeat(10000), b64('Check:1'), b64('StateChange:1'), b64('ApiToken:1'), b64('Session:1')]) {
      await q(`node ${id.slice(0, 30)}`, `query($id: ID!) { node(id: $id) { id __typename } }`, { id });
    }
    await q('node int', `{ node(id: 1) { id } }`);
    await q('site int', `{ site(id: 1) { id } }`);
    await q('first -1', `{ sites(first: -1) { totalCount } }`);
    await q('first 0', `{ sites(first: 0) { totalCount edges { node { id } } } }`);
    await q('last 101', `{ sites(last: 101) { totalCount } }`);
    await q('after garbage', `{ sites(first: 1, after: "garbage") { totalCount } }`);
    await q('checks after garbage', `query($id: ID!) { site(id: $id) { checks(first: 1, after: "zzz") { totalCount } } }`, { id: b64('Site:1') });
    await q('checks after other', `query($id: ID!) { site(id: $id) { checks(first: 1, after: "${b64('GPC:S:abc')}") { totalCount } } }`, { id: b64('Site:1') });
    await q('mw first 101', `{ maintenanceWindows(first: 101) { totalCount } }`);
    await q('mw last 101', `{ maintenanceWindows(last: 101) { totalCount } }`);
    await q('stateChanges first 101', `query($id: ID!) { site(id: $id) { stateChanges(first: 101) { totalCount } } }`, { id: b64('Site:1') });
    await q('checks last 101', `query($id: ID!) { site(id: $id) { checks(last: 101) { totalCount } } }`, { id: b64('Site:1') });
    await q('logs -1', `{ logs(first: -1) { message } }`);
    await q('input wrong type', `mutation($input: CreateSiteInput!) { createSite(input: $input) { __typename } }`, { input: 'x' });
    await q('port overflow', `mutation { createSite(input: { name: "x", type: PORT, hostname: "h", port: 99999999999 }) { __typename } }`);
    await q('headers non-object', `mutation { createSite(input: { name: "x", type: HTTP, url: "http://a.b", httpHeaders: "x" }) { __typename ... on ValidationError { field message } } }`);
    await q('headers array', `mutation { createSite(input: { name: "x", type: HTTP, url: "http://a.b", httpHeaders: ["x"] }) { __typename ... on ValidationError { field message } } }`);
    await q('headers nested', `mutation { createSite(input: { name: "x", type: HTTP, url: "http://a.b", httpHeaders: {a: {b: 1}} }) { __typename ... on ValidationError { field message } } }`);
    await q('dup channel ids', `mutation($c: ID!) { createSite(input: { name: "x", type: PUSH, alertChannelIds: [$c, $c] }) { __typename ... on ValidationError { field message } } }`, { c: b64('AlertChannel:5') });
    await q('update wrong type id', `mutation($id: ID!) { updateSite(input: { id: $id, name: "y" }) { __typename ... on Error { message } } }`, { id: b64('User:1') });
    await q('update name null', `mutation($id: ID!) { updateSite(input: { id: $id, name: null }) { __typename ... on Error { message } } }`, { id: b64('Site:1') });
    await q('update type null', `mutation($id: ID!) { updateSite(input: { id: $id, type: null }) { __typename ... on Error { message } } }`, { id: b64('Site:1') });
    await q('channel settings null', `mutation { createAlertChannel(input: { name: "x", provider: SLACK, settings: null }) { __typename ... on Error { message } } }`);
    await q('channel update provider null', `mutation { updateAlertChannel(input: { id: "${b64('AlertChannel:1')}", provider: null }) { __typename ... on Error { message } } }`);
    await q('channel settings array', `mutation { createAlertChannel(input: { name: "x", provider: SLACK, settings: [1] }) { __typename ... on ValidationError { field message } } }`);
    await q('mw title null', `mutation { createMaintenanceWindow(input: { title: "x", type: null, siteId: null }) { __typename ... on Error { message } } }`);
    await q('mw huge duration', `mutation { createMaintenanceWindow(input: { title: "x", recurrence: "* * * * *", durationMinutes: 2147483647 }) { __typename ... on Error { message } } }`);
    await q('mw bad date', `mutation { createMaintenanceWindow(input: { title: "x", startsAt: "yesterday" }) { __typename } }`);
    await q('user role null', `mutation { createUser(input: { username: "zed", password: "long-password", role: null }) { __typename ... on Error { message } } }`);
    await q('updateUser role null', `mutation { updateUser(input: { id: "${t.users.viewer.id}", role: null, username: null, password: null }) { __typename ... on Error { message } } }`);
    await q('apitoken readOnly null', `mutation { createApiToken(input: { name: "n", readOnly: null }) { __typename ... on ApiTokenPayload { apiToken { readOnly } } } }`);
    await q('uptime bad', `query($id: ID!) { site(id: $id) { uptime(from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { uptimePercent } } }`, { id: b64('Site:1') });
    await q('sites search huge', `query($s: String) { sites(search: $s) { totalCount } }`, { s: 'a'.repeat(100000) });
    await q('heartbeat huge', `mutation($t: String!) { heartbeat(input: { token: $t }) { __typename } }`, { t: 'a'.repeat(100000) }, null);
    await q('login huge', `mutation($u: String!) { login(input: { username: $u, password: "x" }) { __typename } }`, { u: 'a'.repeat(100000) }, null);
    await q('mutation batch alias', `mutation { a: logout b: logout }`);
    await q('createdBy viewer', `{ maintenanceWindows { edges { node { createdBy } } } }`, undefined, t.users.viewer.token);
    const raw = async (name: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${t.users.editor.token}` }) => {
      const r = await fetch(t.graphqlUrl, { method: 'POST', headers, body });
      out[name] = { status: r.status, body: (await r.text()).slice(0, 300) };
    };
    await raw('malformed json', '{"query": ');
    await raw('array body', '[{"query":"{ __typename }"}]');
    await raw('null body', 'null');
    await raw('query number', '{"query": 5}');
    await raw('variables string', '{"query":"{ __typename }", "variables": "x"}');
    await raw('extensions weird', '{"query":"{ __typename }", "extensions": {"persistedQuery": 1}}');
    for (const depth of [5000, 100000]) {
      const deep = '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      await raw(`deep JSON ${depth}`, `{"query":"mutation($s: JSON!) { createAlertChannel(input: { name: \\"x\\", provider: WEBHOOK, settings: $s }) { __typename ... on ValidationError { field message } } }","variables":{"s":${deep}}}`);
      await raw(`deep JSON headers ${depth}`, `{"query":"mutation($s: JSON!) { createSite(input: { name: \\"x\\", type: HTTP, url: \\"http://a.b\\", httpHeaders: $s }) { __typename ... on ValidationError { field message } } }","variables":{"s":${deep}}}`);
    }
    const health = await fetch(`${t.url}/healthz`);
    out.alive = health.status;
    console.log(JSON.stringify(out, null, 1));
  });
});
